/**
 * Model Serving endpoints in the emulator: what a scenario seeds and the per-endpoint record that
 * the serving routes change. A configuration update is a small state machine driven by the
 * emulator clock: `IN_PROGRESS` for `updateMs`, then either the pending configuration becomes the
 * served one (`NOT_UPDATING`), or, when a served model of it is scripted to fail, `UPDATE_FAILED`
 * with the previous configuration still serving, as the platform behaves.
 */
import type {
  AiGatewayConfig,
  AutoCaptureConfigInput,
  EndpointTag,
  RateLimit,
  ServedEntityInput,
  TrafficConfig,
} from '@databricks/sdk-experimental/dist/apis/serving/model';
import type { IdentityName } from './scenario';

/** The answer of a served model to a query: a JSON body (200), or a status and body. */
export type InvocationAnswer = { status: number; body: unknown } | { body: unknown };

/** How one served model version behaves once deployed. */
export interface ScenarioServedModel {
  /** `catalog.schema.model` (any case). */
  entityName: string;
  /** The version; `*` for every version without its own entry. */
  entityVersion: string;
  /** The deployment fails: the update ends `UPDATE_FAILED` with this state message. */
  deploymentFailure?: string;
  /** `GET .../build-logs`. */
  buildLogs?: string;
  /** `GET .../logs`. */
  serverLogs?: string;
  /** Answers `invocations`; default `{ predictions: [] }`. */
  predict?: (request: unknown) => InvocationAnswer;
}

/** The configuration part of an endpoint, as the create and update-config requests carry it. */
export interface ScenarioEndpointConfig {
  served_entities: ServedEntityInput[];
  traffic_config?: TrafficConfig;
  auto_capture_config?: AutoCaptureConfigInput;
}

/** A serving endpoint that exists before the test. */
export interface ScenarioServingEndpoint {
  name: string;
  creator?: IdentityName;
  config: ScenarioEndpointConfig;
  tags?: EndpointTag[];
  rate_limits?: RateLimit[];
  ai_gateway?: AiGatewayConfig;
  /** An update that another pipeline started just now and that is still in progress. */
  updateInProgress?: ScenarioEndpointConfig;
}

/** The served part of an endpoint: entities with their creation time, routes, inference tables. */
export interface ServedConfigRecord {
  entities: Array<ServedEntityInput & { name: string; creation_timestamp: number; creator: IdentityName }>;
  traffic: TrafficConfig;
  autoCapture?: AutoCaptureConfigInput;
  version: number;
}

/** An update of the configuration: in progress until `readyAt`, then applied or failed. */
export interface PendingUpdateRecord {
  config: ServedConfigRecord;
  startedAt: number;
  readyAt: number;
  /** Set when a served model of the update fails to deploy. */
  failure?: { servedName: string; message: string };
  /** Set once the update is over (`readyAt` passed). */
  finished?: 'NOT_UPDATING' | 'UPDATE_FAILED';
}

/** One serving endpoint. */
export interface ServingEndpointRecord {
  name: string;
  id: string;
  creator: IdentityName;
  createdAt: number;
  updatedAt: number;
  /** What serves; undefined until the first update of a new endpoint succeeds. */
  config?: ServedConfigRecord;
  pending?: PendingUpdateRecord;
  tags: EndpointTag[];
  rateLimits?: RateLimit[];
  aiGateway?: AiGatewayConfig;
}

/** Serving endpoints and how served models behave. */
export class ServingState {
  readonly endpoints = new Map<string, ServingEndpointRecord>();
  readonly models: ScenarioServedModel[] = [];
  /** How long an update stays `IN_PROGRESS`, in emulator-clock milliseconds. */
  updateMs = 1_000;

  /** The behaviour of a served model version: its own entry, else the model's `*` entry; a later seed wins. */
  behaviour(entityName: string | undefined, entityVersion: string | undefined): ScenarioServedModel | undefined {
    const name = (entityName ?? '').toLowerCase();
    const matches = this.models.filter((model) => model.entityName.toLowerCase() === name);
    return matches.findLast((model) => model.entityVersion === entityVersion) ?? matches.findLast((model) => model.entityVersion === '*');
  }
}
