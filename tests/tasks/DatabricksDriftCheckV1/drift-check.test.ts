/**
 * DatabricksDriftCheck@1 run as the agent runs it (the built bundle in a child process) against the
 * workspace emulator, whose SQL tables are shaped like Lakehouse Monitoring's output tables.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../emulator';
import { driftMetricsTable, profileMetricsTable, windowsEndingAt, type MonitorRow } from '../../emulator/monitoring-tables';
import type { ScenarioTable } from '../../emulator';
import { attachedModelReport } from '../../support/model-report';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';

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

/** The latest complete daily window ends at the last midnight (UTC) before the test runs. */
const lastMidnight = Math.floor(Date.now() / 86_400_000) * 86_400_000;

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

describe('DatabricksDriftCheck@1 bundle', function () {
  this.timeout(90_000);
  let emulator: Emulator;
  let workDir: string;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [token]: 'mlops@example.com' } },
        warehouses: ['wh1'],
        statementPendingPolls: 0,
        jobs: [{ name: 'retrain-churn', parameters: { catalog: 'main' }, tasks: [{ taskKey: 'train', notebookPath: '/Workspace/ml/train' }] }],
      },
    });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-'));
  });
  after(async () => emulator?.close());
  beforeEach(() => emulator.reset());

  function rulesFile(text = rulesText): string {
    const file = path.join(workDir, `rules-${Math.random().toString(36).slice(2)}.yml`);
    fs.writeFileSync(file, text);
    return file;
  }

  function check(inputs: Record<string, string>, variables: Record<string, string> = {}): Promise<TaskRun> {
    return runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', sqlWarehouseId: 'wh1', monitoredTable: monitored, rulesFile: rulesFile(), ...inputs },
      endpoints: { CONN: { url: emulator.url, scheme: 'Token', parameters: { apitoken: token } } },
      variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'ML', 'Build.BuildId': '41', ...variables },
      timeoutMs: 60_000,
    });
  }

  function statements(): Array<{ statement: string; parameters?: unknown[] }> {
    return emulator.requests.filter((r) => r.method === 'POST' && r.path === '/api/2.0/sql/statements').map((r) => r.body as { statement: string; parameters?: unknown[] });
  }

  it('finds no drift: succeeds, sets the outputs, publishes one JUnit case per checked metric', async () => {
    emulator.seed({ tables: healthy });
    const run = await check({});
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(run.outputs.driftDetected, 'false');
    assert.equal(run.outputs.driftedMetrics, '');
    assert.equal(run.outputs.window, `${new Date(lastMidnight - 86_400_000).toISOString().replace(':00.000Z', 'Z')}/${new Date(lastMidnight).toISOString().replace(':00.000Z', 'Z')}`);
    assert.equal(run.outputs.retrainRunId, '');
    assert.deepEqual(run.warnings, []);
    const sent = statements();
    assert.deepEqual(
      sent.map((s) => s.statement),
      [
        'SELECT `window`, `granularity`, `column_name`, `slice_key`, `slice_value`, `drift_type`, `js_distance` FROM `main`.`ml`.`churn_inference_drift_metrics` ORDER BY `window`.`start` DESC',
        'SELECT `window`, `granularity`, `column_name`, `slice_key`, `slice_value`, `roc_auc` FROM `main`.`ml`.`churn_inference_profile_metrics` WHERE `log_type` = :log_type ORDER BY `window`.`start` DESC',
      ],
    );
    const junit = fs.readFileSync(run.testPublications[0].properties.resultFiles, 'utf8');
    assert.equal((junit.match(/<testcase /g) ?? []).length, 3);
    assert.doesNotMatch(junit, /<failure/);
    const summary = fs.readFileSync(run.summaries[0], 'utf8');
    assert.match(summary, /NO DRIFT/);
    assert.match(summary, /\| js_distance \| age \|/);
    const report = attachedModelReport(run, token);
    assert.deepEqual([report.kind, report.model, report.outcome?.status], ['drift', undefined, 'passed']);
    assert.equal(report.drift?.checks.length, 3);
    assert.ok(report.drift?.checks.every((c) => c.status === 'passed' && c.points.length > 0));
  });

  it('finds drift on one feature: notify warns, names the metric, and the step succeeds', async () => {
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.34], income: [0.02, 0.03, 0.02] }), qualityRows([0.86, 0.85, 0.86])) });
    const run = await check({});
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(run.outputs.driftDetected, 'true');
    assert.equal(run.outputs.driftedMetrics, 'js_distance(age)');
    assert.equal(run.warnings.length, 1);
    assert.match(run.warnings[0], /js_distance\(age\)/);
    const junit = fs.readFileSync(run.testPublications[0].properties.resultFiles, 'utf8');
    assert.equal((junit.match(/<failure/g) ?? []).length, 1);
    assert.equal(emulator.state.runs.size, 0);
    // A drift alert must show in the tab even though the step succeeds.
    const report = attachedModelReport(run, token);
    assert.equal(report.outcome?.status, 'failed');
    const age = report.drift?.checks.find((c) => c.name.startsWith('js_distance(age)'));
    assert.deepEqual([age?.status, age?.failWhen, age?.points.map((p) => p.value)], ['failed', 'above', [0.05, 0.06, 0.34]]);
    assert.ok(report.links?.some((l) => l.kind === 'pipelineRun'));
  });

  it('alerts only after the threshold is crossed in consecutiveWindows windows in a row', async () => {
    const rules = rulesFile('rules:\n  - metric: ks_test.statistic\n    max: 0.2\n    consecutiveWindows: 2\n');
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.34] }), []) });
    const once = await check({ rulesFile: rules, onDrift: 'fail' });
    assert.equal(once.result, 'Succeeded', once.stdout);
    assert.equal(once.outputs.driftDetected, 'false');
    emulator.reset();
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.3, 0.34] }), []) });
    const twice = await check({ rulesFile: rules, onDrift: 'fail' });
    assert.equal(twice.result, 'Failed', twice.stdout);
    assert.equal(twice.outputs.driftedMetrics, 'ks_test.statistic(age)');
  });

  it('fails on a model-quality drop with onDrift fail', async () => {
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.04] }), qualityRows([0.86, 0.84, 0.72])) });
    const run = await check({ onDrift: 'fail' });
    assert.equal(run.result, 'Failed', run.stdout);
    assert.equal(run.outputs.driftDetected, 'true');
    assert.equal(run.outputs.driftedMetrics, 'roc_auc(:table)');
    assert.match(run.resultMessage ?? '', /roc_auc\(:table\)/);
  });

  it('fails when there is no data, and only warns with onNoData warn', async () => {
    emulator.seed({ tables: tables([], []) });
    const failed = await check({});
    assert.equal(failed.result, 'Failed', failed.stdout);
    assert.match(failed.resultMessage ?? '', /No fresh metric data/);
    assert.equal(failed.outputs.driftDetected, 'false');
    assert.equal(failed.outputs.window, '');
    const warned = await check({ onNoData: 'warn' });
    assert.equal(warned.result, 'Succeeded', warned.stdout);
    assert.equal(warned.warnings.length, 1);
  });

  it('treats a stale window as no data', async () => {
    const old = lastMidnight - 5 * 86_400_000;
    emulator.seed({ tables: tables(driftRows({ age: [0.5, 0.6] }, old), qualityRows([0.5], old)) });
    const run = await check({ maxWindowAgeHours: '48' });
    assert.equal(run.result, 'Failed', run.stdout);
    assert.equal(run.outputs.driftDetected, 'false');
    assert.match(run.resultMessage ?? '', /No fresh metric data: 2 of 2 checks/);
  });

  it('starts the retraining job once per window across re-runs, with the drifted metrics and window, and records it', async () => {
    emulator.seed({ tables: tables(driftRows({ age: [0.05, 0.06, 0.34] }), qualityRows([0.86, 0.85, 0.86])) });
    const inputs = { onDrift: 'runJob', retrainJobName: 'retrain-churn', retrainJobParameters: 'catalog=main\nreason=drift', auditTable };
    const first = await check(inputs, { 'System.JobAttempt': '1' });
    assert.equal(first.result, 'Succeeded', first.stdout);
    assert.ok(first.outputs.retrainRunId);
    const second = await check(inputs, { 'System.JobAttempt': '2', 'Build.BuildId': '42' });
    assert.equal(second.result, 'Succeeded', second.stdout);
    assert.equal(second.outputs.retrainRunId, first.outputs.retrainRunId);
    assert.equal(emulator.state.runs.size, 1);
    const [retrain] = emulator.state.runs.values();
    assert.deepEqual(retrain.jobParameters, { catalog: 'main', reason: 'drift', drifted_metrics: 'js_distance(age)', drift_window: first.outputs.window });
    const audit = emulator.state.tables.get(auditTable);
    assert.ok(audit);
    const eventType = audit.columns.findIndex((c) => c.name === 'event_type');
    const decision = audit.columns.findIndex((c) => c.name === 'decision');
    assert.deepEqual(audit.rows.map((row) => [row[eventType], row[decision]]), [['drift', 'drift'], ['drift', 'drift']]);
  });

  it('fails, not "no drift", when the monitor tables do not exist', async () => {
    const run = await check({});
    assert.equal(run.result, 'Failed');
    assert.match(run.resultMessage ?? '', /TABLE_OR_VIEW_NOT_FOUND/);
    assert.equal(run.outputs.driftDetected, undefined);
  });

  it('rejects a malformed rules file with its line before any call', async () => {
    const run = await check({ rulesFile: rulesFile('rules:\n  - metric: js_distance\n    max: 0.2\n    consecutive: 2\n') });
    assert.equal(run.result, 'Failed');
    assert.match(run.resultMessage ?? '', /line 4: rules\[0\]\.consecutive: unknown key/);
    assert.deepEqual(emulator.requests, []);
  });

  it('refuses an injection attempt in a table name with no query sent', async () => {
    const run = await check({ monitoredTable: 'main.ml.churn`; DROP TABLE main.ml.churn; --' });
    assert.equal(run.result, 'Failed');
    assert.match(run.resultMessage ?? '', /Invalid 'monitoredTable'/);
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
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(run.outputs.driftedMetrics, 'js_distance(age)');
  });
});
