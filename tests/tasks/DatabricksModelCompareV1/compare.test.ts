/**
 * DatabricksModelCompare@1 against the workspace emulator: verdicts, dataset refusal, no champion, dry
 * run, significance, audit, run in process on a simulated clock; and two runs of the built bundle as
 * the agent runs it, for what only the process shows (inputs and the connection from the
 * environment, the `##vso` commands of the result, outputs, secret, summary and test results).
 * Build first: `npm run build -- DatabricksModelCompareV1`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Emulator, Scenario, ScenarioMetric, TaskRunContext } from '../../emulator';
import { createRandom } from '../../../tasks/common/compare/bootstrap';
import { run as compareTask } from '../../../tasks/DatabricksModelCompareV1/run';
import { junitCases, runRecorded, useWorkspace, type JUnitCase, type RecordedRun } from '../../support/in-process-models';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { patConnection, tableRows } from '../../support/in-process';

const task = 'DatabricksModelCompareV1';
const model = 'main.ml.churn';
const fresh = 'main.ml.fresh';
const owner = 'ml-owner@example.com';
const auditTable = 'main.mlops.decisions';
const pairedTable = 'main.mlops.paired_scores';
const dataset = { datasetName: 'main.ml.eval@4', datasetDigest: 'd1a2b3' };

const rules = `
metrics:
  roc_auc: { greater_is_better: true, threshold: 0.80, min_absolute_change: 0.005 }
  rmse: { greater_is_better: false, min_relative_change: 0.02 }
guardrails:
  latency_p95_ms: { greater_is_better: false, tolerance: 0.10 }
`;
// MLflow MetricThreshold edge cases, one metric each; the verdicts are worked out from
// mlflow/models/evaluation/validation.py (see tests/unit/compare/metric-threshold.test.ts).
const edgeModel = 'main.ml.edges';
const edgeRules = `
metrics:
  zero_baseline_better: { greater_is_better: true, min_relative_change: 0.5 }
  zero_baseline_equal: { greater_is_better: true, min_relative_change: 0.0 }
  negative_baseline_higher: { greater_is_better: true, min_relative_change: 0.1 }
  negative_baseline_lower: { greater_is_better: true, min_relative_change: 0.1 }
  decimal_sum_short: { greater_is_better: true, min_absolute_change: 0.2 }
  decimal_sum_exact: { greater_is_better: true, min_absolute_change: 0.2 }
  relative_by_rounding: { greater_is_better: true, min_relative_change: 0.05 }
  threshold_boundary: { greater_is_better: false, threshold: 0.5 }
  missing_from_candidate: { greater_is_better: true, threshold: 0.5 }
  missing_from_champion: { greater_is_better: true, min_absolute_change: 0.1 }
  threshold_without_champion_value: { greater_is_better: true, threshold: 0.5 }
`;
const edgeCandidate = {
  zero_baseline_better: 1e-10, // >= 0 + 1e-10: passes
  zero_baseline_equal: 0, // not >= 0 + 1e-10: fails
  negative_baseline_higher: -0.8, // (-0.8 - -1) / -1 = -0.2 < 0.1: fails although higher
  negative_baseline_lower: -1.2, // (-1.2 - -1) / -1 = 0.2 >= 0.1: passes although lower
  decimal_sum_short: 0.3, // 0.3 < 0.1 + 0.2 = 0.30000000000000004: fails
  decimal_sum_exact: 0.30000000000000004, // equal to the double 0.1 + 0.2: passes
  relative_by_rounding: 0.84, // (0.84 - 0.8) / 0.8 = 0.049999999999999906 < 0.05: fails
  threshold_boundary: 0.5, // <= 0.5: passes
  missing_from_champion: 0.9,
  threshold_without_champion_value: 0.9,
};
const edgeChampion = {
  zero_baseline_better: 0,
  zero_baseline_equal: 0,
  negative_baseline_higher: -1,
  negative_baseline_lower: -1,
  decimal_sum_short: 0.1,
  decimal_sum_exact: 0.1,
  relative_by_rounding: 0.8,
  threshold_boundary: 0.9,
  missing_from_candidate: 0.9,
};
const thresholdRules = 'metrics:\n  roc_auc: { greater_is_better: true, threshold: 0.80 }\n';
const significanceRules = 'metrics:\n  accuracy: { greater_is_better: true, min_absolute_change: 0.001 }\n';

function metrics(values: Record<string, number>, on: Partial<ScenarioMetric> = dataset): ScenarioMetric[] {
  return Object.entries(values).map(([key, value]) => ({ key, value, step: 0, timestamp: 1_700_000_000_000, ...on }));
}

/** Per-example 0/1 scores: the champion right on 70% of examples, a "better" candidate on 85%. */
function scores(n: number, rate: number, seed: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => (random() < rate ? 1 : 0));
}
const championScores = scores(400, 0.7, 11);
const betterScores = championScores.map((s, i) => (s === 1 || i % 2 === 0 ? 1 : 0));
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

