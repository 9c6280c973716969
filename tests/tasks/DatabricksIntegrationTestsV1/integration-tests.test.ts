/**
 * DatabricksIntegrationTests@1 run as the agent runs it (the built bundle in a child process) against
 * the workspace emulator. Runs advance with wall time (one step per 250 ms), so the task's own poll
 * schedule decides when it notices the end, as on a real workspace.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { RunNow, SubmitRun } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import { startEmulator, type Emulator, type LoggedRequest, type Scenario } from '../../emulator';
import { runTaskBundle, type TaskRun, type TaskRunOptions } from '../../support/task-bundle';
import { parseJUnitXml } from '../../../tasks/common/junit/parser';
import { countTests, type TestSuite } from '../../../tasks/common/junit/model';
import { idempotencyToken } from '../../../tasks/common/runs/idempotency';

const task = 'DatabricksIntegrationTestsV1';
const pat = 'dapi-integration-tests-0000000000';
const connectionId = 'DBXCONN';

const variables: Record<string, string> = {
  'System.CollectionId': '0c0ffee0-0000-4000-8000-000000000001',
  'System.TeamProjectId': '0d0ffee0-0000-4000-8000-000000000002',
  'Build.BuildId': '4711',
  'Build.DefinitionName': 'churn-ci',
  'Build.BuildNumber': '20261128.3',
  'System.JobId': '0e0ffee0-0000-4000-8000-000000000003',
  'System.JobAttempt': '1',
  'System.TaskInstanceId': '0f0ffee0-0000-4000-8000-000000000004',
};

const failingTrace = [
  'Traceback (most recent call last):',
  '  File "/Workspace/tests/test_scoring.py", line 12, in test_scores_in_range',
  '    assert max(scores) <= 1.0',
  'AssertionError: score 1.7 out of range',
].join('\n');

const junitA = `<?xml version="1.0"?>
<testsuites><testsuite name="features" tests="2">
  <testcase classname="tests.features" name="test_schema" time="1.5"/>
  <testcase classname="tests.features" name="test_nulls" time="0.5"><failure message="3 null keys">AssertionError: 3 null keys
  at tests/features.py:40</failure></testcase>
</testsuite></testsuites>`;
const junitB = `<testsuite name="training" tests="2"><testcase classname="tests.training" name="test_fit" time="12"/><testcase classname="tests.training" name="test_gpu"><skipped/></testcase></testsuite>`;

const scenario: Scenario = {
  identities: { pats: { [pat]: 'ci@example.com' } },
  notebooks: {
    '/Workspace/tests/passing': {
      pending: 1,
      running: 2,
      notebookOutput: { tests: [{ name: 'test_a', classname: 'it.a', status: 'passed', durationMs: 1200 }, { name: 'test_b', classname: 'it.b', status: 'skipped', message: 'later' }] },
    },
    '/Workspace/tests/failing': { pending: 1, running: 1, result: 'FAILED', error: 'AssertionError: score 1.7 out of range', errorTrace: failingTrace },
    '/Workspace/tests/forever': { pending: 1, running: 'forever' },
    '/Workspace/tests/junit': {
      pending: 1,
      running: 1,
      files: { '/Volumes/main/ci/results/b4711/TEST-features.xml': junitA, '/Volumes/main/ci/results/b4711/deep/TEST-training.xml': junitB, '/Volumes/main/ci/results/b4711/notes.txt': 'x' },
    },
    '/Workspace/tests/junit-in-workspace': {
      pending: 1,
      running: 1,
      files: { '/Workspace/Shared/ci/results/b4711/TEST-features.xml': junitA, '/Workspace/Shared/ci/results/b4711/TEST-training.xml': junitB },
    },
    '/Workspace/tests/partial': { pending: 1, running: 1, result: 'SUCCESS_WITH_FAILURES' },
    '/Workspace/tests/strange': { pending: 1, running: 1, result: 'FAILED', terminationCode: 'QUANTUM_FLUX' as never, stateMessage: 'The flux capacitor ran out of flux.' },
    '/Repos/ci/ingest': { pending: 1, running: 1, notebookOutput: { tests: [{ name: 'test_ingest', classname: 'it.ingest', status: 'passed' }] } },
    '/Repos/ci/score': { pending: 1, running: 2, notebookOutput: { tests: [{ name: 'test_score', classname: 'it.score', status: 'passed' }, { name: 'test_drift', classname: 'it.score', status: 'failed', message: 'drift 0.4', trace: 'DriftError: 0.4 > 0.2' }] } },
  },
  pythonFiles: { '/Workspace/tests/run_tests.py': { pending: 1, running: 1, logs: '3 passed in 1.2s\n' } },
  jobs: [
    {
      jobId: 801,
      name: 'integration-tests',
      parameters: { environment: 'dev', git_sha: 'main' },
      tasks: [
        { taskKey: 'ingest', notebookPath: '/Repos/ci/ingest' },
        { taskKey: 'score', notebookPath: '/Repos/ci/score', dependsOn: ['ingest'] },
        { taskKey: 'report', pythonFile: '/Workspace/tests/run_tests.py', dependsOn: ['ingest'] },
      ],
    },
    { jobId: 802, name: 'twin', tasks: [{ taskKey: 't', notebookPath: '/Workspace/tests/passing' }] },
    { jobId: 803, name: 'twin', tasks: [{ taskKey: 't', notebookPath: '/Workspace/tests/passing' }] },
    { jobId: 804, name: 'hangs', tasks: [{ taskKey: 'wait', notebookPath: '/Workspace/tests/forever' }] },
  ],
};

/** The JSON body a request carried, typed as what the client sends. */
function bodyOf<T>(request: LoggedRequest): T {
  return request.body as T;
}

