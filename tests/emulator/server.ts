/**
 * The emulator's HTTP core: one `node:http` server on loopback that parses requests, logs them,
 * applies injected faults, authenticates and dispatches to the route modules (one per service).
 * Route modules never touch sockets; they return replies or throw {@link EmulatorApiError}.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EmulatorApiError, type EmulatorRequest, type Reply, type Route } from './http-kit';
import { closeServer, faultHeaders, findRoute, listenOnLoopback, readRequest, writeReply } from './http-server';
import { FaultRegistry, type FaultAction } from './faults';
import { RateLimiter, type RateLimits } from './rate-limits';
import type { Scenario } from './scenario';
import { WorkspaceState } from './state';
import type { TokenKind, TokenRecord } from './tokens';
import { authRoutes } from './routes/auth';
import { jobsRoutes } from './routes/jobs';
import { filesRoutes } from './routes/files';
import { unityCatalogRoutes } from './routes/unity-catalog';
import { mlflowRoutes } from './routes/mlflow';
import { loggedModelRoutes } from './routes/logged-models';
import { sqlRoutes } from './routes/sql';
import { scimRoutes } from './routes/scim';
import { servingRoutes } from './routes/serving';

/** A time source; the `Clock` port of tasks/common satisfies it, so tests can share one fake clock. */
export interface EmulatorClock {
  now(): number;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  scenario?: Scenario;
  /** Lifetime of issued workspace tokens (OAuth, Entra). Default 3600; make it short to prove refresh. */
  tokenLifetimeSeconds?: number;
  /**
   * Time source for token expiry and timestamps. When given, job runs advance by this clock (one
   * step per `runStepMs`) instead of by polls, so tests on a simulated clock see runs progress as
   * their waiter sleeps.
   */
  clock?: EmulatorClock;
  /** Clock time per run step when a clock is given. Default 1000 ms. */
  runStepMs?: number;
  /** TCP port on 127.0.0.1; default 0 (a free port), which tests should keep. */
  port?: number;
  /**
   * Enforce per-endpoint rate limits (see rate-limits.ts): `{}` for the published defaults, or
   * requests per second for some route families. Off when omitted.
   */
  rateLimits?: RateLimits;
}

/** How a request authenticated, as the log shows it (never the secret itself). */
export interface LoggedAuth {
  scheme: 'bearer' | 'basic' | 'none' | 'other';
  /** Kind of the bearer token presented, `unknown` when the emulator never issued it. */
  tokenKind?: TokenKind | 'unknown';
  /** User or service principal behind the token; for Basic, the client id. */
  identity?: string;
  expired?: boolean;
}

/** One request as the emulator saw and answered it. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names; `authorization` shows only the scheme and token kind. */
  headers: Record<string, string>;
  auth: LoggedAuth;
  /** Parsed JSON or form body (token-endpoint secrets redacted), `{ byteLength }` for raw uploads. */
  body: unknown;
  /** Response status; 0 when the connection was dropped. */
  status: number;
  /** The fault applied, if any. */
  fault?: FaultAction['kind'];
  /** Epoch ms by the emulator clock. */
  time: number;
}

/** A running emulator. */
export interface Emulator {
  /** Workspace URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  /** Azure DevOps collection URI served by the emulator, `${url}/ado/<org>/`. */
  readonly collectionUri: string;
  /** Current state; replaced by {@link Emulator.reset}. */
  readonly state: WorkspaceState;
  /** Every request so far, oldest first. */
  readonly requests: LoggedRequest[];
  readonly faults: FaultRegistry;
  /** Adds what the partial scenario describes to the current state. */
  seed(scenario: Scenario): void;
  /** Back to the initial scenario: state, request log and faults are cleared. */
  reset(): void;
  /** Requests matching method and path (string = exact path, RegExp = tested). */
  requestsTo(method: string, path: string | RegExp): LoggedRequest[];
  close(): Promise<void>;
}

/** What route modules get from the server. */
export interface EmulatorContext {
  readonly state: WorkspaceState;
  readonly url: string;
  readonly faults: FaultRegistry;
  now(): number;
  readonly tokenLifetimeSeconds: number;
  /** Run step for a run created at `createdAt` after `polls` polls. */
  runStep(createdAt: number, polls: number): number;
  /** Runs advance by the clock rather than by polls. */
  readonly clockDriven: boolean;
}