function evaluationOutput(context: TaskRunContext): object {
  const candidate = context.jobParameters.candidate_version === '5' ? betterScores : championScores;
  return {
    dataset: { name: 'main.ml.eval@4', digest: 'd1a2b3' },
    candidate: { accuracy: mean(candidate) },
    champion: context.jobParameters.champion_version ? { accuracy: mean(championScores) } : {},
    paired: context.jobParameters.champion_version ? { accuracy: { candidate, champion: championScores } } : {},
  };
}

const scenario: Scenario = {
  identities: { pats: { 'dapi-owner-token': owner, 'dapi-reader-token': 'reader@example.com' } },
  models: [
    {
      fullName: model,
      owner,
      versions: [
        { version: 3, runId: 'run-champion', comment: 'Trained on October data.' },
        { version: 5, runId: 'run-better', comment: 'Trained on November data.' },
        { version: 6, runId: 'run-worse' },
        { version: 7, runId: 'run-other-dataset' },
        { version: 8, runId: 'run-better', status: 'PENDING_REGISTRATION' },
        { version: 9, runId: 'run-champion' },
      ],
      aliases: { champion: 3, challenger: 6 },
    },
    { fullName: fresh, owner, versions: [{ version: 1, runId: 'run-better' }] },
    { fullName: edgeModel, owner, versions: [{ version: 1, runId: 'run-edge-champion' }, { version: 2, runId: 'run-edge-candidate' }], aliases: { champion: 1 } },
  ],
  mlflowRuns: [
    { runId: 'run-champion', metrics: metrics({ roc_auc: 0.85, rmse: 1.1, latency_p95_ms: 100 }) },
    { runId: 'run-better', metrics: metrics({ roc_auc: 0.9, rmse: 1.0, latency_p95_ms: 110 }) },
    { runId: 'run-worse', metrics: metrics({ roc_auc: 0.852, rmse: 1.0, latency_p95_ms: 100 }) },
    { runId: 'run-other-dataset', metrics: metrics({ roc_auc: 0.95, rmse: 0.9, latency_p95_ms: 90 }, { datasetName: 'main.ml.eval@5', datasetDigest: 'ffff' }) },
    { runId: 'run-edge-champion', metrics: metrics(edgeChampion) },
    { runId: 'run-edge-candidate', metrics: metrics(edgeCandidate) },
    { runId: 'validation-run', metrics: metrics({ roc_auc: 0.9, baseline_roc_auc: 0.85, rmse: 1.0, baseline_rmse: 1.1, latency_p95_ms: 99, baseline_latency_p95_ms: 100 }) },
  ],
  jobs: [{ name: 'evaluate-models', parameters: { model_name: '', candidate_version: '', champion_version: '' }, tasks: [{ taskKey: 'evaluate', notebookPath: '/Shared/evaluate', script: { notebookOutput: evaluationOutput } }] }],
  warehouses: ['wh1'],
  // A running warehouse: the promote bundle test proves waiting for a starting one.
  statementPendingPolls: 0,
  tables: [
    {
      name: pairedTable,
      columns: [{ name: 'metric', type: 'STRING' }, { name: 'example_id', type: 'STRING' }, { name: 'candidate_score', type: 'DOUBLE' }, { name: 'champion_score', type: 'DOUBLE' }],
      rows: championScores.map((s, i) => ['accuracy', `ex-${String(i).padStart(4, '0')}`, String(betterScores[i]), String(s)]),
    },
  ],
};

