/**
 * Azure DevOps REST through azure-devops-node-api, with the job's own token (`SystemVssConnection`)
 * and the same retry and error treatment as Databricks calls: every node-api call goes through
 * {@link AdoRest.call}, which turns its errors into {@link ApiError}, asks `decideRetry` (429 with
 * Retry-After, 5xx, dropped connections) and explains 401/403 with the permission the build service
 * identity lacks.
 */
import { abortable } from '../http/abortable';
import { BearerCredentialHandler } from 'azure-devops-node-api/handlers/bearertoken';
import type { IRequestHandler, IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import { GitApi } from 'azure-devops-node-api/GitApi';
import { LocationsApi } from 'azure-devops-node-api/LocationsApi';
import { WorkItemTrackingApi } from 'azure-devops-node-api/WorkItemTrackingApi';
import type { Clock, Logger } from '../ports';
import { ApiError, apiErrorFromConnection, redactSecrets } from '../http/errors';
import type { AgentNetworkSettings } from '../http/node-transport';
import { decideRetry, defaultRetryOptions, type RetryOptions } from '../http/retry-policy';
import type { HttpMethod } from '../http/transport';

/**
 * Resource-area ids (the `_apis/ResourceAreas` keys) of the services used. Getters, so the
 * azure-devops-node-api chunk loads when a request needs it, not when the task starts.
 */
export const adoResourceAreas = {
  get workItemTracking(): string {
    return WorkItemTrackingApi.RESOURCE_AREA_ID;
  },
  get git(): string {
    return GitApi.RESOURCE_AREA_ID;
  },
  /** Identity Management Service (`_apis/identities`), on vssps.dev.azure.com in Azure DevOps Services. */
  identities: '8a3d49b8-91f0-46ef-b33d-dda338c25db3',
} as const;

/** How to reach Azure DevOps. */
export interface AdoAccess {
  /** `System.CollectionUri`, the `SystemVssConnection` URL. */
  collectionUri: string;
  /** The job access token. */
  accessToken: string;
  /** Project name or id (`System.TeamProject`). */
  project: string;
  /** The agent's proxy and certificates (node-api does not use our transport). */
  network?: AgentNetworkSettings;
  userAgent: string;
  clock: Clock;
  logger: Logger;
  retry?: Partial<RetryOptions>;
  signal?: AbortSignal;
}

/** One REST call as the retry policy and the error messages see it. */
export interface AdoCall {
  method: HttpMethod;
  /** What was called, for messages: `POST wit/workitems/$Task`. */
  what: string;
  /** The permission the build service identity needs for it, named as the security dialogs name it. */
  permission: string;
  /** Most repeats; `0` sends once (work-item creation: a repeat could create a second item). */
  retries?: number;
  /** Safe to repeat although it writes. */
  idempotent?: boolean;
}

/** The error node-api's typed-rest-client throws for a status >= 300. */
interface RestError extends Error {
  statusCode?: number;
  result?: { message?: string; typeKey?: string };
  responseHeaders?: Record<string, string | string[] | undefined>;
  code?: string;
}

function header(headers: RestError['responseHeaders'], name: string): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Turns whatever node-api threw into an {@link ApiError}. */
export function apiErrorFromNodeApi(call: Pick<AdoCall, 'method' | 'what'>, thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  const error = (thrown instanceof Error ? thrown : new Error(String(thrown))) as RestError;
  if (typeof error.statusCode === 'number') {
    const code = error.result?.typeKey;
    return new ApiError(`${call.what} failed: ${error.statusCode}${code ? ` ${code}` : ''}: ${error.result?.message ?? error.message}`, {
      status: error.statusCode,
      errorCode: code,
      method: call.method,
      path: call.what,
      requestId: header(error.responseHeaders, 'x-vss-e2eid') ?? header(error.responseHeaders, 'activityid'),
      retryAfter: header(error.responseHeaders, 'retry-after'),
    });
  }
  if (error.code !== undefined) return apiErrorFromConnection(call.method, call.what, error);
  // node-api's own failures (no location for a resource, unreadable areas): nothing a retry changes.
  return new ApiError(`${call.what} failed: ${error.message}`, { errorCode: 'CLIENT_ERROR', method: call.method, path: call.what, status: 0 });
}

/** The node-api clients of one collection, created after resource-area discovery, and the retrying call. */
export class AdoRest {
  readonly project: string;
  readonly collectionUri: string;
  private readonly handlers: IRequestHandler[];
  private readonly requestOptions: IRequestOptions;
  private readonly retryOptions: RetryOptions;
  private areas?: Map<string, string>;
  private clients = new Map<string, unknown>();

  constructor(private readonly access: AdoAccess) {
    this.project = access.project;
    this.collectionUri = access.collectionUri.endsWith('/') ? access.collectionUri : `${access.collectionUri}/`;
    this.handlers = [new BearerCredentialHandler(access.accessToken, false)];
    // No retries inside typed-rest-client: ours honour Retry-After and the deadline.
    this.requestOptions = { ...(access.network ?? {}), allowRetries: false, socketTimeout: 100_000 };
    this.retryOptions = { ...defaultRetryOptions, ...access.retry };
  }

  /** The work-item tracking client (its area URL discovered through `_apis/ResourceAreas`). */
  workItems(): Promise<WorkItemTrackingApi> {
    return this.client(adoResourceAreas.workItemTracking, (url) => new WorkItemTrackingApi(url, this.handlers, this.requestOptions, this.access.userAgent));
  }

  /** The Git client, for pull-request threads. */
  git(): Promise<GitApi> {
    return this.client(adoResourceAreas.git, (url) => new GitApi(url, this.handlers, this.requestOptions, this.access.userAgent));
  }

  /** Base URL of a resource area (the collection URI on Azure DevOps Server, which lists none). */
  async areaUrl(areaId: string): Promise<string> {
    if (!this.areas) {
      const locations = new LocationsApi(this.collectionUri, this.handlers, this.requestOptions, this.access.userAgent);
      const areas = await this.call({ method: 'GET', what: 'GET _apis/ResourceAreas', permission: 'View instance-level information' }, () => locations.getResourceAreas());
      this.areas = new Map((areas ?? []).map((area) => [String(area.id).toLowerCase(), String(area.locationUrl)]));
    }
    const url = this.areas.get(areaId.toLowerCase()) ?? this.collectionUri;
    return url.endsWith('/') ? url : `${url}/`;
  }

  private async client<T>(areaId: string, create: (url: string) => T): Promise<T> {
    const cached = this.clients.get(areaId) as T | undefined;
    if (cached) return cached;
    const client = create(await this.areaUrl(areaId));
    this.clients.set(areaId, client);
    return client;
  }

  /** Runs one node-api call with the retry policy; failures become {@link ApiError}s that name the missing permission. */
  async call<T>(call: AdoCall, attemptOnce: () => Promise<T>): Promise<T> {
    const { clock, logger, signal } = this.access;
    const started = clock.now();
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw signal.reason;
      let error: ApiError;
      try {
        return await abortable(attemptOnce(), signal);
      } catch (thrown) {
        if (signal?.aborted) throw signal.reason;
        error = apiErrorFromNodeApi(call, thrown);
      }
      const decision = decideRetry(
        { method: call.method, idempotent: call.idempotent ?? false, error, attempt, elapsedMs: clock.now() - started, nowMs: clock.now(), maxRetries: call.retries },
        this.retryOptions,
      );
      if (!decision.retry) throw this.explain(call, error);
      logger.debug(`${call.what}: ${decision.reason}; retry ${attempt} in ${decision.delayMs} ms`);
      await clock.sleep(decision.delayMs, signal);
    }
  }

  private explain(call: AdoCall, error: ApiError): ApiError {
    let message = error.message;
    if (error.status === 401) {
      message += ' The job access token was refused. Check that the pipeline may use the job access token for this project (the "Limit job authorization scope" settings) and that the run has not ended.';
    } else if (error.status === 403) {
      message += ` The build service identity ("<Project> Build Service (<organization>)", or "Project Collection Build Service" when the job authorization scope is the collection) lacks the permission "${call.permission}". Grant it in the project settings.`;
    }
    return new ApiError(redactSecrets(message, [this.access.accessToken]), error.details, { cause: error });
  }
}
