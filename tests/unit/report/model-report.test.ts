import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Comparison } from '../../../tasks/common/compare/compare-models';
import type { RulesDocument } from '../../../tasks/common/compare/rules';
import {
  ModelReportError,
  attachModelReport,
  buildCompareReport,
  buildPromoteReport,
  modelReportAttachmentType,
  reportSchemaVersion,
  serializeModelReport,
  type ModelReport,
} from '../../../tasks/common/report';
import { validateModelReport } from '../../../tasks/common/report/validate';

const fixture = (): ModelReport =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'model-report', 'every-section.json'), 'utf8')) as ModelReport;

const host = 'https://adb-1234567890123456.7.azuredatabricks.net';
const pipelineRun = { url: 'https://dev.azure.com/contoso/ml-platform/_build/results?buildId=4711' };

function comparison(): Comparison {
  const version = (v: number, runId: string) => ({ version: v, run_id: runId, catalog_name: 'main', schema_name: 'ml', model_name: 'churn', status: 'READY' as const });
  return {
    candidate: version(7, 'run-7'),
    champion: version(6, 'run-6'),
    metrics: {
      source: 'evaluationJob',
      candidate: new Map([['roc_auc', { value: 0.91 }], ['latency_p95_ms', { value: 61 }], ['brier', { value: Number.NaN }]]),
      champion: new Map([['roc_auc', { value: 0.89 }], ['latency_p95_ms', { value: 58 }], ['brier', { value: 0.1 }]]),
      paired: new Map(),
      provenance: { evaluationJob: 'churn-evaluation', evaluationRunId: '50001', evaluationRunUrl: `${host}/#job/1002/run/50001` },
    },
    intervals: new Map([['roc_auc', { examples: 40, meanDifference: 0.02, lower: 0.01, upper: 0.03, resamples: 2000, seed: 7 }]]),
    pairedSource: 'evaluationJob',
    dataset: { kind: 'oneEvaluation' },
    verdict: {
      decision: 'reject',
      noChampion: 'fail',
      preconditions: [],
      checks: [
        { metric: 'roc_auc', kind: 'threshold', status: 'passed', rule: '>= 0.85', detail: 'ok', candidate: 0.91, champion: 0.89 },
        { metric: 'roc_auc', kind: 'significance', status: 'passed', rule: '95% interval > 0', detail: 'ok', candidate: 0.91, champion: 0.89 },
        { metric: 'latency_p95_ms', kind: 'guardrail', status: 'passed', rule: '<= champion * 1.1', detail: 'ok', candidate: 61, champion: 58 },
        { metric: 'brier', kind: 'min_absolute_change', status: 'failed', rule: '<= champion - 0.01', detail: 'NaN', candidate: Number.NaN, champion: 0.1 },
      ],
    },
  };
}

const rules: RulesDocument = {
  metrics: [
    { metric: 'roc_auc', greaterIsBetter: true, threshold: 0.85 },
    { metric: 'brier', greaterIsBetter: false, minAbsoluteChange: 0.01 },
  ],
  guardrails: [{ metric: 'latency_p95_ms', greaterIsBetter: false, tolerance: 0.1 }],
};

