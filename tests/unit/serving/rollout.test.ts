/**
 * The rollout core against the workspace emulator in this process, on a simulated clock that the
 * emulator shares: updates stay IN_PROGRESS until the rollout's own sleeps move the clock past
 * them, so waiting, conflicts and failures are exercised without real delays.
 */
import assert from 'node:assert/strict';
import { DatabricksApiClient } from '../../../tasks/common/databricks/api-client';
import { ServingEndpoints } from '../../../tasks/common/databricks/serving';
import { UnityCatalogModels } from '../../../tasks/common/databricks/unity-catalog';
import { createNodeTransport } from '../../../tasks/common/http/node-transport';
import { silentLogger } from '../../../tasks/common/ports';
import { ServingRolloutError, rolloutModel, type RolloutRequest } from '../../../tasks/common/serving/rollout';
import { startEmulator, type Emulator } from '../../emulator';
import type { Scenario } from '../../emulator/scenario';
import type { ScenarioServingEndpoint } from '../../emulator/serving-state';
import { StaticTokenProvider } from '../../fakes/tokens';
import { FakeClock } from '../../fakes/clock';

const model = 'main.ml.churn';
const token = 'dapi-serving-owner';

/** An endpoint serving v3 with settings the rollout must keep, next to another model. */
const churnEndpoint: ScenarioServingEndpoint = {
  name: 'churn',
  config: {
    served_entities: [
      {
        name: 'churn-3',
        entity_name: model,
        entity_version: '3',
        workload_size: 'Medium',
        workload_type: 'CPU',
        scale_to_zero_enabled: false,
        environment_vars: { FEATURE_STORE_TOKEN: '{{secrets/ml/fs-token}}', LOG_LEVEL: 'INFO' },
      },
      { name: 'fraud-1', entity_name: 'main.ml.fraud', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: true },
    ],
    traffic_config: {
      routes: [
        { served_entity_name: 'churn-3', traffic_percentage: 80 },
        { served_entity_name: 'fraud-1', traffic_percentage: 20 },
      ],
    },
    auto_capture_config: { catalog_name: 'main', schema_name: 'ml', table_name_prefix: 'churn', enabled: true },
  },
  tags: [{ key: 'team', value: 'customer-ml' }],
  rate_limits: [{ calls: 100, renewal_period: 'minute', key: 'user' }],
};

function scenario(extra: Partial<NonNullable<Scenario['serving']>> = {}): Scenario {
  return {
    identities: { pats: { [token]: 'owner@example.com' } },
    models: [
      { fullName: model, owner: 'owner@example.com', versions: [{ version: 3 }, { version: 4 }, { version: 5, status: 'PENDING_REGISTRATION' }], aliases: { champion: 4 } },
      { fullName: 'main.ml.fraud', owner: 'owner@example.com', versions: [{ version: 1 }] },
    ],
    serving: {
      updateMs: 5 * 60_000,
      endpoints: [structuredClone(churnEndpoint)],
      models: [
        { entityName: model, entityVersion: '*', predict: () => ({ body: { predictions: [0.12, 0.87] } }) },
        { entityName: 'main.ml.fraud', entityVersion: '*', predict: () => ({ body: { predictions: [1] } }) },
      ],
      ...extra,
    },
  };
}

