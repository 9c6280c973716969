/**
 * Logging-command injection through what the workspace sends back to DatabricksDriftCheck@1: column
 * names, slice keys and values, drift types and granularities of the monitor tables, metric names and
 * windows of a user metricsQuery, the retraining job's name and its run's state messages, and the
 * error messages of SQL. Drifted columns are quoted in an output variable, a warning and the result
 * message; only the task's own commands may reach the agent.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { outputNames } from '../../../tasks/DatabricksDriftCheckV1/names';
import { startEmulator, type Emulator, type ScenarioTable } from '../../emulator';
import { driftMetricsTable, profileMetricsTable, windowsEndingAt, type MonitorRow } from '../../emulator/monitoring-tables';
import { assertOnlyOwnCommands, injectionMarker, injectionPayload, injectionPayloadLine } from '../../support/injection';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';

const task = 'DatabricksDriftCheckV1';
const monitored = 'main.ml.hostile_inference';
const auditTable = 'main.mlops.decisions';
const customTable = 'main.ml.custom_metrics';
const token = 'dapi-drift';
const outputs = Object.values(outputNames);
const retrainJobId = 4242;

/** The latest complete daily window ends at the last midnight (UTC) before the test runs. */
const lastMidnight = Math.floor(Date.now() / 86_400_000) * 86_400_000;
const windows = windowsEndingAt(lastMidnight, 2);

/** Drifting rows for hostile columns, slices, drift types and granularities, beside plain ones. */
function hostileDriftRows(): MonitorRow[] {
  const drifting = { js_distance: 0.5, ks_test: { statistic: 0.5, pvalue: 0.01 } };
  return windows.flatMap((window) => [
    { window, column: injectionPayloadLine, values: drifting },
    { window, column: injectionPayload, values: drifting },
    { window, column: 'age', slice: { key: injectionPayloadLine, value: injectionPayload }, values: drifting },
    { window, column: 'age', granularity: injectionPayloadLine, values: drifting },
    { window, column: 'age', driftType: 'BASELINE' as const, values: drifting },
  ]);
}

function hostileQualityRows(): MonitorRow[] {
  return windows.map((window) => ({ window, column: ':table', slice: { key: injectionPayloadLine, value: injectionPayloadLine }, values: { roc_auc: 0.1 } }));
}

const monitorTables: ScenarioTable[] = [
  driftMetricsTable(`${monitored}_drift_metrics`, hostileDriftRows()),
  profileMetricsTable(`${monitored}_profile_metrics`, hostileQualityRows()),
];

const customColumns = ['window_start', 'window_end', 'column_name', 'slice_key', 'slice_value', 'drift_type', 'granularity', 'metric', 'value'];
function customMetrics(rows: Array<Array<string | null>>): ScenarioTable {
  return {
    name: customTable,
    columns: customColumns.map((name) => ({ name, type: name.startsWith('window') ? 'TIMESTAMP' : name === 'value' ? 'DOUBLE' : 'STRING' })),
    rows,
  };
}

const hostileCustomRows = windows.flatMap((window) => [
  [window.start, window.end, injectionPayload, null, null, injectionPayloadLine, injectionPayloadLine, 'js_distance', '0.5'],
  [window.start, window.end, 'age', injectionPayloadLine, injectionPayload, null, null, 'js_distance', '0.5'],
  [window.start, window.end, injectionPayloadLine, null, null, null, null, injectionPayload, '0.5'],
  [window.start, window.end, 'age', null, null, null, null, injectionPayloadLine, '1'],
]);

/** Rules that match the hostile slices too (JSON is YAML). */
const rules = JSON.stringify({
  rules: [
    { metric: 'js_distance', max: 0.2 },
    { metric: 'ks_test.statistic', max: 0.2, slice: { key: injectionPayloadLine } },
    { metric: 'js_distance', max: 0.2, slice: { key: injectionPayloadLine, value: injectionPayload } },
    { metric: 'roc_auc', column: ':table', min: 0.8, slice: { key: injectionPayloadLine } },
    { metric: 'js_distance', max: 0.2, granularity: injectionPayloadLine },
  ],
});

