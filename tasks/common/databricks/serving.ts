/**
 * Mosaic AI Model Serving endpoints (`/api/2.0/serving-endpoints`): read, create, replace the
 * configuration, read a served entity's build and server logs, and query the endpoint. Shapes come
 * from `@databricks/sdk-experimental` (`apis/serving/model.d.ts`); only one configuration update may
 * be in progress per endpoint (`state.config_update: IN_PROGRESS`), others get 409.
 */
import type {
  BuildLogsResponse,
  CreateServingEndpoint,
  EndpointCoreConfigInput,
  EndpointCoreConfigOutput,
  EndpointPendingConfig,
  ServedEntityInput,
  ServedEntityOutput,
  ServerLogsResponse,
  ServingEndpointDetailed,
  TrafficConfig,
} from '@databricks/sdk-experimental/dist/apis/serving/model';
import { ApiError } from '../http/errors';
import type { DatabricksApiClient } from './api-client';

export type {
  CreateServingEndpoint,
  EndpointCoreConfigInput,
  EndpointCoreConfigOutput,
  EndpointPendingConfig,
  ServedEntityInput,
  ServedEntityOutput,
  ServingEndpointDetailed,
  TrafficConfig,
};

/** Per-call options. */
export interface ServingCallOptions {
  signal?: AbortSignal;
}

/** The answer of a query: its status and parsed body (the text when it is not JSON). */
export interface InvocationResult {
  status: number;
  body: unknown;
}

function endpointPath(name: string): string {
  return `/api/2.0/serving-endpoints/${encodeURIComponent(name)}`;
}

/** True for the answer to a missing endpoint. */
export function isEndpointMissing(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.errorCode === 'RESOURCE_DOES_NOT_EXIST');
}

/** True for the 409 that refuses a configuration update while another one is in progress. */
export function isUpdateConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}

/** Typed calls for serving endpoints. */
export class ServingEndpoints {
  constructor(private readonly client: DatabricksApiClient) {}

  /** The workspace URL, for the endpoint's invocation URL. */
  get host(): string {
    return this.client.host;
  }

  /** `GET /api/2.0/serving-endpoints/{name}`. Throws ApiError 404 when missing. */
  get(name: string, options: ServingCallOptions = {}): Promise<ServingEndpointDetailed> {
    return this.client.call<ServingEndpointDetailed>('GET', endpointPath(name), { signal: options.signal });
  }

  /**
   * `POST /api/2.0/serving-endpoints`. Sent once: a repeat after a lost answer would meet the
   * endpoint the first one created (409), so the caller re-reads instead.
   */
  create(request: CreateServingEndpoint, options: ServingCallOptions = {}): Promise<ServingEndpointDetailed> {
    return this.client.call<ServingEndpointDetailed>('POST', '/api/2.0/serving-endpoints', { body: request, retries: 0, signal: options.signal });
  }

  /**
   * `PUT /api/2.0/serving-endpoints/{name}/config`: replaces the served entities, the traffic split
   * and the inference table settings. Sent exactly once: the update starts on the first receipt,
   * and a repeat would either be refused (409) or start a second update from a stale read, so the
   * caller re-reads the endpoint instead.
   */
  updateConfig(config: EndpointCoreConfigInput, options: ServingCallOptions = {}): Promise<ServingEndpointDetailed> {
    const { name, ...body } = config;
    return this.client.call<ServingEndpointDetailed>('PUT', `${endpointPath(name)}/config`, { body, retries: 0, signal: options.signal });
  }

  /** `GET .../served-models/{served}/build-logs`: the log of building the served entity's environment. */
  async buildLogs(name: string, servedName: string, options: ServingCallOptions = {}): Promise<string> {
    const response = await this.client.call<BuildLogsResponse>('GET', `${endpointPath(name)}/served-models/${encodeURIComponent(servedName)}/build-logs`, {
      signal: options.signal,
    });
    return response.logs ?? '';
  }

  /** `GET .../served-models/{served}/logs`: the most recent lines of the model server. */
  async serverLogs(name: string, servedName: string, options: ServingCallOptions = {}): Promise<string> {
    const response = await this.client.call<ServerLogsResponse>('GET', `${endpointPath(name)}/served-models/${encodeURIComponent(servedName)}/logs`, {
      signal: options.signal,
    });
    return response.logs ?? '';
  }

  /**
   * `POST /serving-endpoints/{name}/invocations`, or `.../served-models/{served}/invocations` to
   * query one served entity regardless of the traffic split. An error status is a result here, not
   * an exception: the caller judges it.
   */
  async invoke(name: string, body: unknown, options: ServingCallOptions & { servedName?: string } = {}): Promise<InvocationResult> {
    const served = options.servedName === undefined ? '' : `/served-models/${encodeURIComponent(options.servedName)}`;
    try {
      const answer = await this.client.call<unknown>('POST', `/serving-endpoints/${encodeURIComponent(name)}${served}/invocations`, { body, signal: options.signal });
      return { status: 200, body: answer };
    } catch (error) {
      if (error instanceof ApiError && error.status !== undefined && error.status >= 400) return { status: error.status, body: error.message };
      throw error;
    }
  }
}
