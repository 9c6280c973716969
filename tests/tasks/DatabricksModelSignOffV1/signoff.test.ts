/**
 * DatabricksModelSignOff@1 against both emulators: Azure DevOps (work items, identities) and the
 * Databricks workspace (model-version tags, audit table). People act on the work item through the
 * emulator's scripted changes while the task polls. Every scenario runs in process, both emulators on
 * the task's fake clock; then the built bundle as the agent runs it (environment and working folder
 * in, `##vso[...]` commands out).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../emulator';
import { startAdoEmulator, type AdoEmulator } from '../../emulator/ado';
import { FakeClock } from '../../fakes/clock';
import type { InProcessRun } from '../../fakes/task-run';
import { modelReportOf, runGateTask, signOffSetup, type GateTaskSetup } from '../../support/in-process-promotion-gates';
import { attachedModelReport } from '../../support/model-report';
import { runTaskBundle } from '../../support/task-bundle';
import { tableRows, warnings } from '../../support/in-process';

const task = 'DatabricksModelSignOffV1';
const model = 'main.ml.churn';
const owner = '6f1c2a7e-0000-4000-8000-00000000c0de';
const auditTable = 'main.mlops.decisions';
const token = 'dapi-owner-token';
const systemToken = 'ado-system-access-token';

describe('DatabricksModelSignOff@1', function () {
  const clock = new FakeClock();
  let databricks: Emulator;
  let ado: AdoEmulator;
  let evidence: string;

  before(async () => {
    databricks = await startEmulator({
      scenario: {
        identities: { pats: { [token]: owner } },
        mlflowRuns: [{ runId: 'run-77', experimentId: '42' }],
        models: [{ fullName: model, owner, versions: [{ version: 6 }, { version: 7, runId: 'run-77', tags: { 'compliance.status': 'passed', 'compare.verdict': 'better' } }] }],
        warehouses: ['wh1'],
      },
      clock,
    });
    ado = await startAdoEmulator({
      scenario: {
        systemAccessTokens: [systemToken],
        identities: [
          { name: 'alice@contoso.com', displayName: 'Alice' },
          { name: 'rita@contoso.com', displayName: 'Rita' },
          { name: 'carol@contoso.com', displayName: 'Carol' },
          { name: 'mallory@contoso.com' },
          { name: '[Fabrikam]\\Model Approvers', members: ['carol@contoso.com', 'rita@contoso.com'] },
        ],
      },
      clock,
    });
    evidence = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-evidence-'));
    fs.writeFileSync(path.join(evidence, 'model-compare.md'), '| metric | champion | candidate |\n| auc | 0.81 | 0.84 |\n');
  });
  after(async () => {
    await databricks?.close();
    await ado?.close();
    if (evidence) fs.rmSync(evidence, { recursive: true, force: true });
  });
  beforeEach(() => {
    databricks.reset();
    ado.reset();
  });

  const setup = (): GateTaskSetup => signOffSetup(databricks, ado, { token, systemToken, inputs: { modelName: model, modelVersion: '7', approvers: 'alice@contoso.com\n[Fabrikam]\\Model Approvers' } });
  const signOff = (inputs: Record<string, string>, workingDirectory?: string): Promise<InProcessRun> => runGateTask({ clock }, setup(), inputs, { workingDirectory });

  const creations = (): number => ado.requestsTo('POST', /\/_apis\/wit\/workItems\/\$[^/]+$/).length;

  function versionTags(): Record<string, string> {
    return Object.fromEntries(databricks.state.models.get(model)!.versions.get(7)!.tags);
  }

  function assertEvidenceDescription(id: number): void {
    const item = ado.state.workItems.get(id)!;
    const description = String(item.fields['System.Description']);
    assert.match(description, /\| auc \| 0\.81 \| 0\.84 \|/);
    assert.match(description, /compliance\.status<\/b>: passed/);
    assert.match(description, /\/ml\/experiments\/42\/runs\/run-77/);
    assert.match(description, /alice@contoso\.com, \[Fabrikam\]\\Model Approvers/);
    assert.deepEqual(item.relations.map((relation) => relation.url).slice(0, 1), ['vstfs:///Build/Build/12']);
  }

  it('requests: one work item with the evidence, linked to the build; a re-run refreshes it instead of creating another', async () => {
    const run = await signOff({ evidenceFiles: '*.md' }, evidence);
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.signOffId, '1');
    assert.match(run.outputs.signOffUrl, /\/Fabrikam\/_workitems\/edit\/1$/);
    assert.ok(run.secrets.includes(systemToken));
    assertEvidenceDescription(1);

    const again = await signOff({ evidenceFiles: '*.md' }, evidence);
    assert.equal(again.result, 'Succeeded', again.message);
    assert.equal(again.outputs.signOffId, '1');
    assert.equal(creations(), 1);
    assert.equal(ado.state.workItems.size, 1);
  });

  it('requestAndWait: an approval by an approver is recorded in the model-version tags and the audit table', async () => {
    ado.state.script('next', [{ afterReads: 1, state: 'Done', by: 'alice@contoso.com' }]);
    const run = await signOff({ action: 'requestAndWait', auditTable, sqlWarehouseId: 'wh1' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.signOffStatus, 'approved');
    assert.equal(run.outputs.approvedBy, 'alice@contoso.com');
    const tags = versionTags();
    assert.equal(tags['signoff.status'], 'approved');
    assert.equal(tags['signoff.by'], 'alice@contoso.com');
    assert.equal(tags['signoff.at'], run.outputs.approvedAt);
    assert.equal(tags['signoff.url'], run.outputs.signOffUrl);
    const rows = tableRows(databricks, auditTable);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].event_type, 'signoff');
    assert.equal(rows[0].decision, 'approved');
    // The Model promotion tab shows who signed, without the job token or the workspace token.
    const report = modelReportOf(run, token);
    assert.equal(report.signOff?.status, 'approved');
    assert.equal(report.signOff?.decidedBy, 'alice@contoso.com');
    assert.ok(!JSON.stringify(report).includes(systemToken));
  });

  it("refuses the requester's own approval, comments on the work item, and accepts a group member's later approval", async () => {
    ado.state.script('next', [
      { afterReads: 1, state: 'Done', by: 'rita@contoso.com' },
      { afterReads: 2, state: 'In Progress', by: 'carol@contoso.com' },
      { afterReads: 3, state: 'Done', by: 'carol@contoso.com' },
    ]);
    const run = await signOff({ action: 'requestAndWait' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.approvedBy, 'carol@contoso.com');
    const warned = warnings(run);
    assert.equal(warned.length, 1);
    assert.match(warned[0], /rita@contoso\.com/);
    const comments = ado.state.workItems.get(1)!.comments;
    assert.equal(comments.length, 1);
    assert.match(comments[0].text, /requested this pipeline run/);
  });

  it('wait: a rejection fails the step and is recorded; 5xx and 429 during the wait are retried', async () => {
    const request = await signOff({});
    const id = Number(request.outputs.signOffId);
    ado.state.script(id, [{ afterReads: 1, state: 'Removed', by: 'alice@contoso.com' }]);
    const itemPath = `/ado/org/Fabrikam/_apis/wit/workItems/${id}`;
    ado.faults.add({ method: 'GET', path: itemPath, kind: 'status', status: 503 });
    ado.faults.add({ method: 'GET', path: itemPath, kind: 'status', status: 429, retryAfter: 1 });
    const run = await signOff({ action: 'wait', signOffId: String(id) });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /rejected by alice@contoso\.com/);
    assert.equal(run.outputs.signOffStatus, 'rejected');
    assert.equal(versionTags()['signoff.status'], 'rejected');
    assert.deepEqual(ado.requestsTo('GET', itemPath).map((r) => r.status).slice(0, 3), [503, 429, 200]);
  });

  it('wait: an approval by someone outside the approvers is refused; the timeout then resumes with a warning', async () => {
    const request = await signOff({});
    const id = Number(request.outputs.signOffId);
    ado.state.changeState(id, 'Done', 'mallory@contoso.com');
    const run = await signOff({ action: 'wait', signOffId: request.outputs.signOffId, timeoutMinutes: '0.05', onTimeout: 'resume' });
    assert.equal(run.result, 'SucceededWithIssues', run.message);
    assert.equal(run.outputs.signOffStatus, 'timedOut');
    assert.ok(warnings(run).some((warning) => /mallory@contoso\.com.*not one of the approvers/.test(warning)));
    assert.equal(versionTags()['signoff.status'], undefined);
  });

  it('wait: a timeout fails the step by default and is recorded in the audit table', async () => {
    const request = await signOff({});
    const run = await signOff({ action: 'wait', signOffId: request.outputs.signOffId, timeoutMinutes: '0.02', auditTable, sqlWarehouseId: 'wh1' });
    assert.equal(run.result, 'Failed');
    assert.equal(run.outputs.signOffStatus, 'timedOut');
    assert.deepEqual(tableRows(databricks, auditTable).map((row) => row.decision), ['timedOut']);
  });

  it('bad inputs fail before anything is created: no approvers, an unknown work-item type, a signOffId that does not exist', async () => {
    const noApprovers = await signOff({ approvers: '' });
    assert.equal(noApprovers.result, 'Failed');
    assert.match(noApprovers.message, /Input 'approvers' is required/);
    const unknownType = await signOff({ workItemType: 'Model Sign-off' });
    assert.equal(unknownType.result, 'Failed');
    assert.match(unknownType.message, /Invalid 'workItemType' 'Model Sign-off'.*Expected one of: Task/);
    const missing = await signOff({ action: 'wait', signOffId: '4711' });
    assert.equal(missing.result, 'Failed');
    assert.match(missing.message, /Invalid 'signOffId' '4711'/);
    assert.equal(creations(), 0);
  });

  it('bundle: reads inputs, both connections and the working folder from the environment; reports through the agent commands', async () => {
    const base = setup();
    const bundle = (inputs: Record<string, string>) =>
      runTaskBundle(task, { inputs: { ...base.inputs, ...inputs }, endpoints: base.endpoints, variables: base.variables, cwd: evidence, timeoutMs: 45_000 });
    const request = await bundle({ evidenceFiles: '*.md' });
    assert.equal(request.result, 'Succeeded', request.resultMessage);
    assert.equal(request.outputs.signOffId, '1');
    assert.match(request.outputs.signOffUrl, /\/Fabrikam\/_workitems\/edit\/1$/);
    assert.ok(request.secrets.includes(systemToken), 'the job token is registered as a secret');
    assert.ok(request.secrets.includes(token), 'the PAT is registered as a secret');
    assert.equal(request.summaries.length, 1);
    assertEvidenceDescription(1);
    assert.equal(attachedModelReport(request, token).signOff?.status, 'pending');

    // Approved before the wait starts, so the bundle's first look finds the decision (no real-time polling).
    ado.state.changeState(1, 'Done', 'alice@contoso.com');
    databricks.state.statementPendingPolls = 0;
    const wait = await bundle({ action: 'wait', signOffId: '1', auditTable, sqlWarehouseId: 'wh1' });
    assert.equal(wait.result, 'Succeeded', wait.resultMessage);
    assert.deepEqual([wait.outputs.signOffStatus, wait.outputs.approvedBy, wait.outputs.approvedAt], ['approved', 'alice@contoso.com', versionTags()['signoff.at']]);
    assert.equal(wait.summaries.length, 1);
    assert.equal(attachedModelReport(wait, token).signOff?.decidedBy, 'alice@contoso.com');
    assert.deepEqual(tableRows(databricks, auditTable).map((row) => row.decision), ['approved']);
  });
});
