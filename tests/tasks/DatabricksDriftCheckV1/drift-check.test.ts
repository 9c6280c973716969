/**
 * DatabricksDriftCheck@1 against the workspace emulator, whose SQL tables are shaped like Lakehouse
 * Monitoring's output tables: every scenario in process on a fake clock, then the built bundle as the
 * agent runs it (environment in, `##vso[...]` commands out).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run as driftRun } from '../../../tasks/DatabricksDriftCheckV1/run';
import type { Emulator } from '../../emulator';
import { FakeClock } from '../../fakes/clock';
import type { InProcessRun } from '../../fakes/task-run';
import { driftMetricsTable, profileMetricsTable, windowsEndingAt, type MonitorRow } from '../../emulator/monitoring-tables';
import type { ScenarioTable } from '../../emulator';
import { modelReportOf, runGateTask, type GateTaskSetup } from '../../support/in-process-promotion-gates';
import { attachedModelReport } from '../../support/model-report';
import { runTaskBundle } from '../../support/task-bundle';
import { type SimulatedWorkspace, patConnection, startSimulatedWorkspace, tableRows, warnings } from '../../support/in-process';

const task = 'DatabricksDriftCheckV1';
const monitored = 'main.ml.churn_inference';
const driftTable = `${monitored}_drift_metrics`;
const profileTable = `${monitored}_profile_metrics`;
const auditTable = 'main.mlops.decisions';
const token = 'dapi-drift';
const rulesText = [
  'rules:',
  '  - metric: js_distance',
  '    max: 0.2',
  '    driftType: CONSECUTIVE',
  '  - metric: roc_auc',
  '    column: ":table"',
  '    min: 0.8',
  '',
].join('\n');

const day = 86_400_000;
/** Every in-process run starts at this (simulated) time. */
const startedAt = Date.parse('2026-11-28T04:00:00Z');
/** The latest complete daily window ends at the last midnight (UTC) before the run. */
const lastMidnight = Math.floor(startedAt / day) * day;

/** Daily drift rows: js_distance per column, values oldest first. */
function driftRows(values: Record<string, number[]>, end = lastMidnight): MonitorRow[] {
  return Object.entries(values).flatMap(([column, series]) =>
    windowsEndingAt(end, series.length).map((window, i) => ({ window, column, values: { js_distance: series[i], ks_test: { statistic: series[i], pvalue: 0.5 } } })),
  );
}

function qualityRows(values: number[], end = lastMidnight): MonitorRow[] {
  return windowsEndingAt(end, values.length).map((window, i) => ({ window, column: ':table', values: { roc_auc: values[i], f1_score: { macro: values[i], weighted: values[i] } } }));
}

function tables(drift: MonitorRow[], quality: MonitorRow[]): ScenarioTable[] {
  return [driftMetricsTable(driftTable, drift), profileMetricsTable(profileTable, quality)];
}

const healthy = tables(driftRows({ age: [0.05, 0.06, 0.04], income: [0.02, 0.03, 0.02] }), qualityRows([0.86, 0.85, 0.86]));

