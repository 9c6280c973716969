import type { HttpMethod } from './transport';
import type { ApiError } from './errors';

/** Tunables of the retry policy; defaults in {@link defaultRetryOptions}. */
export interface RetryOptions {
  /** First backoff ceiling; doubled per attempt (full jitter picks a delay below it). */
  baseDelayMs: number;
  /** Largest backoff ceiling. */
  maxDelayMs: number;
  /** Largest delay a `Retry-After` header may ask for before we stop honouring it and give up. */
  maxRetryAfterMs: number;
  /** No retry starts later than this long after the first attempt. */
  deadlineMs: number;
  /** Uniform random number in [0, 1); injected so tests are deterministic. */
  random: () => number;
}

export const defaultRetryOptions: RetryOptions = {
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  deadlineMs: 5 * 60_000,
  random: Math.random,
};

/** What a retry decision needs to know about the failed call. */
export interface FailedCall {
  method: HttpMethod;
  /**
   * The request is safe to repeat even though it writes: a run-creating POST with an
   * `idempotency_token`, `runs/cancel`, an alias PUT or DELETE.
   */
  idempotent: boolean;
  error: ApiError;
  /** 1 for the first failure. */
  attempt: number;
  /** Milliseconds since the first attempt started. */
  elapsedMs: number;
  /** Current time, for `Retry-After` given as an HTTP date. */
  nowMs: number;
  /**
   * Most repeats this call allows; undefined means as many as the deadline allows. `0` is "send
   * exactly once": a write whose repeat could land after a concurrent change (a guarded alias move,
   * a serving configuration update, a work-item creation) is re-read by its caller instead.
   */
  maxRetries?: number;
}

export interface RetryDecision {
  retry: boolean;
  delayMs: number;
  /** Why, for debug logs. */
  reason: string;
}

/**
 * Messages of failures that Databricks SDKs treat as transient whatever the status
 * (`allTransientErrors` in https://github.com/databricks/databricks-sdk-go/blob/main/apierr/error_overrides.go).
 */
const transientMessages: RegExp[] = [
  /UnknownWorkerEnvironmentException/,
  /does not have any associated worker environments/,
  /There is no worker environment with id/,
  /Unknown worker environment/,
  /ClusterNotReadyException/,
  /worker env .* not found/,
  /Timed out after /,
  /deadline exceeded/,
  /Unexpected error/,
  /Please try again later or try a faster operation\./,
  /RPC token bucket limit has been exceeded/,
];

/** Statuses at which the server did not act on the request, so even a write may be repeated. */
const alwaysRetryable = new Set([429, 503]);
/** Statuses at which the server may or may not have acted: only reads and idempotent writes repeat. */
const retryableWhenSafe = new Set([500, 502, 504]);

/** Parses `Retry-After` as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its month and zone; without this V8's lenient Date.parse reads `1.5` or `-1` as dates in 2001.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * Connection failures that repeat identically however often they are tried: the server's
 * certificate is not trusted or does not match, or the proxy refuses us.
 */
const permanentConnectionCodes = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROXY',
  // The host name does not exist (a mistyped workspace URL): retrying until the deadline only
  // delays the same answer by minutes.
  'ENOTFOUND',
]);

/**
 * `EAI_AGAIN` is the resolver saying "not now": a hiccup deserves another try, but it is also what
 * an unknown host gives behind some resolvers, so it gets this many retries, not the deadline.
 */
export const maxResolverRetries = 2;

/** Whether the failure class allows another attempt, ignoring time. */
function isRetryable(call: FailedCall): { retryable: boolean; reason: string } {
  const { error, method, idempotent } = call;
  const safe = method === 'GET' || method === 'HEAD' || idempotent;
  const connectionCode = (error.cause as { code?: unknown } | undefined)?.code;
  // Node's ERR_INVALID_* / ERR_UNESCAPED_* are requests it refused to build (a newline in a header
  // value, such as a pasted token, or a bad URL): nothing was sent and nothing will change.
  const permanent = typeof connectionCode === 'string' && (permanentConnectionCodes.has(connectionCode) || /^ERR_(INVALID|UNESCAPED)_/.test(connectionCode));
  if (error.status === undefined && permanent) {
    return { retryable: false, reason: `connection failed with ${connectionCode}, which a retry cannot fix` };
  }
  if (error.status === undefined && connectionCode === 'EAI_AGAIN' && call.attempt > maxResolverRetries) {
    return { retryable: false, reason: `the host name still did not resolve (EAI_AGAIN) after ${maxResolverRetries} retries` };
  }
  if (error.status === undefined) {
    return { retryable: safe, reason: safe ? 'connection failed' : 'connection failed on a non-idempotent write' };
  }
  if (alwaysRetryable.has(error.status)) return { retryable: true, reason: `status ${error.status}` };
  if (retryableWhenSafe.has(error.status)) {
    return { retryable: safe, reason: safe ? `status ${error.status}` : `status ${error.status} on a non-idempotent write` };
  }
  if (error.status !== 401 && error.status !== 403 && transientMessages.some((pattern) => pattern.test(error.message))) {
    return { retryable: safe, reason: safe ? 'transient error message' : 'transient error on a non-idempotent write' };
  }
  return { retryable: false, reason: `status ${error.status} is not retryable` };
}

/**
 * Decides whether and when to repeat a failed call. Pure: all inputs are arguments.
 * Honours `Retry-After`; otherwise exponential backoff with full jitter, capped; never past the deadline.
 */
export function decideRetry(call: FailedCall, options: RetryOptions = defaultRetryOptions): RetryDecision {
  // Also after a 429: the call did nothing, but a repeat after the wait would land past the caller's
  // last read (a guarded write). The caller reads again and decides (see promote's guarded write).
  if (call.maxRetries !== undefined && call.attempt > call.maxRetries) {
    return { retry: false, delayMs: 0, reason: call.maxRetries === 0 ? 'the call is sent exactly once' : `the call allows ${call.maxRetries} retries` };
  }
  const { retryable, reason } = isRetryable(call);
  if (!retryable) return { retry: false, delayMs: 0, reason };

  const retryAfter = parseRetryAfter(call.error.details.retryAfter, call.nowMs);
  let delayMs: number;
  // A zero or past Retry-After (`0`, or a date behind our clock) would repeat the call without
  // pause until the deadline; back off instead, which still waits at least what the server asked.
  if (retryAfter !== undefined && retryAfter > 0) {
    if (retryAfter > options.maxRetryAfterMs) {
      return { retry: false, delayMs: 0, reason: `Retry-After of ${Math.round(retryAfter / 1000)} s is too long` };
    }
    delayMs = retryAfter;
  } else {
    const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (call.attempt - 1));
    delayMs = Math.floor(options.random() * ceiling);
  }
  if (call.elapsedMs + delayMs > options.deadlineMs) {
    return { retry: false, delayMs: 0, reason: `${reason}, but the retry deadline of ${options.deadlineMs / 1000} s has passed` };
  }
  return { retry: true, delayMs, reason };
}
