/**
 * The model reports the deciding tasks attach (compare, compliance, promote, serving rollout, drift
 * check), from their built bundles running the demo flow against the emulator: one valid report per
 * deciding step, of our attachment type, matching the step's outputs, and free of the connection's token.
 */
import assert from 'node:assert/strict';
import { modelReportAttachmentType, type ModelReport } from '../../../tasks/common/report/model-report';
import { validateModelReport } from '../../../tasks/common/report/validate';
import { demo } from '../../emulator/demo-workspace';
import { demoReports, type RecordedAttachment } from '../../web/support/record-reports';

describe('model report attachments of the deciding task bundles', function () {
  // The demo's deciding steps run one bundle each, about twenty in all, on a shared machine.
  this.timeout(360_000);
  let recorded: RecordedAttachment[];
  let reports: ModelReport[];

  before(async () => {
    recorded = await demoReports();
    reports = recorded.map((a) => JSON.parse(a.content.toString('utf8')) as ModelReport);
  });

  it('attaches one valid report per step that decided, and none for refused steps', () => {
    assert.deepEqual(
      recorded.map((a) => [a.type, a.name]),
      [
        [modelReportAttachmentType, 'compare-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'compare-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'compare-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'compliance-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'compliance-main.ml.churn-v1.json'],
        [modelReportAttachmentType, 'promote-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'promote-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'promote-main.ml.churn-v3.json'],
        [modelReportAttachmentType, 'promote-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'serving-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'serving-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'serving-main.ml.churn-v4.json'],
        ...Array.from({ length: 3 }, () => [modelReportAttachmentType, 'drift-main.ml.churn_inference_drift_metrics__main.ml.churn_inference_profile_metrics.json']),
      ],
    );
    for (const report of reports) assert.deepEqual(validateModelReport(report), [], report.kind);
  });

  it('reports what the steps decided: verdicts, intervals, alias moves and the audit row', () => {
    const [strict, evaluated, decided, , , promoted, rerun, rollback] = reports;
    assert.deepEqual([strict, evaluated, decided].map((r) => [r.compare!.verdict, r.compare!.runMode, r.compare!.metricsSource]), [
      ['reject', 'dryRun', 'runs'],
      ['promote', 'dryRun', 'evaluationJob'],
      ['promote', 'enabled', 'runs'],
    ]);
    assert.equal(evaluated.compare!.metrics[0].interval?.examples, 20);
    assert.deepEqual(decided.compare!.metrics.map((m) => [m.name, m.candidate, m.champion, m.threshold ?? null, m.guardrail?.tolerance ?? null]), [
      ['roc_auc', 0.884, 0.861, 0.8, null],
      ['rmse', 0.327, 0.342, null, null],
      ['latency_p95_ms', 51, 48, null, 0.1],
    ]);
    assert.ok(decided.links!.some((l) => l.kind === 'auditRow' && l.label === 'Audit row in main.mlops.decisions'));
    assert.deepEqual(promoted.aliasMoves![0], { alias: 'champion', before: 3, after: 4, changed: true });
    assert.match(rerun.outcome!.summary, /nothing moved/);
    assert.deepEqual(rollback.aliasMoves![0], { alias: 'champion', before: 4, after: 3, changed: true });
  });

  it('reports the compliance checklist, a refusal in audit mode included', () => {
    const [compliant, refused] = reports.filter((r) => r.kind === 'compliance');
    assert.deepEqual([compliant.outcome?.status, compliant.compliance?.policy], ['passed', 'model-policy.yml']);
    assert.match(compliant.compliance?.policyDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(compliant.compliance!.rules.length > 0 && compliant.compliance!.rules.every((r) => r.status === 'passed' && r.evidence?.length === 1));
    assert.equal(refused.outcome?.status, 'failed');
    assert.match(refused.outcome!.summary, /audit mode/);
    assert.ok(refused.compliance!.rules.some((r) => r.id === 'quality' && r.status === 'failed' && /roc_auc=0.812 out of bounds/.test(r.evidence?.[0].value ?? '')));
  });

  it('reports the canary, the re-run that sent nothing and the promotion with their traffic splits', () => {
    const [canary, rerun, promoted] = reports.filter((r) => r.kind === 'serving');
    const split = (s: ModelReport['serving']) => [s!.before.map((e) => `${e.servedModel} ${e.percent}%`), s!.after.map((e) => `${e.servedModel} ${e.percent}%`)];
    assert.deepEqual(split(canary.serving), [['churn-3 100%'], ['churn-3 90%', 'churn-4 10%']]);
    assert.equal(canary.serving?.smokeTest?.status, 'passed');
    assert.match(rerun.outcome!.summary, /nothing was sent/);
    assert.deepEqual(split(promoted.serving), [['churn-3 90%', 'churn-4 10%'], ['churn-4 100%']]);
    assert.ok(reports.filter((r) => r.kind === 'serving').every((r) => r.links?.[0].kind === 'servingEndpoint'));
  });

  it('reports the drift checks without a model: calm, then the drift alert and its retraining run', () => {
    const [calm, drifted, rerun] = reports.filter((r) => r.kind === 'drift');
    assert.ok([calm, drifted, rerun].every((r) => r.model === undefined));
    assert.equal(calm.outcome?.status, 'passed');
    assert.equal(drifted.outcome?.status, 'failed');
    const charges = drifted.drift?.checks.find((c) => c.name.startsWith('js_distance(monthly_charges)'));
    assert.equal(charges?.status, 'failed');
    assert.ok(charges!.points.at(-1)!.value > charges!.threshold);
    const retrain = drifted.links?.find((l) => l.kind === 'databricksRun');
    assert.ok(retrain, 'links to the retraining run');
    assert.equal(rerun.links?.find((l) => l.kind === 'databricksRun')?.label, retrain.label, 'the re-run names the same retraining run');
  });

  it('never carries the connection token', () => {
    for (const attachment of recorded) assert.ok(!attachment.content.toString('utf8').includes(demo.pat), attachment.name);
  });
});