const redactedFormFields = ['client_secret', 'client_assertion', 'subject_token', 'assertion', 'refresh_token'];

function parseAuthorization(header: string | undefined, state: WorkspaceState): { auth: LoggedAuth; record?: TokenRecord; token?: string } {
  if (!header) return { auth: { scheme: 'none' } };
  const [scheme, ...rest] = header.split(' ');
  const value = rest.join(' ').trim();
  if (scheme.toLowerCase() === 'bearer') {
    const record = state.tokens.get(value);
    if (!record) return { auth: { scheme: 'bearer', tokenKind: 'unknown' }, token: value };
    return { auth: { scheme: 'bearer', tokenKind: record.kind, identity: record.identity, expired: state.tokens.isExpired(record) }, record, token: value };
  }
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    // azure-devops-node-api sends a 52-character token as Basic PAT; treat a known token as that token.
    const record = state.tokens.get(password);
    if (record) return { auth: { scheme: 'basic', tokenKind: record.kind, identity: record.identity }, record, token: password };
    return { auth: { scheme: 'basic', identity: decodeURIComponent(user) } };
  }
  return { auth: { scheme: 'other' } };
}

function describeAuthorization(auth: LoggedAuth): string {
  if (auth.scheme === 'basic') return auth.tokenKind ? `Basic <${auth.tokenKind}>` : `Basic <client ${auth.identity ?? ''}>`;
  if (auth.scheme === 'bearer') return `Bearer <${auth.expired ? 'expired ' : ''}${auth.tokenKind}>`;
  return '<other>';
}

function logBody(request: EmulatorRequest, state: WorkspaceState): unknown {
  if (request.raw.length === 0) return undefined;
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(request.raw.toString('utf8')));
    for (const field of redactedFormFields) {
      if (form[field] !== undefined) form[field] = `<redacted ${state.tokens.get(form[field])?.kind ?? 'secret'}>`;
    }
    return form;
  }
  if (type.includes('application/octet-stream')) return { byteLength: request.raw.length };
  try {
    return JSON.parse(request.raw.toString('utf8'));
  } catch {
    return { byteLength: request.raw.length };
  }
}

