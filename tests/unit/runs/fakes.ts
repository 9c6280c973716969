import type { Run, RunTask } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import { DatabricksApiClient } from '../../../tasks/common/databricks/api-client';
import { StaticTokenProvider } from '../../support/static-token-provider';
import { TransportError, type HttpRequest, type HttpResponse, type HttpTransport } from '../../../tasks/common/http/transport';
import { silentLogger, type Clock, type Logger } from '../../../tasks/common/ports';

/** A clock that only moves when someone sleeps on it. */
export class SimulatedClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.time += ms;
    return Promise.resolve();
  }
}

/** Records log lines by level. */
export class RecordingLogger implements Logger {
  readonly lines: { level: 'debug' | 'info' | 'warn'; message: string }[] = [];
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  messages(level?: 'debug' | 'info' | 'warn'): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => l.message);
  }
}

/** A terminal or running status in both the new and the legacy shape. */
export function runState(lifecycle: 'PENDING' | 'RUNNING' | 'TERMINATED', result?: string, message = ''): Pick<Run, 'status' | 'state'> {
  if (lifecycle !== 'TERMINATED') {
    return { status: { state: lifecycle }, state: { life_cycle_state: lifecycle } };
  }
  return {
    status: { state: 'TERMINATED', termination_details: { code: result as never, message, type: result === 'SUCCESS' ? 'SUCCESS' : 'CLIENT_ERROR' } },
    state: { life_cycle_state: 'TERMINATED', result_state: ({ USER_CANCELED: 'CANCELED', SKIPPED: 'UPSTREAM_FAILED' }[result ?? ''] ?? result) as never, state_message: message },
  };
}

/** A run that is PENDING for a second, RUNNING until `durationMs`, then ends with `result`. */
export class ScriptedRun {
  calls = 0;
  constructor(
    private readonly clock: Clock,
    readonly runId: number,
    private readonly startedAt: number,
    private readonly durationMs: number,
    private readonly result = 'SUCCESS',
    private readonly taskKeys: string[] = ['main'],
  ) {}

  get endsAt(): number {
    return this.startedAt + this.durationMs;
  }

  getRun = async (runId: number): Promise<Run> => {
    this.calls++;
    if (runId !== this.runId) throw new Error(`unexpected run ${runId}`);
    const elapsed = this.clock.now() - this.startedAt;
    const lifecycle = elapsed >= this.durationMs ? 'TERMINATED' : elapsed >= 1000 ? 'RUNNING' : 'PENDING';
    const tasks: RunTask[] = this.taskKeys.map((key, index) => ({
      task_key: key,
      run_id: this.runId * 10 + index,
      start_time: this.startedAt,
      end_time: lifecycle === 'TERMINATED' ? this.endsAt : 0,
      ...runState(lifecycle, this.result),
    }));
    return {
      run_id: this.runId,
      run_page_url: `https://example/#job/1/run/${this.runId}`,
      start_time: this.startedAt,
      end_time: lifecycle === 'TERMINATED' ? this.endsAt : 0,
      tasks,
      ...runState(lifecycle, this.result),
    };
  };
}

/** What a fake workspace handler sees of a request. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body, or the raw bytes of an octet-stream body. */
  body: unknown;
}

/** A scripted answer: JSON (or raw bytes) with a status, or a dropped connection. */
export type FakeReply = { status?: number; body?: unknown; headers?: Record<string, string> } | 'drop';

/** An HttpTransport that answers from a handler and keeps a request log (`"POST /api/2.2/jobs/runs/submit"`). */
export class FakeTransport implements HttpTransport {
  readonly log: string[] = [];
  readonly requests: FakeRequest[] = [];
  constructor(private readonly handler: (request: FakeRequest) => FakeReply | Promise<FakeReply>) {}

  async send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    if (signal?.aborted) throw new TransportError('The operation was aborted', 'ABORT_ERR');
    const url = new URL(request.url);
    let body: unknown;
    if (request.body instanceof Uint8Array) body = request.body;
    else if (typeof request.body === 'string') body = JSON.parse(request.body);
    const fake: FakeRequest = { method: request.method, path: url.pathname, query: url.searchParams, body };
    this.log.push(`${request.method} ${url.pathname}`);
    this.requests.push(fake);
    const reply = await this.handler(fake);
    if (reply === 'drop') throw new TransportError('socket hang up', 'ECONNRESET');
    const payload = reply.body instanceof Uint8Array ? reply.body : Buffer.from(reply.body === undefined ? '' : JSON.stringify(reply.body));
    return { status: reply.status ?? 200, headers: reply.headers ?? {}, body: payload };
  }
}

/** A Databricks client over a fake transport, retrying at once (jitter 0). */
export function fakeClient(transport: HttpTransport, clock: Clock = new SimulatedClock()): DatabricksApiClient {
  return new DatabricksApiClient({
    host: 'https://adb-1.2.azuredatabricks.net/',
    transport,
    tokens: new StaticTokenProvider('dapi-fake', 'a test token'),
    clock,
    logger: silentLogger,
    userAgent: 'test',
    retry: { random: () => 0 },
  });
}

/** A Databricks error answer. */
export function apiError(status: number, errorCode: string, message: string): FakeReply {
  return { status, body: { error_code: errorCode, message } };
}
