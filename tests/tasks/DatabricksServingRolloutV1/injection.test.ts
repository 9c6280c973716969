/**
 * Logging-command injection through what Model Serving sends back to DatabricksServingRollout@1:
 * the predictions of the entities an endpoint already serves, a failed deployment's state
 * message, build and server logs, smoke-test answers (predictions and error bodies), and the error
 * messages of the serving and registry APIs. Only the task's own commands may reach the agent.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { outputNames } from '../../../tasks/DatabricksServingRolloutV1/names';
import { startEmulator, type Emulator, type Scenario } from '../../emulator';
import type { InvocationAnswer } from '../../emulator/serving-state';
import { assertOnlyOwnCommands, injectionMarker, injectionPayload, injectionPayloadLine } from '../../support/injection';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';

const task = 'DatabricksServingRolloutV1';
const model = 'main.ml.hostile';
const other = 'main.ml.other';
const owner = 'owner@example.com';
const outputs = Object.values(outputNames);
const errorBody = { error_code: 'INVALID_PARAMETER_VALUE', message: injectionPayload };

/** What version 4 answers to the smoke test; each test sets it. */
let answer: InvocationAnswer = { body: { predictions: [0] } };

const scenario: Scenario = {
  identities: { pats: { 'dapi-owner-token': owner } },
  models: [
    { fullName: model, owner, versions: [{ version: 3, comment: injectionPayload }, { version: 4, comment: injectionPayload }, { version: 5 }] },
    { fullName: other, owner, versions: [{ version: 1 }] },
  ],
  serving: {
    // Updates (and rollbacks) settle at the first look: the bundle never sleeps through the poll schedule.
    updateMs: 0,
    endpoints: [
      {
        name: 'hostile',
        config: {
          // Another model's entity keeps its share and answers hostile predictions. Served-entity names
          // cannot carry a payload: the API allows only letters, digits, '-' and '_' (the emulator too).
          served_entities: [
            { name: 'hostile-3', entity_name: model, entity_version: '3', workload_size: 'Small', scale_to_zero_enabled: true },
            { name: 'other-1', entity_name: other, entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: true },
          ],
          traffic_config: {
            routes: [
              { served_entity_name: 'hostile-3', traffic_percentage: 50 },
              { served_entity_name: 'other-1', traffic_percentage: 50 },
            ],
          },
        },
      },
    ],
    models: [
      { entityName: model, entityVersion: '*', predict: () => answer },
      { entityName: other, entityVersion: '*', predict: () => ({ body: { predictions: [injectionPayload] } }) },
      { entityName: model, entityVersion: '5', deploymentFailure: injectionPayload, buildLogs: injectionPayload, serverLogs: injectionPayload },
    ],
  },
};

describe('DatabricksServingRollout@1 bundle: logging-command injection', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let directory: string;
  let requestFile: string;

  before(async () => {
    emulator = await startEmulator({ scenario });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'serving-injection-'));
    requestFile = path.join(directory, 'request.json');
    fs.writeFileSync(requestFile, JSON.stringify({ dataframe_records: [{ x: 1 }] }));
  });
  after(async () => {
    await emulator?.close();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });
  beforeEach(() => {
    emulator.reset();
    answer = { body: { predictions: [0] } };
  });

  function rollout(inputs: Record<string, string>): Promise<TaskRun> {
    return runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', endpointName: 'hostile', modelName: model, ...inputs },
      endpoints: { CONN: { url: emulator.url, scheme: 'Token', parameters: { apitoken: 'dapi-owner-token' } } },
      variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'ML', 'Build.BuildId': '9' },
      timeoutMs: 60_000,
    });
  }

  it('prints a canary answering hostile predictions beside another model as data', async () => {
    answer = { body: { predictions: [injectionPayload] } };
    const run = await rollout({ modelVersion: '4', strategy: 'canary', canaryPercent: '20', smokeTestFile: requestFile });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    // A passing smoke test quotes no prediction today; this guards the day it does.
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints hostile predictions of a failed smoke test as data', async () => {
    answer = { body: { predictions: [injectionPayload, { [injectionPayloadLine]: injectionPayload }] } };
    const run = await rollout({ modelVersion: '4', smokeTestFile: requestFile, smokeTestExpect: '[0, {"label": 1}]' });
    assert.equal(run.result, 'Failed');
    assert.ok(run.resultMessage?.includes('INJECTED'), run.resultMessage);
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });

  it('prints the error body of a failed smoke-test query as data', async () => {
    answer = { status: 400, body: { error_code: 'BAD_REQUEST', message: injectionPayload } };
    const run = await rollout({ modelVersion: '4', smokeTestFile: requestFile });
    assert.equal(run.result, 'Failed');
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });

  it('prints the state message, build log and server log of a failed deployment as data', async () => {
    const run = await rollout({ modelVersion: '5' });
    assert.equal(run.result, 'Failed');
    assert.ok(run.warnings.some((warning) => warning.includes('INJECTED')), 'the logs were relayed');
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });

  it('prints the error message of a refused configuration update as data', async () => {
    const put = emulator.faults.add({ method: 'PUT', path: '/api/2.0/serving-endpoints/hostile/config', kind: 'status', status: 400, body: errorBody, times: Infinity });
    const run = await rollout({ modelVersion: '4' });
    assert.equal(run.result, 'Failed');
    assert.ok(put.hits > 0);
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });

  it('prints the error messages of refused endpoint and registry reads as data', async () => {
    const reads = [/^\/api\/2\.0\/serving-endpoints\/hostile$/, /unity-catalog\/models\//].map((route) =>
      emulator.faults.add({ method: 'GET', path: route, kind: 'status', status: 403, body: { error_code: 'PERMISSION_DENIED', message: injectionPayload }, times: Infinity }),
    );
    const run = await rollout({ modelVersion: '4' });
    assert.equal(run.result, 'Failed');
    assert.ok(reads.some((read) => read.hits > 0));
    assertOnlyOwnCommands(run, { outputs });
    assert.ok(`${run.stdout}${run.stderr}`.includes(injectionMarker), 'the hostile text reached the log');
  });
});
