/**
 * Logging-command injection through what the workspace and the policy send back to
 * DatabricksModelCompliance@1: version and model descriptions, tags, owner, run tags (git commit),
 * dataset and lineage table names, metric names, audit rows, and the error messages of the registry,
 * MLflow and SQL; and keys of a malformed policy echoed in its error. The verdict quotes most of them
 * in its result message, JUnit and summary; only the task's own commands may reach the agent.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditColumns } from '../../../tasks/common/audit';
import { outputNames } from '../../../tasks/DatabricksModelComplianceV1/names';
import { startEmulator, type Emulator, type Scenario } from '../../emulator';
import { assertOnlyOwnCommands, injectionMarker, injectionPayload, injectionPayloadLine } from '../../support/injection';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { tableLineage } from '../../emulator/lineage-table';

const task = 'DatabricksModelComplianceV1';
const model = 'main.risk.hostile';
const auditTable = 'main.mlops.decisions';
const outputs = Object.values(outputNames);
// A three-part name (the task ignores others, and lower-cases it), so without the payload's dot.
const hostileTable = `main.risk.${injectionPayloadLine.replace(/\./g, '_').toLowerCase()}`;
const errorBody = { error_code: 'PERMISSION_DENIED', message: injectionPayload };

function auditRow(values: Record<string, string>): Array<string | null> {
  return auditColumns.map(([name]) => values[name] ?? null);
}

const scenario: Scenario = {
  identities: { pats: { 'dapi-compliance': 'sp-compliance' } },
  models: [
    {
      fullName: model,
      owner: injectionPayloadLine,
      comment: injectionPayload,
      tags: { [injectionPayloadLine]: injectionPayload },
      versions: [
        { version: 1, runId: 'run-hostile', comment: injectionPayload, source: 'dbfs:/databricks/mlflow-tracking/1/run-hostile/artifacts/model', tags: { [injectionPayloadLine]: injectionPayload, data_classification: injectionPayload } },
        { version: 2, runId: 'run-hostile-2', comment: injectionPayload, source: 'dbfs:/databricks/mlflow-tracking/1/run-hostile-2/artifacts/model', tags: { [injectionPayloadLine]: injectionPayload } },
      ],
    },
  ],
  mlflowRuns: [
    {
      runId: 'run-hostile',
      status: 'FINISHED',
      tags: {
        'mlflow.source.git.commit': injectionPayload,
        [injectionPayloadLine]: injectionPayload,
        'mlflow.log-model.history': JSON.stringify([{ run_id: 'run-hostile', artifact_path: injectionPayloadLine, signature: { inputs: '[{"type": "double"}]' } }]),
      },
      metrics: [{ key: injectionPayloadLine, value: 7 }, { key: 'roc_auc', value: 0.5 }],
      datasets: [
        { name: injectionPayloadLine, digest: injectionPayloadLine, source: JSON.stringify({ delta_table_name: hostileTable }), context: 'training' },
        { name: `${injectionPayloadLine}-no-table`, digest: 'd2', source: injectionPayload, context: 'training' },
      ],
    },
    {
      // Everything here passes the second policy, so the hostile text is quoted in passing results.
      runId: 'run-hostile-2',
      status: 'FINISHED',
      tags: {
        'mlflow.source.git.commit': injectionPayloadLine,
        'mlflow.log-model.history': JSON.stringify([{ run_id: 'run-hostile-2', artifact_path: injectionPayloadLine, signature: { inputs: '[{"type": "double"}]', outputs: '[{"type": "long"}]' } }]),
      },
      metrics: [{ key: injectionPayloadLine, value: 1 }],
      datasets: [{ name: injectionPayloadLine, digest: 'd3', source: JSON.stringify({ delta_table_name: hostileTable }), context: 'training' }],
    },
  ],
  warehouses: ['wh1'],
  statementPendingPolls: 0,
  tables: [
    tableLineage([[injectionPayload, hostileTable, injectionPayloadLine, '2026-12-01T08:00:00Z']]),
    {
      name: auditTable,
      columns: auditColumns.map(([name, type]) => ({ name, type })),
      rows: [
        auditRow({ event_time: '2026-12-05T10:00:00.000Z', event_type: 'compare', model_name: model, model_version: '1', decision: injectionPayload, details: injectionPayload, task: injectionPayloadLine }),
        auditRow({ event_time: '2026-12-05T10:00:00.000Z', event_type: 'compare', model_name: model, model_version: '2', decision: 'promote', details: injectionPayload, task: injectionPayloadLine }),
      ],
    },
  ],
};

/** Every rule kind, with the hostile names in what each one expects, so they are quoted as expected and found. */
const failingPolicy = {
  version: 1,
  rules: [
    { id: 'ready', kind: 'versionStatus' },
    { id: 'documented', kind: 'versionDescription', minLength: 100_000 },
    { id: 'classified', kind: 'versionTags', required: { [injectionPayloadLine]: ['public'], data_classification: ['internal'] } },
    { id: 'model-owned', kind: 'modelOwner', allowed: ['risk-ml-owners'] },
    { id: 'model-tags', kind: 'modelTags', required: { [injectionPayloadLine]: [injectionPayloadLine] } },
    { id: 'source-run', kind: 'sourceRun', status: 'FAILED', requireGitCommit: true, requireDatasets: true, allowedDatasetSources: ['main.safe'] },
    { id: 'signature', kind: 'signature' },
    { id: 'fairness', kind: 'metricBounds', metrics: { [injectionPayloadLine]: { max: 0.05 }, roc_auc: { min: 0.8 }, [`${injectionPayloadLine}-missing`]: { min: 0 } } },
    { id: 'compared', kind: 'comparisonDecision' },
    { id: 'lineage', kind: 'lineage' },
  ],
};

