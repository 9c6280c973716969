/**
 * Logging-command injection through what Azure DevOps and the workspace send back to
 * DatabricksModelSignOff@1: work-item fields (title, state, history), comments, the revisions' changed-by
 * unique and display names, group and member names, Azure DevOps error messages, the evidence files'
 * names and contents, and the model version's tags. The approver's unique name becomes an output
 * variable and is quoted in warnings and the result; only the task's own commands may reach the agent.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { outputNames } from '../../../tasks/DatabricksModelSignOffV1/names';
import { startEmulator, type Emulator } from '../../emulator';
import { startAdoEmulator, type AdoEmulator } from '../../emulator/ado';
import { FakeClock } from '../../fakes/clock';
import { runGateTask, signOffSetup, type GateTaskSetup } from '../../support/in-process-promotion-gates';
import { assertOnlyOwnCommands, injectionMarker, injectionPayload, injectionPayloadLine } from '../../support/injection';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';

const task = 'DatabricksModelSignOffV1';
const model = 'main.ml.hostile';
const owner = '6f1c2a7e-0000-4000-8000-00000000c0de';
const auditTable = 'main.mlops.decisions';
const systemToken = 'ado-system-access-token';
const outputs = Object.values(outputNames);
const group = '[Fabrikam]\\Model Approvers';
/** A group member whose unique name is the payload: an approval by them is quoted everywhere. */
const hostileApprover = `${injectionPayloadLine}@contoso.com`;
/** Someone outside the approvers, whose moves are refused with their name quoted. */
const hostileOutsider = `mallory ${injectionPayloadLine}@contoso.com`;
const hostileState = `Review ${injectionPayloadLine}`;
const adoError = (message: string) => ({ $id: '1', innerException: null, message, typeName: 'Microsoft.VisualStudio.Services.WebApi.VssServiceException', typeKey: 'VssServiceException', errorCode: 0, eventId: 3000 });

