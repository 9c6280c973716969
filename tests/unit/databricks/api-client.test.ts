import assert from 'node:assert/strict';
import { DatabricksApiClient, unauthorizedCauses } from '../../../tasks/common/databricks/api-client';
import { ApiError } from '../../../tasks/common/http/errors';
import { defaultRetryOptions } from '../../../tasks/common/http/retry-policy';
import { TransportError } from '../../../tasks/common/http/transport';
import { silentLogger } from '../../../tasks/common/ports';
import { FakeClock } from '../../fakes/clock';
import { FakeTransport, json, reset, text, type Scripted } from '../../fakes/transport';
import { CountingTokens } from '../../fakes/tokens';

const host = 'https://adb-1234567890123456.7.azuredatabricks.net';
const userAgent = 'databricks-mlops-azure-devops/1.2.3 DatabricksModelCompare/1.0.0 node/20';

function client(...script: Scripted[]): { api: DatabricksApiClient; transport: FakeTransport; clock: FakeClock; tokens: CountingTokens } {
  const transport = new FakeTransport(...script);
  const clock = new FakeClock();
  const tokens = new CountingTokens();
  const api = new DatabricksApiClient({
    host: `${host}/`,
    transport,
    tokens,
    clock,
    logger: silentLogger,
    userAgent,
    retry: { random: () => 0.5 },
  });
  return { api, transport, clock, tokens };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('DatabricksApiClient', () => {
  describe('requests', () => {
    it('sends the bearer token, User-Agent, query and JSON body', async () => {
      const { api, transport } = client(json(200, { run_id: 7 }));
      const result = await api.call<{ run_id: number }>('POST', '/api/2.2/jobs/runs/submit', { body: { run_name: 'x' }, query: { a: 1, b: undefined, c: 'x y' } });
      assert.deepEqual(result, { run_id: 7 });
      const [request] = transport.requests;
      assert.equal(request.url, `${host}/api/2.2/jobs/runs/submit?a=1&c=x+y`);
      assert.equal(request.headers.Authorization, 'Bearer dapi-secret-token-1');
      assert.equal(request.headers['User-Agent'], userAgent);
      assert.equal(request.headers['Content-Type'], 'application/json');
      assert.equal(request.body, '{"run_name":"x"}');
    });

    it('sends raw bodies as octet-stream and returns raw bytes', async () => {
      const { api, transport } = client(text(200, 'file-content'));
      const response = await api.callBytes('PUT', '/api/2.0/fs/files/Volumes/a/b/c/f.txt', { rawBody: Buffer.from('abc'), idempotent: true });
      assert.equal(Buffer.from(response.body).toString(), 'file-content');
      assert.equal(transport.requests[0].headers['Content-Type'], 'application/octet-stream');
    });

    it('returns {} for an empty body and fails clearly on a body that is not JSON', async () => {
      assert.deepEqual(await client(text(200, '')).api.call('POST', '/api/2.2/jobs/runs/cancel'), {});
      const error = await failure(client(text(200, '<html>')).api.call('GET', '/api/2.2/jobs/get'));
      assert.equal(error.errorCode, 'MALFORMED_RESPONSE');
      assert.equal(error.details.path, '/api/2.2/jobs/get');
    });
  });

  describe('error mapping', () => {
    const cases: { name: string; response: Scripted; status: number; code?: string; message: RegExp }[] = [
      {
        name: 'standard envelope',
        response: json(400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Run 5 does not exist', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'x' }] }),
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
        message: /400 INVALID_PARAMETER_VALUE: Run 5 does not exist/,
      },
      { name: 'numeric error_code', response: json(404, { error_code: 3001, message: 'no such thing' }), status: 404, code: '3001', message: /no such thing/ },
      { name: 'legacy {error}', response: json(400, { error: 'Cluster abc does not exist' }), status: 400, message: /Cluster abc does not exist/ },
      { name: 'SCIM {detail,status,scimType}', response: json(409, { detail: 'User already exists', status: '409', scimType: 'uniqueness' }), status: 409, message: /User already exists/ },
      { name: 'plain "CODE: message"', response: text(400, 'INVALID_STATE: job is paused'), status: 400, code: 'INVALID_STATE', message: /INVALID_STATE: job is paused/ },
      { name: 'HTML <pre>', response: text(502, '<html><body><pre>BAD_GATEWAY: upstream died</pre></body></html>'), status: 502, code: 'BAD_GATEWAY', message: /upstream died/ },
      { name: 'HTML without a code', response: text(404, '<html><body><pre>Not here</pre></body></html>'), status: 404, message: /Not here/ },
      { name: 'empty body', response: text(404, ''), status: 404, message: /404: Not Found/ },
      {
        name: "proxy's HTML error page",
        response: text(502, `<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>${'body{color:red}'.repeat(100)}</style></head><body><h1>Bad Gateway</h1></body></html>`),
        status: 502,
        message: /^GET \/api\/2\.2\/jobs\/runs\/get failed: 502: an HTML page saying '502 Bad Gateway', likely from a proxy or gateway$/,
      },
      { name: 'HTML page without a title', response: text(503, '<html><body><h1>Service\n  Unavailable</h1><script>var x = 1;</script></body></html>'), status: 503, message: /503: an HTML page saying 'Service Unavailable', likely/ },
      { name: 'OAuth {error, error_description}', response: json(401, { error: 'invalid_client', error_description: 'Client authentication failed' }), status: 401, code: 'invalid_client', message: /Client authentication failed/ },
    ];
    for (const c of cases) {
      it(`reads the ${c.name} shape`, async () => {
        const error = await failure(client(c.response).api.call('GET', '/api/2.2/jobs/runs/get', { query: { run_id: 5 } }));
        assert.equal(error.status, c.status);
        assert.equal(error.errorCode, c.code);
        assert.match(error.message, c.message);
        assert.equal(error.details.method, 'GET');
        assert.equal(error.details.path, '/api/2.2/jobs/runs/get');
        assert.ok(!error.message.includes('run_id'), 'the query string stays out of the message');
      });
    }

    it("names an HTML sign-in page that came with 200 instead of JSON, without its markup", async () => {
      const error = await failure(client(text(200, '<html><head><title>Sign in to Contoso Proxy</title></head><body><form action="/login"></form></body></html>', { 'content-type': 'text/html' })).api.call('GET', '/api/2.2/jobs/get'));
      assert.equal(error.message, "GET /api/2.2/jobs/get returned an HTML page saying 'Sign in to Contoso Proxy', likely from a proxy or gateway, instead of JSON");
    });

    it('truncates a long unstructured body', async () => {
      const error = await failure(client(text(400, 'x'.repeat(5000))).api.call('GET', '/api/2.2/jobs/get'));
      assert.ok(error.message.length < 700, `message of ${error.message.length} characters`);
    });

    it('keeps the request id and Retry-After of the response', async () => {
      const error = await failure(client(json(400, { error_code: 'BAD', message: 'm' }, { 'x-request-id': 'req-9', 'retry-after': '3' })).api.call('GET', '/x'));
      assert.equal(error.details.requestId, 'req-9');
      assert.equal(error.details.retryAfter, '3');
    });

    it('never puts the token in a message, even when the server echoes it', async () => {
      const echo: Scripted = (request) => json(400, { error_code: 'INVALID_PARAMETER_VALUE', message: `bad header ${request.headers.Authorization}` });
      const { api } = client(echo);
      const error = await failure(api.call('GET', '/api/2.2/jobs/get', { query: { job_id: 1 } }));
      assert.ok(!error.message.includes('dapi-secret-token'), error.message);
      assert.ok(!String(error).includes('dapi-secret-token'));
      for (const status of [401, 403]) {
        const denied = await failure(client(json(status, { error_code: 'X', message: 'denied' })).api.call('GET', '/api/2.2/jobs/get'));
        assert.ok(!denied.message.includes('dapi-secret-token'), denied.message);
      }
    });

    it('turns a connection failure into an ApiError without status', async () => {
      const error = await failure(client(reset()).api.call('POST', '/api/2.2/jobs/runs/submit', { body: {} }));
      assert.equal(error.status, undefined);
      assert.equal(error.isConnectionError, true);
      assert.equal(error.errorCode, 'CONNECTION_ERROR');
      assert.match(error.message, /POST \/api\/2\.2\/jobs\/runs\/submit failed: no response: socket hang up/);
    });
  });

  describe('authentication failures', () => {
    it('refreshes the token once after a 401 and succeeds with the new one', async () => {
      const { api, transport, tokens } = client(json(401, { error_code: 'UNAUTHENTICATED', message: 'expired' }), json(200, { ok: true }));
      assert.deepEqual(await api.call('GET', '/api/2.2/jobs/get'), { ok: true });
      assert.equal(tokens.invalidations, 1);
      assert.deepEqual(transport.requests.map((r) => r.headers.Authorization), ['Bearer dapi-secret-token-1', 'Bearer dapi-secret-token-2']);
    });

    it('reports a second 401 with the identity, host and usual causes, without a third try', async () => {
      const { api, transport, tokens } = client(json(401, { error_code: 'UNAUTHENTICATED', message: 'Invalid access token' }));
      const error = await failure(api.call('GET', '/api/2.2/jobs/get'));
      assert.equal(transport.requests.length, 2);
      assert.equal(tokens.invalidations, 1);
      assert.equal(error.status, 401);
      assert.ok(error.message.includes(tokens.identity), error.message);
      assert.ok(error.message.includes(host));
      assert.match(error.message, /not added to this workspace/);
    });

    it('explains a rejected personal access token with its own causes, not service-principal ones', () => {
      const causes = unauthorizedCauses("the personal access token of service connection 'prod'");
      assert.match(causes, /expired or was revoked/);
      assert.match(causes, /another workspace/);
      assert.doesNotMatch(causes, /service principal/);
      assert.match(unauthorizedCauses("service principal 42 (Databricks OAuth secret of service connection 'prod')"), /service principal is not added/);
    });

    it('explains a 403 with the identity and missing permissions, without retrying', async () => {
      const { api, transport, tokens } = client(json(403, { error_code: 'PERMISSION_DENIED', message: 'User does not have EXECUTE on model' }));
      const error = await failure(api.call('PUT', '/api/2.1/unity-catalog/models/a.b.c/aliases/champion', { body: { version_num: 3 }, idempotent: true }));
      assert.equal(transport.requests.length, 1);
      assert.equal(tokens.invalidations, 0);
      assert.equal(error.status, 403);
      assert.equal(error.errorCode, 'PERMISSION_DENIED');
      assert.ok(error.message.includes(tokens.identity));
      assert.match(error.message, /entitlement|privilege/);
    });
  });

  describe('retries', () => {
    it('retries a read through 429, 500, 502, 503, 504 and a dropped connection', async () => {
      const { api, transport, clock } = client(
        json(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'retry-after': '2' }),
        json(500, {}),
        text(502, ''),
        json(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'later' }),
        text(504, ''),
        reset(),
        json(200, { done: true }),
      );
      assert.deepEqual(await api.call('GET', '/api/2.2/jobs/runs/get'), { done: true });
      assert.equal(transport.requests.length, 7);
      assert.equal(clock.sleeps[0], 2000, 'Retry-After honoured');
      // full jitter with random 0.5: half of base * 2^(attempt-1)
      assert.deepEqual(clock.sleeps.slice(1), [1000, 2000, 4000, 8000, 15_000]); // the last ceiling is capped at 30 s
    });

    it('repeats a run-creating POST with an idempotency token after 500, but not one without', async () => {
      const idempotent = client(json(500, {}), json(200, { run_id: 1 }));
      assert.deepEqual(await idempotent.api.call('POST', '/api/2.2/jobs/runs/submit', { body: { idempotency_token: 't' }, idempotent: true }), { run_id: 1 });
      const plain = client(json(500, { error_code: 'INTERNAL_ERROR', message: 'oops' }), json(200, { run_id: 1 }));
      const error = await failure(plain.api.call('POST', '/api/2.2/jobs/runs/submit', { body: {} }));
      assert.equal(error.status, 500);
      assert.equal(plain.transport.requests.length, 1);
    });

    it('repeats any write after 429 and 503', async () => {
      const { api, transport } = client(json(429, {}), json(503, {}), json(200, { run_id: 2 }));
      assert.deepEqual(await api.call('POST', '/api/2.2/jobs/run-now', { body: { job_id: 1 } }), { run_id: 2 });
      assert.equal(transport.requests.length, 3);
    });

    it('does not repeat a non-idempotent write after a dropped connection', async () => {
      const { api, transport } = client(reset(), json(200, {}));
      await failure(api.call('POST', '/api/2.2/jobs/run-now', { body: { job_id: 1 } }));
      assert.equal(transport.requests.length, 1);
    });

    it('sends a call with retries: 0 exactly once, even on 429 and 503, but still refreshes a rejected token', async () => {
      for (const status of [429, 503, 500]) {
        const { api, transport } = client(json(status, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'later' }), json(200, {}));
        const error = await failure(api.call('PUT', '/api/2.1/unity-catalog/models/a.b.c/aliases/champion', { body: {}, retries: 0 }));
        assert.equal(error.status, status);
        assert.equal(transport.requests.length, 1, `status ${status}`);
      }
      const refreshed = client(json(401, { error_code: 'UNAUTHENTICATED', message: 'expired' }), json(200, { ok: true }));
      assert.deepEqual(await refreshed.api.call('PUT', '/x', { body: {}, retries: 0 }), { ok: true });
      assert.equal(refreshed.transport.requests.length, 2);
    });

    it('stops after the allowed number of retries', async () => {
      const { api, transport } = client(json(503, {}), json(503, {}), json(503, {}), json(200, {}));
      await failure(api.call('GET', '/api/2.2/jobs/runs/get', { retries: 2 }));
      assert.equal(transport.requests.length, 3);
    });

    it('gives up with the last error once the deadline is reached', async () => {
      const { api, transport, clock } = client(json(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'still down' }, { 'retry-after': '60' }));
      const error = await failure(api.call('GET', '/api/2.2/jobs/runs/get'));
      assert.equal(error.status, 503);
      // 5 minutes of 60 s waits: attempts at 0, 60, ..., 300 s, then no retry starts after the deadline.
      assert.equal(transport.requests.length, defaultRetryOptions.deadlineMs / 60_000 + 1);
      assert.ok(clock.sleeps.reduce((a, b) => a + b, 0) <= defaultRetryOptions.deadlineMs);
    });
  });

  describe('cancellation', () => {
    it('stops waiting between retries when the signal aborts', async () => {
      const controller = new AbortController();
      const transport = new FakeTransport((_request) => {
        controller.abort(new Error('cancelled by the pipeline'));
        return json(503, {});
      });
      const api = new DatabricksApiClient({ host, transport, tokens: new CountingTokens(), clock: new FakeClock(), logger: silentLogger, userAgent });
      await assert.rejects(api.call('GET', '/api/2.2/jobs/runs/get', { signal: controller.signal }), /cancelled by the pipeline/);
      assert.equal(transport.requests.length, 1);
    });

    it('passes an aborted transport error through unchanged', async () => {
      const aborted = new TransportError('The operation was aborted', 'ABORT_ERR');
      await assert.rejects(client(aborted).api.call('GET', '/x'), (error: unknown) => error === aborted);
    });
  });
});
