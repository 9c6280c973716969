/**
 * The model reports DatabricksModelCompare@1 and DatabricksModelPromote@1 attach, from their built
 * bundles running the demo flow against the emulator: one valid report per deciding step, of our
 * attachment type, matching the step's outputs, and free of the connection's token.
 */
import assert from 'node:assert/strict';
import { modelReportAttachmentType, type ModelReport } from '../../../tasks/common/report/model-report';
import { validateModelReport } from '../../../tasks/common/report/validate';
import { demo } from '../../emulator/demo-workspace';
import { demoReports, type RecordedAttachment } from '../../web/support/record-reports';

describe('model report attachments of the compare and promote bundles', function () {
  this.timeout(180_000);
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
        [modelReportAttachmentType, 'promote-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'promote-main.ml.churn-v4.json'],
        [modelReportAttachmentType, 'promote-main.ml.churn-v3.json'],
        [modelReportAttachmentType, 'promote-main.ml.churn-v4.json'],
      ],
    );
    for (const report of reports) assert.deepEqual(validateModelReport(report), [], report.kind);
  });

  it('reports what the steps decided: verdicts, intervals, alias moves and the audit row', () => {
    const [strict, evaluated, decided, promoted, rerun, rollback] = reports;
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

  it('never carries the connection token', () => {
    for (const attachment of recorded) assert.ok(!attachment.content.toString('utf8').includes(demo.pat), attachment.name);
  });
});
