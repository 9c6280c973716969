import { toError } from '../../http/errors';
import type { Clock, Logger } from '../../ports';
import { ApiError, apiErrorFromConnection, apiErrorFromResponse, redactSecrets } from '../../http/errors';
import { decideRetry, defaultRetryOptions, type RetryOptions } from '../../http/retry-policy';
import { TransportError, bodyText, type HttpTransport } from '../../http/transport';
import type { IssuedToken } from './cached-token-provider';

/** How token endpoints are reached: the same transport, clock and retry policy as the workspace client. */
export interface TokenHttp {
  transport: HttpTransport;
  clock: Clock;
  logger: Logger;
  /** Sent as `User-Agent`, naming the extension and task. */
  userAgent: string;
  retry?: Partial<RetryOptions>;
}

/** One OAuth token request (`application/x-www-form-urlencoded` POST). */
export interface TokenRequest {
  url: string;
  form: Record<string, string>;
  /** Extra headers, e.g. HTTP Basic client authentication. */
  headers?: Record<string, string>;
  /** Whose token this is, for error messages. */
  identity: string;
  /** Values that must never appear in an error message (client secret, assertion), even if the server echoes them. */
  secrets: string[];
  /** What to check when the endpoint refuses the request (4xx). */
  hint?: string;
  signal?: AbortSignal;
}

/**
 * Lifetime assumed when a token response carries neither `expires_in` nor `expires_on`: short,
 * so that such a token is replaced well before any plausible expiry.
 */
const assumedLifetimeMs = 10 * 60_000;

/**
 * POSTs a token request, retrying 429, 5xx and dropped connections per the retry policy (asking
 * for a token twice has no effect beyond a second token, so the request counts as idempotent),
 * and returns the token with its expiry on `http.clock`. Failures are {@link ApiError}s that name
 * the identity and never contain a secret.
 */
export async function requestToken(http: TokenHttp, request: TokenRequest): Promise<IssuedToken> {
  const retryOptions = { ...defaultRetryOptions, ...http.retry };
  const path = new URL(request.url).pathname;
  const body = new URLSearchParams(request.form).toString();
  const headers = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
    'User-Agent': http.userAgent,
    ...request.headers,
  };
  const started = http.clock.now();
  for (let attempt = 1; ; attempt++) {
    if (request.signal?.aborted) throw request.signal.reason;
    let error: ApiError;
    try {
      const response = await http.transport.send({ method: 'POST', url: request.url, headers, body }, request.signal);
      if (response.status < 400) return parseTokenResponse(bodyText(response), http.clock.now(), request, path, response.status);
      error = apiErrorFromResponse('POST', path, response);
    } catch (thrown) {
      if (thrown instanceof ApiError) throw thrown;
      if (request.signal?.aborted) throw request.signal.reason;
      if (thrown instanceof TransportError && thrown.aborted) throw thrown;
      error = apiErrorFromConnection('POST', path, toError(thrown));
    }
    const now = http.clock.now();
    const decision = decideRetry({ method: 'POST', idempotent: true, error, attempt, elapsedMs: now - started, nowMs: now }, retryOptions);
    if (!decision.retry) throw tokenError(error, request);
    http.logger.debug(`Token request for ${request.identity}: ${decision.reason}; retry ${attempt} in ${decision.delayMs} ms`);
    await http.clock.sleep(decision.delayMs, request.signal);
  }
}

function tokenError(error: ApiError, request: TokenRequest): ApiError {
  const refused = error.status !== undefined && error.status >= 400 && error.status < 500;
  const hint = refused && request.hint ? ` ${request.hint}` : '';
  const message = redactSecrets(`Could not get an access token for ${request.identity}: ${error.message}.${hint}`, request.secrets);
  return new ApiError(message, error.details);
}

function parseTokenResponse(text: string, nowMs: number, request: TokenRequest, path: string, status: number): IssuedToken {
  let parsed: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    // Reported below without echoing the body, which might hold a token.
  }
  const accessToken = parsed?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new ApiError(`Could not get an access token for ${request.identity}: POST ${path} answered ${status} without an access_token.`, {
      status,
      errorCode: 'MALFORMED_RESPONSE',
      method: 'POST',
      path,
    });
  }
  return { accessToken, expiresAtMs: expiry(parsed ?? {}, nowMs) };
}

/** `expires_in` (seconds, a number or, from Entra v1, a string) or `expires_on` (epoch seconds). */
function expiry(parsed: Record<string, unknown>, nowMs: number): number {
  const expiresIn = Number(parsed.expires_in);
  if (parsed.expires_in !== undefined && Number.isFinite(expiresIn) && expiresIn > 0) return nowMs + expiresIn * 1000;
  const expiresOn = Number(parsed.expires_on);
  if (parsed.expires_on !== undefined && Number.isFinite(expiresOn) && expiresOn > 0) return expiresOn * 1000;
  return nowMs + assumedLifetimeMs;
}