describe('serving rollout (core, emulator on a simulated clock)', function () {
  this.timeout(20_000);
  let emulator: Emulator;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    emulator = await startEmulator({ clock, scenario: scenario() });
  });
  afterEach(async () => emulator?.close());

  function deps(signal = new AbortController().signal) {
    const client = new DatabricksApiClient({
      host: emulator.url,
      transport: createNodeTransport(),
      tokens: new StaticTokenProvider(token, 'owner@example.com'),
      clock,
      logger: silentLogger,
      userAgent: 'test',
      retry: { random: () => 0 },
    });
    return { serving: new ServingEndpoints(client), registry: new UnityCatalogModels(client), clock, logger: silentLogger, signal };
  }

  function request(overrides: Partial<RolloutRequest> = {}): RolloutRequest {
    return {
      endpointName: 'churn',
      modelName: model,
      source: { kind: 'version', version: 4 },
      strategy: 'replace',
      canaryPercent: 10,
      createIfMissing: false,
      creation: { workload_size: 'Small', scale_to_zero_enabled: true },
      rollbackOnFailure: true,
      timeoutMs: 30 * 60_000,
      ...overrides,
    };
  }

  function configPuts(): unknown[] {
    return emulator.requestsTo('PUT', '/api/2.0/serving-endpoints/churn/config').map((entry) => entry.body);
  }

  function served(): Array<[string, string | undefined, number]> {
    const record = emulator.state.serving.endpoints.get('churn')!;
    const routes = record.config!.traffic.routes ?? [];
    return record.config!.entities.map((e) => [e.name, e.entity_version, routes.find((r) => r.served_entity_name === e.name)?.traffic_percentage ?? 0]);
  }

  function churnSettings(name: string): object {
    const entity = emulator.state.serving.endpoints.get('churn')!.config!.entities.find((e) => e.name === name)!;
    const { creation_timestamp: _c, creator: _r, name: _n, entity_version: _v, ...settings } = entity;
    return settings;
  }

  const keptSettings = {
    entity_name: model,
    workload_size: 'Medium',
    workload_type: 'CPU',
    scale_to_zero_enabled: false,
    environment_vars: { FEATURE_STORE_TOKEN: '{{secrets/ml/fs-token}}', LOG_LEVEL: 'INFO' },
  };

  it('replace: serves only the new version with the old one’s traffic and settings; the other model, inference table, tags and rate limits stay', async () => {
    const report = await rolloutModel(deps(), request());
    assert.equal(report.outcome, 'served');
    assert.equal(report.version, '4');
    assert.equal(report.previousVersion, '3');
    assert.deepEqual(served(), [
      ['churn-4', '4', 80],
      ['fraud-1', '1', 20],
    ]);
    assert.deepEqual(churnSettings('churn-4'), keptSettings);
    const record = emulator.state.serving.endpoints.get('churn')!;
    assert.deepEqual(record.config!.autoCapture, churnEndpoint.config.auto_capture_config);
    assert.deepEqual(record.tags, churnEndpoint.tags);
    assert.deepEqual(record.rateLimits, churnEndpoint.rate_limits);
    assert.equal(configPuts().length, 1);
    assert.ok(report.timings.updateMs >= 5 * 60_000, 'waited for the update to finish');
  });

  it('resolves the version from the alias (champion by default)', async () => {
    const report = await rolloutModel(deps(), request({ source: { kind: 'alias', alias: 'champion' } }));
    assert.equal(report.version, '4');
  });

  it('canary then promoteCanary: the split is right at each step and the old version goes at the end', async () => {
    const canary = await rolloutModel(deps(), request({ strategy: 'canary', canaryPercent: 25 }));
    assert.equal(canary.previousVersion, '3');
    // 25% of the 80% the model receives.
    assert.deepEqual(served(), [
      ['churn-3', '3', 60],
      ['churn-4', '4', 20],
      ['fraud-1', '1', 20],
    ]);
    assert.deepEqual(churnSettings('churn-4'), keptSettings);

    const promoted = await rolloutModel(deps(), request({ strategy: 'promoteCanary' }));
    assert.equal(promoted.outcome, 'served');
    assert.equal(promoted.previousVersion, '3');
    assert.deepEqual(served(), [
      ['churn-4', '4', 80],
      ['fraud-1', '1', 20],
    ]);
    assert.equal(configPuts().length, 2);
  });

  it('sends nothing when the endpoint already serves the outcome (a re-run)', async () => {
    await rolloutModel(deps(), request({ strategy: 'canary' }));
    const before = emulator.requests.length;
    const rerun = await rolloutModel(deps(), request({ strategy: 'canary' }));
    assert.equal(rerun.outcome, 'unchanged');
    assert.equal(configPuts().length, 1);
    assert.ok(emulator.requests.slice(before).every((entry) => entry.method === 'GET'));
  });

  it('waits out an update already in progress, then plans from what that update left', async () => {
    await emulator.close();
    const busy = structuredClone(churnEndpoint);
    busy.updateInProgress = { ...structuredClone(churnEndpoint.config), served_entities: churnEndpoint.config.served_entities.map((e) => ({ ...e, workload_size: e.name === 'fraud-1' ? 'Medium' : e.workload_size })) };
    emulator = await startEmulator({ clock, scenario: scenario({ endpoints: [busy] }) });
    const report = await rolloutModel(deps(), request());
    assert.ok(report.timings.waitedForOtherUpdateMs >= 5 * 60_000);
    const puts = emulator.requestsTo('PUT', '/api/2.0/serving-endpoints/churn/config');
    assert.equal(puts.length, 1);
    assert.equal(puts[0].status, 200, 'no 409: the PUT came after the other update ended');
    assert.equal(emulator.state.serving.endpoints.get('churn')!.config!.entities.find((e) => e.name === 'fraud-1')!.workload_size, 'Medium');
  });

  it('gives up waiting for another update after timeoutMinutes, without writing', async () => {
    await emulator.close();
    emulator = await startEmulator({ clock, scenario: scenario({ updateMs: 60 * 60_000, endpoints: [{ ...structuredClone(churnEndpoint), updateInProgress: structuredClone(churnEndpoint.config) }] }) });
    await assert.rejects(rolloutModel(deps(), request({ timeoutMs: 10 * 60_000 })), (error: unknown) => error instanceof ServingRolloutError && error.report.outcome === 'timed-out');
    assert.equal(configPuts().length, 0);
  });

  it('a failed update is reported with the state message and masked log tails; the old version still serves', async () => {
    await emulator.close();
    emulator = await startEmulator({
      clock,
      scenario: scenario({
        models: [
          {
            entityName: model,
            entityVersion: '4',
            deploymentFailure: 'Container build failed: could not install scikit-learn==9.9',
            buildLogs: 'Step 1/9\nERROR: No matching distribution found for scikit-learn==9.9\nusing token dapi0123456789abcdef0123456789abcdef',
            serverLogs: 'DB_PASSWORD=hunter2 connection refused',
          },
        ],
      }),
    });
    const error = await rolloutModel(deps(), request()).then(
      () => assert.fail('the rollout should fail'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof ServingRolloutError);
    assert.equal(error.report.outcome, 'update-failed');
    assert.match(error.message, /scikit-learn==9\.9/);
    assert.match(error.report.failure!.buildLog, /No matching distribution/);
    assert.doesNotMatch(error.report.failure!.buildLog, /dapi0123/);
    assert.doesNotMatch(error.report.failure!.serverLog, /hunter2/);
    assert.deepEqual(served(), [
      ['churn-3', '3', 80],
      ['fraud-1', '1', 20],
    ]);
    assert.deepEqual(error.report.after?.served_entities?.map((e) => e.entity_version), ['3', '1']);
  });

  it('a failed smoke test restores the configuration read at the start', async () => {
    await emulator.close();
    emulator = await startEmulator({
      clock,
      scenario: scenario({ models: [{ entityName: model, entityVersion: '*', predict: (body) => ({ body: { predictions: (body as { v: number }).v === 1 ? [0.9, 0.1] : [] } }) }] }),
    });
    const smokeTest = { body: { v: 1 }, expect: { predictions: [0.12, 0.87], tolerance: 0.01 } };
    const error = await rolloutModel(deps(), request({ smokeTest })).then(
      () => assert.fail('the smoke test should fail'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof ServingRolloutError);
    assert.equal(error.report.outcome, 'smoke-test-failed');
    assert.equal(error.report.rollback?.done, true);
    // The endpoint also serves another model: the query went to the new version itself.
    assert.equal(emulator.requestsTo('POST', '/serving-endpoints/churn/served-models/churn-4/invocations').length, 1);
    assert.equal(configPuts().length, 2);
    assert.deepEqual(served(), [
      ['churn-3', '3', 80],
      ['fraud-1', '1', 20],
    ]);
    assert.deepEqual(churnSettings('churn-3'), keptSettings);
  });

  it('smoke-tests a canary on the new served entity directly', async () => {
    const report = await rolloutModel(deps(), request({ strategy: 'canary', smokeTest: { body: { dataframe_records: [{ x: 1 }] }, expect: { predictions: [0.1, 0.9], tolerance: 0.05 } } }));
    assert.equal(report.smokeTest?.passed, true);
    assert.equal(emulator.requestsTo('POST', '/serving-endpoints/churn/served-models/churn-4/invocations').length, 1);
  });

  it('cancellation stops the wait after the single PUT; the update it started goes on whole', async () => {
    const controller = new AbortController();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = (ms, signal) => {
      if (configPuts().length > 0) controller.abort(new Error('cancelled by the pipeline'));
      return sleep(ms, signal);
    };
    await assert.rejects(rolloutModel(deps(controller.signal), request({ strategy: 'canary' })), /cancelled by the pipeline/);
    assert.equal(configPuts().length, 1);
    const pending = emulator.state.serving.endpoints.get('churn')!.pending!;
    assert.deepEqual(
      pending.config.traffic.routes?.map((r) => r.traffic_percentage),
      [72, 8, 20],
    );
  });

  it('a 409 on the PUT (another update started meanwhile) is waited out and the plan made again', async () => {
    emulator.faults.add({ kind: 'status', status: 409, method: 'PUT', path: '/api/2.0/serving-endpoints/churn/config' });
    const report = await rolloutModel(deps(), request());
    assert.equal(report.outcome, 'served');
    assert.deepEqual(
      emulator.requestsTo('PUT', '/api/2.0/serving-endpoints/churn/config').map((entry) => entry.status),
      [409, 200],
    );
  });

  it('a PUT whose connection drops is not repeated; the re-read shows it did not start, so the rollout fails', async () => {
    emulator.faults.add({ kind: 'drop', method: 'PUT', path: '/api/2.0/serving-endpoints/churn/config' });
    await assert.rejects(rolloutModel(deps(), request()));
    assert.equal(configPuts().length, 1);
    assert.deepEqual(served(), [
      ['churn-3', '3', 80],
      ['fraud-1', '1', 20],
    ]);
  });

  it('rides out transient faults while waiting (503 and a dropped connection on the endpoint read)', async () => {
    emulator.faults.add({ kind: 'status', status: 503, method: 'GET', path: '/api/2.0/serving-endpoints/churn', times: 2 });
    emulator.faults.add({ kind: 'drop', method: 'GET', path: '/api/2.0/serving-endpoints/churn', times: 1 });
    const report = await rolloutModel(deps(), request());
    assert.equal(report.outcome, 'served');
    assert.equal(configPuts().length, 1);
    assert.deepEqual(emulator.requests.filter((entry) => entry.fault).map((entry) => entry.fault), ['status', 'status', 'drop']);
  });

  describe('refusals before any write', () => {
    it('a missing endpoint without createIfMissing', async () => {
      await assert.rejects(rolloutModel(deps(), request({ endpointName: 'nope' })), /does not exist.*createIfMissing/);
      assert.equal(emulator.requests.filter((r) => r.method !== 'GET').length, 0);
    });

    it('promoteCanary with no canary of the version', async () => {
      await assert.rejects(rolloutModel(deps(), request({ strategy: 'promoteCanary' })), /no served entity for version 4/);
      assert.equal(configPuts().length, 0);
    });

    it('a version that is not READY', async () => {
      await assert.rejects(rolloutModel(deps(), request({ source: { kind: 'version', version: 5 } })), /PENDING_REGISTRATION/);
      assert.equal(configPuts().length, 0);
    });
  });

  it('createIfMissing creates the endpoint with the workload inputs and waits until it is ready', async () => {
    const report = await rolloutModel(deps(), request({ endpointName: 'churn-new', createIfMissing: true, creation: { workload_size: 'Large', scale_to_zero_enabled: false } }));
    assert.equal(report.created, true);
    assert.equal(report.timings.waitedForOtherUpdateMs, 0, 'its own creation is not someone else’s update');
    assert.ok(report.timings.updateMs >= 5 * 60_000);
    assert.equal(emulator.requestsTo('POST', '/api/2.0/serving-endpoints').length, 1);
    assert.equal(emulator.requestsTo('PUT', '/api/2.0/serving-endpoints/churn-new/config').length, 0);
    const record = emulator.state.serving.endpoints.get('churn-new')!;
    assert.deepEqual(
      record.config!.entities.map((e) => [e.name, e.entity_version, e.workload_size, e.scale_to_zero_enabled]),
      [['churn-4', '4', 'Large', false]],
    );
  });
});
