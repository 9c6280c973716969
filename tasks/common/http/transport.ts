/** The one I/O boundary of every HTTP client in this extension. */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** A fully built request: absolute URL, final headers, body already encoded. */
export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** A response with its whole body read. Header names are lower case. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Sends one request, once. Retrying is the caller's business. */
export interface HttpTransport {
  send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse>;
}

/**
 * The request never produced a response: refused, reset, timed out or aborted.
 * `code` is the Node error code when there is one (`ECONNRESET`, `ETIMEDOUT`, `ABORT_ERR`, ...).
 */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }

  /** True when the caller's own signal aborted the request (cancellation, not a fault). */
  get aborted(): boolean {
    return this.code === 'ABORT_ERR';
  }
}

/** Decodes a response body as UTF-8 text. */
export function bodyText(response: HttpResponse): string {
  return Buffer.from(response.body).toString('utf8');
}
