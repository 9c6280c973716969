/**
 * The serving endpoint state machine and its REST views: validation of a configuration as the
 * service does it (served entities, traffic routes summing to 100, inference table settings that
 * cannot change while enabled), the lazy advance of an update by the emulator clock, and the
 * `ServingEndpointDetailed` shape of `GET /api/2.0/serving-endpoints/{name}`.
 */
import { randomUUID } from 'node:crypto';
import type {
  EndpointCoreConfigInput,
  EndpointCoreConfigOutput,
  EndpointPendingConfig,
  ServedEntityOutput,
  ServingEndpointDetailed,
} from '@databricks/sdk-experimental/dist/apis/serving/model';
import { EmulatorApiError, invalidParameter, notFound } from './http-kit';
import type { IdentityName, Scenario } from './scenario';
import type { ScenarioEndpointConfig, ServedConfigRecord, ServingEndpointRecord, ServingState } from './serving-state';
import type { WorkspaceState } from './state';

const namePattern = /^[A-Za-z0-9_-]+$/;
const workloadSizes = ['Small', 'Medium', 'Large'];

/** Moves an update whose time is up to its end: applied, or failed with the old configuration serving. */
export function advanceEndpoint(record: ServingEndpointRecord, now: number): void {
  const pending = record.pending;
  if (!pending || pending.finished || now < pending.readyAt) return;
  if (pending.failure) {
    pending.finished = 'UPDATE_FAILED';
    return;
  }
  record.config = pending.config;
  record.pending = undefined;
  record.updatedAt = now;
}

/** `state.config_update` of an endpoint. */
export function configUpdateState(record: ServingEndpointRecord): 'IN_PROGRESS' | 'NOT_UPDATING' | 'UPDATE_FAILED' {
  if (!record.pending) return 'NOT_UPDATING';
  return record.pending.finished ?? 'IN_PROGRESS';
}

function entityDefaultName(entityName: string, version: string): string {
  return `${entityName.split('.').pop() ?? entityName}-${version}`;
}

/**
 * Checks a configuration as the service does and turns it into a record. Model versions must exist
 * in Unity Catalog; an entity that keeps its name and settings keeps its creation time.
 */
export function buildConfig(state: WorkspaceState, body: Partial<ScenarioEndpointConfig> | Omit<EndpointCoreConfigInput, 'name'>, previous: ServedConfigRecord | undefined, caller: IdentityName, now: number): ServedConfigRecord {
  const served = body.served_entities;
  if (!Array.isArray(served) || served.length === 0) throw invalidParameter('The served_entities field is required and must contain at least one served entity.');
  const entities: ServedConfigRecord['entities'] = [];
  for (const entity of served) {
    if (!entity.entity_name || !entity.entity_version) throw invalidParameter('Each served entity needs entity_name and entity_version.');
    const model = state.models.get(entity.entity_name.toLowerCase());
    if (!model || !model.versions.has(Number(entity.entity_version))) {
      throw notFound(`Model '${entity.entity_name}' version ${entity.entity_version} does not exist or you do not have EXECUTE on it.`);
    }
    const name = entity.name ?? entityDefaultName(entity.entity_name, entity.entity_version);
    if (!namePattern.test(name)) throw invalidParameter(`Invalid served entity name '${name}': use letters, digits, '-' and '_'.`);
    if (entities.some((other) => other.name === name)) throw invalidParameter(`Served entity name '${name}' is used more than once.`);
    const concurrency = entity.min_provisioned_concurrency !== undefined || entity.max_provisioned_concurrency !== undefined;
    if (!concurrency && (entity.workload_size === undefined || !workloadSizes.includes(entity.workload_size))) {
      throw invalidParameter(`Served entity '${name}': workload_size must be one of ${workloadSizes.join(', ')} (got ${String(entity.workload_size)}).`);
    }
    const before = previous?.entities.find((other) => other.name === name);
    const { creation_timestamp: _created, creator: _creator, ...beforeSettings } = before ?? { creation_timestamp: 0, creator: '' };
    const settings = { ...entity, name, scale_to_zero_enabled: entity.scale_to_zero_enabled ?? false };
    const unchanged = before !== undefined && JSON.stringify(sorted(beforeSettings)) === JSON.stringify(sorted(settings));
    entities.push({ ...settings, creation_timestamp: unchanged ? before.creation_timestamp : now, creator: unchanged ? before.creator : caller });
  }
  return { entities, traffic: checkTraffic(body, entities), autoCapture: checkAutoCapture(body, previous), version: (previous?.version ?? 0) + 1 };
}

function sorted(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
}

function checkTraffic(body: Pick<ScenarioEndpointConfig, 'traffic_config'>, entities: ServedConfigRecord['entities']): ServedConfigRecord['traffic'] {
  const routes = body.traffic_config?.routes;
  if (!routes) {
    if (entities.length > 1) throw invalidParameter('traffic_config is required when more than one entity is served.');
    return { routes: [{ served_entity_name: entities[0].name, traffic_percentage: 100 }] };
  }
  let total = 0;
  const seen = new Set<string>();
  for (const route of routes) {
    const name = route.served_entity_name ?? route.served_model_name ?? '';
    if (!entities.some((entity) => entity.name === name)) throw invalidParameter(`Traffic route names served entity '${name}', which is not in served_entities.`);
    if (seen.has(name)) throw invalidParameter(`Served entity '${name}' has more than one traffic route.`);
    if (!Number.isInteger(route.traffic_percentage) || route.traffic_percentage < 0 || route.traffic_percentage > 100) {
      throw invalidParameter(`Traffic percentage of '${name}' must be an integer between 0 and 100.`);
    }
    seen.add(name);
    total += route.traffic_percentage;
  }
  if (total !== 100) throw invalidParameter(`The traffic percentages of the routes must add up to 100 (they add up to ${total}).`);
  return { routes: routes.map((route) => ({ served_entity_name: route.served_entity_name ?? route.served_model_name, traffic_percentage: route.traffic_percentage })) };
}

