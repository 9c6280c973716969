import assert from 'node:assert/strict';
import type { LoggedModel, Run } from '@databricks/sdk-experimental/dist/apis/ml/model';
import { evaluatePolicy, type ComplianceVerdict } from '../../../tasks/common/compliance/evaluate';
import type { ComplianceSources, ComplianceVersion, RegistryModel } from '../../../tasks/common/compliance/evidence';
import { parsePolicy, type PolicyRule } from '../../../tasks/common/compliance/policy';
import { ApiError } from '../../../tasks/common/http/errors';

const signature = { inputs: '[{"type": "double", "name": "x"}]', outputs: '[{"type": "long"}]' };

function trainingRun(extra: { status?: string; tags?: Record<string, string>; metrics?: Record<string, number>; datasets?: Array<{ name: string; source: string; context?: string }> } = {}): Run {
  const tags = {
    'mlflow.source.git.commit': '3f9c2d1e',
    'mlflow.log-model.history': JSON.stringify([{ artifact_path: 'model', signature, flavors: {} }]),
    ...extra.tags,
  };
  return {
    info: { run_id: 'run-1', status: (extra.status ?? 'FINISHED') as 'FINISHED' },
    data: {
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      metrics: Object.entries(extra.metrics ?? { roc_auc: 0.84, demographic_parity_gap: 0.02 }).map(([key, value]) => ({ key, value })),
    },
    inputs: {
      dataset_inputs: (extra.datasets ?? [{ name: 'loans', source: '{"delta_table_name": "main.risk.loans", "delta_table_version": 3}' }]).map((d) => ({
        dataset: { name: d.name, digest: 'd1', source_type: 'delta_table', source: d.source, schema: '' },
        tags: d.context ? [{ key: 'mlflow.data.context', value: d.context }] : [],
      })),
    },
  };
}

/** Fake sources with a request log; a value that is an Error is thrown. */
class FakeSources implements ComplianceSources {
  readonly log: string[] = [];
  model: RegistryModel | Error = { name: 'main.ml.churn', tags: [{ key: 'cost_center', value: 'cc-42' }] };
  owner: string | undefined | Error = 'risk-ml-owners';
  run: Run | Error = trainingRun();
  logged: LoggedModel | Error = { info: { model_id: 'm-1', status: 'LOGGED_MODEL_READY' } };
  lineage = new Map<string, string[]>([['main.risk.loans', ['main.raw.loans']]]);
  decisions: Array<Array<string | null>> = [['promote', '2026-12-05T10:00:00Z']];
  sqlError?: Error;
  withSql = true;

  private give<T>(name: string, value: T | Error): Promise<T> {
    this.log.push(name);
    return value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
  }
  getVersion = (): Promise<ComplianceVersion> => Promise.reject(new Error('not used'));
  getRegistryModel = (): Promise<RegistryModel> => this.give('model', this.model);
  getModelOwner = (): Promise<string | undefined> => this.give('owner', this.owner);
  getRun = (runId: string): Promise<Run> => this.give(`run ${runId}`, this.run);
  getLoggedModel = (id: string): Promise<LoggedModel> => this.give(`logged ${id}`, this.logged);
  get query(): ComplianceSources['query'] {
    if (!this.withSql) return undefined;
    return async (statement, parameters) => {
      this.log.push(`sql ${parameters.map((p) => `${p.name}=${p.value}`).join(',')}`);
      if (this.sqlError) throw this.sqlError;
      assert.ok(!parameters.some((p) => statement.includes(p.value)), 'values are parameters, never SQL text');
      if (statement.includes('system.access.table_lineage')) return (this.lineage.get(parameters[0].value) ?? []).map((source) => [source]);
      return this.decisions;
    };
  }
}

const version: ComplianceVersion = {
  name: 'main.ml.churn',
  version: '7',
  status: 'READY',
  description: 'Gradient boosted churn model, retrained weekly.',
  run_id: 'run-1',
  source: 'dbfs:/databricks/mlflow-tracking/1/run-1/artifacts/model',
  tags: [
    { key: 'data_classification', value: 'internal' },
    { key: 'owner_team', value: 'risk' },
  ],
};

const fullPolicy = parsePolicy(
  `version: 1
rules:
  - { id: ready, kind: versionStatus }
  - { id: documented, kind: versionDescription, minLength: 20 }
  - { id: classified, kind: versionTags, required: { data_classification: [public, internal], owner_team: null } }
  - { id: owned, kind: modelOwner, allowed: [risk-ml-owners] }
  - { id: model-tags, kind: modelTags, required: { cost_center: null } }
  - { id: run, kind: sourceRun, requireGitCommit: true, requireDatasets: true, allowedDatasetSources: [main.risk] }
  - { id: signature, kind: signature }
  - { id: fairness, kind: metricBounds, metrics: { demographic_parity_gap: { max: 0.05 }, roc_auc: { min: 0.8 } } }
  - { id: compared, kind: comparisonDecision }
  - { id: lineage, kind: lineage }
`,
  'p.yml',
);

