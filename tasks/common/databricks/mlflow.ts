/**
 * MLflow tracking (`/api/2.0/mlflow/runs/get`, `metrics/get-history`) and the Unity Catalog
 * registry routes of the MLflow client (`/api/2.0/mlflow/unity-catalog/...`), the only routes that
 * carry model-version tags. Version numbers are strings on these routes and integers on
 * `/api/2.1/unity-catalog` (MLflow's client contract:
 * https://github.com/mlflow/mlflow/blob/master/mlflow/protos/databricks_uc_registry_messages.proto;
 * Unity Catalog: https://docs.databricks.com/api/azure/workspace/modelversions).
 */
import type { GetMetricHistoryResponse, GetRunResponse, Metric, ModelVersion, ModelVersionTag, Run } from '@databricks/sdk-experimental/dist/apis/ml/model';
import type { DatabricksApiClient } from './api-client';

export type { Metric, Run };

/** A UC registry model version (`databricks_uc_registry_messages.proto`): the workspace-registry message plus UC fields. */
export interface UcModelVersion extends Omit<ModelVersion, 'current_stage' | 'run_link' | 'tags'> {
  run_experiment_id?: string;
  storage_location?: string;
  aliases?: Array<{ alias: string; version: string }>;
  tags?: ModelVersionTag[];
}

/** One page of a model version search. */
export interface UcModelVersionPage {
  model_versions?: UcModelVersion[];
  next_page_token?: string;
}

/** Per-call options. */
export interface MlflowCallOptions {
  signal?: AbortSignal;
}

/** The service's maximum page size for metric history. */
export const maxMetricHistoryPage = 25000;

/** Typed calls for MLflow runs and the UC model registry routes of MLflow. */
export class MlflowClient {
  constructor(private readonly client: DatabricksApiClient) {}

  /** `GET runs/get?run_id=`: info, latest metric per key (with dataset fields in MLflow 3), params, tags, inputs. */
  async getRun(runId: string, options: MlflowCallOptions = {}): Promise<Run> {
    const response = await this.client.call<GetRunResponse>('GET', '/api/2.0/mlflow/runs/get', { query: { run_id: runId }, signal: options.signal });
    if (!response.run) throw new Error(`GET /api/2.0/mlflow/runs/get returned no run for '${runId}'.`);
    return response.run;
  }

  /** Every logged value of a metric (`metrics/get-history`), following `next_page_token` to the end. */
  async getMetricHistory(runId: string, metricKey: string, options: MlflowCallOptions = {}): Promise<Metric[]> {
    const metrics: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.call<GetMetricHistoryResponse>('GET', '/api/2.0/mlflow/metrics/get-history', {
        query: { run_id: runId, metric_key: metricKey, max_results: maxMetricHistoryPage, page_token: pageToken },
        signal: options.signal,
      });
      metrics.push(...(page.metrics ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return metrics;
  }

  /** `GET unity-catalog/model-versions/get`: a UC model version with its tags and aliases. */
  async getModelVersion(fullName: string, version: number | string, options: MlflowCallOptions = {}): Promise<UcModelVersion> {
    const response = await this.client.call<{ model_version?: UcModelVersion }>('GET', '/api/2.0/mlflow/unity-catalog/model-versions/get', {
      query: { name: fullName, version: String(version) },
      signal: options.signal,
    });
    if (!response.model_version) throw new Error(`GET /api/2.0/mlflow/unity-catalog/model-versions/get returned no model version for ${fullName} version ${version}.`);
    return response.model_version;
  }

  /** One page of `GET unity-catalog/model-versions/search?filter=` (e.g. `name='cat.sch.model'`). */
  searchModelVersions(filter: string, page: { maxResults?: number; pageToken?: string } = {}, options: MlflowCallOptions = {}): Promise<UcModelVersionPage> {
    return this.client.call<UcModelVersionPage>('GET', '/api/2.0/mlflow/unity-catalog/model-versions/search', {
      query: { filter, max_results: page.maxResults, page_token: page.pageToken },
      signal: options.signal,
    });
  }

  /** Every version of a model, newest first as the service orders them, following pages to the end. */
  async listModelVersions(fullName: string, options: MlflowCallOptions = {}): Promise<UcModelVersion[]> {
    const versions: UcModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.searchModelVersions(`name='${fullName.replace(/'/g, "\\'")}'`, { pageToken }, options);
      versions.push(...(page.model_versions ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return versions;
  }

  /** `POST unity-catalog/model-versions/tags`: sets (or overwrites) one tag; safe to repeat. */
  async setModelVersionTag(fullName: string, version: number | string, key: string, value: string, options: MlflowCallOptions = {}): Promise<void> {
    await this.client.call<unknown>('POST', '/api/2.0/mlflow/unity-catalog/model-versions/tags', {
      body: { name: fullName, version: String(version), key, value },
      idempotent: true,
      signal: options.signal,
    });
  }

  /** `DELETE unity-catalog/model-versions/tags`: removes one tag. */
  async deleteModelVersionTag(fullName: string, version: number | string, key: string, options: MlflowCallOptions = {}): Promise<void> {
    await this.client.call<unknown>('DELETE', '/api/2.0/mlflow/unity-catalog/model-versions/tags', {
      body: { name: fullName, version: String(version), key },
      idempotent: true,
      signal: options.signal,
    });
  }
}

/** A run's tags as a map. */
export function runTags(run: Run): Map<string, string> {
  return new Map((run.data?.tags ?? []).filter((t) => t.key !== undefined).map((t) => [t.key as string, t.value ?? '']));
}