describe('DatabricksDriftCheck@1', function () {
  const clock = new FakeClock(startedAt);
  let workspace: SimulatedWorkspace;
  let emulator: Emulator;
  let workDir: string;
  let setup: GateTaskSetup;

  before(async () => {
    workspace = await startSimulatedWorkspace(
      {
        identities: { pats: { [token]: 'mlops@example.com' } },
        warehouses: ['wh1'],
        statementPendingPolls: 0,
        jobs: [{ name: 'retrain-churn', parameters: { catalog: 'main' }, tasks: [{ taskKey: 'train', notebookPath: '/Workspace/ml/train' }] }],
      },
      clock,
    );
    emulator = workspace.emulator;
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-'));
    setup = {
      run: driftRun,
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', sqlWarehouseId: 'wh1', monitoredTable: monitored },
      endpoints: patConnection(emulator.url, token),
      variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'ML', 'Build.BuildId': '41' },
    };
  });
  after(async () => {
    await emulator?.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    emulator.reset();
    clock.nowMs = startedAt;
  });

  function rulesFile(text = rulesText): string {
    const file = path.join(workDir, `rules-${Math.random().toString(36).slice(2)}.yml`);
    fs.writeFileSync(file, text);
    return file;
  }

  function check(inputs: Record<string, string>, variables: Record<string, string> = {}): Promise<InProcessRun> {
    return runGateTask(workspace, setup, { rulesFile: rulesFile(), ...inputs }, { variables });
  }

  function junitOf(run: InProcessRun): string {
    assert.equal(run.testResults.length, 1);
    return run.testResults[0];
  }

  function statements(): Array<{ statement: string; parameters?: unknown[] }> {
    return emulator.requests.filter((r) => r.method === 'POST' && r.path === '/api/2.0/sql/statements').map((r) => r.body as { statement: string; parameters?: unknown[] });
  }

  it('finds no drift: succeeds, sets the outputs, publishes one JUnit case per checked metric', async () => {
    emulator.seed({ tables: healthy });
    const run = await check({});
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.driftDetected, 'false');
    assert.equal(run.outputs.driftedMetrics, '');
    assert.equal(run.outputs.window, `${new Date(lastMidnight - 86_400_000).toISOString().replace(':00.000Z', 'Z')}/${new Date(lastMidnight).toISOString().replace(':00.000Z', 'Z')}`);
    assert.equal(run.outputs.retrainRunId, '');
    assert.deepEqual(warnings(run), []);
    const sent = statements();
    assert.deepEqual(
      sent.map((s) => s.statement),
      [
        'SELECT `window`, `granularity`, `column_name`, `slice_key`, `slice_value`, `drift_type`, `js_distance` FROM `main`.`ml`.`churn_inference_drift_metrics` ORDER BY `window`.`start` DESC',
        'SELECT `window`, `granularity`, `column_name`, `slice_key`, `slice_value`, `roc_auc` FROM `main`.`ml`.`churn_inference_profile_metrics` WHERE `log_type` = :log_type ORDER BY `window`.`start` DESC',
      ],
    );
    const junit = junitOf(run);
    assert.equal((junit.match(/<testcase /g) ?? []).length, 3);
    assert.doesNotMatch(junit, /<failure/);
    const summary = run.summaries[0];
    assert.match(summary, /NO DRIFT/);
    assert.match(summary, /\| js_distance \| age \|/);
    const report = modelReportOf(run, token);
    assert.deepEqual([report.kind, report.model, report.outcome?.status], ['drift', undefined, 'passed']);
    assert.equal(report.drift?.checks.length, 3);
    assert.ok(report.drift?.checks.every((c) => c.status === 'passed' && c.points.length > 0));
  });

  it('finds drift on one feature: notify warns, names the metric, and the step succeeds', async () => {
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.34], income: [0.02, 0.03, 0.02] }), qualityRows([0.86, 0.85, 0.86])) });
    const run = await check({});
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.driftDetected, 'true');
    assert.equal(run.outputs.driftedMetrics, 'js_distance(age)');
    assert.equal(warnings(run).length, 1);
    assert.match(warnings(run)[0], /js_distance\(age\)/);
    const junit = junitOf(run);
    assert.equal((junit.match(/<failure/g) ?? []).length, 1);
    assert.equal(emulator.state.runs.size, 0);
    // A drift alert must show in the tab even though the step succeeds.
    const report = modelReportOf(run, token);
    assert.equal(report.outcome?.status, 'failed');
    const age = report.drift?.checks.find((c) => c.name.startsWith('js_distance(age)'));
    assert.deepEqual([age?.status, age?.failWhen, age?.points.map((p) => p.value)], ['failed', 'above', [0.05, 0.06, 0.34]]);
    assert.ok(report.links?.some((l) => l.kind === 'pipelineRun'));
  });

  it('alerts only after the threshold is crossed in consecutiveWindows windows in a row', async () => {
    const rules = rulesFile('rules:\n  - metric: ks_test.statistic\n    max: 0.2\n    consecutiveWindows: 2\n');
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.34] }), []) });
    const once = await check({ rulesFile: rules, onDrift: 'fail' });
    assert.equal(once.result, 'Succeeded', once.message);
    assert.equal(once.outputs.driftDetected, 'false');
    emulator.reset();
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.3, 0.34] }), []) });
    const twice = await check({ rulesFile: rules, onDrift: 'fail' });
    assert.equal(twice.result, 'Failed', twice.message);
    assert.equal(twice.outputs.driftedMetrics, 'ks_test.statistic(age)');
  });

  it('fails on a model-quality drop with onDrift fail', async () => {
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.04] }), qualityRows([0.86, 0.84, 0.72])) });
    const run = await check({ onDrift: 'fail' });
    assert.equal(run.result, 'Failed', run.message);
    assert.equal(run.outputs.driftDetected, 'true');
    assert.equal(run.outputs.driftedMetrics, 'roc_auc(:table)');
    assert.match(run.message, /roc_auc\(:table\)/);
  });

  it('fails when there is no data, and only warns with onNoData warn', async () => {
    emulator.seed({ tables: tables([], []) });
    const failed = await check({});
    assert.equal(failed.result, 'Failed', failed.message);
    assert.match(failed.message, /No fresh metric data/);
    assert.equal(failed.outputs.driftDetected, 'false');
    assert.equal(failed.outputs.window, '');
    const warned = await check({ onNoData: 'warn' });
    assert.equal(warned.result, 'Succeeded', warned.message);
    assert.equal(warnings(warned).length, 1);
  });

  it('treats a stale window as no data', async () => {
    const old = lastMidnight - 5 * 86_400_000;
    emulator.seed({ tables: tables(driftRows({ age: [0.5, 0.6] }, old), qualityRows([0.5], old)) });
    const run = await check({ maxWindowAgeHours: '48' });
    assert.equal(run.result, 'Failed', run.message);
    assert.equal(run.outputs.driftDetected, 'false');
    assert.match(run.message, /No fresh metric data: 2 of 2 checks/);
  });

  it('starts the retraining job once per window across re-runs, with the drifted metrics and window, and records it', async () => {
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.34] }), qualityRows([0.86, 0.85, 0.86])) });
    const inputs = { onDrift: 'runJob', retrainJobName: 'retrain-churn', retrainJobParameters: 'catalog=main\nreason=drift', auditTable };
    const first = await check(inputs, { 'System.JobAttempt': '1' });
    assert.equal(first.result, 'Succeeded', first.message);
    assert.ok(first.outputs.retrainRunId);
    const second = await check(inputs, { 'System.JobAttempt': '2', 'Build.BuildId': '42' });
    assert.equal(second.result, 'Succeeded', second.message);
    assert.equal(second.outputs.retrainRunId, first.outputs.retrainRunId);
    assert.equal(emulator.state.runs.size, 1);
    const [retrain] = emulator.state.runs.values();
    assert.deepEqual(retrain.jobParameters, { catalog: 'main', reason: 'drift', drifted_metrics: 'js_distance(age)', drift_window: first.outputs.window });
    assert.deepEqual(tableRows(emulator, auditTable).map((row) => [row.event_type, row.decision]), [['drift', 'drift'], ['drift', 'drift']]);
  });

  it('fails, not "no drift", when the monitor tables do not exist', async () => {
    const run = await check({});
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /TABLE_OR_VIEW_NOT_FOUND/);
    assert.equal(run.outputs.driftDetected, undefined);
  });

  it('rejects a malformed rules file with its line before any call', async () => {
    const run = await check({ rulesFile: rulesFile('rules:\n  - metric: js_distance\n    max: 0.2\n    consecutive: 2\n') });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /line 4: rules\[0\]\.consecutive: unknown key/);
    assert.deepEqual(emulator.requests, []);
  });

  it('refuses an injection attempt in a table name with no query sent', async () => {
    const run = await check({ monitoredTable: 'main.ml.churn`; DROP TABLE main.ml.churn; --' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /Invalid 'monitoredTable'/);
    assert.deepEqual(statements(), []);
    assert.deepEqual(emulator.requests, []);
  });

  it('reads a user metricsQuery returning window, column, metric and value', async () => {
    const [window] = windowsEndingAt(lastMidnight, 1);
    emulator.seed({
      tables: [
        {
          name: 'main.ml.custom_metrics',
          columns: ['window_start', 'window_end', 'column_name', 'metric', 'value'].map((name) => ({ name, type: name.startsWith('window') ? 'TIMESTAMP' : name === 'value' ? 'DOUBLE' : 'STRING' })),
          rows: [[window.start, window.end, 'age', 'js_distance', '0.5']],
        },
      ],
    });
    const run = await check({ monitoredTable: '', metricsQuery: 'SELECT window_start, window_end, column_name, metric, value FROM main.ml.custom_metrics', rulesFile: rulesFile('rules:\n  - metric: js_distance\n    max: 0.2\n') });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.driftedMetrics, 'js_distance(age)');
  });

  it('bundle: reads its inputs and connection from the environment and reports drift through the agent commands', async () => {
    // The bundle runs on the real clock: its latest complete window ends at the last real midnight.
    const realMidnight = Math.floor(Date.now() / day) * day;
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.34], income: [0.02, 0.03, 0.02] }, realMidnight), qualityRows([0.86, 0.85, 0.86], realMidnight)) });
    const run = await runTaskBundle(task, { inputs: { ...setup.inputs, rulesFile: rulesFile() }, endpoints: setup.endpoints, variables: setup.variables, timeoutMs: 60_000 });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.deepEqual(run.outputs, { driftDetected: 'true', driftedMetrics: 'js_distance(age)', window: `${new Date(realMidnight - day).toISOString().replace(':00.000Z', 'Z')}/${new Date(realMidnight).toISOString().replace(':00.000Z', 'Z')}`, retrainRunId: '' });
    assert.ok(run.secrets.includes(token), 'the PAT is registered as a secret');
    assert.equal(run.warnings.length, 1);
    assert.match(run.warnings[0], /js_distance\(age\)/);
    assert.equal(run.testPublications.length, 1);
    assert.equal(run.testPublications[0].properties.type, 'JUnit');
    assert.equal((fs.readFileSync(run.testPublications[0].properties.resultFiles, 'utf8').match(/<failure/g) ?? []).length, 1);
    assert.equal(run.summaries.length, 1);
    assert.match(fs.readFileSync(run.summaries[0], 'utf8'), /\| js_distance \| age \|/);
    assert.equal(attachedModelReport(run, token).outcome?.status, 'failed');
  });
});