function evaluate(sources: FakeSources, v: ComplianceVersion = version, extra: { comparisonDecision?: string; auditTable?: string } = { auditTable: '`main`.`mlops`.`decisions`' }): Promise<ComplianceVerdict> {
  return evaluatePolicy(fullPolicy, v, { modelName: 'main.ml.churn', version: 7, ...extra }, sources);
}

function statuses(verdict: ComplianceVerdict): Record<string, string> {
  return Object.fromEntries(verdict.results.map((r) => [r.id, r.status]));
}

function result(verdict: ComplianceVerdict, id: string): { status: string; found: string } {
  const found = verdict.results.find((r) => r.id === id);
  assert.ok(found, id);
  return found;
}

function only(rule: PolicyRule['kind'], verdict: ComplianceVerdict): string[] {
  return verdict.results.filter((r) => r.status !== 'passed').map((r) => (r.kind === rule ? r.id : `unexpected ${r.id}`));
}

describe('compliance evaluation', () => {
  it('passes every rule kind on compliant data, reading each fact once', async () => {
    const sources = new FakeSources();
    const verdict = await evaluate(sources);
    assert.deepEqual(verdict.results.filter((r) => r.status !== 'passed'), []);
    assert.equal(verdict.compliant, true);
    assert.equal(verdict.violations, 0);
    assert.deepEqual(sources.log, ['owner', 'model', 'run run-1', 'sql event_type=compare,model_name=main.ml.churn,model_version=7', 'sql table=main.risk.loans']);
  });

  const failures: Array<[string, PolicyRule['kind'], (s: FakeSources) => ComplianceVersion, RegExp]> = [
    ['a pending version', 'versionStatus', () => ({ ...version, status: 'PENDING_REGISTRATION' }), /PENDING_REGISTRATION/],
    ['a short description', 'versionDescription', () => ({ ...version, description: 'churn' }), /5 characters/],
    ['a tag value not allowed', 'versionTags', () => ({ ...version, tags: [{ key: 'data_classification', value: 'secret' }, { key: 'owner_team', value: 'x' }] }), /data_classification='secret' not allowed/],
    ['a missing tag', 'versionTags', () => ({ ...version, tags: [{ key: 'data_classification', value: 'public' }] }), /owner_team missing/],
    ['another owner', 'modelOwner', (s) => ((s.owner = 'someone@contoso.com'), version), /someone@contoso\.com/],
    ['a model tag missing', 'modelTags', (s) => ((s.model = { name: 'm', tags: [] }), version), /cost_center missing/],
    ['a dataset from another catalog', 'sourceRun', (s) => ((s.run = trainingRun({ datasets: [{ name: 'x', source: '{"delta_table_name": "dev.scratch.x"}' }] })), s.lineage.set('dev.scratch.x', ['dev.raw.x']), version), /dev\.scratch\.x/],
    ['a deleted run', 'sourceRun', (s) => ((s.run = { ...trainingRun(), info: { run_id: 'run-1', status: 'FINISHED', lifecycle_stage: 'deleted' } }), version), /run-1 is deleted/],
    ['a failed run', 'sourceRun', (s) => ((s.run = trainingRun({ status: 'FAILED' })), version), /run run-1 is FAILED/],
    ['no git commit', 'sourceRun', (s) => ((s.run = trainingRun({ tags: { 'mlflow.source.git.commit': '' } })), version), /no mlflow\.source\.git\.commit/],
    ['no output signature (MLflow 2)', 'signature', (s) => ((s.run = trainingRun({ tags: { 'mlflow.log-model.history': JSON.stringify([{ artifact_path: 'model', signature: { inputs: signature.inputs } }]) } })), version), /output signature/],
    ['no logged model history (MLflow 2)', 'signature', (s) => ((s.run = trainingRun({ tags: { 'mlflow.log-model.history': '' } })), version), /no mlflow\.log-model\.history entry/],
    ['a logged model that failed to upload (MLflow 3)', 'signature', (s) => ((s.logged = { info: { model_id: 'm-1', status: 'LOGGED_MODEL_UPLOAD_FAILED' } }), { ...version, model_id: 'm-1' }), /LOGGED_MODEL_UPLOAD_FAILED/],
    ['a metric out of bounds', 'metricBounds', (s) => ((s.run = trainingRun({ metrics: { roc_auc: 0.79, demographic_parity_gap: 0.01 } })), version), /roc_auc=0\.79 out of bounds/],
    ['a metric not logged', 'metricBounds', (s) => ((s.run = trainingRun({ metrics: { roc_auc: 0.9 } })), version), /demographic_parity_gap not logged/],
    ['a rejected comparison in the audit table', 'comparisonDecision', (s) => ((s.decisions = [['reject', '2026-12-05']]), version), /'reject' \(audit table/],
    ['no comparison row', 'comparisonDecision', (s) => ((s.decisions = []), version), /no compare row/],
    ['a training table without lineage', 'lineage', (s) => (s.lineage.clear(), version), /main\.risk\.loans has no upstream lineage/],
  ];
  for (const [what, kind, arrange, found] of failures) {
    it(`fails ${kind} on ${what}, and only that rule`, async () => {
      const sources = new FakeSources();
      const verdict = await evaluate(sources, arrange(sources));
      assert.deepEqual(only(kind, verdict).filter((id) => id.startsWith('unexpected')), []);
      const failed = verdict.results.filter((r) => r.status !== 'passed');
      assert.ok(failed.length >= 1);
      assert.ok(failed.some((r) => r.status === 'failed' && found.test(r.found)), JSON.stringify(failed));
      assert.equal(verdict.compliant, false);
      assert.equal(verdict.violations, failed.length);
    });
  }

  it('passes the signature of an MLflow 3 version from its READY logged model', async () => {
    const sources = new FakeSources();
    sources.run = trainingRun({ tags: { 'mlflow.log-model.history': '' } });
    const verdict = await evaluate(sources, { ...version, model_id: 'm-1' });
    assert.equal(result(verdict, 'signature').status, 'passed');
    assert.ok(sources.log.includes('logged m-1'));
  });

  it('takes the comparison decision from the input without a query', async () => {
    const sources = new FakeSources();
    assert.equal(result(await evaluate(sources, version, { comparisonDecision: 'promote' }), 'compared').status, 'passed');
    assert.equal(result(await evaluate(sources, version, { comparisonDecision: 'reject' }), 'compared').status, 'failed');
    assert.ok(!sources.log.some((line) => line.includes('event_type')));
  });

  it('fails closed: an unreadable source makes every rule that needs it a violation with the reason, and the others still run', async () => {
    const sources = new FakeSources();
    sources.run = new ApiError('Run run-1 not found', { status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST', method: 'GET', path: '/api/2.0/mlflow/runs/get' });
    sources.owner = new ApiError('User does not have EXECUTE on Routine or Model', { status: 403, errorCode: 'PERMISSION_DENIED', method: 'GET', path: '/x' });
    sources.sqlError = new Error('warehouse stopped');
    const verdict = await evaluate(sources);
    assert.deepEqual(statuses(verdict), {
      ready: 'passed',
      documented: 'passed',
      classified: 'passed',
      owned: 'error',
      'model-tags': 'passed',
      run: 'error',
      signature: 'error',
      fairness: 'error',
      compared: 'error',
      lineage: 'error',
    });
    assert.equal(verdict.violations, 6);
    assert.match(result(verdict, 'owned').found, /could not be evaluated: .*EXECUTE/);
    assert.match(result(verdict, 'fairness').found, /Run run-1 not found/);
    assert.equal(sources.log.filter((line) => line === 'run run-1').length, 1, 'a failed read is not repeated per rule');
  });

  it('fails closed without a SQL warehouse or a source run', async () => {
    const sources = new FakeSources();
    sources.withSql = false;
    const verdict = await evaluate(sources, { ...version, run_id: undefined });
    assert.equal(result(verdict, 'compared').status, 'error');
    assert.equal(result(verdict, 'lineage').status, 'error');
    assert.match(result(verdict, 'run').found, /records no source run/);
    assert.equal(verdict.compliant, false);
  });

  it('refuses a dataset whose table cannot be told for allowed sources and lineage', async () => {
    const sources = new FakeSources();
    sources.run = trainingRun({ datasets: [{ name: 'csv', source: '{"url": "https://example.com/x.csv"}' }, { name: 'eval', source: '{"delta_table_name": "dev.x.y"}', context: 'eval' }] });
    const verdict = await evaluate(sources);
    assert.match(result(verdict, 'run').found, /dataset 'csv' has no Unity Catalog table source/);
    assert.match(result(verdict, 'lineage').found, /dataset 'csv' has no Unity Catalog table/);
  });
});