function errorBody(status: number): { error_code: string; message: string } {
  switch (status) {
    case 429:
      return { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests. Please try again later.' };
    case 500:
      return { error_code: 'INTERNAL_ERROR', message: 'Internal error. Please try again later.' };
    case 503:
      return { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'The service is temporarily unavailable. Please try again later.' };
    case 504:
      return { error_code: 'DEADLINE_EXCEEDED', message: 'Timed out after 60s' };
    default:
      return { error_code: 'UNKNOWN', message: `Injected status ${status}` };
  }
}

function faultReply(fault: Extract<FaultAction, { kind: 'status' }>): Reply {
  const headers = faultHeaders(fault);
  if (fault.body !== undefined) return { status: fault.status, headers, body: fault.body };
  // Gateways in front of the workspace answer 502 with HTML, not the JSON envelope.
  if (fault.status === 502) return { status: 502, headers: { 'content-type': 'text/html', ...headers }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
  return { status: fault.status, headers, body: errorBody(fault.status) };
}

/** Starts an emulator on 127.0.0.1 with a free port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? { now: () => Date.now() };
  const now = (): number => clock.now();
  const runStepMs = options.runStepMs ?? 1000;
  const faults = new FaultRegistry();
  const requests: LoggedRequest[] = [];
  const rateLimiter = options.rateLimits ? new RateLimiter(options.rateLimits, now) : undefined;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let state = new WorkspaceState(now);
  let url = '';

  const context: EmulatorContext = {
    get state() {
      return state;
    },
    get url() {
      return url;
    },
    faults,
    now,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    clockDriven: options.clock !== undefined,
    runStep: (createdAt, polls) => (options.clock ? Math.max(0, Math.floor((now() - createdAt) / runStepMs)) : polls),
  };
  const routes: Route[] = [
    ...authRoutes(context),
    ...jobsRoutes(context),
    ...filesRoutes(context),
    ...unityCatalogRoutes(context),
    ...mlflowRoutes(context),
    ...loggedModelRoutes(context),
    ...sqlRoutes(context),
    ...scimRoutes(context),
    ...servingRoutes(context),
  ];

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  function authenticate(route: Route, request: EmulatorRequest, record: TokenRecord | undefined, token: string | undefined): void {
    if (route.auth === 'none') return;
    if (route.auth === 'ado') {
      if (!record || record.kind !== 'ado-system') {
        throw new EmulatorApiError(401, 'UNAUTHENTICATED', 'TF400813: The user is not authorized to access this resource.', {
          $id: '1',
          message: 'TF400813: The user is not authorized to access this resource.',
          typeKey: 'UnauthorizedRequestException',
        });
      }
      request.caller = record;
      return;
    }
    if (token === undefined) throw new EmulatorApiError(401, 'UNAUTHENTICATED', 'Missing Authorization header with a bearer token.');
    const workspaceKinds: TokenKind[] = ['pat', 'databricks-oauth', 'databricks-federation', 'entra'];
    if (!record || !workspaceKinds.includes(record.kind)) throw new EmulatorApiError(401, 'UNAUTHENTICATED', 'Invalid access token.');
    if (state.tokens.isExpired(record)) throw new EmulatorApiError(401, 'UNAUTHENTICATED', 'Token is expired.');
    request.caller = record;
  }

  const send = (response: ServerResponse, method: string, reply: Reply): void => writeReply(response, method, reply, { jsonContentType: 'application/json' });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const request = await readRequest(incoming);
    const { method, headers } = request;
    const { auth, record, token } = parseAuthorization(headers.authorization, state);
    const loggedHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) loggedHeaders[name] = name === 'authorization' ? describeAuthorization(auth) : value;
    }
    const entry: LoggedRequest = {
      method,
      path: request.path,
      query: Object.fromEntries(request.query),
      headers: loggedHeaders,
      auth,
      body: logBody(request, state),
      status: 0,
      time: now(),
    };
    requests.push(entry);

    const fault = faults.take(method, request.path);
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === 'drop') {
      incoming.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await sleep(fault.ms);
    let reply: Reply;
    const retryAfter = fault ? undefined : rateLimiter?.take(request.path);
    if (retryAfter !== undefined) {
      reply = faultReply({ kind: 'status', status: 429, retryAfter });
    } else if (fault?.kind === 'status') {
      reply = faultReply(fault);
    } else if (fault?.kind === 'malformed') {
      reply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"run_id": 12, "state": {"life_cycle_state": "RUNN' };
    } else {
      if (fault?.kind === 'expireToken' && token !== undefined) {
        state.tokens.expire(token);
        entry.auth.expired = true;
      }
      reply = await dispatch(request, record, token);
    }
    entry.status = reply.status;
    send(response, method, reply);
  }

  async function dispatch(request: EmulatorRequest, record: TokenRecord | undefined, token: string | undefined): Promise<Reply> {
    try {
      const found = findRoute(routes, request.method, request.path);
      if (!found) {
        const shortPath = request.path.replace(/^\/api\/\d\.\d/, '');
        throw new EmulatorApiError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${request.method} ${shortPath}'`);
      }
      request.params = found.params;
      authenticate(found.route, request, record, token);
      return await found.route.handle(request);
    } catch (error) {
      if (error instanceof EmulatorApiError) {
        return { status: error.status, body: error.body ?? { error_code: error.errorCode, message: error.message } };
      }
      return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: `Emulator bug: ${(error as Error).stack ?? String(error)}` } };
    }
  }

  const server: Server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 'GET', { status: 500, body: { error_code: 'INTERNAL_ERROR', message: String(error) } });
    });
  });
  url = await listenOnLoopback(server, options.port);
  if (options.scenario) state.apply(options.scenario);

  return {
    url,
    get collectionUri() {
      return `${url}/ado/${state.azureDevOps.organization}/`;
    },
    get state() {
      return state;
    },
    requests,
    faults,
    seed: (scenario) => state.apply(scenario),
    reset: () => {
      state = new WorkspaceState(now);
      if (options.scenario) state.apply(options.scenario);
      requests.length = 0;
      faults.clear();
      rateLimiter?.reset();
    },
    requestsTo: (method, path) =>
      requests.filter((r) => r.method === method.toUpperCase() && (typeof path === 'string' ? r.path === path : path.test(r.path))),
    close: async () => {
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      timers.clear();
      await closeServer(server);
    },
  };
}
