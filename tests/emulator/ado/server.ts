/**
 * The Azure DevOps emulator's HTTP core, shaped like the Databricks emulator (`../server.ts`): one
 * `node:http` server on loopback, a request log, fault rules ({@link FaultRegistry}) and route
 * modules that return replies or throw. Errors use the Azure DevOps body shape.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EmulatorApiError, type EmulatorRequest, type Reply, type Route } from '../http-kit';
import { closeServer, faultHeaders, findRoute, listenOnLoopback, readRequest, writeReply } from '../http-server';
import { FaultRegistry, type FaultAction } from '../faults';
import { AdoState, type AdoScenario } from './state';
import { discoveryRoutes } from './routes/discovery';
import { workItemRoutes } from './routes/work-items';
import { identityAndGitRoutes } from './routes/identities-git';
import { adoErrorBody } from './routes/errors';

/** Options of {@link startAdoEmulator}. */
export interface AdoEmulatorOptions {
  scenario?: AdoScenario;
  /** Time source for dates (`revisedDate`, comments); e.g. the FakeClock of the tests. */
  clock?: { now(): number };
  port?: number;
}

/** One request as the emulator saw and answered it. */
export interface AdoLoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** `Bearer <system>`, `Bearer <unknown>` or `<none>`; never the token. */
  auth: string;
  /** The `Accept` header (carries the negotiated api-version). */
  accept?: string;
  contentType?: string;
  body: unknown;
  /** 0 when the connection was dropped. */
  status: number;
  fault?: FaultAction['kind'];
}

/** A running Azure DevOps emulator. */
export interface AdoEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The collection URI (`System.CollectionUri`, the `SystemVssConnection` URL): `${url}/ado/<org>/`. */
  readonly collectionUri: string;
  readonly state: AdoState;
  readonly requests: AdoLoggedRequest[];
  readonly faults: FaultRegistry;
  seed(scenario: AdoScenario): void;
  /** Back to the initial scenario; log and faults cleared. */
  reset(): void;
  requestsTo(method: string, path: string | RegExp): AdoLoggedRequest[];
  close(): Promise<void>;
}

/** What route modules get. */
export interface AdoEmulatorContext {
  readonly state: AdoState;
  readonly url: string;
  readonly collectionUri: string;
  now(): number;
}

const defaultFaultMessages: Record<number, string> = {
  429: 'TF400733: The request has been rate limited. Retry after the time given in the Retry-After header.',
  500: 'VS30063: An unexpected error occurred. Please try again.',
  503: 'TF400898: An Internal Error Occurred. Activity Id: 00000000-0000-0000-0000-000000000000.',
};

function faultReply(fault: Extract<FaultAction, { kind: 'status' }>): Reply {
  const headers = faultHeaders(fault);
  if (fault.body !== undefined) return { status: fault.status, headers, body: fault.body };
  const message = defaultFaultMessages[fault.status] ?? `Injected status ${fault.status}`;
  return { status: fault.status, headers, body: adoErrorBody(fault.status === 429 ? 'RequestBlockedException' : 'VssServiceException', message) };
}

function send(response: ServerResponse, method: string, reply: Reply): void {
  writeReply(response, method, reply, { headers: { 'x-vss-e2eid': 'emulator' }, jsonContentType: 'application/json; charset=utf-8' });
}

/** Starts the emulator on 127.0.0.1. */
export async function startAdoEmulator(options: AdoEmulatorOptions = {}): Promise<AdoEmulator> {
  const now = (): number => (options.clock ?? Date).now();
  const faults = new FaultRegistry();
  const requests: AdoLoggedRequest[] = [];
  let state = new AdoState(now);
  let url = '';
  const context: AdoEmulatorContext = {
    get state() {
      return state;
    },
    get url() {
      return url;
    },
    get collectionUri() {
      return `${url}/ado/${state.organization}/`;
    },
    now,
  };
  const routes: Route[] = [...discoveryRoutes(context), ...workItemRoutes(context), ...identityAndGitRoutes(context)];

  function dispatch(request: EmulatorRequest): Reply {
    try {
      const found = findRoute(routes, request.method, request.path);
      if (!found) throw new EmulatorApiError(404, 'NotFound', `No route for ${request.method} ${request.path}`, adoErrorBody('ApiResourceLocationNotFoundException', `API resource location not found for ${request.method} ${request.path}.`));
      const { route } = found;
      request.params = found.params;
      const [scheme, token] = (request.headers.authorization ?? '').split(' ');
      if (route.auth === 'ado' && (scheme?.toLowerCase() !== 'bearer' || !state.systemAccessTokens.has(token ?? ''))) {
        // Azure DevOps answers an unknown token with 401 and a sign-in hint, not the JSON body.
        return { status: 401, headers: { 'www-authenticate': 'Bearer authorization_uri=https://login.microsoftonline.com/common' }, body: adoErrorBody('UnauthorizedRequestException', 'TF400813: The user is not authorized to access this resource.') };
      }
      return route.handle(request) as Reply;
    } catch (error) {
      if (error instanceof EmulatorApiError) return { status: error.status, body: error.body ?? adoErrorBody(error.errorCode, error.message) };
      return { status: 500, body: adoErrorBody('EmulatorBug', (error as Error).stack ?? String(error)) };
    }
  }

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const request = await readRequest(incoming);
    const { headers } = request;
    const [scheme, token] = (headers.authorization ?? '').split(' ');
    let body: unknown;
    try {
      body = request.raw.length ? JSON.parse(request.raw.toString('utf8')) : undefined;
    } catch {
      body = { byteLength: request.raw.length };
    }
    const entry: AdoLoggedRequest = {
      method: request.method,
      path: request.path,
      query: Object.fromEntries(request.query),
      auth: scheme ? `${scheme} <${state.systemAccessTokens.has(token ?? '') ? 'system' : 'unknown'}>` : '<none>',
      accept: headers.accept,
      contentType: headers['content-type'],
      body,
      status: 0,
    };
    requests.push(entry);
    const fault = faults.take(request.method, request.path);
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === 'drop') {
      incoming.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    let reply: Reply;
    if (fault?.kind === 'status') reply = faultReply(fault);
    else if (fault?.kind === 'malformed') reply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id": 1, "fields": {"System.St' };
    else reply = dispatch(request);
    entry.status = reply.status;
    send(response, request.method, reply);
  }

  const server: Server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 'GET', { status: 500, body: adoErrorBody('EmulatorBug', String(error)) });
    });
  });
  url = await listenOnLoopback(server, options.port);
  if (options.scenario) state.apply(options.scenario);

  return {
    url,
    get collectionUri() {
      return context.collectionUri;
    },
    get state() {
      return state;
    },
    requests,
    faults,
    seed: (scenario) => state.apply(scenario),
    reset: () => {
      state = new AdoState(now);
      if (options.scenario) state.apply(options.scenario);
      requests.length = 0;
      faults.clear();
    },
    requestsTo: (method, path) => requests.filter((r) => r.method === method.toUpperCase() && (typeof path === 'string' ? r.path === path : path.test(r.path))),
    close: () => closeServer(server),
  };
}