const passingPolicy = {
  version: 1,
  rules: [
    { id: 'documented', kind: 'versionDescription' },
    { id: 'tagged', kind: 'versionTags', required: { [injectionPayloadLine]: null } },
    { id: 'model-owned', kind: 'modelOwner' },
    { id: 'model-tags', kind: 'modelTags', required: { [injectionPayloadLine]: null } },
    { id: 'source-run', kind: 'sourceRun', requireGitCommit: true, requireDatasets: true, allowedDatasetSources: ['main.risk'] },
    { id: 'signature', kind: 'signature' },
    { id: 'fairness', kind: 'metricBounds', metrics: { [injectionPayloadLine]: { max: 2 } } },
    { id: 'compared', kind: 'comparisonDecision' },
    { id: 'lineage', kind: 'lineage' },
  ],
};

describe('DatabricksModelCompliance@1 bundle: logging-command injection', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let folder: string;

  before(async () => {
    emulator = await startEmulator({ scenario });
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-injection-'));
  });
  after(async () => {
    await emulator?.close();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  /** A policy file (JSON is YAML) in the test's folder. */
  function policyFile(name: string, text: string): string {
    const file = path.join(folder, name);
    fs.writeFileSync(file, text);
    return file;
  }

  function check(inputs: Record<string, string>): Promise<TaskRun> {
    return runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', modelName: model, auditTable, sqlWarehouseId: 'wh1', ...inputs },
      endpoints: { CONN: { url: emulator.url, scheme: 'Token', parameters: { apitoken: 'dapi-compliance' } } },
      variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'Risk ML', 'Build.BuildId': '1204' },
      timeoutMs: 60_000,
    });
  }

  it('prints a refusal quoting hostile descriptions, tags, owner, commit, datasets, metrics, lineage and audit rows as data', async () => {
    emulator.faults.failTableWrites({ table: auditTable, errorCode: 'INSUFFICIENT_PERMISSIONS', message: injectionPayload });
    const run = await check({ modelVersion: '1', policyFile: policyFile('failing.yml', JSON.stringify(failingPolicy)) });
    assert.equal(run.result, 'Failed', run.resultMessage);
    assert.equal(run.outputs[outputNames.compliant], 'false');
    assert.ok(run.resultMessage?.includes('INJECTED'), 'the refusal quotes the hostile text (neutralised)');
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });

  it('prints a pass quoting hostile names as data', async () => {
    const run = await check({ modelVersion: '2', policyFile: policyFile('passing.yml', JSON.stringify(passingPolicy)) });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(fs.readFileSync(run.summaries[0], 'utf8').includes(injectionMarker), 'the summary quotes the hostile text');
  });

  it('prints the error messages of refused registry, MLflow, SQL and tag writes as data', async () => {
    const reads = ['/api/2.0/mlflow/runs/get', '/api/2.0/mlflow/unity-catalog/registered-models/get', /^\/api\/2\.1\/unity-catalog\/models\//, /^\/api\/2\.0\/sql\/statements/];
    const faults = reads.map((route) => emulator.faults.add({ path: route, kind: 'status', status: 403, body: errorBody, times: Infinity }));
    const tagWrite = emulator.faults.add({ method: 'POST', path: '/api/2.0/mlflow/unity-catalog/model-versions/tags', kind: 'status', status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: injectionPayload }, times: Infinity });
    const run = await check({ modelVersion: '1', mode: 'audit', auditRequired: 'false', policyFile: policyFile('failing-reads.yml', JSON.stringify(failingPolicy)) });
    assert.equal(run.result, 'Failed', 'a refused tag write fails the step');
    assert.deepEqual([...faults, tagWrite].map((fault) => fault.hits > 0), [true, true, true, true, true], 'every fault was met');
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });

  it('prints the error message of a refused version read as data', async () => {
    emulator.faults.add({ method: 'GET', path: '/api/2.0/mlflow/unity-catalog/model-versions/get', kind: 'status', status: 403, body: errorBody, times: Infinity });
    const run = await check({ modelVersion: '1', policyFile: policyFile('failing-version.yml', JSON.stringify(failingPolicy)) });
    assert.equal(run.result, 'Failed');
    assert.ok(run.resultMessage?.includes('INJECTED'), run.resultMessage);
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });

  it('prints the keys and values a malformed policy echoes in its error as data', async () => {
    const policy = [
      'version: 1',
      'rules:',
      `  - id: ${JSON.stringify(injectionPayloadLine)}`,
      `    kind: ${JSON.stringify(injectionPayloadLine)}`,
      `    ${JSON.stringify(injectionPayloadLine)}: 1`,
      '  - id: ok',
      '    kind: versionTags',
      `    required: { ${JSON.stringify(injectionPayloadLine)}: 3 }`,
    ].join('\n');
    const run = await check({ modelVersion: '1', policyFile: policyFile(`hostile-policy.yml`, policy) });
    assert.equal(run.result, 'Failed');
    assert.deepEqual(emulator.requests, [], 'refused before any request');
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });
});