describe('model report', () => {
  describe('schema', () => {
    it('accepts a report with every section', () => {
      assert.deepEqual(validateModelReport(fixture()), []);
    });

    it('rejects an unknown property, a wrong type and a newer format, naming where', () => {
      const report = fixture() as unknown as Record<string, unknown>;
      assert.match(validateModelReport({ ...report, token: 'x' }).join('\n'), /\(report\): must NOT have additional properties 'token'/);
      const wrongValue = fixture();
      (wrongValue.compare!.metrics[0] as unknown as { candidate: string }).candidate = '0.9';
      assert.match(validateModelReport(wrongValue).join('\n'), /^\/compare\/metrics\/0\/candidate: must be number,null/m);
      assert.notDeepEqual(validateModelReport({ ...report, schemaVersion: 2 }), []);
    });

    it('reads the version of anything that claims one, and nothing else', () => {
      assert.equal(reportSchemaVersion({ schemaVersion: 3 }), 3);
      for (const value of [null, [], 'x', { schemaVersion: '1' }, { schemaVersion: 0 }, { schemaVersion: 1.5 }]) assert.equal(reportSchemaVersion(value), undefined);
    });
  });

  describe('writer', () => {
    it('attaches the report as a timeline attachment of our type, written to the agent temp folder', () => {
      const attachments: Array<[string, string, string]> = [];
      const written = new Map<string, string>();
      const name = attachModelReport(
        {
          outputs: { addAttachment: (type, attachmentName, file) => attachments.push([type, attachmentName, file]) },
          files: { writeTemp: (file, content) => (written.set(`/tmp/${file}`, String(content)), `/tmp/${file}`) },
        },
        fixture(),
      );
      assert.equal(name, 'compare-main.ml.churn-v7.json');
      assert.deepEqual(attachments, [[modelReportAttachmentType, name, `/tmp/${name}`]]);
      assert.deepEqual(JSON.parse(written.get(`/tmp/${name}`)!), fixture());
    });

    it('refuses a report holding anything shaped like a credential', () => {
      const cases: Array<[string, (r: ModelReport) => void]> = [
        ['a Databricks token', (r) => (r.outcome!.summary = `token dapi${'0123456789abcdef'.repeat(2)}`)],
        ['a JSON web token', (r) => (r.compare!.preconditions.push({ name: 'x', passed: true, detail: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG8ifQ.c2ln' }))],
        // The schema's URL pattern already refuses user info; either check must stop it.
        ['/links/0/url', (r) => (r.links![0].url = 'https://user:secret@example.com/x')],
        ['a URL with a token parameter', (r) => (r.links![0].url = 'https://example.com/x?sig=abc')],
      ];
      for (const [what, change] of cases) {
        const report = fixture();
        change(report);
        assert.throws(() => serializeModelReport(report), (error: Error) => error instanceof ModelReportError && error.message.includes(what), what);
      }
    });

    it('refuses a report that does not match the schema', () => {
      const report = fixture();
      (report as unknown as { kind: string }).kind = 'deploy';
      assert.throws(() => serializeModelReport(report), /does not match the model report schema: \/kind/);
    });
  });

  describe('compare report', () => {
    const report = buildCompareReport(comparison(), rules, { modelName: 'main.ml.churn', championAlias: 'champion', runMode: 'enabled', host, task: 'DatabricksModelCompare@1', pipelineRun, audit: { status: 'written', table: 'main.mlops.decisions', statementId: 'st-1' }, now: Date.UTC(2026, 10, 28, 10) });

    it('is valid and carries each metric with both values, delta, threshold, guardrail and interval', () => {
      assert.deepEqual(validateModelReport(report), []);
      assert.equal(report.createdAt, '2026-11-28T10:00:00.000Z');
      const [auc, latency, brier] = report.compare!.metrics;
      assert.equal(auc.name, 'roc_auc');
      assert.equal(auc.threshold, 0.85);
      assert.equal(auc.checks.length, 2);
      assert.deepEqual(auc.interval, { lower: 0.01, upper: 0.03, meanDifference: 0.02, examples: 40, confidence: 0.95, resamples: 2000, seed: 7 });
      assert.ok(Math.abs(auc.delta! - 0.02) < 1e-12);
      assert.deepEqual(latency.guardrail, { tolerance: 0.1 });
      assert.equal(latency.greaterIsBetter, false);
      assert.equal(brier.candidate, null, 'NaN is not JSON: it becomes null');
      assert.equal(brier.delta, null);
      assert.equal(report.compare!.verdict, 'reject');
      assert.equal(report.outcome!.status, 'failed');
    });

    it('links the model versions, the MLflow runs, the evaluation run, the audit row and the pipeline run', () => {
      assert.deepEqual(
        report.links!.map((l) => [l.kind, l.url ?? l.detail]),
        [
          ['modelVersion', `${host}/explore/data/models/main/ml/churn/version/7`],
          ['modelVersion', `${host}/explore/data/models/main/ml/churn/version/6`],
          ['mlflowRun', `${host}/#mlflow/runs/run-7`],
          ['mlflowRun', `${host}/#mlflow/runs/run-6`],
          ['databricksRun', `${host}/#job/1002/run/50001`],
          ['auditRow', 'statement st-1'],
          ['pipelineRun', pipelineRun.url],
        ],
      );
    });
  });

  describe('promote report', () => {
    it('shows each alias before and after, leaving out what the task did not read', () => {
      const report = buildPromoteReport(
        {
          action: 'promote',
          modelName: 'main.ml.churn',
          alias: 'champion',
          previousVersion: 6,
          promotedVersion: 7,
          alreadyDone: false,
          changes: [
            { alias: 'champion', operation: 'set', version: 7, changed: true },
            { alias: 'previous_champion', operation: 'set', version: 6, changed: true },
            { alias: 'challenger', operation: 'delete', version: 7, changed: true },
          ],
        },
        { host, task: 'DatabricksModelPromote@1', pipelineRun, now: 0 },
      );
      assert.deepEqual(validateModelReport(report), []);
      assert.deepEqual(report.aliasMoves, [
        { alias: 'champion', before: 6, after: 7, changed: true },
        { alias: 'previous_champion', after: 6, changed: true },
        { alias: 'challenger', before: 7, after: null, changed: true },
      ]);
      assert.deepEqual(report.links!.map((l) => l.label), ['main.ml.churn version 7 (promoted)', 'main.ml.churn version 6 (replaced)', 'Pipeline run']);
    });

    it('says nothing moved on a re-run, with no champion before as none', () => {
      const report = buildPromoteReport(
        { action: 'promote', modelName: 'main.ml.churn', alias: 'champion', promotedVersion: 1, alreadyDone: true, changes: [{ alias: 'champion', operation: 'set', version: 1, changed: false }] },
        { host, task: 'DatabricksModelPromote@1', pipelineRun: {}, now: 0 },
      );
      assert.deepEqual(validateModelReport(report), []);
      assert.deepEqual(report.aliasMoves, [{ alias: 'champion', before: null, after: 1, changed: true }]);
      assert.match(report.outcome!.summary, /nothing moved/);
    });
  });
});
