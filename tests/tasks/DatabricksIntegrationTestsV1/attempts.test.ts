/**
 * DatabricksIntegrationTests@1 (built bundle) across runs and attempts: result files an earlier run
 * left in a fixed folder never pass a run that wrote none, and a `retryCountOnTaskFailure` retry of
 * the step starts a fresh Databricks run instead of getting the failed one back.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SubmitRun } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import { startEmulator, type Emulator, type Scenario } from '../../emulator';
import { runTaskBundle, type TaskRun, type TaskRunOptions } from '../../support/task-bundle';

const task = 'DatabricksIntegrationTestsV1';
const pat = 'dapi-attempts-tests-0000000000000';
const connectionId = 'DBXCONN';
const variables = {
  'System.CollectionId': '0c0ffee0-0000-4000-8000-00000000000a',
  'System.TeamProjectId': '0d0ffee0-0000-4000-8000-00000000000b',
  'Build.BuildId': '815',
  'System.JobId': '0e0ffee0-0000-4000-8000-00000000000c',
  'System.JobAttempt': '1',
  'System.TaskInstanceId': '0f0ffee0-0000-4000-8000-00000000000d',
};
const passingReport = '<testsuite name="old"><testcase classname="c" name="passed long ago"/></testsuite>';
const scenario: Scenario = {
  identities: { pats: { [pat]: 'ci@example.com' } },
  notebooks: {
    '/Workspace/tests/writes-nothing': { pending: 1, running: 1 },
    '/Workspace/tests/writes-report': { pending: 1, running: 1, files: { '/Volumes/main/ci/results/fixed/TEST-new.xml': '<testsuite name="new"><testcase classname="c" name="now"/></testsuite>' } },
    '/Workspace/tests/fails': { pending: 1, running: 1, result: 'FAILED', error: 'flaky' },
  },
};

describe('DatabricksIntegrationTests@1 bundle: earlier runs and step retries', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  const folders: string[] = [];

  before(async () => {
    emulator = await startEmulator({ scenario, clock: { now: () => Date.now() }, runStepMs: 100 });
  });
  after(async () => {
    await emulator?.close();
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
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
    folders.push(run.cwd, run.tempDirectory);
    return run;
  }

  /** A result file an earlier run wrote an hour ago. */
  function leaveOldReport(file: string): void {
    emulator.state.files.set(file, { content: Buffer.from(passingReport), modifiedAt: Date.now() - 3_600_000 });
  }

  it('fails a run that wrote no results although an earlier run left a passing report there, and lists it as ignored', async () => {
    leaveOldReport('/Volumes/main/ci/results/fixed/TEST-old.xml');
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/writes-nothing', testResultsPath: '/Volumes/main/ci/results/fixed' });
    assert.equal(run.result, 'Failed', run.resultMessage);
    assert.match(run.resultMessage ?? '', /written by this run/);
    assert.notEqual(run.outputs.testsTotal, '1', 'the old report is not counted');
    const summary = fs.readFileSync(run.summaries[0], 'utf8');
    assert.match(summary, /Ignored 1 result file[\s\S]*TEST-old\.xml/);
  });

  it('reads the report this run wrote and ignores the older one beside it', async () => {
    leaveOldReport('/Volumes/main/ci/results/fixed/TEST-old.xml');
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/writes-report', testResultsPath: '/Volumes/main/ci/results/fixed' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.equal(run.outputs.testsTotal, '1');
    assert.match(fs.readFileSync(run.summaries[0], 'utf8'), /TEST-old\.xml/);
  });

  it('starts a fresh run on a retry of the step (same variables, same agent temp folder), not the failed one', async () => {
    const agentTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-temp-'));
    folders.push(agentTemp);
    const first = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/fails' }, { env: { AGENT_TEMPDIRECTORY: agentTemp } });
    assert.equal(first.result, 'Failed');
    const retry = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/fails' }, { env: { AGENT_TEMPDIRECTORY: agentTemp } });
    assert.equal(retry.result, 'Failed');
    const tokens = emulator.requestsTo('POST', '/api/2.2/jobs/runs/submit').map((r) => (r.body as SubmitRun).idempotency_token);
    assert.equal(tokens.length, 2);
    assert.notEqual(tokens[0], tokens[1], 'the retry carries a token of its own');
    assert.notEqual(retry.outputs.runId, first.outputs.runId, 'the retry tested again');
    assert.equal(emulator.state.runs.size, 2);
  });
});
