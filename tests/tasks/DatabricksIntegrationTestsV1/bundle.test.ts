/**
 * DatabricksIntegrationTests@1 as the agent runs it: the built bundle in a child process, reading its
 * inputs, connection and variables from the environment, against the workspace emulator on the wall
 * clock. A run step takes 1 ms, so a run has ended by the task's first poll (the 'forever' notebook
 * never ends) and no test waits for the poll schedule. Only what a process shows is tested here: the
 * `##vso` commands (result, outputs, secret, test results, titled summary), SIGINT and SIGTERM, and a
 * step retry, which the task-lib adapter tells apart. Every other scenario runs in process
 * (integration-tests.test.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SubmitRun } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import { startEmulator, type Emulator } from '../../emulator';
import { runTaskBundle, type TaskRun, type TaskRunOptions } from '../../support/task-bundle';
import { parseJUnitXml } from '../../../tasks/common/junit/parser';
import { countTests } from '../../../tasks/common/junit/model';
import { connectionId, pat, scenario, variables } from './workspace';

const task = 'DatabricksIntegrationTestsV1';

describe('DatabricksIntegrationTests@1 bundle', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  const workFolders: string[] = [];

  before(async () => {
    emulator = await startEmulator({ scenario, clock: { now: () => Date.now() }, runStepMs: 1 });
  });
  after(async () => {
    await emulator?.close();
    for (const folder of workFolders) fs.rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  async function runIt(inputs: Record<string, string>, extra: Partial<TaskRunOptions> = {}): Promise<TaskRun> {
    const run = await runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: connectionId, ...inputs },
      endpoints: { [connectionId]: { url: emulator.url, scheme: 'Token', parameters: { apitoken: pat } } },
      variables,
      timeoutMs: 45_000,
      ...extra,
    });
    workFolders.push(run.cwd, run.tempDirectory);
    // The token reaches the log only in the command that registers it as a secret (the agent masks it from then on).
    assert.deepEqual((run.stdout + run.stderr).split('\n').filter((line) => line.includes(pat.slice(5))).filter((line) => !line.startsWith('##vso[task.setsecret]')), []);
    return run;
  }

  const submits = () => emulator.requestsTo('POST', '/api/2.2/jobs/runs/submit');
  const cancels = () => emulator.requestsTo('POST', '/api/2.2/jobs/runs/cancel').map((r) => (r.body as { run_id: number }).run_id);

  it('reads its inputs, connection and variables from the environment and reports through ##vso commands', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing', notebookParameters: 'env=staging', testRunTitle: 'Staging integration' });
    assert.equal(run.exitCode, 0);
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.ok(run.secrets.includes(pat), 'the token is registered as a secret');
    const body = submits()[0].body as SubmitRun;
    assert.equal(body.run_name, 'churn-ci #20261128.3 integration tests', 'Build.* variables read');
    assert.deepEqual(body.tasks?.[0].notebook_task?.base_parameters, { env: 'staging' });

    const runId = Number(run.outputs.runId);
    const record = emulator.state.runs.get(runId);
    assert.ok(record, 'runId names the run');
    assert.deepEqual(run.outputs, {
      runId: String(runId),
      runPageUrl: `${emulator.url}/#job/${record.jobId}/run/${runId}`,
      resultState: 'SUCCESS',
      testsTotal: '2',
      testsFailed: '0',
    });
    assert.ok(run.commands.some((c) => c.command === 'task.setprogress'), 'progress while waiting');

    assert.equal(run.testPublications.length, 1);
    const [publication] = run.testPublications;
    assert.deepEqual([publication.properties.type, publication.properties.runTitle, publication.properties.publishRunAttachments], ['JUnit', 'Staging integration', 'true']);
    const file = publication.properties.resultFiles;
    assert.deepEqual(countTests(parseJUnitXml(fs.readFileSync(file, 'utf8'), file)), { total: 2, passed: 1, failed: 0, skipped: 1 });
    assert.deepEqual(run.summaryTitles, ['Staging integration']);
    assert.ok(fs.readFileSync(run.summaries[0], 'utf8').includes(run.outputs.runPageUrl), 'the summary links the run');
  });

  it('cancels the run and exits within a few seconds on SIGINT during the wait; with cancelOnExit false, SIGTERM leaves it running', async () => {
    let signalledAt = 0;
    const run = await runIt(
      { runType: 'notebook', notebookPath: '/Workspace/tests/forever' },
      {
        onLine: (line, child) => {
          if (signalledAt === 0 && line.startsWith('##vso[task.setprogress')) {
            signalledAt = Date.now();
            child.kill('SIGINT');
          }
        },
      },
    );
    const exitedAfter = Date.now() - signalledAt;
    assert.ok(signalledAt > 0, 'the wait began');
    assert.equal(run.result, 'Cancelled');
    assert.ok(exitedAfter < 5_000, `exited ${exitedAfter} ms after SIGINT`);
    assert.deepEqual(cancels(), [Number(run.outputs.runId)]);
    // The run was read once more after cancelling: the outputs and the summary show where it was.
    assert.match(run.outputs.resultState ?? '', /^(TERMINATING|CANCELED)$/);
    assert.equal(run.outputs.testsFailed, '1');
    assert.equal(run.summaries.length, 1);

    emulator.reset();
    let signalled = false;
    const kept = await runIt(
      { runType: 'notebook', notebookPath: '/Workspace/tests/forever', cancelOnExit: 'false' },
      {
        onLine: (line, child) => {
          if (!signalled && line.startsWith('##vso[task.setprogress')) {
            signalled = true;
            child.kill('SIGTERM');
          }
        },
      },
    );
    assert.equal(kept.result, 'Cancelled');
    assert.deepEqual(cancels(), []);
    assert.match(kept.outputs.resultState ?? '', /^(PENDING|RUNNING)$/, 'the run keeps going: its life-cycle state, no result');
  });

  it('starts a fresh run on a retry of the step (same variables, same agent temp folder), not the failed one', async () => {
    const agentTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-temp-'));
    workFolders.push(agentTemp);
    const first = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/failing' }, { env: { AGENT_TEMPDIRECTORY: agentTemp } });
    assert.equal(first.result, 'Failed');
    const retry = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/failing' }, { env: { AGENT_TEMPDIRECTORY: agentTemp } });
    assert.equal(retry.result, 'Failed');
    const tokens = submits().map((r) => (r.body as SubmitRun).idempotency_token);
    assert.equal(tokens.length, 2);
    assert.notEqual(tokens[0], tokens[1], 'the retry carries a token of its own');
    assert.notEqual(retry.outputs.runId, first.outputs.runId, 'the retry tested again');
    assert.equal(emulator.state.runs.size, 2);
  });
});
