/**
 * The model reports the deciding tasks attach (compare, compliance, promote, serving rollout, drift
 * check), from the demo flow run in process (tests/web/support/record-reports.ts, shared with the
 * browser test): one valid report per deciding step, of our attachment type, matching the step's
 * outputs, and free of the connection's token. One built bundle (a promotion) shows a report reaching
 * the agent as a `##vso[task.addattachment]` command of that type and name.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { modelReportAttachmentType, type ModelReport } from '../../../tasks/common/report/model-report';
import { validateModelReport } from '../../../tasks/common/report/validate';
import { startEmulator } from '../../emulator';
import { createDemoWorkspace, demo } from '../../emulator/demo-workspace';
import { attachedModelReport } from '../../support/model-report';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { demoReports, type RecordedAttachment } from '../../web/support/record-reports';

describe('model report attachments of the deciding tasks', function () {
  this.timeout(60_000);
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
    for (const attachment of recorded) assert.ok(!attachment.content.includes(demo.pat), attachment.name);
  });

  it('reaches the agent from the built bundle as a model report attachment command', async () => {
    const { scenario, token } = createDemoWorkspace();
    const emulator = await startEmulator({ scenario });
    let run: TaskRun | undefined;
    try {
      const connection = { url: emulator.url, scheme: 'Token', parameters: { apitoken: token } };
      const version = String(demo.candidateVersion);
      run = await runTaskBundle('DatabricksModelPromoteV1', {
        inputs: { connectionType: 'databricks', databricksConnection: 'demo', modelName: demo.model, version, expectedCurrentVersion: String(demo.championVersion) },
        endpoints: { demo: connection },
        variables: { 'Build.BuildId': '4711', 'System.TaskInstanceId': 'model-report-bundle' },
        timeoutMs: 30_000,
      });
      assert.equal(run.result, 'Succeeded', run.resultMessage);
      const attachments = run.commands.filter((c) => c.command === 'task.addattachment' && c.properties.type === modelReportAttachmentType);
      assert.deepEqual(attachments.map((c) => c.properties.name), [`promote-${demo.model}-v${version}.json`]);
      const report = attachedModelReport(run, token);
      assert.equal(report.kind, 'promote');
      assert.deepEqual(report.aliasMoves?.[0], { alias: 'champion', before: demo.championVersion, after: demo.candidateVersion, changed: true });
    } finally {
      await emulator.close();
      for (const folder of [run?.cwd, run?.tempDirectory]) if (folder) fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
