/**
 * The report builders of the compliance, serving, drift and sign-off steps: each report matches the
 * schema, carries what the step found (failures included) and links to where the evidence lives.
 */
import assert from 'node:assert/strict';
import type { ComplianceVerdict } from '../../../tasks/common/compliance/evaluate';
import type { DriftCheckResult } from '../../../tasks/common/drift/drift-check';
import type { DriftCheck as EvaluatedDriftCheck } from '../../../tasks/common/drift/evaluate';
import type { DriftRule } from '../../../tasks/common/drift/rules';
import {
  buildComplianceReport,
  buildDriftReport,
  buildServingReport,
  buildSignOffReport,
  modelReportName,
  serializeModelReport,
  type ModelReport,
} from '../../../tasks/common/report';
import { validateModelReport } from '../../../tasks/common/report/validate';
import type { RolloutReport } from '../../../tasks/common/serving/rollout';

const host = 'https://adb-1234567890123456.7.azuredatabricks.net';
const pipelineRun = { url: 'https://dev.azure.com/contoso/ml-platform/_build/results?buildId=4711' };
const audit = { status: 'written', table: 'main.mlops.decisions', statementId: 'st-1' } as const;
const now = Date.UTC(2026, 11, 5, 17);

function valid(report: ModelReport): ModelReport {
  assert.deepEqual(validateModelReport(report), [], report.kind);
  serializeModelReport(report);
  return report;
}

