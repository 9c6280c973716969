/**
 * MLflow tracking (`runs/get`, `metrics/get-history`) and the Unity Catalog registry routes the MLflow
 * client uses (`/api/2.0/mlflow/unity-catalog/...`), the only place model-version tags live. Version
 * numbers are strings here, integers in `/api/2.1/unity-catalog`. Metrics carry `dataset_name` and
 * `dataset_digest` when the scenario logged them, so clients can refuse cross-dataset comparisons.
 */
import type {
  GetMetricHistoryResponse,
  GetRunResponse,
  Metric,
  ModelVersion,
  RunTag,
} from '@databricks/sdk-experimental/dist/apis/ml/model';
import {
  decodePageToken,
  encodePageToken,
  invalidParameter,
  jsonBody,
  notFound,
  ok,
  parseInteger,
  requiredQuery,
  type EmulatorRequest,
  type Reply,
  type Route,
} from '../http-kit';
import type { EmulatorContext } from '../server';
import type { ScenarioMetric, ScenarioMlflowRun } from '../scenario';
import type { ModelRecord, ModelVersionRecord } from '../state';
import { checkAliasName, findAlias, findModel, findVersion, requireOwner } from './unity-catalog';

/**
 * The UC registry's model version message (databricks_uc_registry_messages.proto): the SDK's
 * workspace-registry `ModelVersion` plus the UC-only fields.
 */
export interface UcModelVersion extends Omit<ModelVersion, 'current_stage' | 'run_link'> {
  run_experiment_id?: string;
  storage_location?: string;
  aliases?: Array<{ alias: string; version: string }>;
  /** MLflow 3: the logged model the version was registered from. */
  model_id?: string;
}

/** The UC registry's registered model message. */
export interface UcRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description?: string;
  aliases?: Array<{ alias: string; version: string }>;
  tags?: RunTag[];
}

const maxHistoryResults = 25000;

function metricToApi(metric: ScenarioMetric, runId: string, fallbackTime: number): Metric {
  return {
    key: metric.key,
    value: metric.value,
    timestamp: metric.timestamp ?? fallbackTime,
    step: metric.step ?? 0,
    ...(metric.datasetName !== undefined ? { dataset_name: metric.datasetName } : {}),
    ...(metric.datasetDigest !== undefined ? { dataset_digest: metric.datasetDigest } : {}),
    ...(metric.modelId !== undefined ? { model_id: metric.modelId } : {}),
    run_id: runId,
  };
}

/** Latest value per key, as `runs/get` reports it (highest step, then latest timestamp). */
function latestMetrics(run: ScenarioMlflowRun, fallbackTime: number): Metric[] {
  const latest = new Map<string, ScenarioMetric>();
  for (const metric of run.metrics ?? []) {
    const current = latest.get(metric.key);
    const newer =
      !current ||
      (metric.step ?? 0) > (current.step ?? 0) ||
      ((metric.step ?? 0) === (current.step ?? 0) && (metric.timestamp ?? 0) >= (current.timestamp ?? 0));
    if (newer) latest.set(metric.key, metric);
  }
  return [...latest.values()].map((m) => metricToApi(m, run.runId, fallbackTime));
}

function parseVersionString(value: unknown): number {
  if (typeof value !== 'string' && typeof value !== 'number') throw invalidParameter('Missing required field: version');
  return parseInteger('version', String(value));
}