describe('DatabricksModelSignOff@1 bundle: logging-command injection', function () {
  this.timeout(120_000);
  let databricks: Emulator;
  let ado: AdoEmulator;
  let cwd: string;

  before(async () => {
    databricks = await startEmulator({
      scenario: {
        identities: { pats: { 'dapi-owner-token': owner } },
        mlflowRuns: [{ runId: 'run-77', experimentId: '42' }],
        models: [{ fullName: model, owner, versions: [{ version: 7, runId: 'run-77', comment: injectionPayload, tags: { [injectionPayloadLine]: injectionPayload, 'compliance.status': injectionPayload } }] }],
        warehouses: ['wh1'],
        statementPendingPolls: 0,
      },
    });
    ado = await startAdoEmulator({
      scenario: {
        systemAccessTokens: [systemToken],
        workItemTypes: { Task: ['To Do', hostileState, 'Done', 'Removed'] },
        identities: [
          { name: 'alice@contoso.com', displayName: injectionPayload },
          { name: 'rita@contoso.com', displayName: injectionPayloadLine },
          { name: hostileApprover, displayName: injectionPayload },
          { name: hostileOutsider, displayName: injectionPayload },
          { name: group, displayName: injectionPayloadLine, members: [hostileApprover, 'alice@contoso.com'] },
        ],
      },
    });
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-injection-'));
    fs.writeFileSync(path.join(cwd, `evidence ${injectionPayloadLine.replace(/\//g, '_')}.md`), injectionPayload);
    fs.writeFileSync(path.join(cwd, 'compare.md'), `| ${injectionPayloadLine} | ${injectionPayload} |`);
  });
  after(async () => {
    await databricks?.close();
    await ado?.close();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });
  beforeEach(() => {
    databricks.reset();
    ado.reset();
  });

  const setup = (): GateTaskSetup =>
    signOffSetup(databricks, ado, { token: 'dapi-owner-token', systemToken, inputs: { modelName: model, modelVersion: '7', approvers: group, evidenceFiles: '*.md', approvedStates: 'Done' } });

  function signOff(inputs: Record<string, string>): Promise<TaskRun> {
    const base = setup();
    return runTaskBundle(task, { inputs: { ...base.inputs, ...inputs }, endpoints: base.endpoints, variables: base.variables, cwd, timeoutMs: 60_000 });
  }

  /**
   * The request's work item (made in process: its bundle run is the first test), then what people
   * wrote on it with hostile names and text.
   */
  async function hostileItem(): Promise<number> {
    const request = await runGateTask({ clock: new FakeClock() }, setup(), {}, { workingDirectory: cwd });
    assert.equal(request.result, 'Succeeded', request.message);
    const id = Number(request.outputs[outputNames.signOffId]);
    const item = ado.state.workItems.get(id)!;
    const outsider = ado.state.identity(hostileOutsider);
    ado.state.updateWorkItem(item, { 'System.Title': injectionPayload, 'System.History': injectionPayload, 'System.Description': injectionPayload, 'System.Tags': `${String(item.fields['System.Tags'])}; ${injectionPayloadLine}` }, outsider);
    item.comments.push({ id: 1, text: injectionPayload, createdBy: outsider, createdDate: new Date().toISOString() });
    return id;
  }

  it('prints a request quoting hostile evidence files, model-version tags, group and display names as data', async () => {
    const request = await signOff({});
    assert.equal(request.result, 'Succeeded', request.resultMessage);
    assert.ok(String(ado.state.workItems.get(Number(request.outputs[outputNames.signOffId]))!.fields['System.Description']).includes(injectionMarker), 'the evidence is quoted');
    assertOnlyOwnCommands(request, { outputs });
  });

  it('records an approval by a hostile approver on a hostile work item, with a refused audit write, as data', async () => {
    const id = await hostileItem();
    // Decided before the wait starts: the bundle's first look finds the approval (no real-time polling).
    ado.state.changeState(id, hostileState, hostileApprover);
    ado.state.changeState(id, 'Done', hostileApprover);
    databricks.faults.failTableWrites({ table: auditTable, errorCode: 'INSUFFICIENT_PERMISSIONS', message: injectionPayload });
    const run = await signOff({ action: 'wait', signOffId: String(id), auditTable, sqlWarehouseId: 'wh1', auditRequired: 'false' });
    assert.equal(run.result, 'SucceededWithIssues', run.resultMessage);
    assert.equal(run.outputs[outputNames.signOffStatus], 'approved');
    assert.ok(run.outputs[outputNames.approvedBy].includes(injectionMarker), 'the approver is quoted (neutralised)');
    assert.ok(run.resultMessage?.includes(injectionMarker), 'the audit error is quoted');
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints a wait on a hostile state, then refuses a hostile outsider and times out, as data', async () => {
    const id = await hostileItem();
    ado.state.changeState(id, hostileState, hostileOutsider);
    // Read once to find the request, once by the first poll; the outsider's move is seen by the second.
    ado.state.script(id, [{ afterReads: 3, state: 'Done', by: hostileOutsider }]);
    // 600 ms of real time: the first poll (one loopback read) comes well within it, the second after it.
    const run = await signOff({ action: 'wait', signOffId: String(id), timeoutMinutes: '0.01', onTimeout: 'resume' });
    assert.equal(run.outputs[outputNames.signOffStatus], 'timedOut');
    assert.ok(run.commands.some((command) => command.command === 'task.setprogress' && command.message.includes(injectionMarker)), 'the state is quoted in the progress');
    assert.ok(run.warnings.some((warning) => warning.includes(injectionMarker)), 'the refused outsider is quoted');
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints the error message of a refused work-item creation as data', async () => {
    const create = ado.faults.add({ method: 'POST', path: /\/_apis\/wit\/workItems\/\$[^/]+$/, kind: 'status', status: 400, body: adoError(injectionPayload), times: Infinity });
    const run = await signOff({});
    assert.equal(run.result, 'Failed');
    assert.ok(create.hits > 0);
    assert.ok(run.resultMessage?.includes(injectionMarker), run.resultMessage);
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints the error messages of refused identity and work-item reads as data', async () => {
    const identities = ado.faults.add({ method: 'GET', path: /\/_apis\/identities$/, kind: 'status', status: 403, body: adoError(injectionPayload), times: Infinity });
    const request = await signOff({});
    assert.equal(request.result, 'Failed');
    assert.ok(identities.hits > 0);
    assert.ok(request.resultMessage?.includes(injectionMarker), request.resultMessage);
    assertOnlyOwnCommands(request, { outputs });
    identities.remove();

    const id = await hostileItem();
    ado.faults.add({ method: 'GET', path: new RegExp(`/_apis/wit/workItems/${id}`), kind: 'status', status: 400, body: adoError(injectionPayload), times: Infinity });
    const wait = await signOff({ action: 'wait', signOffId: String(id) });
    assert.equal(wait.result, 'Failed');
    assertOnlyOwnCommands(wait, { outputs });
  });

  it('prints the error message of a refused model-version read as data', async () => {
    databricks.faults.add({ method: 'GET', path: '/api/2.0/mlflow/unity-catalog/model-versions/get', kind: 'status', status: 403, body: { error_code: 'PERMISSION_DENIED', message: injectionPayload }, times: Infinity });
    const run = await signOff({});
    assert.equal(run.result, 'Failed');
    assert.ok(run.resultMessage?.includes(injectionMarker), run.resultMessage);
    assertOnlyOwnCommands(run, { outputs });
  });
});
