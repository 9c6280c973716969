/**
 * MLflow 3 logged models: `GET /api/2.0/mlflow/logged-models/{model_id}` → `{ model: { info, data } }`
 * (see https://docs.databricks.com/api/azure/workspace/experiments/getloggedmodel). The entity carries no signature; that lives
 * in the model's MLmodel artifact. A missing id answers 404 `RESOURCE_DOES_NOT_EXIST`.
 */
import type { LoggedModel } from '@databricks/sdk-experimental/dist/apis/ml/model';
import { notFound, ok, type EmulatorRequest, type Reply, type Route } from '../http-kit';
import type { EmulatorContext } from '../server';

export function loggedModelRoutes(context: EmulatorContext): Route[] {
  function getLoggedModel(request: EmulatorRequest): Reply {
    const modelId = decodeURIComponent(request.params.modelId ?? '');
    const logged = context.state.loggedModels.get(modelId);
    if (!logged) throw notFound(`Logged model with ID '${modelId}' not found.`);
    const now = context.now();
    const experimentId = logged.experimentId ?? (logged.sourceRunId ? context.state.mlflowRuns.get(logged.sourceRunId)?.experimentId : undefined) ?? '1';
    const model: LoggedModel = {
      info: {
        model_id: logged.modelId,
        name: logged.name ?? 'model',
        experiment_id: experimentId,
        ...(logged.sourceRunId ? { source_run_id: logged.sourceRunId } : {}),
        status: logged.status ?? 'LOGGED_MODEL_READY',
        ...(logged.modelType ? { model_type: logged.modelType } : {}),
        artifact_uri: `dbfs:/databricks/mlflow-tracking/${experimentId}/logged_models/${logged.modelId}/artifacts`,
        creation_timestamp_ms: now,
        last_updated_timestamp_ms: now,
        tags: Object.entries(logged.tags ?? {}).map(([key, value]) => ({ key, value })),
      },
      data: { params: Object.entries(logged.params ?? {}).map(([key, value]) => ({ key, value })) },
    };
    return ok({ model });
  }

  return [{ method: 'GET', pattern: /^\/api\/2\.0\/mlflow\/logged-models\/(?<modelId>[^/]+)$/, auth: 'workspace', handle: getLoggedModel }];
}