export function mlflowRoutes(context: EmulatorContext): Route[] {
  function findRun(runId: string): ScenarioMlflowRun {
    const run = context.state.mlflowRuns.get(runId);
    if (!run) throw notFound(`Run '${runId}' not found.`);
    return run;
  }

  function getRun(request: EmulatorRequest): Reply {
    const runId = request.query.get('run_id') ?? request.query.get('run_uuid');
    if (!runId) throw invalidParameter('Missing required field: run_id');
    const run = findRun(runId);
    const startTime = run.startTime ?? context.now();
    const response: GetRunResponse = {
      run: {
        info: {
          run_id: run.runId,
          run_uuid: run.runId,
          run_name: run.runName ?? run.runId,
          experiment_id: run.experimentId ?? '1',
          user_id: run.userId ?? '',
          status: run.status ?? 'FINISHED',
          start_time: startTime,
          ...(run.endTime !== undefined || (run.status ?? 'FINISHED') !== 'RUNNING' ? { end_time: run.endTime ?? startTime } : {}),
          artifact_uri: `dbfs:/databricks/mlflow-tracking/${run.experimentId ?? '1'}/${run.runId}/artifacts`,
          lifecycle_stage: 'active',
        },
        data: {
          metrics: latestMetrics(run, startTime),
          params: Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value })),
          tags: Object.entries(run.tags ?? {}).map(([key, value]) => ({ key, value })),
        },
        inputs: {
          dataset_inputs: (run.datasets ?? []).map((d) => ({
            dataset: { name: d.name, digest: d.digest, source_type: d.sourceType ?? 'delta_table', source: d.source ?? '{}' },
            tags: d.context ? [{ key: 'mlflow.data.context', value: d.context }] : [],
          })),
        },
      },
    };
    return ok(response);
  }

  function metricHistory(request: EmulatorRequest): Reply {
    const runId = request.query.get('run_id') ?? request.query.get('run_uuid');
    if (!runId) throw invalidParameter('Missing required field: run_id');
    const key = requiredQuery(request, 'metric_key');
    const maxText = request.query.get('max_results');
    const max = maxText === null ? maxHistoryResults : parseInteger('max_results', maxText);
    if (max < 1 || max > maxHistoryResults) throw invalidParameter(`max_results must be between 1 and ${maxHistoryResults}.`);
    const run = findRun(runId);
    const offset = decodePageToken(request.query.get('page_token'));
    const all = (run.metrics ?? []).filter((m) => m.key === key).map((m) => metricToApi(m, run.runId, run.startTime ?? context.now()));
    const page = all.slice(offset, offset + max);
    const response: GetMetricHistoryResponse = {
      ...(page.length > 0 ? { metrics: page } : {}),
      ...(offset + max < all.length ? { next_page_token: encodePageToken(offset + max) } : {}),
    };
    return ok(response);
  }

  function ucVersion(model: ModelRecord, record: ModelVersionRecord): UcModelVersion {
    const experimentId = record.runId ? context.state.mlflowRuns.get(record.runId)?.experimentId : undefined;
    const aliases = [...model.aliases].filter(([, v]) => v === record.version).map(([alias]) => ({ alias, version: String(record.version) }));
    const tags = [...record.tags].map(([key, value]) => ({ key, value }));
    return {
      name: model.fullName,
      version: String(record.version),
      creation_timestamp: record.createdAt,
      last_updated_timestamp: record.updatedAt,
      user_id: record.createdBy,
      ...(record.comment !== undefined ? { description: record.comment } : {}),
      source: record.source,
      ...(record.runId ? { run_id: record.runId } : {}),
      ...(experimentId ? { run_experiment_id: experimentId } : {}),
      // The proto's status enum has no UNKNOWN; UC's MODEL_VERSION_STATUS_UNKNOWN maps to pending.
      status: record.status === 'MODEL_VERSION_STATUS_UNKNOWN' ? 'PENDING_REGISTRATION' : record.status,
      storage_location: `abfss://metastore@emulator.dfs.core.windows.net/models/${model.id}/versions/${record.id}`,
      ...(aliases.length > 0 ? { aliases } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      ...(record.modelId ? { model_id: record.modelId } : {}),
    };
  }

  /** Reads a field from the JSON body, or from the query (DELETE callers send either). */
  function field(request: EmulatorRequest, name: string): string | undefined {
    const body = request.raw.length > 0 ? jsonBody<Record<string, unknown>>(request) : {};
    const value = body[name] ?? request.query.get(name) ?? undefined;
    return value === undefined || value === null ? undefined : String(value);
  }

  function required(request: EmulatorRequest, name: string): string {
    const value = field(request, name);
    if (value === undefined || value === '') throw invalidParameter(`Missing required field: ${name}`);
    return value;
  }

  function getModelVersion(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    const record = findVersion(model, parseVersionString(required(request, 'version')));
    return ok({ model_version: ucVersion(model, record) });
  }

  /** Supports the filters clients send: `name='<full name>'`, optionally `AND run_id='<id>'`. */
  function searchModelVersions(request: EmulatorRequest): Reply {
    const filter = request.query.get('filter') ?? '';
    const clauses = filter.trim() === '' ? [] : filter.split(/\s+AND\s+/i);
    const conditions = clauses.map((clause) => {
      const match = /^\s*(name|run_id)\s*=\s*(['"])(.*)\2\s*$/i.exec(clause);
      if (!match) throw invalidParameter(`Unsupported filter '${clause}': expected name='<catalog>.<schema>.<model>' [AND run_id='<id>'].`);
      return { key: match[1].toLowerCase(), value: match[3] };
    });
    const nameCondition = conditions.find((c) => c.key === 'name');
    if (!nameCondition) throw invalidParameter("Searching model versions requires a filter on name, e.g. name='main.ml.churn'.");
    const maxText = request.query.get('max_results');
    const max = maxText === null ? 10000 : parseInteger('max_results', maxText);
    if (max < 1 || max > 10000) throw invalidParameter('max_results must be between 1 and 10000.');
    const model = context.state.models.get(nameCondition.value.toLowerCase());
    const runCondition = conditions.find((c) => c.key === 'run_id');
    const all = model
      ? [...model.versions.values()]
          .filter((v) => !runCondition || v.runId === runCondition.value)
          .sort((a, b) => b.version - a.version)
          .map((v) => ucVersion(model, v))
      : [];
    const offset = decodePageToken(request.query.get('page_token'));
    const page = all.slice(offset, offset + max);
    return ok({
      ...(page.length > 0 ? { model_versions: page } : {}),
      ...(offset + max < all.length ? { next_page_token: encodePageToken(offset + max) } : {}),
    });
  }

  function setVersionTag(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    const record = findVersion(model, parseVersionString(required(request, 'version')));
    const key = required(request, 'key');
    record.tags.set(key, field(request, 'value') ?? '');
    return ok({});
  }

  function deleteVersionTag(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    const record = findVersion(model, parseVersionString(required(request, 'version')));
    const key = required(request, 'key');
    if (!record.tags.delete(key)) throw notFound(`Tag '${key}' does not exist on version ${record.version} of '${model.fullName}'.`);
    return ok({});
  }

  function getRegisteredModel(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    const aliases = [...model.aliases].map(([alias, version]) => ({ alias, version: String(version) }));
    const tags = [...model.tags].map(([key, value]) => ({ key, value }));
    const registered: UcRegisteredModel = {
      name: model.fullName,
      creation_timestamp: model.createdAt,
      last_updated_timestamp: model.updatedAt,
      user_id: model.owner,
      ...(model.comment !== undefined ? { description: model.comment } : {}),
      ...(aliases.length > 0 ? { aliases } : {}),
      ...(tags.length > 0 ? { tags } : {}),
    };
    return ok({ registered_model: registered });
  }

  function getByAlias(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    return ok({ model_version: ucVersion(model, findAlias(model, required(request, 'alias'))) });
  }

  function setAlias(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    const alias = required(request, 'alias');
    checkAliasName(alias);
    const version = parseVersionString(required(request, 'version'));
    requireOwner(model, request.caller!.identity, 'set an alias');
    findVersion(model, version);
    model.aliases.set(alias, version);
    model.updatedAt = context.now();
    return ok({});
  }

  function deleteAlias(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    const alias = required(request, 'alias');
    requireOwner(model, request.caller!.identity, 'delete an alias');
    findAlias(model, alias);
    model.aliases.delete(alias);
    model.updatedAt = context.now();
    return ok({});
  }

  function setModelTag(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    model.tags.set(required(request, 'key'), field(request, 'value') ?? '');
    return ok({});
  }

  function deleteModelTag(request: EmulatorRequest): Reply {
    const model = findModel(context.state, required(request, 'name'));
    const key = required(request, 'key');
    if (!model.tags.delete(key)) throw notFound(`Tag '${key}' does not exist on '${model.fullName}'.`);
    return ok({});
  }

  const uc = (rest: string): RegExp => new RegExp(`^/api/2\\.0/mlflow/unity-catalog/${rest}$`);
  return [
    { method: 'GET', pattern: /^\/api\/2\.0\/mlflow\/runs\/get$/, auth: 'workspace', handle: getRun },
    { method: 'GET', pattern: /^\/api\/2\.0\/mlflow\/metrics\/get-history$/, auth: 'workspace', handle: metricHistory },
    { method: 'GET', pattern: uc('model-versions/get'), auth: 'workspace', handle: getModelVersion },
    { method: 'GET', pattern: uc('model-versions/search'), auth: 'workspace', handle: searchModelVersions },
    { method: 'POST', pattern: uc('model-versions/tags'), auth: 'workspace', handle: setVersionTag },
    { method: 'DELETE', pattern: uc('model-versions/tags'), auth: 'workspace', handle: deleteVersionTag },
    { method: 'GET', pattern: uc('registered-models/get'), auth: 'workspace', handle: getRegisteredModel },
    { method: 'GET', pattern: uc('registered-models/alias'), auth: 'workspace', handle: getByAlias },
    { method: 'POST', pattern: uc('registered-models/alias'), auth: 'workspace', handle: setAlias },
    { method: 'DELETE', pattern: uc('registered-models/alias'), auth: 'workspace', handle: deleteAlias },
    { method: 'POST', pattern: uc('registered-models/tags'), auth: 'workspace', handle: setModelTag },
    { method: 'DELETE', pattern: uc('registered-models/tags'), auth: 'workspace', handle: deleteModelTag },
  ];
}
