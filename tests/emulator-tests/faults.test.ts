import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startEmulator, type Emulator } from '../emulator';
import { basic, call, owner, ownerPat } from './helpers';
import { FakeClock } from '../fakes/clock';

const listPath = '/api/2.2/jobs/list';

/** A raw request, to observe a connection dropped without a response. */
function rawGet(url: string, token: string): Promise<{ status?: number; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (error) => resolve({ error }));
    req.end();
  });
}

describe('emulator faults', () => {
  let emulator: Emulator;
  const clock = new FakeClock();

  before(async () => {
    emulator = await startEmulator({
      clock,
      scenario: {
        identities: {
          pats: { [ownerPat]: owner },
          servicePrincipals: [{ applicationId: 'sp-1', oauthSecret: 's3cret' }],
        },
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());

  it('answers 429 with Retry-After in seconds for the given number of times, then normally', async () => {
    const handle = emulator.faults.add({ method: 'GET', path: listPath, times: 2, kind: 'status', status: 429, retryAfter: 3 });
    const first = await call(emulator, 'GET', listPath);
    const second = await call(emulator, 'GET', listPath);
    const third = await call(emulator, 'GET', listPath);
    assert.deepEqual([first.status, second.status, third.status], [429, 429, 200]);
    assert.equal(first.headers.get('retry-after'), '3');
    assert.equal(first.json.error_code, 'REQUEST_LIMIT_EXCEEDED');
    assert.equal(handle.hits, 2);
    assert.equal(handle.remaining, 0);
    assert.deepEqual(emulator.requests.map((r) => r.fault), ['status', 'status', undefined]);
  });

  it('sends Retry-After as an HTTP date when given a Date, and none when not asked', async () => {
    const when = new Date(Date.UTC(2026, 10, 28, 4, 0, 5));
    emulator.faults.add({ path: listPath, kind: 'status', status: 503, retryAfter: when });
    emulator.faults.add({ path: listPath, kind: 'status', status: 429 });
    const dated = await call(emulator, 'GET', listPath);
    const bare = await call(emulator, 'GET', listPath);
    assert.equal(dated.status, 503);
    assert.equal(dated.headers.get('retry-after'), 'Sat, 28 Nov 2026 04:00:05 GMT');
    assert.equal(dated.json.error_code, 'TEMPORARILY_UNAVAILABLE');
    assert.equal(bare.status, 429);
    assert.equal(bare.headers.get('retry-after'), null);
  });

  it('uses the standard envelope for 500 and a custom body when given', async () => {
    emulator.faults.add({ path: listPath, kind: 'status', status: 500 });
    emulator.faults.add({ path: listPath, kind: 'status', status: 400, body: { error_code: 'INVALID_STATE', message: 'custom' } });
    const internal = await call(emulator, 'GET', listPath);
    const custom = await call(emulator, 'GET', listPath);
    assert.deepEqual([internal.status, internal.json.error_code], [500, 'INTERNAL_ERROR']);
    assert.deepEqual(custom.json, { error_code: 'INVALID_STATE', message: 'custom' });
  });

  it('answers 502 with an HTML gateway page, not JSON', async () => {
    emulator.faults.add({ path: listPath, kind: 'status', status: 502 });
    const result = await call(emulator, 'GET', listPath);
    assert.equal(result.status, 502);
    assert.match(result.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(result.json, undefined);
  });

  it('matches by method and by RegExp path', async () => {
    emulator.faults.add({ method: 'POST', path: /\/jobs\//, kind: 'status', status: 503 });
    assert.equal((await call(emulator, 'GET', listPath)).status, 200);
    const post = await call(emulator, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: 1 } });
    assert.equal(post.status, 503);
  });

  it('drops the connection without a response', async () => {
    emulator.faults.add({ path: listPath, kind: 'drop' });
    const dropped = await rawGet(`${emulator.url}${listPath}`, ownerPat);
    assert.equal(dropped.status, undefined);
    assert.ok(dropped.error, 'the client sees a connection error');
    assert.equal(emulator.requests[0].status, 0);
    assert.equal(emulator.requests[0].fault, 'drop');
    assert.equal((await call(emulator, 'GET', listPath)).status, 200);
  });

  it('delays the answer, then answers normally', async () => {
    emulator.faults.add({ path: listPath, kind: 'delay', ms: 400 });
    const order: string[] = [];
    const delayed = call(emulator, 'GET', listPath).then((r) => order.push(`delayed ${r.status}`));
    await new Promise((resolve) => setImmediate(resolve));
    await call(emulator, 'GET', '/api/2.2/jobs/get?job_id=1').then(() => order.push('other'));
    await delayed;
    assert.deepEqual(order, ['other', 'delayed 200']);
    assert.equal(emulator.requests.find((r) => r.path === listPath)?.fault, 'delay');
  });

  it('answers 200 with a body that is not JSON', async () => {
    emulator.faults.add({ path: listPath, kind: 'malformed' });
    const result = await call(emulator, 'GET', listPath);
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('content-type'), 'application/json');
    assert.throws(() => JSON.parse(result.text));
  });

  it('expires the presented token: this and later requests get 401 until a new token is used', async () => {
    const form = { grant_type: 'client_credentials', scope: 'all-apis' };
    const issued = await call(emulator, 'POST', '/oidc/v1/token', { token: null, form, headers: { authorization: basic('sp-1', 's3cret') } });
    const token = issued.json.access_token as string;
    emulator.faults.add({ path: listPath, kind: 'expireToken' });
    assert.equal((await call(emulator, 'GET', listPath, { token })).status, 401);
    assert.equal((await call(emulator, 'GET', listPath, { token })).status, 401);
    assert.equal(emulator.requests[1].auth.expired, true);
    const fresh = await call(emulator, 'POST', '/oidc/v1/token', { token: null, form, headers: { authorization: basic('sp-1', 's3cret') } });
    assert.notEqual(fresh.json.access_token, token);
    assert.equal((await call(emulator, 'GET', listPath, { token: fresh.json.access_token })).status, 200);
  });

  it('can be removed before it fires, and clear() drops every rule', async () => {
    const handle = emulator.faults.add({ path: listPath, kind: 'status', status: 500, times: Infinity });
    handle.remove();
    assert.equal((await call(emulator, 'GET', listPath)).status, 200);
    emulator.faults.add({ path: listPath, kind: 'status', status: 500, times: Infinity });
    emulator.faults.clear();
    assert.equal((await call(emulator, 'GET', listPath)).status, 200);
  });
});
