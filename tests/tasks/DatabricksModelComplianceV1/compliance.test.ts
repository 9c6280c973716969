/**
 * DatabricksModelCompliance@1 against the workspace emulator: every rule kind on MLflow 2 and MLflow 3
 * versions, the lineage query, the tags and audit row, audit mode, fail-closed reads, and a malformed
 * policy refused before any request, run in process on a fake clock; then the built bundle as the agent
 * runs it (environment in, `##vso[...]` commands out).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { auditColumns } from '../../../tasks/common/audit';
import type { Emulator, Scenario } from '../../emulator';
import { run as complianceRun } from '../../../tasks/DatabricksModelComplianceV1/run';
import type { InProcessRun } from '../../fakes/task-run';
import { modelReportOf, runGateTask, type GateTaskSetup } from '../../support/in-process-promotion-gates';
import { attachedModelReport } from '../../support/model-report';
import { evaluateGate } from '../../support/server-task';
import { repoRoot, runTaskBundle } from '../../support/task-bundle';
import { type SimulatedWorkspace, patConnection, startSimulatedWorkspace, tableRows } from '../../support/in-process';
import { FakeClock } from '../../fakes/clock';
import { tableLineage } from '../../emulator/lineage-table';

const task = 'DatabricksModelComplianceV1';
const model = 'main.risk.credit';
const auditTable = 'main.mlops.decisions';
const token = 'dapi-compliance';
const examplePolicy = path.join(repoRoot, 'pipelines-templates', 'examples', 'model-policy.yml');
const signature = { inputs: '[{"type": "double", "name": "income"}]', outputs: '[{"type": "long"}]' };
const loansSource = JSON.stringify({ delta_table_name: 'main.risk.loans', delta_table_version: 12 });

function auditRow(decision: string, version: number): Array<string | null> {
  const values: Record<string, string | null> = { event_time: `2026-12-05T10:0${version}:00.000Z`, event_type: 'compare', model_name: model, model_version: String(version), decision, details: '{}', task: 'DatabricksModelCompare@1' };
  return auditColumns.map(([name]) => values[name] ?? null);
}

const compliantTags = { data_classification: 'internal', owner_team: 'risk' };
const description = 'Credit default model, gradient boosted, trained on loans.';

const scenario: Scenario = {
  identities: { pats: { [token]: 'sp-compliance' } },
  models: [
    {
      fullName: model,
      owner: 'risk-ml-owners',
      tags: { cost_center: 'cc-4711' },
      versions: [
        { version: 7, runId: 'run-7', comment: description, source: 'dbfs:/databricks/mlflow-tracking/1/run-7/artifacts/model', tags: compliantTags },
        { version: 8, runId: 'run-8', comment: description, source: 'models:/m-8', modelId: 'm-8', tags: compliantTags },
        { version: 9, runId: 'run-9', comment: 'todo', tags: { data_classification: 'secret' } },
      ],
      aliases: { challenger: 8, candidate: 7, refused: 9 },
    },
  ],
  mlflowRuns: [
    {
      runId: 'run-7',
      status: 'FINISHED',
      tags: { 'mlflow.source.git.commit': '3f9c2d1e8b7a', 'mlflow.log-model.history': JSON.stringify([{ run_id: 'run-7', artifact_path: 'model', signature, flavors: { python_function: {} } }]) },
      metrics: [{ key: 'roc_auc', value: 0.86 }, { key: 'demographic_parity_gap', value: 0.02 }],
      datasets: [{ name: 'loans', digest: 'a1', source: loansSource, context: 'training' }],
    },
    {
      runId: 'run-8',
      status: 'FINISHED',
      tags: { 'mlflow.source.git.commit': '4a0b1c2d3e4f' },
      metrics: [{ key: 'roc_auc', value: 0.88 }, { key: 'demographic_parity_gap', value: 0.01 }],
      datasets: [{ name: 'loans', digest: 'a2', source: loansSource, context: 'training' }],
    },
    {
      runId: 'run-9',
      status: 'FINISHED',
      tags: { 'mlflow.log-model.history': JSON.stringify([{ run_id: 'run-9', artifact_path: 'model', signature: { inputs: signature.inputs } }]) },
      metrics: [{ key: 'roc_auc', value: 0.74 }, { key: 'demographic_parity_gap', value: 0.09 }],
      datasets: [{ name: 'scratch', digest: 'a3', source: JSON.stringify({ delta_table_name: 'dev.scratch.loans' }), context: 'training' }],
    },
  ],
  loggedModels: [{ modelId: 'm-8', name: 'model', sourceRunId: 'run-8', status: 'LOGGED_MODEL_READY' }],
  warehouses: ['wh1'],
  statementPendingPolls: 0,
  tables: [
    tableLineage([['main.raw.loan_applications', 'main.risk.loans', 'JOB', '2026-12-01T08:00:00Z']]),
    { name: auditTable, columns: auditColumns.map(([name, type]) => ({ name, type })), rows: [auditRow('promote', 7), auditRow('promote', 8), auditRow('reject', 9)] },
  ],
};

const variables = {
  'System.CollectionUri': 'https://dev.azure.com/contoso/',
  'System.TeamProject': 'Risk ML',
  'Build.BuildId': '1204',
  'Build.SourceVersion': '3f9c2d1e8b7a',
};
const runUrl = 'https://dev.azure.com/contoso/Risk%20ML/_build/results?buildId=1204';

interface JUnitCase {
  name: string;
  failure?: { message: string };
  error?: { message: string };
}

const baseInputs = { connectionType: 'databricks', databricksConnection: 'CONN', modelName: model, policyFile: examplePolicy, auditTable, sqlWarehouseId: 'wh1' };
const policyDigest = `sha256:${createHash('sha256').update(fs.readFileSync(examplePolicy)).digest('hex')}`;

function junitCasesOf(xml: string): JUnitCase[] {
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(xml);
  return parsed.testsuites.testsuite.testcase as JUnitCase[];
}

function complianceTags(emulator: Emulator, version: number): Record<string, string> {
  const record = emulator.state.models.get(model)?.versions.get(version);
  assert.ok(record);
  return Object.fromEntries([...record.tags].filter(([key]) => key.startsWith('compliance.')));
}

function complianceRows(emulator: Emulator): Array<Record<string, string | null>> {
  return tableRows(emulator, auditTable).filter((row) => row.event_type === 'compliance');
}

describe('DatabricksModelCompliance@1', function () {
  let workspace: SimulatedWorkspace;
  let emulator: Emulator;
  let folder: string;
  let setup: GateTaskSetup;

  before(async () => {
    workspace = await startSimulatedWorkspace(scenario, new FakeClock());
    emulator = workspace.emulator;
    setup = { run: complianceRun, inputs: baseInputs, endpoints: patConnection(emulator.url, token), variables };
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-'));
  });
  after(async () => {
    await emulator?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  const check = (inputs: Record<string, string>): Promise<InProcessRun> => runGateTask(workspace, setup, inputs);
  const tags = (version: number): Record<string, string> => complianceTags(emulator, version);

  function junitCases(run: InProcessRun): JUnitCase[] {
    assert.equal(run.testResults.length, 1);
    return junitCasesOf(run.testResults[0]);
  }

  it('passes every rule on a compliant MLflow 2 version, tags it and records the verdict', async () => {
    const run = await check({ modelVersion: '7' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(run.outputs, { compliant: 'true', violations: '0' });
    assert.ok(run.secrets.includes(token));
    const cases = junitCases(run);
    assert.equal(cases.length, 10);
    assert.deepEqual(cases.filter((c) => c.failure || c.error), []);
    assert.deepEqual(tags(7), { 'compliance.status': 'passed', 'compliance.policy': policyDigest, 'compliance.run': runUrl });
    const [row] = complianceRows(emulator);
    assert.equal(row.decision, 'pass');
    assert.equal(row.model_version, '7');
    assert.equal(row.task, 'DatabricksModelCompliance@1');
    assert.equal(JSON.parse(row.details ?? '{}').policy, policyDigest);
    const lineage = [...emulator.state.statements.values()].find((s) => s.statement.includes('system.access.table_lineage'));
    assert.ok(lineage, 'the lineage system table was queried');
    assert.deepEqual(lineage.parameters.map((p) => [p.name, p.value]), [['table', 'main.risk.loans']]);
    assert.equal(run.summaries.length, 1);
    assert.match(run.summaries[0], /\| lineage \| lineage \| ✅ passed/);
    const report = modelReportOf(run, token);
    assert.deepEqual([report.kind, report.model, report.outcome?.status], ['compliance', { name: model, version: 7 }, 'passed']);
    assert.equal(report.compliance?.policyDigest, policyDigest);
    assert.equal(report.compliance?.rules.length, 10);
    assert.ok(report.links?.some((l) => l.kind === 'auditRow' && l.label === `Audit row in ${auditTable}`));
  });

  it('passes the signature of an MLflow 3 version (by alias) from its logged model', async () => {
    const run = await check({ modelAlias: 'challenger' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(emulator.requestsTo('GET', '/api/2.0/mlflow/logged-models/m-8').length, 1);
    assert.equal(emulator.requestsTo('GET', '/api/2.0/mlflow/unity-catalog/registered-models/alias').length, 1);
    assert.equal(tags(8)['compliance.status'], 'passed');
  });

  it('refuses a non-compliant version: every violation reported, tagged failed, the step fails', async () => {
    const run = await check({ modelVersion: '9' });
    assert.equal(run.result, 'Failed');
    const failed = junitCases(run).filter((c) => c.failure || c.error).map((c) => c.name);
    assert.deepEqual(failed, ['documented', 'classified', 'source-run', 'signature', 'fairness', 'compared', 'lineage']);
    assert.deepEqual(run.outputs, { compliant: 'false', violations: '7' });
    assert.match(junitCases(run).find((c) => c.name === 'fairness')?.failure?.message ?? '', /expected demographic_parity_gap <= 0.05.*found demographic_parity_gap=0.09 out of bounds/);
    assert.equal(tags(9)['compliance.status'], 'failed');
    assert.equal(complianceRows(emulator)[0].decision, 'fail');
    // The refusal is the evidence the tab must show.
    const report = modelReportOf(run, token);
    assert.equal(report.outcome?.status, 'failed');
    assert.deepEqual(report.compliance?.rules.filter((r) => r.status === 'failed').map((r) => r.id), failed);
    assert.match(report.compliance?.rules.find((r) => r.id === 'fairness')?.evidence?.[0].value ?? '', /demographic_parity_gap=0.09 out of bounds/);
  });

  it('in audit mode reports and tags the violations without failing the step', async () => {
    const run = await check({ modelVersion: '9', mode: 'audit' });
    assert.equal(run.result, 'SucceededWithIssues');
    assert.deepEqual(run.outputs, { compliant: 'false', violations: '7' });
    assert.equal(tags(9)['compliance.status'], 'failed');
  });

  it('fails closed when a read is refused: the rules that need it are violations, and nothing is tagged passed', async () => {
    emulator.faults.add({ kind: 'status', status: 403, body: { error_code: 'PERMISSION_DENIED', message: 'User does not have permission to read run run-7' }, method: 'GET', path: '/api/2.0/mlflow/runs/get', times: Infinity });
    const run = await check({ modelVersion: '7' });
    assert.equal(run.result, 'Failed');
    const errors = junitCases(run).filter((c) => c.error).map((c) => c.name);
    assert.deepEqual(errors, ['source-run', 'signature', 'fairness', 'lineage']);
    assert.equal(run.outputs.violations, '4');
    assert.equal(tags(7)['compliance.status'], 'failed');
  });

  it('leaves evidence the release gate reads: the compliant version passes requireCompliance, the refused one does not', async () => {
    const gate = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tasks', 'DatabricksModelVersionGateV1', 'task.json'), 'utf8'));
    const endpoint = { url: emulator.url, type: 'databricks-workspace', scheme: 'ms.vss-endpoint.endpoint-auth-scheme-token', parameters: { apitoken: token } };
    const gateInputs = { databricksConnection: 'CONN', modelName: model, requireCompliance: 'true' };
    assert.equal((await evaluateGate(gate, { ...gateInputs, alias: 'candidate' }, endpoint)).passed, false, 'not evaluated yet');
    assert.equal((await check({ modelVersion: '7' })).result, 'Succeeded');
    assert.equal((await check({ modelVersion: '9', mode: 'audit' })).result, 'SucceededWithIssues');
    assert.equal((await evaluateGate(gate, { ...gateInputs, alias: 'candidate' }, endpoint)).passed, true);
    assert.equal((await evaluateGate(gate, { ...gateInputs, alias: 'refused' }, endpoint)).passed, false);
  });

  it('does not write tags when writeTags is false', async () => {
    const run = await check({ modelVersion: '7', writeTags: 'false' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(tags(7), {});
    assert.equal(emulator.requestsTo('POST', '/api/2.0/mlflow/unity-catalog/model-versions/tags').length, 0);
  });

  it('refuses a malformed policy with its line before any request', async () => {
    const policy = path.join(folder, 'bad-policy.yml');
    fs.writeFileSync(policy, 'version: 1\nrules:\n  - id: ready\n    kind: versionStatus\n  - id: ready\n    kind: modelSignature\n');
    const run = await check({ modelVersion: '7', policyFile: policy });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /bad-policy\.yml:6 rules\[1\]\.kind: unknown rule kind "modelSignature"/);
    assert.match(run.message, /bad-policy\.yml:5 rules\[1\]\.id: duplicate id 'ready'/);
    assert.deepEqual(emulator.requests, []);
  });

  it('bundle: reads its inputs and connection from the environment and reports through the agent commands', async () => {
    const run = await runTaskBundle(task, { inputs: { ...baseInputs, modelVersion: '7' }, endpoints: setup.endpoints, variables, timeoutMs: 30_000 });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.deepEqual(run.outputs, { compliant: 'true', violations: '0' });
    assert.ok(run.secrets.includes(token), 'the PAT is registered as a secret');
    assert.equal(run.testPublications.length, 1);
    assert.equal(run.testPublications[0].properties.type, 'JUnit');
    assert.equal(junitCasesOf(fs.readFileSync(run.testPublications[0].properties.resultFiles, 'utf8')).length, 10);
    assert.equal(run.summaries.length, 1);
    assert.match(fs.readFileSync(run.summaries[0], 'utf8'), /\| lineage \| lineage \| ✅ passed/);
    assert.equal(attachedModelReport(run, token).outcome?.status, 'passed');
    assert.equal(complianceTags(emulator, 7)['compliance.status'], 'passed');
  });
});