describe('model reports of the deciding steps', () => {
  describe('compliance', () => {
    const verdict: ComplianceVerdict = {
      modelName: 'main.ml.churn',
      version: 1,
      results: [
        { id: 'version-ready', kind: 'versionStatus', status: 'passed', expected: 'status READY', found: 'status READY' },
        { id: 'documented', kind: 'versionDescription', status: 'failed', expected: 'a description of at least 20 characters', found: 'no description' },
        { id: 'lineage', kind: 'lineage', status: 'error', expected: 'every training table has upstream rows', found: `could not be evaluated: ${'x'.repeat(3000)}` },
      ],
      violations: 2,
      compliant: false,
    };
    const input = { policyFile: '/agent/_work/1/s/policies/model-policy.yml', policyDigest: `sha256:${'ab'.repeat(32)}`, mode: 'audit' as const, sourceRunId: 'run-1', host, task: 'DatabricksModelCompliance@1', pipelineRun, audit, now };

    it('lists every rule with its status and evidence; a rule not evaluated counts as failed', () => {
      const report = valid(buildComplianceReport(verdict, input));
      assert.deepEqual(report.model, { name: 'main.ml.churn', version: 1 });
      assert.equal(report.outcome?.status, 'failed');
      assert.match(report.outcome!.summary, /2 of 3 rules .*audit mode/);
      assert.deepEqual(report.compliance?.rules.map((r) => [r.id, r.status, r.evidence?.[0].label]), [
        ['version-ready', 'passed', 'Found'],
        ['documented', 'failed', 'Found'],
        ['lineage', 'failed', 'Not evaluated'],
      ]);
      assert.equal(report.compliance?.rules[1].evidence?.[0].value, 'no description');
      assert.ok(report.compliance!.rules[2].evidence![0].value!.length <= 2000, 'text from outside is cut to the schema limit');
      assert.deepEqual([report.compliance?.policy, report.compliance?.policyDigest], ['model-policy.yml', input.policyDigest]);
      assert.deepEqual(report.links?.map((l) => l.kind), ['modelVersion', 'mlflowRun', 'auditRow', 'pipelineRun']);
      assert.equal(report.links?.[0].url, `${host}/explore/data/models/main/ml/churn/version/1`);
    });

    it('passes a compliant version', () => {
      const report = valid(buildComplianceReport({ ...verdict, results: [verdict.results[0]], violations: 0, compliant: true }, { ...input, mode: 'enforce' }));
      assert.equal(report.outcome?.status, 'passed');
    });
  });

  describe('serving', () => {
    const entity = (name: string, version: string) => ({ name, entity_name: 'main.ml.churn', entity_version: version, workload_size: 'Small' });
    const rollout = (over: Partial<RolloutReport> = {}): RolloutReport => ({
      outcome: 'served',
      endpointName: 'churn-scoring',
      endpointUrl: `${host}/serving-endpoints/churn-scoring/invocations`,
      modelName: 'main.ml.churn',
      strategy: 'canary',
      version: '4',
      previousVersion: '3',
      servedName: 'churn-4',
      created: false,
      before: { name: 'churn-scoring', served_entities: [entity('churn-3', '3')] },
      after: {
        name: 'churn-scoring',
        served_entities: [entity('churn-3', '3'), entity('churn-4', '4')],
        traffic_config: { routes: [{ served_entity_name: 'churn-3', traffic_percentage: 90 }, { served_entity_name: 'churn-4', traffic_percentage: 10 }] },
      },
      finalState: 'NOT_UPDATING, READY',
      smokeTest: { passed: true, status: 200, detail: 'the query answered 200', target: "served entity 'churn-4'" },
      timings: { waitedForOtherUpdateMs: 0, updateMs: 1000, totalMs: 2000 },
      ...over,
    });
    const input = { host, task: 'DatabricksServingRollout@1', pipelineRun, audit, now };

    it('shows the traffic split before and after, the smoke test, the state and the endpoint page', () => {
      const report = valid(buildServingReport(rollout(), input));
      assert.deepEqual(report.model, { name: 'main.ml.churn', version: 4 });
      assert.equal(report.outcome?.status, 'passed');
      assert.deepEqual(report.serving?.before, [{ servedModel: 'churn-3', modelVersion: 3, percent: 100 }]);
      assert.deepEqual(report.serving?.after, [
        { servedModel: 'churn-3', modelVersion: 3, percent: 90 },
        { servedModel: 'churn-4', modelVersion: 4, percent: 10 },
      ]);
      assert.deepEqual(report.serving?.smokeTest, { status: 'passed', detail: "served entity 'churn-4': HTTP 200, the query answered 200" });
      assert.equal(report.serving?.state, 'NOT_UPDATING, READY');
      assert.equal(report.serving?.strategy, 'canary');
      assert.deepEqual(report.links?.[0], { kind: 'servingEndpoint', label: 'Serving endpoint churn-scoring', url: `${host}/ml/endpoints/churn-scoring` });
      assert.ok(report.links?.some((l) => l.kind === 'modelVersion' && l.label.includes('version 3 (served before)')));
    });

    it('reports a failed smoke test and its rollback as the evidence of the failure', () => {
      const report = valid(
        buildServingReport(
          rollout({
            outcome: 'smoke-test-failed',
            smokeTest: { passed: false, status: 500, detail: 'the query answered 500: boom', target: "served entity 'churn-4'" },
            rollback: { done: true, detail: 'the configuration read at the start serves again' },
          }),
          input,
        ),
      );
      assert.equal(report.outcome?.status, 'failed');
      assert.match(report.outcome!.summary, /smoke test of version 4 failed; rolled back/);
      assert.equal(report.serving?.smokeTest?.status, 'failed');
      assert.deepEqual(report.serving?.rollback, { done: true, detail: 'the configuration read at the start serves again' });
    });

    it('shows an endpoint created by the rollout as serving nothing before', () => {
      const report = valid(buildServingReport(rollout({ created: true, before: undefined, strategy: 'replace', previousVersion: undefined, smokeTest: undefined }), input));
      assert.deepEqual(report.serving?.before, []);
      assert.equal(report.serving?.smokeTest, undefined);
    });
  });

  describe('drift', () => {
    const rule = (over: Partial<DriftRule>): DriftRule => ({ metric: 'js_distance', column: '*', table: 'drift', consecutiveWindows: 1, line: 1, ...over });
    const day = 86_400_000;
    const trend = (values: number[], breach: (v: number) => boolean) =>
      values.map((value, i) => ({ window: { start: now - (values.length - i + 1) * day, end: now - (values.length - i) * day }, value, breached: breach(value) }));
    const check = (over: Partial<EvaluatedDriftCheck>): EvaluatedDriftCheck => ({
      rule: rule({ max: 0.2 }),
      column: 'monthly_charges',
      sliceKey: null,
      sliceValue: null,
      driftType: 'CONSECUTIVE',
      granularity: '1 day',
      status: 'ok',
      trend: [],
      detail: 'within bounds',
      ...over,
    });
    const drifted = check({ status: 'drift', trend: trend([0.05, 0.06, 0.29, 0.31], (v) => v > 0.2), detail: 'breached up to 2026-12-05T00:00Z' });
    const result = (checks: EvaluatedDriftCheck[], over: Partial<DriftCheckResult> = {}): DriftCheckResult => ({
      evaluation: { checks, driftDetected: checks.some((c) => c.status === 'drift'), noData: checks.every((c) => c.status === 'noData'), window: { start: now - 2 * day, end: now - day } },
      driftedMetrics: checks.filter((c) => c.status === 'drift').map((c) => `${c.rule.metric}(${c.column})`),
      window: '2026-12-03T17:00Z/2026-12-04T17:00Z',
      ...over,
    });
    const input = { source: 'main.ml.churn_inference_drift_metrics', policy: { onDrift: 'runJob', onNoData: 'fail' } as const, host, task: 'DatabricksDriftCheck@1', pipelineRun, audit, now };

    it('reports a drift alert with every checked series against its threshold, without a model', () => {
      const twoSided = check({ rule: rule({ metric: 'roc_auc', column: ':table', min: 0.8, max: 0.99 }), column: ':table', driftType: null, granularity: null, trend: trend([0.86, 0.85], () => false) });
      const pvalue = check({ rule: rule({ metric: 'ks_test.pvalue', min: 0.01 }), column: 'tenure_months', trend: trend([0.4, 0.3], () => false) });
      const report = valid(buildDriftReport(result([drifted, twoSided, pvalue], { retrain: { jobId: 12, runId: 345 } }), input));
      assert.equal(report.model, undefined);
      assert.equal(report.outcome?.status, 'failed');
      assert.match(report.outcome!.summary, /Drift in js_distance\(monthly_charges\), retraining run 345 started/);
      assert.equal(report.drift?.source, input.source);
      assert.deepEqual(report.drift?.checks.map((c) => [c.name, c.statistic, c.threshold, c.failWhen, c.lowerThreshold ?? null, c.status]), [
        ['js_distance(monthly_charges) CONSECUTIVE 1 day', 'js_distance', 0.2, 'above', null, 'failed'],
        ['roc_auc(:table)', 'roc_auc', 0.99, 'above', 0.8, 'passed'],
        ['ks_test.pvalue(tenure_months) CONSECUTIVE 1 day', 'ks_test.pvalue', 0.01, 'below', null, 'passed'],
      ]);
      assert.deepEqual(report.drift?.checks[0].points.map((p) => p.value), [0.05, 0.06, 0.29, 0.31]);
      assert.equal(report.drift?.checks[0].points.at(-1)?.at, new Date(now - day).toISOString(), 'a point sits at the end of its window');
      assert.deepEqual(report.links?.find((l) => l.kind === 'databricksRun'), { kind: 'databricksRun', label: 'Retraining run 345', url: `${host}/#job/12/run/345` });
      assert.equal(modelReportName(report), 'drift-main.ml.churn_inference_drift_metrics.json');
    });

    it('tells no drift from no data, as onNoData decides', () => {
      const calm = valid(buildDriftReport(result([check({ trend: trend([0.05], () => false) })]), input));
      assert.equal(calm.outcome?.status, 'passed');
      const missing = check({ status: 'noData', trend: [], detail: 'no value in any complete window' });
      const failing = valid(buildDriftReport(result([missing]), input));
      assert.deepEqual([failing.outcome?.status, failing.drift?.checks[0].status, failing.drift?.checks[0].points], ['failed', 'skipped', []]);
      const warned = valid(buildDriftReport(result([check({}), missing]), { ...input, policy: { onDrift: 'notify', onNoData: 'warn' } }));
      assert.equal(warned.outcome?.status, 'warning');
    });

    it('names the model when the pipeline gives one', () => {
      const report = valid(buildDriftReport(result([drifted]), { ...input, model: { name: 'main.ml.churn', version: 4 } }));
      assert.deepEqual(report.model, { name: 'main.ml.churn', version: 4 });
      assert.equal(report.links?.[0].kind, 'modelVersion');
    });

    it('the schema still requires a model of every other kind', () => {
      const report = buildDriftReport(result([drifted]), input);
      assert.notDeepEqual(validateModelReport({ ...report, kind: 'compliance' }), []);
      assert.notDeepEqual(validateModelReport({ ...report, drift: undefined }), []);
    });
  });

  describe('sign-off', () => {
    const input = {
      modelName: 'main.ml.churn',
      version: 4,
      requestedAt: '2026-12-05T16:00:00.57Z',
      requestedBy: 'Build Service',
      workItem: { id: 812, url: 'https://dev.azure.com/contoso/ml-platform/_workitems/edit/812' },
      host,
      task: 'DatabricksModelSignOff@1',
      pipelineRun,
      audit,
      now,
    };

    it('shows who approved and when, after the refused attempts', () => {
      const report = valid(
        buildSignOffReport({
          ...input,
          status: 'approved',
          decision: { by: 'Grace Hopper', at: Date.UTC(2026, 11, 5, 16, 40), comment: 'ok after the fairness fix' },
          refusedAttempts: [{ by: 'Alan Turing', at: '2026-12-05T16:10:00Z', comment: 'fairness gap too high' }],
        }),
      );
      assert.deepEqual(report.outcome, { status: 'passed', summary: 'Approved by Grace Hopper after 1 refusal(s)' });
      assert.deepEqual(report.signOff, {
        status: 'approved',
        requestedAt: '2026-12-05T16:00:00.570Z',
        requestedBy: 'Build Service',
        decidedBy: 'Grace Hopper',
        decidedAt: '2026-12-05T16:40:00.000Z',
        comment: 'ok after the fairness fix',
        record: { label: 'Work item 812', url: input.workItem.url },
        attempts: [{ by: 'Alan Turing', at: '2026-12-05T16:10:00.000Z', outcome: 'refused', comment: 'fairness gap too high' }],
      });
      assert.deepEqual(report.links?.map((l) => l.kind), ['modelVersion', 'workItem', 'auditRow', 'pipelineRun']);
    });

    it('reports a refusal and a pending request', () => {
      const refused = valid(buildSignOffReport({ ...input, status: 'refused', decision: { by: 'Alan Turing', at: now } }));
      assert.equal(refused.outcome?.status, 'refused');
      const pending = valid(buildSignOffReport({ ...input, status: 'pending', workItem: undefined }));
      assert.deepEqual([pending.outcome?.status, pending.signOff?.decidedBy, pending.signOff?.record], ['pending', undefined, undefined]);
    });

    it('refuses a time that is not one', () => {
      assert.throws(() => buildSignOffReport({ ...input, status: 'pending', requestedAt: 'yesterday' }), /Not a time: 'yesterday'/);
    });
  });
});
