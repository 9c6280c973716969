/**
 * Logging-command injection through what the registry sends back to DatabricksModelPromote@1: an
 * error message from an alias write or a version read, a version comment, a table write error. Only
 * the task's own commands may reach the agent.
 */
import assert from 'node:assert/strict';
import { type Emulator } from '../../emulator';
import { useWorkspace } from '../../support/in-process-models';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { assertOnlyOwnCommands, injectionMarker, injectionPayload } from '../../support/injection';
import { outputNames } from '../../../tasks/DatabricksModelPromoteV1/names';
import { patConnection } from '../../support/in-process';

const model = 'main.ml.hostile';
const owner = '6f1c2a7e-0000-4000-8000-00000000c0de';
const outputs = Object.values(outputNames);
const scenario = {
  identities: { pats: { 'dapi-owner-token': owner } },
  models: [{ fullName: model, owner, versions: [{ version: 1, comment: injectionPayload }, { version: 2, comment: injectionPayload }], aliases: { champion: 1 } }],
  warehouses: ['wh1'],
};
const errorBody = { error_code: 'INVALID_PARAMETER_VALUE', message: injectionPayload };

describe('DatabricksModelPromote@1 bundle: logging-command injection', function () {
  this.timeout(60_000);
  const workspace = useWorkspace(scenario, { realClock: true });
  let emulator: Emulator;
  before(() => ({ emulator } = workspace));

  /** The hostile text did reach the printed output, neutralised (so the check below saw it). */
  function assertRelayed(run: TaskRun): void {
    assert.ok(run.stdout.includes(`##_vso[task.setvariable variable=${injectionMarker}`), 'the outside text was printed');
  }

  function promote(inputs: Record<string, string>): Promise<TaskRun> {
    return runTaskBundle('DatabricksModelPromoteV1', {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', modelName: model, ...inputs },
      endpoints: patConnection(emulator.url, 'dapi-owner-token'),
      variables: { 'Build.BuildId': '1' },
      timeoutMs: 30_000,
    });
  }

  it('prints the error message of a refused alias write as data', async () => {
    emulator.faults.add({ method: 'PUT', path: /\/aliases\//, kind: 'status', status: 400, body: errorBody, times: Infinity });
    const run = await promote({ version: '2' });
    assert.equal(run.result, 'Failed');
    assertRelayed(run);
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints the error message of a refused version read as data', async () => {
    emulator.faults.add({ method: 'GET', path: /\/versions\/2$/, kind: 'status', status: 403, body: { error_code: 'PERMISSION_DENIED', message: injectionPayload }, times: Infinity });
    const run = await promote({ version: '2' });
    assert.equal(run.result, 'Failed');
    assertRelayed(run);
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints a promotion of versions with hostile comments as data', async () => {
    const run = await promote({ version: '2' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assertOnlyOwnCommands(run, { outputs });
  });
});
