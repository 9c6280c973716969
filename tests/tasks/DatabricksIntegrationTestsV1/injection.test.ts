/**
 * Logging-command injection through everything a workspace sends back to DatabricksIntegrationTests@1:
 * run (job) names, task keys, state and error messages, traces, notebook output (test names, messages, traces),
 * python logs and JUnit files. Only the task's own commands may reach the agent. Two bundle runs carry
 * every field: a job whose tasks return or raise the payload, and a job whose notebook writes it into
 * JUnit files beside a failing task. A run step takes 1 ms, so no run waits for the poll schedule.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { startEmulator, type Emulator, type Scenario } from '../../emulator';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { assertOnlyOwnCommands, injectionMarker, injectionPayload, injectionPayloadLine } from '../../support/injection';
import { outputNames } from '../../../tasks/DatabricksIntegrationTestsV1/names';

const task = 'DatabricksIntegrationTestsV1';
const pat = 'dapi-injection-tests-000000000000';
const connectionId = 'DBXCONN';
const outputs = Object.values(outputNames);

const junit = `<?xml version="1.0"?>
<testsuite name="${injectionPayloadLine}" tests="1"><testcase classname="${injectionPayloadLine}" name="${injectionPayloadLine}"><failure message="${injectionPayloadLine}">${injectionPayload}</failure><system-out>${injectionPayload}</system-out></testcase></testsuite>`;

const scenario: Scenario = {
  identities: { pats: { [pat]: 'ci@example.com' } },
  notebooks: {
    '/Workspace/tests/hostile': {
      pending: 1,
      running: 1,
      result: 'FAILED',
      error: injectionPayload,
      errorTrace: injectionPayload,
      stateMessage: injectionPayload,
      notebookOutput: {
        tests: [
          { name: injectionPayloadLine, classname: injectionPayloadLine, status: 'failed', message: injectionPayload, trace: injectionPayload },
          { name: 'ok', classname: injectionPayloadLine, status: 'passed' },
        ],
      },
    },
    '/Workspace/tests/hostile-text': { pending: 1, running: 1, notebookOutput: injectionPayload },
    '/Workspace/tests/hostile-junit': { pending: 1, running: 1, files: { [`/Volumes/main/ci/results/inj/TEST-x.xml`]: junit } },
    '/Workspace/tests/hostile-failure': { pending: 1, running: 1, result: 'FAILED', error: injectionPayload, errorTrace: injectionPayload, stateMessage: injectionPayload },
  },
  pythonFiles: { '/Workspace/tests/hostile.py': { pending: 1, running: 1, result: 'FAILED', logs: injectionPayload, error: injectionPayload, stateMessage: injectionPayload } },
  jobs: [
    {
      jobId: 901,
      // The run takes the job's name, which anyone who may edit the job chooses.
      name: injectionPayloadLine,
      tasks: [
        { taskKey: 'hostile-notebook', notebookPath: '/Workspace/tests/hostile' },
        { taskKey: 'hostile-python', pythonFile: '/Workspace/tests/hostile.py' },
        { taskKey: injectionPayloadLine, notebookPath: '/Workspace/tests/hostile-text' },
      ],
    },
    {
      jobId: 902,
      name: injectionPayloadLine,
      tasks: [
        { taskKey: 'hostile-junit', notebookPath: '/Workspace/tests/hostile-junit' },
        { taskKey: 'hostile-failure', notebookPath: '/Workspace/tests/hostile-failure' },
      ],
    },
  ],
};

describe('DatabricksIntegrationTests@1 bundle: logging-command injection', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  const folders: string[] = [];

  before(async () => {
    emulator = await startEmulator({ scenario, clock: { now: () => Date.now() }, runStepMs: 1 });
  });
  after(async () => {
    await emulator?.close();
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  async function runIt(inputs: Record<string, string>): Promise<TaskRun> {
    const run = await runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: connectionId, ...inputs },
      endpoints: { [connectionId]: { url: emulator.url, scheme: 'Token', parameters: { apitoken: pat } } },
      variables: { 'Build.BuildId': '1', 'System.TaskInstanceId': `inj-${Math.random()}` },
      timeoutMs: 45_000,
    });
    folders.push(run.cwd, run.tempDirectory);
    return run;
  }

  it('prints run and task names, messages, traces, notebook output (a JSON report and plain text) and python logs of a failing job as data', async () => {
    const run = await runIt({ runType: 'job', jobId: '901' });
    assert.equal(run.result, 'Failed');
    assert.equal(emulator.state.runs.get(Number(run.outputs.runId))?.tasks.length, 3, 'every hostile task ran');
    assert.ok(run.stdout.includes(injectionMarker), 'the payload reached the log, as data');
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints JUnit suites, cases, messages and output from the result files, and the failing task beside them, as data', async () => {
    const run = await runIt({ runType: 'job', jobId: '902', testResultsPath: '/Volumes/main/ci/results/inj' });
    assert.equal(run.result, 'Failed', run.resultMessage);
    assert.equal(emulator.requestsTo('GET', /^\/api\/2\.0\/fs\/files\/Volumes\/main\/ci\/results\/inj\//).length, 1, 'the JUnit file was read');
    assert.ok(run.stdout.includes(injectionMarker), 'the payload reached the log, as data');
    assertOnlyOwnCommands(run, { outputs });
  });

  it('the check itself catches a payload printed raw', () => {
    const raw = { stdout: `log line\n${injectionPayload}\n`, stderr: '', outputs: {} };
    assert.throws(() => assertOnlyOwnCommands(raw, { outputs }));
  });
});
