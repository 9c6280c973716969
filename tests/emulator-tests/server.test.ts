import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator';
import { bodyOf, call, owner, ownerPat } from './helpers';

describe('emulator core', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [ownerPat]: owner } },
        jobs: [{ name: 'nightly', tasks: [{ taskKey: 'main', notebookPath: '/Repos/x/nightly' }] }],
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());

  it('listens on loopback with a free port', () => {
    assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(emulator.collectionUri, `${emulator.url}/ado/org/`);
  });

  it('rejects workspace calls without a bearer token with 401 in the error envelope', async () => {
    const result = await call(emulator, 'GET', '/api/2.2/jobs/list', { token: null });
    assert.equal(result.status, 401);
    assert.equal(result.json.error_code, 'UNAUTHENTICATED');
    assert.equal(typeof result.json.message, 'string');
  });

  it('rejects unknown tokens with 401', async () => {
    const result = await call(emulator, 'GET', '/api/2.2/jobs/list', { token: 'dapi-not-configured' });
    assert.equal(result.status, 401);
  });

  it('accepts a configured PAT and records the identity, never the token', async () => {
    const result = await call(emulator, 'GET', '/api/2.2/jobs/list');
    assert.equal(result.status, 200);
    const [entry] = emulator.requests;
    assert.deepEqual(entry.auth, { scheme: 'bearer', tokenKind: 'pat', identity: owner, expired: false });
    assert.equal(entry.headers.authorization, 'Bearer <pat>');
    assert.equal(entry.status, 200);
    assert.ok(!JSON.stringify(emulator.requests).includes(ownerPat));
  });

  it('logs method, path, query and the parsed body of every request', async () => {
    await call(emulator, 'GET', '/api/2.2/jobs/list?name=nightly&limit=5');
    await call(emulator, 'POST', '/api/2.2/jobs/runs/submit', { body: { run_name: 'x', tasks: [{ task_key: 't', notebook_task: { notebook_path: '/a' } }] } });
    assert.deepEqual(
      emulator.requests.map((r) => [r.method, r.path, r.status]),
      [
        ['GET', '/api/2.2/jobs/list', 200],
        ['POST', '/api/2.2/jobs/runs/submit', 200],
      ],
    );
    assert.deepEqual(emulator.requests[0].query, { name: 'nightly', limit: '5' });
    assert.equal(bodyOf(emulator.requests[1]).run_name, 'x');
    assert.equal(emulator.requestsTo('post', '/api/2.2/jobs/runs/submit').length, 1);
    assert.equal(emulator.requestsTo('GET', /jobs\/list$/).length, 1);
  });

  it('answers unknown routes with 404 ENDPOINT_NOT_FOUND naming method and path', async () => {
    const result = await call(emulator, 'POST', '/api/2.0/lineage-tracking/table-lineage', { body: {} });
    assert.equal(result.status, 404);
    assert.equal(result.json.error_code, 'ENDPOINT_NOT_FOUND');
    assert.match(result.json.message, /POST \/lineage-tracking\/table-lineage/);
  });

  it('rejects malformed JSON bodies with 400', async () => {
    const result = await call(emulator, 'POST', '/api/2.2/jobs/runs/submit', { raw: Buffer.from('{nope'), headers: { 'content-type': 'application/json' } });
    assert.equal(result.status, 400);
    assert.equal(result.json.error_code, 'MALFORMED_REQUEST');
  });

  it('seed() adds to the state and reset() returns to the initial scenario', async () => {
    emulator.seed({ jobs: [{ name: 'extra', tasks: [{ taskKey: 't' }] }] });
    let list = await call(emulator, 'GET', '/api/2.2/jobs/list');
    assert.deepEqual(list.json.jobs.map((j: { settings: { name: string } }) => j.settings.name), ['nightly', 'extra']);
    emulator.faults.add({ path: '/api/2.2/jobs/list', kind: 'status', status: 500 });
    emulator.reset();
    assert.equal(emulator.requests.length, 0);
    list = await call(emulator, 'GET', '/api/2.2/jobs/list');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.jobs.map((j: { settings: { name: string } }) => j.settings.name), ['nightly']);
  });

  it('tells the caller who it is (SCIM Me), as the connection check reads it', async () => {
    const me = await call(emulator, 'GET', '/api/2.0/preview/scim/v2/Me');
    assert.equal(me.status, 200);
    assert.equal(me.json.userName, owner);
    assert.equal((await call(emulator, 'GET', '/api/2.0/preview/scim/v2/Me', { token: 'nope' })).status, 401);
  });

  it('lets tests change the state directly', async () => {
    emulator.state.jobs.clear();
    const list = await call(emulator, 'GET', '/api/2.2/jobs/list');
    assert.equal(list.json.jobs, undefined);
  });
});
