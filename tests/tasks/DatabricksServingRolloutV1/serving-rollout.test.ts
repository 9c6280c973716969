/**
 * DatabricksServingRollout@1 against the workspace emulator: canary and its promotion with a smoke test
 * and the audit row, a failed update, and bad inputs refused before any request, run in process on a
 * fake clock (the endpoint's updates follow it); then the built bundle as the agent runs it
 * (environment in, `##vso[...]` commands out, SIGINT).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { run as rolloutRun } from '../../../tasks/DatabricksServingRolloutV1/run';
import type { Emulator } from '../../emulator';
import type { Scenario } from '../../emulator/scenario';
import type { InProcessRun } from '../../fakes/task-run';
import { modelReportOf, runGateTask, type GateTaskSetup } from '../../support/in-process-promotion-gates';
import { attachedModelReport } from '../../support/model-report';
import { runTaskBundle, type TaskRun, type TaskRunOptions } from '../../support/task-bundle';
import { type SimulatedWorkspace, patConnection, startSimulatedWorkspace, tableRows, warnings } from '../../support/in-process';
import { FakeClock } from '../../fakes/clock';

const task = 'DatabricksServingRolloutV1';
const model = 'main.ml.churn';
const owner = 'owner@example.com';
const auditTable = 'main.mlops.decisions';
const token = 'dapi-owner-token';

const scenario: Scenario = {
  identities: { pats: { [token]: owner } },
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

describe('DatabricksServingRollout@1', function () {
  let workspace: SimulatedWorkspace;
  let emulator: Emulator;
  let directory: string;
  let setup: GateTaskSetup;

  before(async () => {
    workspace = await startSimulatedWorkspace(scenario, new FakeClock());
    emulator = workspace.emulator;
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'serving-rollout-'));
    fs.writeFileSync(path.join(directory, 'request.json'), JSON.stringify({ dataframe_split: { columns: ['tenure'], data: [[1], [40]] } }));
    setup = {
      run: rolloutRun,
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', endpointName: 'churn', modelName: model },
      endpoints: patConnection(emulator.url, token),
      variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'ML', 'Build.BuildId': '9' },
    };
  });
  after(async () => {
    await emulator?.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  const rollout = (inputs: Record<string, string>): Promise<InProcessRun> => runGateTask(workspace, setup, inputs);

  /** The built bundle with the same inputs, connection and variables. */
  function rolloutBundle(inputs: Record<string, string>, extra: Partial<TaskRunOptions> = {}): Promise<TaskRun> {
    return runTaskBundle(task, { ...extra, inputs: { ...setup.inputs, ...inputs }, endpoints: setup.endpoints, variables: setup.variables, timeoutMs: 60_000 });
  }

  function split(): Record<string, number> {
    const config = emulator.state.serving.endpoints.get('churn')!.config!;
    return Object.fromEntries((config.traffic.routes ?? []).map((route) => [route.served_entity_name, route.traffic_percentage]));
  }

  const smoke = (): Record<string, string> => ({ smokeTestFile: path.join(directory, 'request.json'), smokeTestExpect: '{"predictions": [0, 1], "tolerance": 0}' });
  const audit = { auditTable, sqlWarehouseId: 'wh1' };

  it('canary of the champion with a smoke test, then its promotion; both recorded in the audit table', async () => {
    const canary = await rollout({ strategy: 'canary', canaryPercent: '20', ...smoke(), ...audit });
    assert.equal(canary.result, 'Succeeded', canary.message);
    assert.deepEqual(split(), { 'churn-3': 80, 'churn-4': 20 });
    assert.deepEqual(canary.outputs, { servedVersion: '4', previousVersion: '3', endpointUrl: `${emulator.url}/serving-endpoints/churn/invocations` });
    assert.ok(canary.secrets.includes(token));
    assert.equal(emulator.requestsTo('POST', '/serving-endpoints/churn/served-models/churn-4/invocations').length, 1);
    assert.equal(canary.summaries.length, 1);
    assert.match(canary.summaries[0], /churn-3.*80%[\s\S]*churn-4.*20%/);
    const report = modelReportOf(canary, token);
    assert.deepEqual([report.kind, report.model?.version, report.outcome?.status, report.serving?.strategy], ['serving', 4, 'passed', 'canary']);
    assert.deepEqual(report.serving?.before.map((s) => [s.servedModel, s.percent]), [['churn-3', 100]]);
    assert.deepEqual(report.serving?.after.map((s) => [s.servedModel, s.modelVersion, s.percent]), [['churn-3', 3, 80], ['churn-4', 4, 20]]);
    assert.equal(report.serving?.smokeTest?.status, 'passed');
    assert.deepEqual(report.links?.[0], { kind: 'servingEndpoint', label: 'Serving endpoint churn', url: `${emulator.url}/ml/endpoints/churn` });

    const promoted = await rollout({ strategy: 'promoteCanary', ...smoke(), ...audit });
    assert.equal(promoted.result, 'Succeeded', promoted.message);
    assert.deepEqual(split(), { 'churn-4': 100 });
    assert.equal(emulator.requestsTo('POST', '/serving-endpoints/churn/invocations').length, 1, 'alone on the endpoint, the new version is queried through it');
    assert.equal(emulator.requestsTo('PUT', '/api/2.0/serving-endpoints/churn/config').length, 2);

    assert.deepEqual(
      tableRows(emulator, auditTable).map((row) => [row.event_type, row.decision, row.model_version, row.other_version]),
      [
        ['serve', 'canary', '4', '3'],
        ['serve', 'promoteCanary', '4', '3'],
      ],
    );
  });

  it('fails a failed update with its logs; the previous version keeps serving', async () => {
    const run = await rollout({ modelVersion: '5' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /UPDATE_FAILED.*xgboost/);
    assert.ok(warnings(run).some((warning) => warning.includes('No module named xgboost')));
    assert.deepEqual(split(), { 'churn-3': 100 });
    assert.equal(run.outputs.servedVersion, undefined);
    // The failure is the evidence: the tab shows it, without the build log.
    const report = modelReportOf(run, token);
    assert.deepEqual([report.model?.version, report.outcome?.status], [5, 'failed']);
    assert.match(report.outcome!.summary, /update of endpoint 'churn' failed.*previous configuration keeps serving/);
    assert.deepEqual(report.serving?.after.map((s) => [s.servedModel, s.percent]), [['churn-3', 100]]);
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
    assert.match(run.message, /does not exist.*createIfMissing/);
    assert.ok(emulator.requests.every((request) => request.method === 'GET'));
  });

  it('bundle: reads its inputs and connection from the environment and reports a canary through the agent commands', async () => {
    // The bundle runs on the real clock, the emulator on the fake one: updates and statements settle at once.
    emulator.state.serving.updateMs = 0;
    emulator.state.statementPendingPolls = 0;
    const run = await rolloutBundle({ strategy: 'canary', canaryPercent: '20', ...smoke(), ...audit });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.deepEqual(run.outputs, { servedVersion: '4', previousVersion: '3', endpointUrl: `${emulator.url}/serving-endpoints/churn/invocations` });
    assert.ok(run.secrets.includes(token), 'the PAT is registered as a secret');
    assert.deepEqual(split(), { 'churn-3': 80, 'churn-4': 20 });
    assert.equal(run.summaries.length, 1);
    assert.match(fs.readFileSync(run.summaries[0], 'utf8'), /churn-3.*80%[\s\S]*churn-4.*20%/);
    assert.equal(attachedModelReport(run, token).serving?.smokeTest?.status, 'passed');
    assert.deepEqual(tableRows(emulator, auditTable).map((row) => row.decision), ['canary']);
  });

  it('bundle: stops waiting on SIGINT after its single PUT; the update it started goes on', async () => {
    emulator.state.serving.updateMs = 60_000;
    let child: ChildProcess | undefined;
    const running = rolloutBundle({ strategy: 'canary', canaryPercent: '30' }, { onLine: (_line, process) => (child = process) });
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
});
