import type { HttpMethod, HttpResponse } from './transport';
import { bodyText } from './transport';

/**
 * Every failure of a call to a remote API, as one type: the response status and `error_code`
 * when the service answered, or no status when the connection failed. Carries method and path
 * (never the query, which may hold identifiers, and never a header) so messages stay free of secrets.
 */
export class ApiError extends Error {
  constructor(
    /** What the service said, or what went wrong with the connection. */
    message: string,
    readonly details: {
      /** HTTP status; undefined when no response arrived. */
      status?: number;
      /** Databricks `error_code` (or `CONNECTION_ERROR` when no response arrived). */
      errorCode?: string;
      method: HttpMethod;
      /** Path without query string. */
      path: string;
      /** `x-request-id` / `x-databricks-org-id` style correlation id, when the service sent one. */
      requestId?: string;
      /** The raw `Retry-After` header, if any. */
      retryAfter?: string;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get errorCode(): string | undefined {
    return this.details.errorCode;
  }

  /** True when no response arrived (refused, reset, timed out). */
  get isConnectionError(): boolean {
    return this.details.status === undefined;
  }

  /** `GET /api/2.2/jobs/runs/get: 400 INVALID_PARAMETER_VALUE: Run 5 does not exist` */
  override toString(): string {
    return `${this.name}: ${this.message}`;
  }
}

/** Builds the message `METHOD path -> status error_code: message`. */
function describe(method: HttpMethod, path: string, status: number | undefined, code: string | undefined, text: string): string {
  const what = status === undefined ? 'no response' : `${status}${code ? ` ${code}` : ''}`;
  return `${method} ${path} failed: ${what}${text ? `: ${text}` : ''}`;
}

const errorCodeFromText = /^([A-Z][A-Z_]+): (.*)$/s;

/**
 * Reads a Databricks error body in any of its published shapes (standard envelope, legacy `error`,
 * SCIM `detail`, plain `CODE: message`, HTML `<pre>`, empty) and returns the typed error.
 */
export function apiErrorFromResponse(method: HttpMethod, path: string, response: HttpResponse): ApiError {
  const text = bodyText(response).trim();
  let errorCode: string | undefined;
  let message = '';
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object') {
      if (parsed.error_code !== undefined) errorCode = String(parsed.error_code);
      message = String(parsed.message ?? parsed.error ?? parsed.detail ?? parsed.error_description ?? '');
      if (!errorCode && typeof parsed.error === 'string' && typeof parsed.error_description === 'string') {
        // OAuth token endpoints: {error, error_description}; the description is the message.
        errorCode = parsed.error;
        message = parsed.message === undefined ? parsed.error_description : message;
      }
    }
  } catch {
    const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(text);
    const plain = pre ? pre[1].trim() : text;
    const coded = errorCodeFromText.exec(plain);
    if (coded) {
      errorCode = coded[1];
      message = coded[2];
    } else {
      message = plain.length > 500 ? `${plain.slice(0, 500)}...` : plain;
    }
  }
  if (!message) message = statusText(response.status);
  return new ApiError(describe(method, path, response.status, errorCode, message), {
    status: response.status,
    errorCode,
    method,
    path,
    requestId: response.headers['x-request-id'] ?? response.headers['x-databricks-request-id'],
    retryAfter: response.headers['retry-after'],
  });
}

/** The error for a request that got no response. */
export function apiErrorFromConnection(method: HttpMethod, path: string, cause: Error & { code?: string }): ApiError {
  return new ApiError(describe(method, path, undefined, undefined, cause.message), {
    errorCode: 'CONNECTION_ERROR',
    method,
    path,
  }, { cause });
}

const statusTexts: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function statusText(status: number): string {
  return statusTexts[status] ?? `HTTP ${status}`;
}

/**
 * The base64 text that any base64 encoding containing `secret` holds, whatever bytes come before
 * it (`Basic base64(user:secret)`): for each of the three alignments, the characters that depend
 * only on the secret's bytes. Standard and URL-safe alphabets.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Skip the group shared with the bytes before, and the last group if bytes after may share it.
    const core = encoded.slice(offset > 0 ? 4 : 0, Math.floor((offset + bytes.length) / 3) * 4);
    if (core.length >= 8) forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** The forms a server may echo a secret in: as sent, URL-encoded (either hex case, `+` for space) and base64. */
function secretForms(secret: string): string[] {
  const forms = [secret];
  // Short values would match ordinary text once encoded; a real credential is far longer.
  if (secret.length >= 8) {
    const encoded = encodeURIComponent(secret);
    forms.push(encoded, encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()), encoded.replace(/%20/g, '+'), ...base64Forms(secret));
  }
  // Longest first, so a form containing another is replaced whole.
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret in `text`, also URL-encoded or base64-encoded, with `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of secretForms(secret)) result = result.split(form).join('***');
  }
  return result;
}

/** The same error with every secret removed from its message (a server may echo what it was sent). */
export function withoutSecrets(error: ApiError, secrets: readonly string[]): ApiError {
  const message = redactSecrets(error.message, secrets);
  return message === error.message ? error : new ApiError(message, error.details, { cause: error.cause });
}

/** Turns anything thrown into an Error, once, so callers can rely on `.message`. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
