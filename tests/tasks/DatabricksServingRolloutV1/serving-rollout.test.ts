/**
 * DatabricksServingRollout@1 run as the agent runs it (the built bundle in a child process) against
 * the workspace emulator: canary and its promotion with a smoke test and the audit row, a failed
 * update, and bad inputs refused before any request.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../emulator';
import type { Scenario } from '../../emulator/scenario';
import type { ChildProcess } from 'node:child_process';
import { attachedModelReport } from '../../support/model-report';
import { runTaskBundle, type TaskRun, type TaskRunOptions } from '../../support/task-bundle';

const task = 'DatabricksServingRolloutV1';
const model = 'main.ml.churn';
const owner = 'owner@example.com';
const auditTable = 'main.mlops.decisions';

const scenario: Scenario = {
  identities: { pats: { 'dapi-owner-token': owner } },
  models: [{ fullName: model, owner, versions: [{ version: 3 }, { version: 4 }, { version: 5 }], aliases: { champion: 4 } }],
  warehouses: ['wh1'],
  serving: {
    updateMs: 300,
    endpoints: [
      {
        name: 'churn',
        config: {
          served_entities: [{ name: 'churn-3', entity_name: model, entity_version: '3', workload_size: 'Small', scale_to_zero_enabled: true }],
        },
      },
    ],
    models: [
      { entityName: model, entityVersion: '*', predict: () => ({ body: { predictions: [0, 1] } }) },
      { entityName: model, entityVersion: '5', deploymentFailure: 'Model server failed to start: ImportError: No module named xgboost', serverLogs: 'ImportError: No module named xgboost' },
    ],
  },
};

describe('DatabricksServingRollout@1 bundle', function () {
  this.timeout(90_000);
  let emulator: Emulator;
  let directory: string;

  before(async () => {
    emulator = await startEmulator({ scenario });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'serving-rollout-'));
    fs.writeFileSync(path.join(directory, 'request.json'), JSON.stringify({ dataframe_split: { columns: ['tenure'], data: [[1], [40]] } }));
  });
  after(async () => {
    await emulator?.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  function rollout(inputs: Record<string, string>, extra: Partial<TaskRunOptions> = {}): Promise<TaskRun> {
    return runTaskBundle(task, {
      ...extra,
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', endpointName: 'churn', modelName: model, ...inputs },
      endpoints: { CONN: { url: emulator.url, scheme: 'Token', parameters: { apitoken: 'dapi-owner-token' } } },
      variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'ML', 'Build.BuildId': '9' },
      timeoutMs: 60_000,
    });
  }

  function split(): Record<string, number> {
    const config = emulator.state.serving.endpoints.get('churn')!.config!;
    return Object.fromEntries((config.traffic.routes ?? []).map((route) => [route.served_entity_name, route.traffic_percentage]));
  }

  it('canary of the champion with a smoke test, then its promotion; both recorded in the audit table', async () => {
    const smoke = { smokeTestFile: path.join(directory, 'request.json'), smokeTestExpect: '{"predictions": [0, 1], "tolerance": 0}' };
    const audit = { auditTable, sqlWarehouseId: 'wh1' };
    const canary = await rollout({ strategy: 'canary', canaryPercent: '20', ...smoke, ...audit });
    assert.equal(canary.result, 'Succeeded', canary.resultMessage);
    assert.deepEqual(split(), { 'churn-3': 80, 'churn-4': 20 });
    assert.deepEqual(canary.outputs, { servedVersion: '4', previousVersion: '3', endpointUrl: `${emulator.url}/serving-endpoints/churn/invocations` });
    assert.equal(emulator.requestsTo('POST', '/serving-endpoints/churn/served-models/churn-4/invocations').length, 1);
    assert.equal(canary.summaries.length, 1);
    assert.match(fs.readFileSync(canary.summaries[0], 'utf8'), /churn-3.*80%[\s\S]*churn-4.*20%/);
    const report = attachedModelReport(canary, 'dapi-owner-token');
    assert.deepEqual([report.kind, report.model?.version, report.outcome?.status, report.serving?.strategy], ['serving', 4, 'passed', 'canary']);
    assert.deepEqual(report.serving?.before.map((s) => [s.servedModel, s.percent]), [['churn-3', 100]]);
    assert.deepEqual(report.serving?.after.map((s) => [s.servedModel, s.modelVersion, s.percent]), [['churn-3', 3, 80], ['churn-4', 4, 20]]);
    assert.equal(report.serving?.smokeTest?.status, 'passed');
    assert.deepEqual(report.links?.[0], { kind: 'servingEndpoint', label: 'Serving endpoint churn', url: `${emulator.url}/ml/endpoints/churn` });

    const promoted = await rollout({ strategy: 'promoteCanary', ...smoke, ...audit });
    assert.equal(promoted.result, 'Succeeded', promoted.resultMessage);
    assert.deepEqual(split(), { 'churn-4': 100 });
    assert.equal(emulator.requestsTo('POST', '/serving-endpoints/churn/invocations').length, 1, 'alone on the endpoint, the new version is queried through it');
    assert.equal(emulator.requestsTo('PUT', '/api/2.0/serving-endpoints/churn/config').length, 2);

    const table = emulator.state.tables.get(auditTable)!;
    const column = (name: string): number => table.columns.findIndex((c) => c.name === name);
    assert.deepEqual(
      table.rows.map((row) => [row[column('event_type')], row[column('decision')], row[column('model_version')], row[column('other_version')]]),
      [
        ['serve', 'canary', '4', '3'],
        ['serve', 'promoteCanary', '4', '3'],
      ],
    );
  });

  it('fails a failed update with its logs; the previous version keeps serving', async () => {
    const run = await rollout({ modelVersion: '5' });
    assert.equal(run.result, 'Failed');
    assert.match(run.resultMessage ?? '', /UPDATE_FAILED.*xgboost/);
    assert.ok(run.warnings.some((warning) => warning.includes('No module named xgboost')));
    assert.deepEqual(split(), { 'churn-3': 100 });
    assert.equal(run.outputs.servedVersion, undefined);
    // The failure is the evidence: the tab shows it, without the build log.
    const report = attachedModelReport(run, 'dapi-owner-token');
    assert.deepEqual([report.model?.version, report.outcome?.status], [5, 'failed']);
    assert.match(report.outcome!.summary, /update of endpoint 'churn' failed.*previous configuration keeps serving/);
    assert.deepEqual(report.serving?.after.map((s) => [s.servedModel, s.percent]), [['churn-3', 100]]);
  });

  it('stops waiting on SIGINT after its single PUT; the update it started goes on', async () => {
    emulator.state.serving.updateMs = 60_000;
    let child: ChildProcess | undefined;
    const running = rollout({ strategy: 'canary', canaryPercent: '30' }, { onLine: (_line, process) => (child = process) });
    const puts = (): number => emulator.requestsTo('PUT', '/api/2.0/serving-endpoints/churn/config').length;
    for (const end = Date.now() + 20_000; puts() === 0 && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(puts(), 1, 'the update was sent');
    const signalledAt = Date.now();
    child?.kill('SIGINT');
    const run = await running;
    assert.equal(run.result, 'Cancelled');
    assert.ok(Date.now() - signalledAt < 5_000);
    assert.equal(puts(), 1);
    const pending = emulator.state.serving.endpoints.get('churn')!.pending!;
    assert.deepEqual(pending.config.traffic.routes, [
      { served_entity_name: 'churn-3', traffic_percentage: 70 },
      { served_entity_name: 'churn-4', traffic_percentage: 30 },
    ]);
    assert.ok(run.warnings.some((warning) => warning.includes('the update goes on')));
  });

  for (const [what, inputs] of [
    ['canaryPercent outside 1..99', { strategy: 'canary', canaryPercent: '100' }],
    ['an unreadable smoke-test file', { smokeTestFile: path.join(os.tmpdir(), 'no-such-serving-request.json') }],
  ] as const) {
    it(`refuses ${what} before any request`, async () => {
      const run = await rollout(inputs);
      assert.equal(run.result, 'Failed');
      assert.equal(emulator.requests.length, 0);
    });
  }

  it('refuses a missing endpoint without createIfMissing, writing nothing', async () => {
    const run = await rollout({ endpointName: 'no-such-endpoint' });
    assert.equal(run.result, 'Failed');
    assert.match(run.resultMessage ?? '', /does not exist.*createIfMissing/);
    assert.ok(emulator.requests.every((request) => request.method === 'GET'));
  });
});