function junitOf(run: TaskRun): TestSuite[] {
  assert.equal(run.testPublications.length, 1, 'one JUnit publication');
  const file = run.testPublications[0].properties.resultFiles;
  return parseJUnitXml(fs.readFileSync(file, 'utf8'), file);
}

function summaryOf(run: TaskRun): string {
  assert.equal(run.summaries.length, 1, 'one summary');
  return fs.readFileSync(run.summaries[0], 'utf8');
}

describe('DatabricksIntegrationTests@1 bundle', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  const workFolders: string[] = [];

  before(async () => {
    emulator = await startEmulator({ scenario, clock: { now: () => Date.now() }, runStepMs: 250 });
  });
  after(async () => {
    await emulator?.close();
    for (const folder of workFolders) fs.rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => emulator.reset());

  let step = 0;
  /** Runs the task as a new pipeline step (its own System.TaskInstanceId) unless `extra.variables` says otherwise. */
  async function runIt(inputs: Record<string, string>, extra: Partial<TaskRunOptions> = {}): Promise<TaskRun> {
    step++;
    const run = await runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: connectionId, ...inputs },
      endpoints: { [connectionId]: { url: emulator.url, scheme: 'Token', parameters: { apitoken: pat } } },
      variables: { ...variables, 'System.TaskInstanceId': `${variables['System.TaskInstanceId']}-${step}` },
      timeoutMs: 45_000,
      ...extra,
    });
    workFolders.push(run.cwd, run.tempDirectory);
    // The token reaches the log only in the command that registers it as a secret (the agent masks it from then on).
    assert.deepEqual(run.stdout.split('\n').filter((line) => line.includes(pat.slice(5))).filter((line) => !line.startsWith('##vso[task.setsecret]')), []);
    return run;
  }

  const submits = () => emulator.requestsTo('POST', '/api/2.2/jobs/runs/submit');
  const cancels = () => emulator.requestsTo('POST', '/api/2.2/jobs/runs/cancel');
  const outputsRead = () => emulator.requestsTo('GET', '/api/2.2/jobs/runs/get-output').map((r) => Number(r.query.run_id));

  it('passes a run whose notebook reports passing tests, publishing JUnit, a summary and the outputs', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing', notebookParameters: 'env=staging\nurl=https://x?a=b' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    const runId = Number(run.outputs.runId);
    const record = emulator.state.runs.get(runId);
    assert.ok(record, 'the run exists');
    assert.equal(run.outputs.runPageUrl, `${emulator.url}/#job/${record.jobId}/run/${runId}`);
    assert.ok(run.secrets.includes(pat), 'the token is registered as a secret');
    assert.equal(run.outputs.resultState, 'SUCCESS');
    assert.equal(run.outputs.testsTotal, '2');
    assert.equal(run.outputs.testsFailed, '0');
    // The Tests tab leads back to the run: every published suite carries its id and link.
    for (const suite of junitOf(run)) assert.deepEqual([suite.properties?.['databricks.runId'], suite.properties?.['databricks.runPageUrl']], [String(runId), run.outputs.runPageUrl]);

    const [submit] = submits();
    const body = bodyOf<SubmitRun>(submit);
    assert.match(body.idempotency_token ?? '', /^[0-9a-f]{64}$/);
    assert.equal(body.timeout_seconds, 3600);
    assert.equal(body.run_name, 'churn-ci #20261128.3 integration tests');
    assert.deepEqual(body.tasks?.[0].notebook_task, { notebook_path: '/Workspace/tests/passing', source: 'WORKSPACE', base_parameters: { env: 'staging', url: 'https://x?a=b' } });
    assert.equal(body.tasks?.[0].existing_cluster_id, undefined);

    // get-output per task run, never on the parent.
    assert.deepEqual(outputsRead(), record.tasks.map((t) => t.runId));
    assert.ok(!outputsRead().includes(runId));

    const suites = junitOf(run);
    assert.deepEqual(countTests(suites), { total: 2, passed: 1, failed: 0, skipped: 1 });
    assert.equal(suites[0].cases[0].classname, 'it.a');
    assert.equal(suites[0].properties?.['databricks.runPageUrl'], run.outputs.runPageUrl, 'the Tests tab links back to the run');
    assert.equal(run.testPublications[0].properties.type, 'JUnit');
    assert.match(summaryOf(run), new RegExp(`${emulator.url.replace(/[.]/g, '\\.')}/#job/\\d+/run/${runId}`));
    assert.equal(cancels().length, 0);
  });

  it('fails on a failing task: its trace is in the summary and a failed test in the published JUnit', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/failing', compute: 'existingCluster', clusterId: '0123-456789-abcdefgh' });
    assert.equal(run.result, 'Failed');
    assert.equal(run.outputs.resultState, 'FAILED');
    assert.equal(run.outputs.testsFailed, '1');
    assert.equal(bodyOf<SubmitRun>(submits()[0]).tasks?.[0].existing_cluster_id, '0123-456789-abcdefgh');
    const suites = junitOf(run);
    const failed = suites.flatMap((s) => s.cases).filter((c) => c.failure);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].failure?.trace, failingTrace);
    const summary = summaryOf(run);
    for (const line of failingTrace.split('\n')) assert.ok(summary.includes(line), `summary shows '${line}'`);
    assert.equal(cancels().length, 0, 'a run that ended is not cancelled');
  });

  it('runs a multi-task job found by name with job parameters, reading each task output', async () => {
    const run = await runIt({ runType: 'job', jobName: 'integration-tests', jobParameters: 'environment=staging\ngit_sha=3f2a9c1' });
    assert.equal(run.result, 'Failed', 'the score task reported a failed test');
    const [runNow] = emulator.requestsTo('POST', '/api/2.2/jobs/run-now');
    const request = bodyOf<RunNow>(runNow);
    assert.equal(request.job_id, 801);
    assert.deepEqual(request.job_parameters, { environment: 'staging', git_sha: '3f2a9c1' });
    assert.match(request.idempotency_token ?? '', /^[0-9a-f]{64}$/);
    assert.equal(emulator.requestsTo('GET', '/api/2.2/jobs/list')[0].query.name, 'integration-tests');

    const record = emulator.state.runs.get(Number(run.outputs.runId))!;
    assert.equal(record.tasks.length, 3);
    assert.deepEqual(outputsRead().sort(), record.tasks.map((t) => t.runId).sort());
    const suites = junitOf(run);
    assert.deepEqual(suites.map((s) => s.name).sort(), ['ingest', 'integration-tests', 'score']);
    assert.deepEqual(countTests(suites), { total: 4, passed: 3, failed: 1, skipped: 0 });
    const report = suites.find((s) => s.name === 'integration-tests')!;
    assert.equal(report.cases[0].name, 'report', 'the python task without a report is one test case');
    assert.equal(report.cases[0].systemOut, '3 passed in 1.2s\n');
    assert.equal(run.outputs.testsTotal, '4');
    assert.equal(run.outputs.testsFailed, '1');
    assert.match(summaryOf(run), /DriftError: 0\.4 > 0\.2/);

    const tolerant = await runIt({ runType: 'job', jobId: '801', failOnTestFailure: 'false' });
    assert.equal(tolerant.result, 'Succeeded', tolerant.resultMessage);
    assert.equal(tolerant.outputs.testsFailed, '1');
  });

  it('follows the 100-element task pagination of runs/get and reads every task', async () => {
    emulator.seed({
      jobs: [{ jobId: 900, name: 'wide', tasks: Array.from({ length: 130 }, (_, i) => ({ taskKey: `t${String(i).padStart(3, '0')}`, notebookPath: '/Workspace/tests/passing' })) }],
    });
    const run = await runIt({ runType: 'job', jobId: '900' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.equal(run.outputs.testsTotal, String(130 * 2));
    assert.ok(emulator.requestsTo('GET', '/api/2.2/jobs/runs/get').some((r) => r.query.page_token !== undefined), 'asked for the second page');
    assert.equal(new Set(outputsRead()).size, 130);
  });

  it('fails naming the workspace when no job has the name, and lists the ids when several do', async () => {
    const missing = await runIt({ runType: 'job', jobName: 'no-such-job' });
    assert.equal(missing.result, 'Failed');
    assert.ok(missing.resultMessage?.includes(`no job named 'no-such-job' in ${emulator.url}`), missing.resultMessage);
    const twins = await runIt({ runType: 'job', jobName: 'twin' });
    assert.equal(twins.result, 'Failed');
    assert.match(twins.resultMessage ?? '', /'twin'.*ambiguous.*802, 803/);
    const noId = await runIt({ runType: 'job', jobId: '999' });
    assert.equal(noId.result, 'Failed');
    assert.match(noId.resultMessage ?? '', /999/);
    assert.equal(emulator.requestsTo('POST', '/api/2.2/jobs/run-now').length, 0);
  });

  it('cancels the run when timeoutMinutes passes, and fails', async () => {
    const run = await runIt({ runType: 'pythonFile', pythonFile: '/Workspace/tests/run_tests.py', timeoutMinutes: '0.05', environmentDependencies: 'pytest==8.3.3' });
    // The python file is scripted to finish; the notebook below runs forever.
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    const body = bodyOf<SubmitRun>(submits()[0]);
    assert.equal(body.timeout_seconds, 3);
    assert.deepEqual(body.environments, [{ environment_key: 'default', spec: { environment_version: '2', dependencies: ['pytest==8.3.3'] } }]);
    assert.equal(body.tasks?.[0].environment_key, 'default');

    emulator.reset();
    const started = Date.now();
    const slow = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/forever', timeoutMinutes: '0.05' });
    assert.equal(slow.result, 'Failed');
    assert.match(slow.resultMessage ?? '', /timeoutMinutes/);
    const runId = Number(slow.outputs.runId);
    assert.deepEqual(cancels().map((r) => bodyOf<{ run_id: number }>(r).run_id), [runId]);
    assert.notEqual(emulator.state.runs.get(runId)?.cancelStep, undefined);
    assert.ok(Date.now() - started < 10_000);
    // What the run did is still shown: it ended CANCELED, its task is a failed test, and the summary links it.
    assert.equal(slow.outputs.resultState, 'CANCELED');
    assert.equal(slow.outputs.testsTotal, '1');
    assert.equal(slow.outputs.testsFailed, '1');
    assert.equal(countTests(junitOf(slow)).failed, 1);
    assert.ok(summaryOf(slow).includes(slow.outputs.runPageUrl), 'the summary links the run');

    // A job run gets no timeout_seconds (run-now has none; the job's own applies), so the task's limit cancels it.
    emulator.reset();
    const job = await runIt({ runType: 'job', jobName: 'hangs', timeoutMinutes: '0.05' });
    assert.equal(job.result, 'Failed');
    const [runNow] = emulator.requestsTo('POST', '/api/2.2/jobs/run-now');
    assert.equal((bodyOf<Record<string, unknown>>(runNow)).timeout_seconds, undefined);
    assert.deepEqual(cancels().map((r) => bodyOf<{ run_id: number }>(r).run_id), [Number(job.outputs.runId)]);
    assert.equal(job.outputs.resultState, 'CANCELED');
  });

  it('cancels the run and exits within a few seconds on SIGINT during the wait', async () => {
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
    assert.deepEqual(cancels().map((r) => bodyOf<{ run_id: number }>(r).run_id), [Number(run.outputs.runId)]);
    // The run was read once more after cancelling: the outputs and the summary show where it was.
    assert.match(run.outputs.resultState ?? '', /^(TERMINATING|CANCELED)$/);
    assert.equal(run.outputs.testsFailed, '1');
    assert.equal(run.summaries.length, 1);

    // cancelOnExit false leaves the run alone.
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
    assert.equal(cancels().length, 0);
    assert.match(kept.outputs.resultState ?? '', /^(PENDING|RUNNING)$/, 'the run keeps going: its life-cycle state, no result');
  });

  it('re-submits with the same idempotency token after a dropped connection and gets the run the workspace already started', async () => {
    // The first attempt of this step reached the workspace, but its answer was lost.
    const token = idempotencyToken((name) => variables[name])!;
    const first = await fetch(`${emulator.url}/api/2.2/jobs/runs/submit`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${pat}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ run_name: 'first attempt', idempotency_token: token, tasks: [{ task_key: 'passing', notebook_task: { notebook_path: '/Workspace/tests/passing' } }] }),
    });
    const { run_id: existing } = (await first.json()) as { run_id: number };
    emulator.faults.add({ method: 'POST', path: '/api/2.2/jobs/runs/submit', kind: 'drop' });

    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing' }, { variables });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.equal(Number(run.outputs.runId), existing);
    const attempts = submits().slice(1);
    assert.equal(attempts.length, 2, 'dropped, then retried');
    assert.equal(attempts[0].fault, 'drop');
    assert.deepEqual(attempts.map((r) => bodyOf<SubmitRun>(r).idempotency_token), [token, token]);
    assert.equal(emulator.state.runs.size, 1, 'no second run');

    // A re-run of the pipeline job (next attempt) starts a fresh run.
    const rerun = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing' }, { variables: { ...variables, 'System.JobAttempt': '2' } });
    assert.notEqual(Number(rerun.outputs.runId), existing);
  });

  it('keeps the run through 429 and 503 answers while waiting', async () => {
    emulator.faults.add({ method: 'GET', path: '/api/2.2/jobs/runs/get', kind: 'status', status: 429, retryAfter: 1, times: 2 });
    emulator.faults.add({ method: 'GET', path: '/api/2.2/jobs/runs/get', kind: 'status', status: 503, times: 1 });
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.equal(submits().length, 1);
    assert.equal(emulator.state.runs.size, 1);
    assert.ok(emulator.requestsTo('GET', '/api/2.2/jobs/runs/get').filter((r) => r.fault === 'status').length === 3);
  });

  it('reads JUnit files from a volume by glob, ignoring other files', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/junit', testResultsPath: '/Volumes/main/ci/results/b4711/**/*.xml', testRunTitle: 'Staging integration' });
    assert.equal(run.result, 'Failed', 'one JUnit test failed');
    assert.equal(run.outputs.resultState, 'SUCCESS');
    assert.equal(run.outputs.testsTotal, '4');
    assert.equal(run.outputs.testsFailed, '1');
    assert.equal(run.testPublications[0].properties.runTitle, 'Staging integration');
    const suites = junitOf(run);
    assert.deepEqual(suites.map((s) => s.name), ['features', 'training']);
    assert.equal(suites[0].cases[1].failure?.message, '3 null keys');
    const downloads = emulator.requestsTo('GET', /^\/api\/2\.0\/fs\/files\//).map((r) => r.path);
    assert.deepEqual(downloads.sort(), ['/api/2.0/fs/files/Volumes/main/ci/results/b4711/TEST-features.xml', '/api/2.0/fs/files/Volumes/main/ci/results/b4711/deep/TEST-training.xml']);

    const folder = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/junit', testResultsPath: '/Volumes/main/ci/results/b4711', failOnTestFailure: 'false' });
    assert.equal(folder.result, 'Succeeded', folder.resultMessage);
    assert.equal(folder.outputs.testsTotal, '4');

    const nothing = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing', testResultsPath: '/Volumes/main/ci/results/none/*.xml' });
    assert.equal(nothing.result, 'Failed', 'a successful run that wrote no results where promised fails');
    assert.match(nothing.resultMessage ?? '', /testResultsPath/);
    assert.equal(nothing.outputs.resultState, 'SUCCESS');
    assert.equal(nothing.outputs.testsTotal, '0');
    assert.equal(nothing.testPublications.length, 0, 'nothing to publish');
    assert.equal(nothing.summaries.length, 1);
  });

  it('reads JUnit files from a workspace folder with the Files API', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/junit-in-workspace', testResultsPath: '/Workspace/Shared/ci/results/b4711/*.xml' });
    assert.equal(run.result, 'Failed', 'one JUnit test failed');
    assert.equal(run.outputs.testsTotal, '4');
    assert.equal(run.outputs.testsFailed, '1');
    assert.deepEqual(junitOf(run).map((s) => s.name), ['features', 'training']);
    assert.deepEqual(emulator.requestsTo('GET', /^\/api\/2\.0\/fs\/directories\//).map((r) => r.path), ['/api/2.0/fs/directories/Workspace/Shared/ci/results/b4711']);
    assert.deepEqual(
      emulator.requestsTo('GET', /^\/api\/2\.0\/fs\/files\//).map((r) => r.path),
      ['/api/2.0/fs/files/Workspace/Shared/ci/results/b4711/TEST-features.xml', '/api/2.0/fs/files/Workspace/Shared/ci/results/b4711/TEST-training.xml'],
    );
  });

  it('fails before submitting when the notebook or Python file is not in the workspace, naming the path', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/typo' });
    assert.equal(run.result, 'Failed');
    assert.ok(run.resultMessage?.includes(`'/Workspace/tests/typo' in ${emulator.url}`), run.resultMessage);
    const python = await runIt({ runType: 'pythonFile', pythonFile: '/Workspace/tests' });
    assert.equal(python.result, 'Failed', 'a folder is not a Python file');
    assert.equal(submits().length, 0);
    assert.equal(python.outputs.runId, undefined);
  });

  it('fails closed on SUCCESS_WITH_FAILURES and on a termination code it does not know, passing the message through', async () => {
    const partial = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/partial' });
    assert.equal(partial.result, 'Failed');
    assert.equal(partial.outputs.resultState, 'SUCCESS_WITH_FAILURES');
    const strange = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/strange' });
    assert.equal(strange.result, 'Failed');
    assert.match(strange.resultMessage ?? '', /The flux capacitor ran out of flux\./);
  });

  describe('bad input: fails before any call, naming the input and the value', () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['runType', { runType: 'script' }, /'runType' 'script'.*job, notebook, pythonFile/],
      ['no job', { runType: 'job' }, /'jobName' or 'jobId'/],
      ['both jobName and jobId', { jobName: 'a', jobId: '1' }, /'jobName'.*'jobId'.*both/],
      ['jobId', { jobId: '12ab' }, /'jobId' '12ab'.*whole number/],
      ['jobParameters', { jobName: 'a', jobParameters: 'env=dev\njust-a-word' }, /'jobParameters' line 2: no '='.*<key>=<value>/],
      ['notebookPath missing', { runType: 'notebook' }, /'notebookPath' is required/],
      ['notebookPath relative', { runType: 'notebook', notebookPath: 'tests/it' }, /'notebookPath' 'tests\/it'.*absolute workspace path/],
      ['pythonFile', { runType: 'pythonFile', pythonFile: '../x.py' }, /'pythonFile' '\.\.\/x\.py'/],
      ['compute', { runType: 'notebook', notebookPath: '/a', compute: 'gpu' }, /'compute' 'gpu'.*serverless, existingCluster, newCluster/],
      ['clusterId', { runType: 'notebook', notebookPath: '/a', compute: 'existingCluster' }, /'clusterId' is required/],
      ['newCluster JSON', { runType: 'notebook', notebookPath: '/a', compute: 'newCluster', newCluster: '{\n  "spark_version": "15.4.x",\n  "num_workers": ,\n}' }, /'newCluster': not valid JSON at line 3, column \d+/],
      ['newCluster shape', { runType: 'notebook', notebookPath: '/a', compute: 'newCluster', newCluster: '{"num_workers": 1}' }, /'newCluster'.*spark_version/],
      ['environmentDependencies on a notebook', { runType: 'notebook', notebookPath: '/a', environmentDependencies: 'pytest' }, /'environmentDependencies'/],
      ['timeoutMinutes', { jobName: 'a', timeoutMinutes: 'soon' }, /'timeoutMinutes' 'soon'.*greater than 0/],
      ['timeoutMinutes zero', { jobName: 'a', timeoutMinutes: '0' }, /'timeoutMinutes' '0'/],
      ['cancelOnExit', { jobName: 'a', cancelOnExit: 'yes' }, /'cancelOnExit' 'yes'.*true or false/],
      ['testResultsPath on DBFS', { jobName: 'a', testResultsPath: 'dbfs:/tmp/results' }, /'testResultsPath' 'dbfs:\/tmp\/results'.*\/Volumes/],
      ['testResultsPath elsewhere', { jobName: 'a', testResultsPath: '/tmp/results/*.xml' }, /'testResultsPath' '\/tmp\/results\/\*\.xml'/],
      ['testResultsPath across volumes', { jobName: 'a', testResultsPath: '/Volumes/main/*/results/x.xml' }, /'testResultsPath'/],
      ['connection', { jobName: 'a', connectionType: 'carrier-pigeon' }, /'connectionType' 'carrier-pigeon'/],
    ];
    for (const [label, inputs, expected] of cases) {
      it(label, async () => {
        const run = await runIt(inputs);
        assert.equal(run.result, 'Failed');
        assert.match(run.resultMessage ?? '', expected);
        assert.equal(emulator.requests.length, 0, 'no call was made');
      });
    }
  });
});
