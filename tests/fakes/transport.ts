/**
 * The fake HTTP port: answers from routes (by method and path) or from a script (in order), and
 * keeps one request log, with helpers to build answers.
 */
import { TransportError, type HttpMethod, type HttpRequest, type HttpResponse, type HttpTransport } from '../../tasks/common/http/transport';

/** A request as the fake recorded it: the request itself plus its decoded path, query and JSON body. */
export interface RecordedRequest extends HttpRequest {
  /** The URL's path, percent-decoded. */
  path: string;
  query: URLSearchParams;
  /** The body parsed as JSON; undefined for no body, bytes or text that is not JSON. */
  json: unknown;
}

/**
 * An answer: a status with a body (bytes and strings as they are, anything else as JSON; status 200
 * when omitted), a thrown error, or `'drop'` for a connection reset as the Node transport reports it.
 */
export type Reply = { status?: number; body?: unknown; headers?: Record<string, string> } | Error | 'drop';

/** An answer, or a function of the request that gives one. */
export type Scripted = Reply | ((request: RecordedRequest) => Reply | Promise<Reply>);

/** A route's handler. */
export type Handler = (request: RecordedRequest) => Reply | Promise<Reply>;

/**
 * Answers each request from the newest route whose method and path match (a string matches the
 * decoded path exactly, a RegExp tests it); otherwise from the script, in order, the last answer
 * repeating; with neither, Databricks' 404 for an unknown endpoint. Records every request.
 */
export class FakeTransport implements HttpTransport {
  readonly requests: RecordedRequest[] = [];
  private readonly script: Scripted[];
  private readonly routes: { method: HttpMethod; path: RegExp | string; handler: Handler }[] = [];

  constructor(...script: Scripted[]) {
    this.script = script;
  }

  /** Adds a route that takes precedence over earlier routes and over the script. */
  on(method: HttpMethod, path: RegExp | string, handler: Handler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  /** `METHOD path` of every request, in order, the path as sent (percent-encoded), for compact assertions. */
  get log(): string[] {
    return this.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
  }

  async send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    if (signal?.aborted) throw new TransportError('The operation was aborted', 'ABORT_ERR');
    const recorded = record(request);
    this.requests.push(recorded);
    const route = this.routes.find((r) => r.method === request.method && (typeof r.path === 'string' ? r.path === recorded.path : r.path.test(recorded.path)));
    const next = route?.handler ?? (this.script.length > 1 ? this.script.shift() : this.script[0]);
    const reply: Reply = typeof next === 'function' ? await next(recorded) : (next ?? apiError(404, 'ENDPOINT_NOT_FOUND', `no route ${request.method} ${recorded.path}`));
    if (reply === 'drop') throw reset();
    if (reply instanceof Error) throw reply;
    return { status: reply.status ?? 200, headers: reply.headers ?? {}, body: encode(reply.body) };
  }
}

function record(request: HttpRequest): RecordedRequest {
  const url = new URL(request.url);
  let json: unknown;
  if (typeof request.body === 'string') {
    try {
      json = JSON.parse(request.body);
    } catch {
      json = undefined;
    }
  }
  return { ...request, path: decodeURIComponent(url.pathname), query: url.searchParams, json };
}

function encode(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (body === undefined) return new Uint8Array();
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(body)) };
}

/** A text response. */
export function text(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, body: Buffer.from(body) };
}

/** A Databricks error answer. */
export function apiError(status: number, errorCode: string, message: string): { status: number; body: unknown } {
  return { status, body: { error_code: errorCode, message } };
}

/** A dropped connection as the Node transport reports it. */
export function reset(): TransportError {
  return new TransportError('socket hang up', 'ECONNRESET');
}

/** The form fields of a url-encoded request body. */
export function form(request: HttpRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(String(request.body ?? '')));
}
