import assert from 'node:assert/strict';
import { rateLimitFamily, startEmulator, type Emulator } from '../emulator';
import { call, owner, ownerPat } from './helpers';
import { FakeClock } from '../fakes/clock';

const listPath = '/api/2.2/jobs/list';
const runsGetPath = '/api/2.2/jobs/runs/get';

describe('emulator rate limits', () => {
  let emulator: Emulator;
  const clock = new FakeClock();

  before(async () => {
    emulator = await startEmulator({ clock, rateLimits: { 'jobs/other': 2, 'jobs/runs/get': 1 }, scenario: { identities: { pats: { [ownerPat]: owner } } } });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());

  it('answers 429 REQUEST_LIMIT_EXCEEDED with Retry-After in whole seconds once a family has used its second, then refills with time', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await call(emulator, 'GET', listPath)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    const throttled = await call(emulator, 'GET', listPath);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '1');
    assert.deepEqual(throttled.json, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests. Please try again later.' });
    clock.advance(500);
    assert.equal((await call(emulator, 'GET', listPath)).status, 200);
  });

  it('keeps one bucket per route family', async () => {
    await call(emulator, 'GET', listPath);
    await call(emulator, 'GET', listPath);
    assert.equal((await call(emulator, 'GET', listPath)).status, 429);
    assert.notEqual((await call(emulator, 'GET', `${runsGetPath}?run_id=1`)).status, 429);
    assert.equal((await call(emulator, 'GET', `${runsGetPath}?run_id=1`)).status, 429);
  });

  it('limits only workspace REST paths, by the families of the published table', () => {
    assert.equal(rateLimitFamily('/api/2.2/jobs/runs/submit'), 'jobs/runs/submit');
    assert.equal(rateLimitFamily('/api/2.0/mlflow/runs/search'), 'mlflow/search');
    assert.equal(rateLimitFamily('/api/2.0/mlflow/runs/get'), 'mlflow/other');
    assert.equal(rateLimitFamily('/api/2.1/unity-catalog/models/a.b.c'), 'other');
    assert.equal(rateLimitFamily('/oidc/v1/token'), undefined);
  });
});
