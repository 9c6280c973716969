/** The fake HTTP port: scripted responses and a request log, with helpers to build responses. */
import { TransportError, type HttpRequest, type HttpResponse, type HttpTransport } from '../../tasks/common/http/transport';

/** What the fake answers with: a response, a thrown error, or a function of the request. */
export type Scripted = HttpResponse | Error | ((request: HttpRequest) => HttpResponse | Promise<HttpResponse>);

/** Serves scripted answers in order (the last one repeats) and records every request. */
export class FakeTransport implements HttpTransport {
  readonly requests: HttpRequest[] = [];
  private readonly script: Scripted[];

  constructor(...script: Scripted[]) {
    this.script = script;
  }

  /** `METHOD path` of every request, for compact assertions. */
  get log(): string[] {
    return this.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
  }

  async send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    if (signal?.aborted) throw new TransportError('aborted', 'ABORT_ERR');
    this.requests.push(request);
    const next = this.script.length > 1 ? this.script.shift()! : this.script[0];
    if (next instanceof Error) throw next;
    if (typeof next === 'function') return next(request);
    return next;
  }
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(body)) };
}

/** A text response. */
export function text(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, body: Buffer.from(body) };
}

/** A dropped connection as the Node transport reports it. */
export function reset(): TransportError {
  return new TransportError('socket hang up', 'ECONNRESET');
}

/** The form fields of a url-encoded request body. */
export function form(request: HttpRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(String(request.body ?? '')));
}