const variables = {
  'System.CollectionUri': 'https://dev.azure.com/contoso/',
  'System.TeamProject': 'ML Platform',
  'Build.BuildId': '912',
  'Build.SourceVersion': '9a8b7c6d',
  'Build.RequestedFor': 'Grace Hopper',
};
const pipelineRunUrl = 'https://dev.azure.com/contoso/ML%20Platform/_build/results?buildId=912';

describe('DatabricksModelCompare@1 in process', () => {
  const workspace = useWorkspace(scenario);
  let emulator: Emulator;
  before(() => ({ emulator } = workspace));

  function compare(inputs: Record<string, string>, token = 'dapi-owner-token'): Promise<RecordedRun> {
    return runRecorded(compareTask, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', modelName: model, rules, ...inputs },
      endpoints: patConnection(emulator.url, token),
      variables,
      clock: workspace.clock,
    });
  }

  function registryWrites(): string[] {
    return emulator.requests.filter((r) => r.method !== 'GET' && r.path.includes('/unity-catalog/')).map((r) => `${r.method} ${r.path}`);
  }

  function comment(version: number): string {
    return emulator.state.models.get(model)?.versions.get(version)?.comment ?? '';
  }

  function junit(run: RecordedRun): JUnitCase[] {
    assert.equal(run.testResults.length, 1);
    assert.equal(run.testResults[0].format, 'JUnit');
    return junitCases(run.testResults[0].contents[0]);
  }

  function summary(run: RecordedRun): string {
    assert.equal(run.summaries.length, 1);
    return run.summaries[0].content;
  }

  function auditRows(): Record<string, string | null>[] {
    return tableRows(emulator, auditTable);
  }

  it('promotes a better candidate: outputs, pass alias, comment with the pipeline run, JUnit and summary', async () => {
    const run = await compare({ candidateVersion: '5', setAliasOnPass: 'challenger' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(run.outputs, { decision: 'promote', candidateVersion: '5', championVersion: '3' });
    assert.equal(emulator.state.models.get(model)?.aliases.get('challenger'), 5);
    assert.equal(emulator.state.models.get(model)?.aliases.get('champion'), 3);
    // Appended below the existing comment, which is kept.
    assert.match(comment(5), /^Trained on November data\.\n\nModel comparison \(DatabricksModelCompare@1\): PROMOTE against champion version 3/);
    assert.ok(comment(5).includes(pipelineRunUrl));
    const cases = junit(run);
    assert.deepEqual(cases.map((c) => c.name), ['roc_auc.threshold', 'roc_auc.min_absolute_change', 'rmse.min_relative_change', 'latency_p95_ms.guardrail']);
    assert.ok(cases.every((c) => c.failure === undefined));
    const markdown = summary(run);
    assert.match(markdown, /PROMOTE/);
    // The guardrail boundary: 110 <= 100 * (1 + 0.1) passes.
    assert.match(markdown, /\| latency_p95_ms \| guardrail: <= champion \* \(1 \+ 0\.1\) \| 110 \| 100 \| \+10 \(\+10%\) \| ✅ pass \|/);
    assert.deepEqual(run.summaries.map((s) => s.title), ['Model comparison: main.ml.churn']);
    assert.ok(run.secrets.includes('dapi-owner-token'));
  });

  it('rejects a candidate that does not beat the champion by the absolute change, and fails the task', async () => {
    const run = await compare({ candidateVersion: '6', setAliasOnPass: 'challenger2' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /roc_auc\.min_absolute_change/);
    assert.equal(run.outputs.decision, 'reject');
    assert.equal(run.outputs.championVersion, '3');
    assert.equal(emulator.state.models.get(model)?.aliases.has('challenger2'), false);
    assert.match(comment(6), /REJECT against champion version 3.*failed: roc_auc\.min_absolute_change/);
    const failed = junit(run).filter((c) => c.failure !== undefined).map((c) => c.name);
    assert.deepEqual(failed, ['roc_auc.min_absolute_change']);
  });

  it('decides the MLflow MetricThreshold edge cases as MLflow does, one JUnit case per rule', async () => {
    const run = await compare({ modelName: edgeModel, candidateVersion: '2', rules: edgeRules, runMode: 'dryRun' });
    assert.equal(run.result, 'SucceededWithIssues', run.message);
    assert.deepEqual(run.outputs, { decision: 'reject', candidateVersion: '2', championVersion: '1' });
    const cases = junit(run);
    assert.deepEqual(
      cases.map((c) => `${c.name}:${c.failure === undefined ? 'pass' : 'fail'}`),
      [
        'zero_baseline_better.min_relative_change:pass',
        'zero_baseline_equal.min_relative_change:fail',
        'negative_baseline_higher.min_relative_change:fail',
        'negative_baseline_lower.min_relative_change:pass',
        'decimal_sum_short.min_absolute_change:fail',
        'decimal_sum_exact.min_absolute_change:pass',
        'relative_by_rounding.min_relative_change:fail',
        'threshold_boundary.threshold:pass',
        'missing_from_candidate.threshold:fail',
        'missing_from_champion.min_absolute_change:fail',
        'threshold_without_champion_value.threshold:pass',
      ],
    );
  });

  it('fails closed when the identity does not own the model, naming identity and owner', async () => {
    const run = await compare({ candidateVersion: '5', setAliasOnPass: 'challenger' }, 'dapi-reader-token');
    assert.equal(run.result, 'Failed');
    // The verdict was promote, but a step that failed must not hand 'promote' to the next one.
    assert.equal(run.outputs.decision, 'reject');
    assert.ok(run.message.includes('reader@example.com') && run.message.includes(owner), run.message);
    assert.equal(comment(5), 'Trained on November data.');
    assert.equal(emulator.state.models.get(model)?.aliases.get('challenger'), 6);
  });

  it('re-running does not repeat the verdict in the comment', async () => {
    await compare({ candidateVersion: '5' });
    const first = comment(5);
    await compare({ candidateVersion: '5' });
    assert.equal(comment(5), first);
  });

  it('selects the candidate by alias', async () => {
    const run = await compare({ candidateAlias: 'challenger', championAlias: 'champion' });
    assert.equal(run.outputs.candidateVersion, '6');
    const record = emulator.state.models.get(model)!;
    record.aliases.set('challenger', 9);
    // Version 9 scores exactly like the champion: rejected.
    const again = await compare({ candidateAlias: 'challenger' });
    assert.equal(again.outputs.decision, 'reject');
  });

  it('refuses to compare metrics computed on different datasets, and records the refusal', async () => {
    const run = await compare({ candidateVersion: '7', auditTable, sqlWarehouseId: 'wh1' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /main\.ml\.eval@5/);
    assert.equal(run.outputs.decision, 'reject');
    assert.deepEqual(registryWrites(), []);
    const rows = auditRows();
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0].decision, rows[0].model_version, rows[0].other_version], ['refused', '7', '3']);
    assert.equal(JSON.parse(rows[0].details ?? '{}').reason, 'DatasetMismatchError');
  });

  it('refuses a candidate that is not READY, and a candidate that is the champion, recording each refusal', async () => {
    const pending = await compare({ candidateVersion: '8', auditTable, sqlWarehouseId: 'wh1' });
    assert.equal(pending.result, 'Failed');
    assert.equal(pending.outputs.decision, 'reject');
    const same = await compare({ candidateVersion: '3', auditTable, sqlWarehouseId: 'wh1' });
    assert.equal(same.result, 'Failed');
    assert.equal(same.outputs.decision, 'reject');
    assert.deepEqual(registryWrites(), []);
    const rows = auditRows().map((row) => [row.decision, row.model_version, row.other_version, JSON.parse(row.details ?? '{}').reason]);
    // The not-READY candidate is refused before the champion is read.
    assert.deepEqual(rows, [
      ['refused', '8', null, 'ComparisonRefusedError'],
      ['refused', '3', '3', 'ComparisonRefusedError'],
    ]);
  });

  it('refuses both candidateVersion and candidateAlias before calling the workspace', async () => {
    const run = await compare({ candidateVersion: '5', candidateAlias: 'challenger' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /either 'candidateVersion' or 'candidateAlias', not both/);
    assert.equal(emulator.requests.length, 0);
  });

  describe('no champion', () => {
    it('promotes by default when every rule is a threshold rule; championVersion is none', async () => {
      const run = await compare({ modelName: fresh, candidateVersion: '1', rules: thresholdRules });
      assert.equal(run.result, 'Succeeded', run.message);
      assert.deepEqual(run.outputs, { decision: 'promote', candidateVersion: '1', championVersion: 'none' });
    });

    it('fails by default when a rule needs the champion', async () => {
      const run = await compare({ modelName: fresh, candidateVersion: '1' });
      assert.equal(run.result, 'Failed');
      assert.deepEqual(run.outputs, { decision: 'reject', candidateVersion: '1', championVersion: 'none' });
      const failed = junit(run).filter((c) => c.failure !== undefined).map((c) => c.name);
      assert.deepEqual(failed, ['roc_auc.min_absolute_change', 'rmse.min_relative_change', 'latency_p95_ms.guardrail', 'precondition.champion']);
    });

    it('noChampion: promote lets threshold rules decide and skips the rest', async () => {
      const run = await compare({ modelName: fresh, candidateVersion: '1', noChampion: 'promote' });
      assert.equal(run.result, 'Succeeded', run.message);
      assert.equal(run.outputs.decision, 'promote');
      const skipped = junit(run).filter((c) => c.skipped !== undefined).map((c) => c.name);
      assert.deepEqual(skipped, ['roc_auc.min_absolute_change', 'rmse.min_relative_change', 'latency_p95_ms.guardrail']);
    });

    it('noChampion: fail rejects even threshold-only rules', async () => {
      const run = await compare({ modelName: fresh, candidateVersion: '1', rules: thresholdRules, noChampion: 'fail' });
      assert.equal(run.result, 'Failed');
      assert.equal(run.outputs.decision, 'reject');
    });
  });

  it('dry run reports a rejection without failing and changes nothing in the registry', async () => {
    const run = await compare({ candidateVersion: '6', runMode: 'dryRun', setAliasOnPass: 'challenger2' });
    assert.equal(run.result, 'SucceededWithIssues', run.message);
    assert.equal(run.outputs.decision, 'reject');
    assert.deepEqual(registryWrites(), []);
    assert.match(summary(run), /dry run/);
  });

  it('reads candidate and baseline_ metrics from one validation run', async () => {
    const run = await compare({ candidateVersion: '6', metricsSource: 'validationRun', validationRunId: 'validation-run' });
    // Version 6's own run is worse, but the validation run is what counts here.
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.decision, 'promote');
    assert.ok(emulator.requests.some((r) => r.path === '/api/2.0/mlflow/runs/get' && r.query.run_id === 'validation-run'));
    assert.ok(!emulator.requests.some((r) => r.path === '/api/2.0/mlflow/runs/get' && r.query.run_id === 'run-worse'));
  });

  describe('evaluation job and significance', () => {
    function intervals(run: RecordedRun): string {
      const match = /\| accuracy \| 400 \| [^|]+ \| (\[[^\]]+\]) \|/.exec(summary(run));
      assert.ok(match, summary(run));
      return match[1];
    }

    it('runs the job with the model parameters and promotes a clearly better model with requireSignificance', async () => {
      const run = await compare({
        candidateVersion: '5',
        rules: significanceRules,
        metricsSource: 'evaluationJob',
        evaluationJobName: 'evaluate-models',
        evaluationJobParameters: 'eval_table=main.ml.eval\n',
        requireSignificance: 'true',
      });
      assert.equal(run.result, 'Succeeded', run.message);
      const runNow = emulator.requests.find((r) => r.path.endsWith('/jobs/run-now'));
      assert.ok(runNow);
      assert.deepEqual((runNow.body as { job_parameters: unknown }).job_parameters, { eval_table: 'main.ml.eval', model_name: model, candidate_version: '5', champion_version: '3' });
      const significance = junit(run).find((c) => c.name === 'accuracy.significance');
      assert.ok(significance && significance.failure === undefined);
      const [lower] = JSON.parse(intervals(run)) as number[];
      assert.ok(lower > 0, intervals(run));
    });

    it('gives the same interval for the same seed', async () => {
      const inputs = { candidateVersion: '5', rules: significanceRules, metricsSource: 'evaluationJob', evaluationJobName: 'evaluate-models', bootstrapSeed: '7' };
      const first = intervals(await compare(inputs));
      const second = intervals(await compare(inputs));
      assert.equal(second, first);
      const other = intervals(await compare({ ...inputs, bootstrapSeed: '8' }));
      assert.notEqual(other, first);
    });

    it('rejects an identical model when significance is required: the interval includes zero', async () => {
      const run = await compare({
        candidateVersion: '9',
        rules: 'metrics:\n  accuracy: { greater_is_better: true, min_relative_change: 0.0 }\n',
        metricsSource: 'evaluationJob',
        evaluationJobName: 'evaluate-models',
        requireSignificance: 'true',
      });
      assert.equal(run.result, 'Failed');
      assert.equal(intervals(run), '[0, 0]');
      const significance = junit(run).find((c) => c.name === 'accuracy.significance');
      assert.ok(significance?.failure !== undefined);
    });

    it('reads paired scores from a table through the SQL statement API with a named parameter', async () => {
      const run = await compare({ candidateVersion: '5', rules: significanceRules, metricsSource: 'evaluationJob', evaluationJobName: 'evaluate-models', requireSignificance: 'true', pairedScoresTable: pairedTable, sqlWarehouseId: 'wh1' });
      assert.equal(run.result, 'Succeeded', run.message);
      const select = [...emulator.state.statements.values()].find((s) => s.statement.startsWith('SELECT'));
      assert.ok(select);
      assert.match(select.statement, /FROM `main`\.`mlops`\.`paired_scores` WHERE metric = :metric$/);
      assert.deepEqual(select.parameters, [{ name: 'metric', value: 'accuracy', type: 'STRING' }]);
      assert.match(summary(run), /scores from table/);
      assert.equal(auditRows().length, 0);
    });
  });

  describe('audit record', () => {
    it('writes one row with named parameters, before the alias is set', async () => {
      const run = await compare({ candidateVersion: '5', setAliasOnPass: 'challenger', auditTable, sqlWarehouseId: 'wh1' });
      assert.equal(run.result, 'Succeeded', run.message);
      const rows = auditRows();
      assert.equal(rows.length, 1);
      const row = rows[0];
      assert.equal(row.event_type, 'compare');
      assert.equal(row.model_name, model);
      assert.equal(row.model_version, '5');
      assert.equal(row.other_version, '3');
      assert.equal(row.decision, 'promote');
      assert.equal(row.pipeline_run_url, pipelineRunUrl);
      assert.equal(row.source_commit, '9a8b7c6d');
      assert.equal(row.requested_for, 'Grace Hopper');
      assert.equal(row.task, 'DatabricksModelCompare@1');
      const details = JSON.parse(row.details ?? '{}');
      assert.equal(details.metricsSource, 'runs');
      assert.deepEqual(details.checks.map((c: { metric: string; kind: string; status: string }) => `${c.metric}.${c.kind}:${c.status}`), [
        'roc_auc.threshold:passed',
        'roc_auc.min_absolute_change:passed',
        'rmse.min_relative_change:passed',
        'latency_p95_ms.guardrail:passed',
      ]);
      assert.deepEqual(details.rules.metrics.roc_auc, { greater_is_better: true, threshold: 0.8, min_absolute_change: 0.005 });
      const insert = [...emulator.state.statements.values()].find((s) => s.statement.startsWith('INSERT'));
      assert.ok(insert);
      assert.ok(!insert.statement.includes(model), 'values travel as parameters, not in the SQL text');
      assert.ok(insert.parameters.some((p) => p.name === 'model_name' && p.value === model));
      const lastStatement = emulator.requests.map((r) => `${r.method} ${r.path}`).lastIndexOf('POST /api/2.0/sql/statements');
      const aliasPut = emulator.requests.findIndex((r) => r.method === 'PUT' && r.path.includes('/aliases/'));
      assert.ok(lastStatement >= 0 && aliasPut > lastStatement, `${lastStatement} < ${aliasPut}`);
    });

    it('fails the task when the required row cannot be written, and moves no alias', async () => {
      emulator.faults.failTableWrites({ table: auditTable });
      const run = await compare({ candidateVersion: '5', setAliasOnPass: 'challenger', auditTable, sqlWarehouseId: 'wh1' });
      assert.equal(run.result, 'Failed');
      assert.equal(run.outputs.decision, 'reject');
      const inserts = [...emulator.state.statements.values()].filter((s) => s.statement.startsWith('INSERT'));
      assert.deepEqual(inserts.map((s) => s.state), ['FAILED']);
      assert.deepEqual(auditRows(), []);
      assert.equal(emulator.state.models.get(model)?.aliases.get('challenger'), 6);
      assert.equal(comment(5), 'Trained on November data.');
    });

    it('only warns when auditRequired is false', async () => {
      emulator.faults.failTableWrites({ table: auditTable });
      const run = await compare({ candidateVersion: '5', auditTable, sqlWarehouseId: 'wh1', auditRequired: 'false' });
      assert.equal(run.result, 'SucceededWithIssues', run.message);
      assert.equal(run.outputs.decision, 'promote');
    });
  });
});

