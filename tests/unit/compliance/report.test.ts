import assert from 'node:assert/strict';
import { resolveVersion, writeVerdictTags } from '../../../tasks/common/compliance/check-compliance';
import type { ComplianceVerdict } from '../../../tasks/common/compliance/evaluate';
import type { ComplianceVersion } from '../../../tasks/common/compliance/evidence';
import { auditDetails, junitSuite, renderSummary, verdictTags, type ComplianceReportContext } from '../../../tasks/common/compliance/report';
import { workspaceSources } from '../../../tasks/common/compliance/workspace-sources';
import { MlflowClient } from '../../../tasks/common/databricks/mlflow';
import { UnityCatalogModels } from '../../../tasks/common/databricks/unity-catalog';
import { silentLogger } from '../../../tasks/common/ports';
import { FakeTransport } from '../../fakes/transport';
import { fakeClient } from '../../fakes/client';

const verdict: ComplianceVerdict = {
  modelName: 'main.ml.churn',
  version: 7,
  results: [
    { id: 'ready', kind: 'versionStatus', status: 'passed', expected: 'status READY', found: 'status READY' },
    { id: 'classified', kind: 'versionTags', status: 'failed', expected: 'version tags owner_team', found: 'owner_team missing | <b>' },
    { id: 'lineage', kind: 'lineage', status: 'error', expected: 'every training table has upstream rows', found: 'could not be evaluated: warehouse stopped' },
  ],
  violations: 2,
  compliant: false,
};
const context: ComplianceReportContext = { policyFile: 'policies/p.yml', policyDigest: 'sha256:abc', mode: 'audit', pipelineRunUrl: 'https://dev.azure.com/o/p/_build/results?buildId=1' };

describe('compliance report', () => {
  it('has one JUnit case per rule: a failure for a violation, an error for a rule not evaluated', () => {
    const suite = junitSuite(verdict, context);
    assert.deepEqual(suite.cases.map((c) => [c.name, Boolean(c.failure), Boolean(c.error)]), [
      ['ready', false, false],
      ['classified', true, false],
      ['lineage', false, true],
    ]);
    assert.equal(suite.cases[1].failure?.message, 'expected version tags owner_team; found owner_team missing | <b>');
  });

  it('renders a row per rule, with text from Databricks kept inside its cell', () => {
    const markdown = renderSummary(verdict, context);
    assert.match(markdown, /\*\*Not compliant\*\*: 2 of 3 rules did not pass \(audit mode/);
    assert.match(markdown, /\| classified \| versionTags \| ❌ failed \| .* \| owner\\_team missing \\\| \\<b\\> \|/);
    assert.equal(markdown.split('\n').filter((line) => line.startsWith('| ')).length, 4);
  });

  it('tags the verdict, the policy digest and the run; records every result in the audit details', () => {
    assert.deepEqual(verdictTags(verdict, context), [
      { key: 'compliance.status', value: 'failed' },
      { key: 'compliance.policy', value: 'sha256:abc' },
      { key: 'compliance.run', value: context.pipelineRunUrl },
    ]);
    assert.deepEqual(verdictTags({ ...verdict, compliant: true }, { ...context, pipelineRunUrl: undefined }).map((t) => t.key), ['compliance.status', 'compliance.policy']);
    const details = auditDetails(verdict, context) as { rules: unknown[]; policy: string };
    assert.equal(details.rules.length, 3);
    assert.equal(details.policy, 'sha256:abc');
  });
});

describe('compliance check phases', () => {
  const version = (tags: Record<string, string> = {}): ComplianceVersion => ({ name: 'main.ml.churn', version: '7', status: 'READY', tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });

  it('resolves a version by number or by alias and refuses a registry answer that is not a version number', async () => {
    const sources = { getVersion: () => Promise.resolve(version()), getVersionByAlias: () => Promise.resolve({ ...version(), version: '8' }) };
    assert.equal((await resolveVersion(sources, 'main.ml.churn', { version: 7 })).number, 7);
    assert.equal((await resolveVersion(sources, 'main.ml.churn', { alias: 'challenger' })).number, 8);
    await assert.rejects(resolveVersion({ ...sources, getVersion: () => Promise.resolve({ ...version(), version: 'x' }) }, 'main.ml.churn', { version: 7 }), /not a version number/);
  });

  it('writes the tags and fails when they do not read back as written', async () => {
    const written = new Map<string, string>();
    const writer = {
      setVersionTag: (_: string, __: number, key: string, value: string) => (written.set(key, value), Promise.resolve()),
      getVersion: () => Promise.resolve(version(Object.fromEntries(written))),
    };
    const tags = [{ key: 'compliance.status', value: 'passed' }];
    await writeVerdictTags(writer, 'main.ml.churn', 7, tags, silentLogger);
    assert.equal(written.get('compliance.status'), 'passed');
    await assert.rejects(writeVerdictTags({ ...writer, getVersion: () => Promise.resolve(version({ 'compliance.status': 'failed' })) }, 'main.ml.churn', 7, tags, silentLogger), /do not hold the verdict/);
  });

  it('reads through the MLflow UC registry, MLflow, Unity Catalog and SQL routes', async () => {
    const transport = new FakeTransport()
      .on('GET', '/api/2.0/mlflow/unity-catalog/registered-models/get', () => ({ status: 200, body: { registered_model: { name: 'main.ml.churn', tags: [{ key: 'a', value: 'b' }] } } }))
      .on('GET', '/api/2.1/unity-catalog/models/main.ml.churn', () => ({ status: 200, body: { full_name: 'main.ml.churn', owner: 'ml-owners' } }))
      .on('GET', '/api/2.0/mlflow/logged-models/m-1', () => ({ status: 200, body: { model: { info: { model_id: 'm-1', status: 'LOGGED_MODEL_READY' } } } }))
      .on('GET', '/api/2.0/mlflow/logged-models/m-2', () => ({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Logged model m-2 not found' } }));
    const client = fakeClient(transport);
    const rows: Array<Array<string | null>> = [['main.raw.x']];
    const statements = { execute: (statement: { parameters?: Array<{ type?: string }> }) => (assert.ok(statement.parameters?.every((p) => p.type === 'STRING')), Promise.resolve({ statementId: 's', columns: ['c'], rows, truncated: false })) };
    const sources = workspaceSources({ client, mlflow: new MlflowClient(client), registry: new UnityCatalogModels(client), sql: { statements, warehouseId: 'wh1', deadlineMs: () => 0 } });
    assert.deepEqual((await sources.getRegistryModel('main.ml.churn')).tags, [{ key: 'a', value: 'b' }]);
    assert.equal(await sources.getModelOwner('main.ml.churn'), 'ml-owners');
    assert.equal((await sources.getLoggedModel('m-1')).info?.status, 'LOGGED_MODEL_READY');
    await assert.rejects(sources.getLoggedModel('m-2'), /not found/);
    assert.deepEqual(await sources.query!('SELECT 1', [{ name: 'table', value: 't' }]), rows);
    assert.equal(workspaceSources({ client, mlflow: new MlflowClient(client), registry: new UnityCatalogModels(client) }).query, undefined);
  });
});
