/**
 * A scripted HttpTransport for unit tests of the Databricks service modules: each request is
 * answered by the first handler whose method and path match, and every request is logged.
 */
import { DatabricksApiClient } from '../../../tasks/common/databricks/api-client';
import { StaticTokenProvider } from '../../support/static-token-provider';
import type { HttpMethod, HttpRequest, HttpResponse, HttpTransport } from '../../../tasks/common/http/transport';
import { silentLogger, type Clock } from '../../../tasks/common/ports';

export interface LoggedRequest {
  method: HttpMethod;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export type Handler = (request: LoggedRequest) => { status: number; body?: unknown; headers?: Record<string, string> };

export class FakeTransport implements HttpTransport {
  readonly log: LoggedRequest[] = [];
  private readonly routes: { method: HttpMethod; path: RegExp | string; handler: Handler }[] = [];

  on(method: HttpMethod, path: RegExp | string, handler: Handler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  async send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    if (signal?.aborted) throw signal.reason;
    const url = new URL(request.url);
    const logged: LoggedRequest = {
      method: request.method,
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      body: typeof request.body === 'string' ? JSON.parse(request.body) : undefined,
    };
    this.log.push(logged);
    const route = this.routes.find(
      (r) => r.method === request.method && (typeof r.path === 'string' ? r.path === logged.path : r.path.test(logged.path)),
    );
    const answer = route ? route.handler(logged) : { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: `no route ${request.method} ${logged.path}` } };
    const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return { status: answer.status, headers: answer.headers ?? {}, body: new TextEncoder().encode(text) };
  }

  /** `METHOD path` of each request, in order. */
  calls(): string[] {
    return this.log.map((r) => `${r.method} ${r.path}`);
  }
}

/** A clock that advances only when something sleeps. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public time = Date.UTC(2026, 10, 28, 4, 0, 0)) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.time += ms;
  }
}

export const host = 'https://adb-1.2.azuredatabricks.net';

export function fakeClient(transport: HttpTransport, clock: Clock = new FakeClock(), identity = 'service principal sp-1'): DatabricksApiClient {
  return new DatabricksApiClient({
    host,
    transport,
    tokens: new StaticTokenProvider('dapi-test', identity),
    clock,
    logger: silentLogger,
    userAgent: 'test',
    retry: { random: () => 0 },
  });
}

export function apiError(status: number, errorCode: string, message: string): { status: number; body: unknown } {
  return { status, body: { error_code: errorCode, message } };
}
