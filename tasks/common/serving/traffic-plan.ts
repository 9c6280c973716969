/**
 * The configuration a rollout sends, computed from the configuration the endpoint has. Pure: the
 * endpoint's own configuration is the template (workload size and type, scale to zero, environment
 * variables, other served entities, inference tables), so nothing is rebuilt from guesses; only the
 * served entities of the rolled-out model and their routes change.
 */
import type {
  EndpointCoreConfigInput,
  EndpointCoreConfigOutput,
  EndpointPendingConfig,
  ServedEntityInput,
  ServedEntityOutput,
  TrafficConfig,
} from '../databricks/serving';

/** How the new version takes the traffic. */
export type RolloutStrategy = 'replace' | 'canary' | 'promoteCanary';

/** The rollout strategies, as the `strategy` input accepts them. */
export const rolloutStrategies: readonly RolloutStrategy[] = ['replace', 'canary', 'promoteCanary'];

/** What to serve. */
export interface RolloutTarget {
  /** `catalog.schema.model`. */
  modelName: string;
  /** The model version to serve, as the serving API spells it (a string). */
  version: string;
  strategy: RolloutStrategy;
  /** Share of the model's traffic for the new version with `canary`, 1..99. */
  canaryPercent: number;
}

/** The outcome of planning: the configuration to send and what it means. */
export interface RolloutPlan {
  config: EndpointCoreConfigInput;
  /** Name of the served entity that serves the new version. */
  servedName: string;
  /** The version that served the model's traffic before (the main one for canary), if any. */
  previousVersion?: string;
  /** False when the endpoint already has exactly this configuration: nothing is sent. */
  changed: boolean;
}

/** A rollout the endpoint's configuration does not allow; nothing was written. */
export class RolloutRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutRefusedError';
  }
}

/** Drops the fields that only the service sets (state, creator, timestamps). */
function servedEntityInput(entity: ServedEntityOutput): ServedEntityInput {
  // Everything else is copied as read, including fields this code does not know yet.
  const { state: _state, creator: _creator, creation_timestamp: _created, foundation_model: _foundation, ...input } = entity;
  return input;
}

/**
 * The input form of the configuration an endpoint serves (or is updating to): what a PUT must
 * send to keep it exactly as it is.
 */
export function configInputFrom(name: string, config: EndpointCoreConfigOutput | EndpointPendingConfig | undefined): EndpointCoreConfigInput {
  const input: EndpointCoreConfigInput = { name, served_entities: (config?.served_entities ?? []).map(servedEntityInput) };
  if (config?.traffic_config) input.traffic_config = { routes: (config.traffic_config.routes ?? []).map((route) => ({ ...route })) };
  if (config?.auto_capture_config) {
    const { state: _state, ...autoCapture } = config.auto_capture_config;
    input.auto_capture_config = autoCapture;
  }
  return input;
}

