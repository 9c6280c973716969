/**
 * Shared set-up of the reliability suites: one emulator on a simulated clock, a task case run in
 * process with an auth scheme, and the call sites a run made, read from the emulator's request log.
 */
import type { Emulator, FaultAction } from '../emulator';
import { startEmulator } from '../emulator';
import type { HttpTransport } from '../../tasks/common/http/transport';
import { createNodeTransport } from '../../tasks/common/http/node-transport';
import { FakeClock } from '../fakes/clock';
import { runInProcess, type InProcessRun } from '../fakes/task-run';
import { authSchemes, scenario, variables, type AuthScheme, type TaskCase } from './task-cases';

/** A workspace emulator whose clock is the tasks' simulated clock. */
export interface Workspace {
  emulator: Emulator;
  clock: FakeClock;
}

export async function startWorkspace(): Promise<Workspace> {
  const clock = new FakeClock(Date.now());
  return { emulator: await startEmulator({ scenario, clock }), clock };
}

/** Runs a case in process against the workspace (PAT unless another scheme is given). */
export function runCase(
  workspace: Workspace,
  taskCase: TaskCase,
  options: { scheme?: AuthScheme; transport?: (inner: HttpTransport) => HttpTransport; requestTimeoutMs?: number } = {},
): Promise<InProcessRun> {
  const scheme = options.scheme ?? authSchemes[0];
  const { emulator } = workspace;
  return runInProcess(taskCase.run, {
    inputs: { ...scheme.inputs(emulator.url), ...taskCase.inputs },
    variables: { ...variables, 'System.CollectionUri': emulator.collectionUri },
    endpoints: scheme.endpoints(emulator),
    clock: workspace.clock,
    transport: options.transport,
    requestTimeoutMs: options.requestTimeoutMs,
  });
}

/** A route a task called (workspace API, token endpoint, Azure DevOps): method and path, ids that change per run as a pattern. */
export interface CallSite {
  method: string;
  path: string | RegExp;
  label: string;
}

const generatedId = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The distinct routes in the request log, in the order first called. */
export function callSitesOf(emulator: Emulator): CallSite[] {
  const sites = new Map<string, CallSite>();
  for (const request of emulator.requests) {
    const generic = request.path.replace(generatedId, '/{id}');
    const label = `${request.method} ${generic}`;
    if (sites.has(label)) continue;
    const escaped = generic.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace('\\{id\\}', '{id}').replace('/{id}', '/[0-9a-f-]{36}');
    sites.set(label, { method: request.method, path: generic === request.path ? request.path : new RegExp(`^${escaped}$`), label });
  }
  return [...sites.values()];
}

/**
 * The per-request timeout of the one request the slow-response fault holds, shortened from the
 * agent's two minutes so that holding a response past it costs a fraction of a second. Every other
 * request keeps the agent's timeout (see {@link timingOutFirstAt}): a loaded machine can pause a
 * healthy loopback request for longer than this.
 */
export const slowResponseTimeoutMs = 40;

/** How long the slow-response fault holds a response: three times the shortened timeout. */
export const slowResponseDelayMs = slowResponseTimeoutMs * 3;

function matches(site: CallSite, method: string, path: string): boolean {
  return method === site.method && (typeof site.path === 'string' ? path === site.path : site.path.test(path));
}

/**
 * Wraps a run's transport so that the first request to `site` (the one a `times: 1` fault holds)
 * gives up after {@link slowResponseTimeoutMs}; every other request goes through unchanged.
 */
export function timingOutFirstAt(site: CallSite): (inner: HttpTransport) => HttpTransport {
  return (inner) => {
    const impatient = createNodeTransport({ timeoutMs: slowResponseTimeoutMs });
    let first = true;
    return {
      send: (request, signal) => {
        if (!first || !matches(site, request.method, new URL(request.url).pathname)) return inner.send(request, signal);
        first = false;
        return impatient.send(request, signal);
      },
    };
  };
}

/**
 * Waits (in wall time) until the emulator has acted on every response it held: a held request is
 * logged at once and gets its status after its delay, when the route has run.
 */
export async function heldRequestsAnswered(workspace: Workspace, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (workspace.emulator.requests.some((request) => request.fault === 'delay' && request.status === 0)) {
    if (Date.now() > deadline) throw new Error(`a held request was not answered within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The faults every call site is put under. */
export const faults: Array<{ name: string; action: FaultAction }> = [
  { name: '429 with Retry-After', action: { kind: 'status', status: 429, retryAfter: 20 } },
  { name: '429 without Retry-After', action: { kind: 'status', status: 429 } },
  { name: '500', action: { kind: 'status', status: 500 } },
  { name: '503', action: { kind: 'status', status: 503 } },
  { name: 'dropped connection', action: { kind: 'drop' } },
  // Held past the client's timeout, then answered and acted on: the client has given up, the server has not.
  { name: 'slow response beyond the client timeout', action: { kind: 'delay', ms: slowResponseDelayMs } },
  { name: 'malformed JSON', action: { kind: 'malformed' } },
  { name: 'HTML error page from a proxy', action: { kind: 'status', status: 502 } },
  {
    name: 'HTML sign-in page from a proxy with 200',
    action: { kind: 'status', status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body><form action="/login">Sign in to continue</form></body></html>' },
  },
  { name: 'expired token', action: { kind: 'expireToken' } },
];
