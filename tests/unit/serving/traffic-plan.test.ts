import assert from 'node:assert/strict';
import type { EndpointCoreConfigInput } from '../../../tasks/common/databricks/serving';
import { RolloutRefusedError, configInputFrom, planRollout, sameConfig } from '../../../tasks/common/serving/traffic-plan';
import { findMismatch, judgeSmokeTest } from '../../../tasks/common/serving/smoke-test';
import { maskCredentials, plainTextSecrets, tailOfLog } from '../../../tasks/common/serving/log-tail';

const model = 'main.ml.churn';

function endpoint(routes: Array<[string, string, number]>): EndpointCoreConfigInput {
  return {
    name: 'churn',
    served_entities: routes.map(([name, version]) => ({ name, entity_name: name.startsWith('fraud') ? 'main.ml.fraud' : model, entity_version: version, workload_size: 'Small' })),
    traffic_config: { routes: routes.map(([name, , pct]) => ({ served_entity_name: name, traffic_percentage: pct })) },
  };
}

function routes(config: EndpointCoreConfigInput): Array<[string | undefined, string | undefined, number]> {
  return (config.served_entities ?? []).map((e) => [e.name, e.entity_version, config.traffic_config?.routes?.find((r) => r.served_entity_name === e.name)?.traffic_percentage ?? 0]);
}

describe('serving traffic plan', () => {
  it('reads the output configuration back as input without the fields only the service sets', () => {
    const input = configInputFrom('churn', {
      served_entities: [{ name: 'churn-3', entity_name: model, entity_version: '3', workload_size: 'Small', state: { deployment: 'DEPLOYMENT_READY' }, creator: 'a', creation_timestamp: 1 }],
      auto_capture_config: { enabled: true, catalog_name: 'main', state: { payload_table: { name: 't' } } },
      config_version: 4,
    });
    assert.deepEqual(input, {
      name: 'churn',
      served_entities: [{ name: 'churn-3', entity_name: model, entity_version: '3', workload_size: 'Small' }],
      auto_capture_config: { enabled: true, catalog_name: 'main' },
    });
  });

  it('canary replaces an earlier canary of the model and splits the model’s traffic', () => {
    const plan = planRollout(endpoint([['churn-3', '3', 50], ['churn-4', '4', 10], ['fraud-1', '1', 40]]), { modelName: model, version: '5', strategy: 'canary', canaryPercent: 10 });
    assert.deepEqual(routes(plan.config), [['churn-3', '3', 54], ['churn-5', '5', 6], ['fraud-1', '1', 40]]);
    assert.equal(plan.previousVersion, '3');
  });

  it('refuses a canary share that rounds to nothing', () => {
    assert.throws(
      () => planRollout(endpoint([['churn-3', '3', 4], ['fraud-1', '1', 96]]), { modelName: model, version: '4', strategy: 'canary', canaryPercent: 10 }),
      RolloutRefusedError,
    );
  });

  it('does not guess which entity to replace on an endpoint that does not serve the model', () => {
    assert.throws(() => planRollout(endpoint([['fraud-1', '1', 100]]), { modelName: model, version: '4', strategy: 'replace', canaryPercent: 10 }), /serves no version of main\.ml\.churn/);
  });

  it('sees a lone entity without routes as taking all traffic, so a re-run is unchanged', () => {
    const current: EndpointCoreConfigInput = { name: 'churn', served_entities: [{ name: 'churn-4', entity_name: model, entity_version: '4', workload_size: 'Small' }] };
    const plan = planRollout(current, { modelName: model, version: '4', strategy: 'replace', canaryPercent: 10 });
    assert.equal(plan.changed, false);
    assert.ok(sameConfig(current, plan.config));
  });
});

describe('serving smoke test and log tails', () => {
  it('compares predictions within the tolerance and objects by their expected keys', () => {
    assert.equal(findMismatch([0.1, { label: 'churn', p: 0.9 }], [0.105, { label: 'churn', p: 0.91, extra: 1 }], 0.02), undefined);
    assert.match(findMismatch([0.1, 0.2], [0.1, 0.3], 0.05) ?? '', /predictions\[1\]: expected 0.2 ± 0.05, got 0.3/);
    assert.match(findMismatch([1, 2], [1], 0) ?? '', /expected 2 items, got 1/);
  });

  it('fails a non-200 answer and passes any 200 without an expectation', () => {
    assert.equal(judgeSmokeTest({ body: {} }, { status: 400, body: 'bad input' }, 'endpoint').passed, false);
    assert.equal(judgeSmokeTest({ body: {} }, { status: 200, body: { predictions: [] } }, 'endpoint').passed, true);
  });

  it('masks tokens, secret-looking pairs and plain-text secret environment values; keeps the last lines', () => {
    const masked = maskCredentials('token dapi0123456789abcdef0123456789abcdef; password=hunter2; Authorization: Bearer abc.def.ghijkl; my-plain-key', ['my-plain-key']);
    assert.doesNotMatch(masked, /dapi0123|hunter2|abc\.def|my-plain-key/);
    assert.deepEqual(plainTextSecrets({ API_KEY: 'k-123', DB_TOKEN: '{{secrets/s/k}}', LOG_LEVEL: 'INFO' }), ['k-123']);
    const long = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    assert.deepEqual(tailOfLog(long).split('\n').slice(-2), ['line 98', 'line 99']);
    assert.ok(tailOfLog(long).split('\n').length < 100);
  });
});
