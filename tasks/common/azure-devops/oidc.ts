import { abortable } from '../http/abortable';
import { toError } from '../http/errors';
import { TaskApi } from 'azure-devops-node-api/TaskApi';
import { BearerCredentialHandler } from 'azure-devops-node-api/handlers/bearertoken';
import type { Clock, Logger, SecretRegistrar } from '../ports';
import { ApiError, apiErrorFromConnection, apiErrorFromResponse, redactSecrets } from '../http/errors';
import type { AgentNetworkSettings } from '../http/node-transport';
import { decideRetry, defaultRetryOptions, type RetryOptions } from '../http/retry-policy';
import { TransportError, bodyText } from '../http/transport';
import type { OidcTokenSource } from '../databricks/auth/oidc-token-source';
import type { TokenHttp } from '../databricks/auth/token-endpoint';

/** The job that asks for an OIDC token, from the System variables the agent sets. */
export interface OidcJob {
  /** `System.CollectionUri` (the `SystemVssConnection` URL). */
  collectionUri: string;
  /** The job access token (`SystemVssConnection` parameter `AccessToken`). */
  accessToken: string;
  /** `System.TeamProjectId`. */
  projectId: string;
  /** `System.HostType`: `build` or `release`. */
  hostType: string;
  /** `System.PlanId`. */
  planId: string;
  /** `System.JobId`. */
  jobId: string;
}

/** What an OIDC request is for; without a connection id the token is the pipeline's own. */
export interface OidcAudience {
  /** Service connection whose federated credential the token is for. */
  serviceConnectionId?: string;
  /** For messages: `service connection 'x'` or `this pipeline`. */
  description: string;
}

/** Shared plumbing of both OIDC sources. */
export interface OidcSourceOptions {
  clock: Clock;
  logger: Logger;
  setSecret: SecretRegistrar;
  retry?: Partial<RetryOptions>;
}

const oidcApiVersion = '7.1';

function readOidcToken(value: unknown, fail: () => ApiError): string {
  const token = value && typeof value === 'object' ? (value as { oidcToken?: unknown }).oidcToken : undefined;
  if (typeof token !== 'string' || token === '') throw fail();
  return token;
}

/** Retries `attempt` per the retry policy (the OIDC endpoint issues a new token each time, so repeating is safe). */
async function withRetry(
  options: OidcSourceOptions,
  audience: OidcAudience,
  secrets: string[],
  signal: AbortSignal | undefined,
  attemptOnce: () => Promise<string>,
  toApiError: (thrown: unknown) => ApiError,
): Promise<string> {
  const retryOptions = { ...defaultRetryOptions, ...options.retry };
  const started = options.clock.now();
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw signal.reason;
    let error: ApiError;
    try {
      const token = await attemptOnce();
      options.setSecret(token);
      return token;
    } catch (thrown) {
      if (signal?.aborted) throw signal.reason;
      if (thrown instanceof TransportError && thrown.aborted) throw thrown;
      error = toApiError(thrown);
      if (error.errorCode === 'MALFORMED_RESPONSE') throw error;
    }
    const now = options.clock.now();
    const decision = decideRetry({ method: 'POST', idempotent: true, error, attempt, elapsedMs: now - started, nowMs: now }, retryOptions);
    if (!decision.retry) {
      const hint =
        error.status === 401 || error.status === 403
          ? ' The job access token was refused: check that the job is allowed to use the service connection and that the job authorization scope includes this project.'
          : '';
      throw new ApiError(redactSecrets(`Could not get an Azure DevOps OIDC token for ${audience.description}: ${error.message}.${hint}`, secrets), error.details, { cause: error });
    }
    options.logger.debug(`OIDC token for ${audience.description}: ${decision.reason}; retry ${attempt} in ${decision.delayMs} ms`);
    await options.clock.sleep(decision.delayMs, signal);
  }
}

