import type { Clock, Logger } from '../ports';
import { ApiError, apiErrorFromConnection, apiErrorFromResponse, withoutSecrets } from '../http/errors';
import { decideRetry, defaultRetryOptions, type RetryOptions } from '../http/retry-policy';
import { TransportError, bodyText, type HttpMethod, type HttpResponse, type HttpTransport } from '../http/transport';
import type { TokenProvider } from './token-provider';

/** What the client needs from its surroundings. */
export interface ApiClientOptions {
  /** Workspace URL, e.g. `https://adb-123.4.azuredatabricks.net` (trailing slash ignored). */
  host: string;
  transport: HttpTransport;
  tokens: TokenProvider;
  clock: Clock;
  logger: Logger;
  /** `User-Agent`, naming the extension, its version and the task. */
  userAgent: string;
  retry?: Partial<RetryOptions>;
}

export type QueryValue = string | number | boolean | undefined;

/** Per-call options. */
export interface CallOptions {
  query?: Record<string, QueryValue>;
  /** JSON body. */
  body?: unknown;
  /** Raw body (Files API upload); sent as `application/octet-stream`. */
  rawBody?: Uint8Array;
  /** Safe to repeat although it writes (see {@link FailedCall.idempotent}). */
  idempotent?: boolean;
  /**
   * Most repeats of this call; `0` sends it exactly once (after a fresh token on a 401, which the
   * server refused unread). Default: as many as the retry deadline allows.
   */
  retries?: number;
  signal?: AbortSignal;
}

/**
 * The typed REST client's core: builds URLs, authenticates, retries per the retry policy and turns
 * every failure into an {@link ApiError}. Service modules (`jobs.ts`, `unity-catalog.ts`, ...) are
 * thin typed wrappers over {@link DatabricksApiClient.call}.
 */
export class DatabricksApiClient {
  readonly host: string;
  private readonly retryOptions: RetryOptions;

  constructor(private readonly options: ApiClientOptions) {
    this.host = options.host.replace(/\/+$/, '');
    this.retryOptions = { ...defaultRetryOptions, ...options.retry };
  }

  /** The identity used, for messages. */
  get identity(): string {
    return this.options.tokens.identity;
  }

  /** Calls a JSON endpoint and parses the JSON response (an empty body gives `{}`). */
  async call<T>(method: HttpMethod, path: string, options: CallOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    const text = bodyText(response);
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ApiError(`${method} ${path} returned a body that is not JSON: ${(error as Error).message}`, {
        status: response.status,
        errorCode: 'MALFORMED_RESPONSE',
        method,
        path,
      });
    }
  }

  /** Calls an endpoint that answers with raw bytes (Files API download). */
  async callBytes(method: HttpMethod, path: string, options: CallOptions = {}): Promise<HttpResponse> {
    return this.send(method, path, options);
  }

  private url(path: string, query: Record<string, QueryValue> | undefined): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) search.append(key, String(value));
    }
    const qs = search.toString();
    return `${this.host}${path}${qs ? `?${qs}` : ''}`;
  }

  private async send(method: HttpMethod, path: string, options: CallOptions): Promise<HttpResponse> {
    const { clock, logger, transport, tokens } = this.options;
    const url = this.url(path, options.query);
    const started = clock.now();
    let refreshedAfter401 = false;
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.getToken(options.signal);
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token}`,
        'User-Agent': this.options.userAgent,
        Accept: 'application/json',
      };
      let body: string | Uint8Array | undefined;
      if (options.rawBody !== undefined) {
        headers['Content-Type'] = 'application/octet-stream';
        body = options.rawBody;
      } else if (options.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(options.body);
      }

      let error: ApiError;
      try {
        const response = await transport.send({ method, url, headers, body }, options.signal);
        if (response.status < 400) return response;
        // A server may echo the request's headers in its error; the token must not reach a log.
        error = withoutSecrets(apiErrorFromResponse(method, path, response), [token]);
      } catch (thrown) {
        if (thrown instanceof TransportError && thrown.aborted) throw thrown;
        if (options.signal?.aborted) throw options.signal.reason;
        error = apiErrorFromConnection(method, path, thrown as Error);
      }

      // An expired or revoked cached token: get a fresh one once before reporting the failure.
      if (error.status === 401 && !refreshedAfter401) {
        refreshedAfter401 = true;
        tokens.invalidate();
        logger.debug(`${method} ${path}: 401, retrying once with a fresh token`);
        continue;
      }
      const decision = decideRetry(
        { method, idempotent: options.idempotent ?? false, error, attempt, elapsedMs: clock.now() - started, nowMs: clock.now(), maxRetries: options.retries },
        this.retryOptions,
      );
      if (!decision.retry) throw this.explain(error);
      logger.debug(`${method} ${path}: ${decision.reason}; retry ${attempt} in ${decision.delayMs} ms`);
      await clock.sleep(decision.delayMs, options.signal);
    }
  }

  /** Adds the identity and the usual causes to authentication and permission failures, and names an unresolvable host. */
  private explain(error: ApiError): ApiError {
    const connectionCode = (error.cause as { code?: unknown } | undefined)?.code;
    if (error.status === undefined && (connectionCode === 'ENOTFOUND' || connectionCode === 'EAI_AGAIN')) {
      return new ApiError(
        `${error.message}. The workspace host ${this.host} could not be resolved (${connectionCode}): check the workspace URL of the service connection, and the agent's DNS.`,
        error.details,
        { cause: error },
      );
    }
    if (error.status !== 401 && error.status !== 403) return error;
    const causes =
      error.status === 401
        ? unauthorizedCauses(this.identity)
        : 'The identity is known but lacks permission. Usual causes: missing workspace entitlement, missing Unity Catalog privilege (USE CATALOG, USE SCHEMA, EXECUTE), or, for aliases and comments, not owning the registered model.';
    return new ApiError(`${error.message} (as ${this.identity} on ${this.host}). ${causes}`, error.details, { cause: error });
  }
}

/**
 * Why a workspace rejects a token, by the kind of identity: a personal access token has its own
 * causes (expired, revoked, made in another workspace), which service-principal advice would hide.
 */
export function unauthorizedCauses(identity: string): string {
  if (/personal access token/i.test(identity)) {
    return 'The token was rejected. Usual causes: the personal access token expired or was revoked, it was created in another workspace than the connection\'s URL, or its user was removed from the workspace. Create a new token in this workspace (User settings → Developer → Access tokens) and update the service connection.';
  }
  return 'The token was rejected. Usual causes: the service principal is not added to this workspace, the secret or token expired or was revoked, or the connection points at another workspace.';
}