function checkAutoCapture(body: Pick<ScenarioEndpointConfig, 'auto_capture_config'>, previous: ServedConfigRecord | undefined): ServedConfigRecord['autoCapture'] {
  const before = previous?.autoCapture;
  const next = body.auto_capture_config;
  if (next === undefined) return before;
  if (before?.enabled) {
    for (const key of ['catalog_name', 'schema_name', 'table_name_prefix'] as const) {
      if (next[key] !== undefined && next[key] !== before[key]) throw invalidParameter(`Cannot change ${key} of auto_capture_config while the inference table is enabled.`);
    }
  }
  return { ...before, ...next };
}

/** Starts an update to `config`; a served model scripted to fail makes it end `UPDATE_FAILED`. */
export function startUpdate(serving: ServingState, record: ServingEndpointRecord, config: ServedConfigRecord, now: number): void {
  const changed = config.entities.filter((entity) => entity.creation_timestamp === now);
  const failing = changed.find((entity) => serving.behaviour(entity.entity_name, entity.entity_version)?.deploymentFailure !== undefined);
  record.pending = {
    config,
    startedAt: now,
    readyAt: now + serving.updateMs,
    failure: failing ? { servedName: failing.name, message: serving.behaviour(failing.entity_name, failing.entity_version)!.deploymentFailure! } : undefined,
  };
  record.updatedAt = now;
}

/** Adds the scenario's serving endpoints and served-model behaviours. */
export function seedServing(state: WorkspaceState, seed: NonNullable<Scenario['serving']>): void {
  const now = state.now();
  if (seed.updateMs !== undefined) state.serving.updateMs = seed.updateMs;
  state.serving.models.push(...(seed.models ?? []));
  for (const endpoint of seed.endpoints ?? []) {
    const creator = endpoint.creator ?? 'owner@example.com';
    const record: ServingEndpointRecord = {
      name: endpoint.name,
      id: randomUUID().replace(/-/g, ''),
      creator,
      createdAt: now,
      updatedAt: now,
      tags: endpoint.tags ?? [],
      rateLimits: endpoint.rate_limits,
      aiGateway: endpoint.ai_gateway,
    };
    record.config = buildConfig(state, endpoint.config, undefined, creator, now);
    if (endpoint.updateInProgress) startUpdate(state.serving, record, buildConfig(state, endpoint.updateInProgress, record.config, creator, now), now);
    state.serving.endpoints.set(endpoint.name, record);
  }
}

/** The endpoint, advanced to `now`, or 404 as the service answers. */
export function findEndpoint(state: WorkspaceState, name: string, now: number): ServingEndpointRecord {
  const record = state.serving.endpoints.get(name);
  if (!record) throw notFound(`Endpoint with name '${name}' does not exist.`);
  advanceEndpoint(record, now);
  return record;
}

/** The 409 the service answers to a second update. */
export function updateConflict(name: string): EmulatorApiError {
  return new EmulatorApiError(409, 'RESOURCE_CONFLICT', `Endpoint '${name}' is currently being updated. Please wait until the update completes before making another update.`);
}

function entityView(entity: ServedConfigRecord['entities'][number], deployment: NonNullable<ServedEntityOutput['state']>): ServedEntityOutput {
  return { ...entity, state: deployment };
}

function configView(config: ServedConfigRecord, deployment: (name: string) => NonNullable<ServedEntityOutput['state']>): EndpointCoreConfigOutput {
  return {
    served_entities: config.entities.map((entity) => entityView(entity, deployment(entity.name))),
    traffic_config: { routes: config.traffic.routes?.map((route) => ({ ...route })) },
    ...(config.autoCapture ? { auto_capture_config: { ...config.autoCapture } } : {}),
    config_version: config.version,
  };
}

/** `GET /api/2.0/serving-endpoints/{name}`. */
export function endpointView(record: ServingEndpointRecord): ServingEndpointDetailed {
  const update = configUpdateState(record);
  const pending = record.pending;
  const pendingView: EndpointPendingConfig | undefined = pending
    ? {
        ...configView(pending.config, (name) =>
          pending.failure?.servedName === name && pending.finished
            ? { deployment: 'DEPLOYMENT_FAILED', deployment_state_message: pending.failure.message }
            : { deployment: 'DEPLOYMENT_CREATING', deployment_state_message: 'Creating the served entity: building the container image.' },
        ),
        start_time: pending.startedAt,
      }
    : undefined;
  return {
    name: record.name,
    id: record.id,
    creator: record.creator,
    creation_timestamp: record.createdAt,
    last_updated_timestamp: record.updatedAt,
    state: { ready: record.config ? 'READY' : 'NOT_READY', config_update: update },
    ...(record.config ? { config: configView(record.config, () => ({ deployment: 'DEPLOYMENT_READY', deployment_state_message: 'Served entity creation succeeded.' })) } : {}),
    ...(pendingView ? { pending_config: pendingView } : {}),
    tags: record.tags,
    ...(record.rateLimits ? { rate_limits: record.rateLimits } : {}),
    ...(record.aiGateway ? { ai_gateway: record.aiGateway } : {}),
    permission_level: 'CAN_MANAGE',
    route_optimized: false,
  } as ServingEndpointDetailed;
}