/**
 * OIDC tokens from azure-devops-node-api's `TaskApi.createOidcToken` (the route AzureCLI@2 uses),
 * authenticated with the job access token. typed-rest-client does not use our transport, so the
 * agent's proxy and certificates are passed to it explicitly.
 */
export function createTaskApiOidcSource(
  job: OidcJob,
  audience: OidcAudience,
  network: AgentNetworkSettings,
  options: OidcSourceOptions & { userAgent: string },
): OidcTokenSource {
  options.setSecret(job.accessToken);
  const api = new TaskApi(job.collectionUri, [new BearerCredentialHandler(job.accessToken, false)], { ...network }, options.userAgent);
  const path = `/${job.projectId}/_apis/distributedtask/hubs/${job.hostType}/plans/${job.planId}/jobs/${job.jobId}/oidctoken`;
  const malformed = (): ApiError =>
    new ApiError(`Could not get an Azure DevOps OIDC token for ${audience.description}: POST ${path} answered without an oidcToken.`, {
      errorCode: 'MALFORMED_RESPONSE',
      method: 'POST',
      path,
    });
  const toApiError = (thrown: unknown): ApiError => {
    if (thrown instanceof ApiError) return thrown;
    const error = toError(thrown) as Error & { statusCode?: number; code?: string; result?: { typeKey?: string } };
    if (typeof error.statusCode === 'number') {
      return new ApiError(`POST ${path} failed: ${error.statusCode}${error.result?.typeKey ? ` ${error.result.typeKey}` : ''}: ${error.message}`, {
        status: error.statusCode,
        errorCode: error.result?.typeKey,
        method: 'POST',
        path,
      });
    }
    return apiErrorFromConnection('POST', path, error);
  };
  return {
    getOidcToken: (signal) =>
      withRetry(
        options,
        audience,
        [job.accessToken],
        signal,
        async () =>
          readOidcToken(
            await abortable(api.createOidcToken({}, job.projectId, job.hostType, job.planId, job.jobId, audience.serviceConnectionId), signal),
            malformed,
          ),
        toApiError,
      ),
  };
}

/**
 * OIDC tokens from `System.OidcRequestUri` through our transport (so proxy, retry policy and
 * cancellation apply as for every other call), authenticated with the job access token.
 */
export function createRequestUriOidcSource(requestUri: string, accessToken: string, audience: OidcAudience, http: TokenHttp, setSecret: SecretRegistrar): OidcTokenSource {
  setSecret(accessToken);
  const url = new URL(requestUri);
  url.searchParams.set('api-version', oidcApiVersion);
  if (audience.serviceConnectionId) url.searchParams.set('serviceConnectionId', audience.serviceConnectionId);
  const path = url.pathname;
  const options: OidcSourceOptions = { clock: http.clock, logger: http.logger, setSecret, retry: http.retry };
  const malformed = (): ApiError =>
    new ApiError(`Could not get an Azure DevOps OIDC token for ${audience.description}: POST ${path} answered without an oidcToken.`, {
      errorCode: 'MALFORMED_RESPONSE',
      method: 'POST',
      path,
    });
  return {
    getOidcToken: (signal) =>
      withRetry(
        options,
        audience,
        [accessToken],
        signal,
        async () => {
          let response;
          try {
            response = await http.transport.send(
              {
                method: 'POST',
                url: url.href,
                headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': http.userAgent },
                body: '{}',
              },
              signal,
            );
          } catch (thrown) {
            if (thrown instanceof TransportError && thrown.aborted) throw thrown;
            throw apiErrorFromConnection('POST', path, toError(thrown));
          }
          if (response.status >= 400) throw apiErrorFromResponse('POST', path, response);
          let parsed: unknown;
          try {
            parsed = JSON.parse(bodyText(response));
          } catch {
            throw malformed();
          }
          return readOidcToken(parsed, malformed);
        },
        (thrown) => (thrown instanceof ApiError ? thrown : apiErrorFromConnection('POST', path, toError(thrown))),
      ),
  };
}