describe('DatabricksModelCompare@1 bundle', function () {
  this.timeout(60_000);
  const workspace = useWorkspace(scenario, { realClock: true });
  let emulator: Emulator;
  before(() => ({ emulator } = workspace));

  function compare(inputs: Record<string, string>, token = 'dapi-owner-token'): Promise<TaskRun> {
    return runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', modelName: model, rules, ...inputs },
      endpoints: patConnection(emulator.url, token),
      variables,
      timeoutMs: 45_000,
    });
  }

  it('hands the agent the verdict: result, output variables, masked token, titled summary and JUnit results', async () => {
    const run = await compare({ candidateVersion: '5', setAliasOnPass: 'challenger' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.deepEqual(run.outputs, { decision: 'promote', candidateVersion: '5', championVersion: '3' });
    assert.ok(run.secrets.includes('dapi-owner-token'));
    assert.deepEqual(run.summaryTitles, ['Model comparison: main.ml.churn']);
    assert.match(fs.readFileSync(run.summaries[0], 'utf8'), /PROMOTE/);
    assert.equal(run.testPublications.length, 1);
    const publication = run.testPublications[0];
    assert.equal(publication.properties.type, 'JUnit');
    const cases = junitCases(fs.readFileSync(publication.properties.resultFiles, 'utf8'));
    assert.deepEqual(cases.map((c) => c.name), ['roc_auc.threshold', 'roc_auc.min_absolute_change', 'rmse.min_relative_change', 'latency_p95_ms.guardrail']);
    // Pipeline variables reach the task from the environment: the comment links the pipeline run.
    assert.ok(emulator.state.models.get(model)?.versions.get(5)?.comment?.includes(pipelineRunUrl));
  });

  it('fails the step closed: Failed naming identity and owner, and decision reject in the output variable', async () => {
    const run = await compare({ candidateVersion: '5', setAliasOnPass: 'challenger' }, 'dapi-reader-token');
    assert.equal(run.result, 'Failed');
    assert.equal(run.outputs.decision, 'reject');
    assert.ok(run.resultMessage?.includes('reader@example.com') && run.resultMessage.includes(owner), run.resultMessage);
    assert.equal(emulator.state.models.get(model)?.aliases.get('challenger'), 6);
  });
});
