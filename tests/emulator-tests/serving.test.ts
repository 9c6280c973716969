import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator';
import { call, owner, ownerPat } from './helpers';
import { FakeClock } from '../fakes/clock';

const model = 'main.ml.churn';
const served = (version: string, extra: object = {}) => ({ entity_name: model, entity_version: version, workload_size: 'Small', scale_to_zero_enabled: true, ...extra });

describe('emulator: serving endpoints', () => {
  let emulator: Emulator;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    emulator = await startEmulator({
      clock,
      scenario: {
        identities: { pats: { [ownerPat]: owner } },
        models: [{ fullName: model, owner, versions: [{ version: 1 }, { version: 2 }] }],
        serving: {
          updateMs: 60_000,
          models: [
            { entityName: model, entityVersion: '1', predict: () => ({ body: { predictions: ['v1'] } }) },
            { entityName: model, entityVersion: '2', predict: () => ({ body: { predictions: ['v2'] } }), buildLogs: 'built v2' },
          ],
        },
      },
    });
  });
  afterEach(async () => emulator?.close());

  it('creates an endpoint that is NOT_READY and IN_PROGRESS until the update time passes', async () => {
    const created = await call(emulator, 'POST', '/api/2.0/serving-endpoints', { body: { name: 'churn', config: { served_entities: [served('1')] } } });
    assert.equal(created.status, 200);
    assert.deepEqual(created.json.state, { ready: 'NOT_READY', config_update: 'IN_PROGRESS' });
    assert.equal(created.json.pending_config.served_entities[0].name, 'churn-1');
    assert.equal((await call(emulator, 'POST', '/api/2.0/serving-endpoints', { body: { name: 'churn', config: { served_entities: [served('1')] } } })).status, 409);
    clock.advance(60_000);
    const ready = await call(emulator, 'GET', '/api/2.0/serving-endpoints/churn');
    assert.deepEqual(ready.json.state, { ready: 'READY', config_update: 'NOT_UPDATING' });
    assert.deepEqual(ready.json.config.traffic_config.routes, [{ served_entity_name: 'churn-1', traffic_percentage: 100 }]);
    assert.equal(ready.json.config.served_entities[0].state.deployment, 'DEPLOYMENT_READY');
    assert.equal(ready.json.pending_config, undefined);
  });

  it('answers 409 to a config update while one is in progress, and validates routes', async () => {
    await call(emulator, 'POST', '/api/2.0/serving-endpoints', { body: { name: 'churn', config: { served_entities: [served('1')] } } });
    const config = {
      served_entities: [served('1'), served('2')],
      traffic_config: { routes: [{ served_entity_name: 'churn-1', traffic_percentage: 90 }, { served_entity_name: 'churn-2', traffic_percentage: 10 }] },
    };
    const busy = await call(emulator, 'PUT', '/api/2.0/serving-endpoints/churn/config', { body: config });
    assert.equal(busy.status, 409);
    assert.equal(busy.json.error_code, 'RESOURCE_CONFLICT');
    clock.advance(60_000);
    const badSum = await call(emulator, 'PUT', '/api/2.0/serving-endpoints/churn/config', { body: { ...config, traffic_config: { routes: [{ served_entity_name: 'churn-1', traffic_percentage: 90 }] } } });
    assert.equal(badSum.status, 400);
    assert.equal((await call(emulator, 'PUT', '/api/2.0/serving-endpoints/churn/config', { body: config })).status, 200);
    clock.advance(60_000);
    const answers = await Promise.all(Array.from({ length: 100 }, () => call(emulator, 'POST', '/serving-endpoints/churn/invocations', { body: { inputs: [1] } })));
    const v2 = answers.filter((answer) => answer.json.predictions[0] === 'v2').length;
    assert.equal(v2, 10);
    const direct = await call(emulator, 'POST', '/serving-endpoints/churn/served-models/churn-2/invocations', { body: { inputs: [1] } });
    assert.deepEqual(direct.json, { predictions: ['v2'] });
    assert.deepEqual((await call(emulator, 'GET', '/api/2.0/serving-endpoints/churn/served-models/churn-2/build-logs')).json, { logs: 'built v2' });
    assert.equal((await call(emulator, 'GET', '/api/2.0/serving-endpoints/churn/served-models/nope/logs')).status, 404);
  });

  it('keeps the old configuration serving when a served model fails to deploy', async () => {
    emulator.seed({ serving: { models: [{ entityName: model, entityVersion: '2', deploymentFailure: 'boom' }] } });
    await call(emulator, 'POST', '/api/2.0/serving-endpoints', { body: { name: 'churn', config: { served_entities: [served('1')] } } });
    clock.advance(60_000);
    await call(emulator, 'PUT', '/api/2.0/serving-endpoints/churn/config', { body: { served_entities: [served('2')] } });
    clock.advance(60_000);
    const failed = await call(emulator, 'GET', '/api/2.0/serving-endpoints/churn');
    assert.deepEqual(failed.json.state, { ready: 'READY', config_update: 'UPDATE_FAILED' });
    assert.equal(failed.json.config.served_entities[0].entity_version, '1');
    assert.deepEqual(failed.json.pending_config.served_entities[0].state, { deployment: 'DEPLOYMENT_FAILED', deployment_state_message: 'boom' });
  });
});