describe('DatabricksDriftCheck@1 bundle: logging-command injection', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let workDir: string;
  let rulesFile: string;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [token]: 'mlops@example.com' } },
        warehouses: ['wh1'],
        statementPendingPolls: 0,
        jobs: [
          {
            jobId: retrainJobId,
            name: injectionPayloadLine,
            tags: { [injectionPayloadLine]: injectionPayload },
            tasks: [{ taskKey: 'train', notebookPath: '/Workspace/ml/train', script: { result: 'FAILED', stateMessage: injectionPayload, error: injectionPayload, errorTrace: injectionPayload } }],
          },
        ],
      },
      // Runs step by the real clock, one step a millisecond: the retraining run has ended by the task's
      // first look, so the bundle never sleeps through the poll schedule.
      clock: Date,
      runStepMs: 1,
    });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-injection-'));
    rulesFile = path.join(workDir, 'rules.yml');
    fs.writeFileSync(rulesFile, rules);
  });
  after(async () => {
    await emulator?.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  function check(inputs: Record<string, string>): Promise<TaskRun> {
    return runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', sqlWarehouseId: 'wh1', monitoredTable: monitored, rulesFile, ...inputs },
      endpoints: { CONN: { url: emulator.url, scheme: 'Token', parameters: { apitoken: token } } },
      variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'ML', 'Build.BuildId': '41' },
      timeoutMs: 60_000,
    });
  }

  function assertRelayedAsData(run: TaskRun): void {
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  }

  it('prints drift on hostile columns and slices, a failed retraining run and a refused audit write as data', async () => {
    emulator.seed({ tables: monitorTables });
    emulator.faults.failTableWrites({ table: auditTable, errorCode: 'INSUFFICIENT_PERMISSIONS', message: injectionPayload });
    const run = await check({ onDrift: 'runJob', retrainJobId: String(retrainJobId), waitForRetrain: 'true', retrainJobParameters: 'reason=drift', auditTable, auditRequired: 'false' });
    assert.equal(run.result, 'Failed', run.resultMessage);
    assert.equal(run.outputs[outputNames.driftDetected], 'true');
    assert.ok(run.outputs[outputNames.driftedMetrics].includes(injectionMarker), 'the drifted columns are quoted (neutralised)');
    assert.equal(emulator.state.runs.size, 1, 'the retraining ran');
    assertRelayedAsData(run);
  });

  it('prints drift from a metricsQuery with hostile columns, slices and metric names as data', async () => {
    emulator.seed({ tables: [customMetrics(hostileCustomRows)] });
    const run = await check({ monitoredTable: '', metricsQuery: `SELECT ${customColumns.join(', ')} FROM ${customTable}`, onDrift: 'notify', onNoData: 'warn' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.equal(run.outputs[outputNames.driftDetected], 'true');
    assertRelayedAsData(run);
  });

  it('prints a metricsQuery row with a hostile window as data', async () => {
    emulator.seed({ tables: [customMetrics([[injectionPayload, injectionPayloadLine, 'age', null, null, null, null, 'js_distance', '0.5']])] });
    const run = await check({ monitoredTable: '', metricsQuery: `SELECT ${customColumns.join(', ')} FROM ${customTable}` });
    assert.equal(run.result, 'Failed');
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints the error message of a refused statement as data', async () => {
    emulator.faults.add({ method: 'POST', path: '/api/2.0/sql/statements', kind: 'status', status: 400, body: { error_code: 'BAD_REQUEST', message: injectionPayload }, times: Infinity });
    const run = await check({});
    assert.equal(run.result, 'Failed');
    assertRelayedAsData(run);
  });
});