/** The default served-entity name: the model's own name and the version (dots are not allowed in it). */
export function defaultServedName(modelName: string, version: string): string {
  const short = modelName.split('.').pop() ?? modelName;
  return `${short}-${version}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** The traffic share of a served entity; a lone entity without routes takes everything. */
export function trafficOf(config: Pick<EndpointCoreConfigInput, 'served_entities' | 'traffic_config'>, servedName: string | undefined): number {
  const routes = config.traffic_config?.routes;
  if (!routes || routes.length === 0) return (config.served_entities ?? []).length === 1 ? 100 : 0;
  return routes
    .filter((route) => (route.served_entity_name ?? route.served_model_name) === servedName)
    .reduce((sum, route) => sum + route.traffic_percentage, 0);
}

function servesModel(entity: ServedEntityInput, modelName: string): boolean {
  return (entity.entity_name ?? '').toLowerCase() === modelName.toLowerCase();
}

/** The entity with the most traffic (the first on a tie). */
function busiest(config: EndpointCoreConfigInput, entities: ServedEntityInput[]): ServedEntityInput | undefined {
  return entities.reduce<ServedEntityInput | undefined>((best, entity) => (best === undefined || trafficOf(config, entity.name) > trafficOf(config, best.name) ? entity : best), undefined);
}

/** Entities in the endpoint's order, with the model's entities replaced by `replacement` where the first of them stood. */
function spliceModel(config: EndpointCoreConfigInput, modelName: string, replacement: ServedEntityInput[]): ServedEntityInput[] {
  const entities = config.served_entities ?? [];
  const first = entities.findIndex((entity) => servesModel(entity, modelName));
  const others = entities.filter((entity) => !servesModel(entity, modelName));
  const at = first < 0 ? others.length : entities.slice(0, first).filter((entity) => !servesModel(entity, modelName)).length;
  return [...others.slice(0, at), ...replacement, ...others.slice(at)];
}

/** Routes of the entities kept from before, as they were, plus the model's new shares. */
function routesFor(config: EndpointCoreConfigInput, entities: ServedEntityInput[], shares: Map<string, number>): TrafficConfig {
  return {
    routes: entities.map((entity) => ({
      served_entity_name: entity.name,
      traffic_percentage: shares.get(entity.name ?? '') ?? trafficOf(config, entity.name),
    })),
  };
}

function withEntities(current: EndpointCoreConfigInput, entities: ServedEntityInput[], shares: Map<string, number>): EndpointCoreConfigInput {
  return { ...current, served_entities: entities, traffic_config: routesFor(current, entities, shares) };
}

function describeServed(config: EndpointCoreConfigInput): string {
  const entities = config.served_entities ?? [];
  if (entities.length === 0) return 'nothing';
  return entities.map((entity) => `${entity.name} (${entity.entity_name ?? 'external'} v${entity.entity_version ?? '?'}, ${trafficOf(config, entity.name)}%)`).join(', ');
}

function planReplace(current: EndpointCoreConfigInput, target: RolloutTarget, modelEntities: ServedEntityInput[]): Omit<RolloutPlan, 'changed'> {
  const template = busiest(current, modelEntities) as ServedEntityInput;
  const total = modelEntities.reduce((sum, entity) => sum + trafficOf(current, entity.name), 0);
  const served: ServedEntityInput =
    template.entity_version === target.version ? template : { ...template, entity_version: target.version, name: defaultServedName(target.modelName, target.version) };
  const entities = spliceModel(current, target.modelName, [served]);
  return {
    config: withEntities(current, entities, new Map([[served.name ?? '', total]])),
    servedName: served.name ?? '',
    previousVersion: template.entity_version,
  };
}

function planCanary(current: EndpointCoreConfigInput, target: RolloutTarget, modelEntities: ServedEntityInput[]): Omit<RolloutPlan, 'changed'> {
  const stable = busiest(current, modelEntities.filter((entity) => entity.entity_version !== target.version));
  const existing = modelEntities.find((entity) => entity.entity_version === target.version);
  if (stable === undefined) {
    // Every entity of the model already serves this version: a canary has nothing to compare with.
    return { config: current, servedName: existing?.name ?? '', previousVersion: undefined };
  }
  const total = modelEntities.reduce((sum, entity) => sum + trafficOf(current, entity.name), 0);
  const canaryShare = Math.round((total * target.canaryPercent) / 100);
  if (canaryShare <= 0 || canaryShare >= total) {
    throw new RolloutRefusedError(`A canary of ${target.canaryPercent}% of the ${total}% of traffic that model ${target.modelName} receives rounds to ${canaryShare}%: choose another canaryPercent.`);
  }
  const canary: ServedEntityInput = existing ?? { ...stable, entity_version: target.version, name: defaultServedName(target.modelName, target.version) };
  const entities = spliceModel(current, target.modelName, [stable, canary]);
  const shares = new Map([
    [stable.name ?? '', total - canaryShare],
    [canary.name ?? '', canaryShare],
  ]);
  return { config: withEntities(current, entities, shares), servedName: canary.name ?? '', previousVersion: stable.entity_version };
}

function planPromote(current: EndpointCoreConfigInput, target: RolloutTarget, modelEntities: ServedEntityInput[]): Omit<RolloutPlan, 'changed'> {
  const canary = busiest(current, modelEntities.filter((entity) => entity.entity_version === target.version));
  if (canary === undefined) {
    throw new RolloutRefusedError(
      `Endpoint '${current.name}' has no served entity for version ${target.version} of ${target.modelName} to promote (it serves ${describeServed(current)}). Run the task with strategy 'canary' first, or use 'replace'.`,
    );
  }
  const previous = busiest(current, modelEntities.filter((entity) => entity !== canary));
  const total = modelEntities.reduce((sum, entity) => sum + trafficOf(current, entity.name), 0);
  const entities = spliceModel(current, target.modelName, [canary]);
  return {
    config: withEntities(current, entities, new Map([[canary.name ?? '', total]])),
    servedName: canary.name ?? '',
    previousVersion: previous?.entity_version ?? target.version,
  };
}

/** Deep copy with object keys sorted, so two configurations compare by content. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * True when two configurations serve the same entities with the same settings and traffic,
 * whatever the order; routes of 0% and an implied 100% on a lone entity count as written out.
 */
export function sameConfig(a: EndpointCoreConfigInput, b: EndpointCoreConfigInput): boolean {
  const shape = (config: EndpointCoreConfigInput): string =>
    JSON.stringify(
      canonical({
        entities: [...(config.served_entities ?? [])].sort((x, y) => (x.name ?? '').localeCompare(y.name ?? '')),
        traffic: (config.served_entities ?? []).map((entity) => [entity.name, trafficOf(config, entity.name)]).sort(),
        autoCapture: config.auto_capture_config,
      }),
    );
  return shape(a) === shape(b);
}

/**
 * Plans the rollout of `target` on an endpoint whose configuration is `current` (see
 * {@link configInputFrom}). `creation` is the served entity a freshly created endpoint starts
 * with, used when the endpoint serves nothing yet.
 * @throws RolloutRefusedError when the configuration does not allow the strategy.
 */
export function planRollout(current: EndpointCoreConfigInput, target: RolloutTarget, creation?: ServedEntityInput): RolloutPlan {
  const modelEntities = (current.served_entities ?? []).filter((entity) => servesModel(entity, target.modelName));
  if (modelEntities.length === 0) {
    if ((current.served_entities ?? []).length > 0 || target.strategy !== 'replace' || creation === undefined) {
      throw new RolloutRefusedError(
        `Endpoint '${current.name}' serves no version of ${target.modelName} (it serves ${describeServed(current)}); ` +
          (target.strategy === 'replace' ? 'the task does not guess which entity to replace.' : `strategy '${target.strategy}' needs a version of the model already serving; use 'replace' first.`),
      );
    }
    const served: ServedEntityInput = { ...creation, entity_name: target.modelName, entity_version: target.version, name: defaultServedName(target.modelName, target.version) };
    const config = withEntities(current, [served], new Map([[served.name ?? '', 100]]));
    return { config, servedName: served.name ?? '', changed: true };
  }
  const planned =
    target.strategy === 'replace' ? planReplace(current, target, modelEntities) : target.strategy === 'canary' ? planCanary(current, target, modelEntities) : planPromote(current, target, modelEntities);
  return { ...planned, changed: !sameConfig(current, planned.config) };
}

/** One line per served entity: `name: model vN, P%`, for logs and the summary. */
export function describeTraffic(config: EndpointCoreConfigInput | undefined): string[] {
  if (!config) return [];
  return (config.served_entities ?? []).map((entity) => `${entity.name}: ${entity.entity_name ?? 'external model'} v${entity.entity_version ?? '-'}, ${trafficOf(config, entity.name)}%`);
}
