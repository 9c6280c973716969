/**
 * DatabricksIntegrationTests@1 scenarios in process (`run` with a context of recorders) against the
 * workspace emulator on the task's simulated clock: runs advance one step per simulated second as
 * the task's own poll schedule sleeps, so waiting, time-outs and back-off cost no wall time. What
 * only the agent's process shows (the `##vso` commands, signals, step retries) is in bundle.test.ts.
 */
import assert from 'node:assert/strict';
import type { RunNow, SubmitRun } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { LoggedRequest } from '../../emulator';
import type { InProcessRun, InProcessOptions } from '../../fakes/task-run';
import { assertNotLeaked, onlySummary, patConnection, runStep } from '../../support/in-process-integration';
import { parseJUnitXml } from '../../../tasks/common/junit/parser';
import { countTests, type TestSuite } from '../../../tasks/common/junit/model';
import { idempotencyToken } from '../../../tasks/common/runs/idempotency';
import { run as integrationTests } from '../../../tasks/DatabricksIntegrationTestsV1/run';
import { failingTrace, pat, scenario, variables } from './workspace';
import { type SimulatedWorkspace, publishedOf, startSimulatedWorkspace } from '../../support/in-process';

/** The JSON body a request carried, typed as what the client sends. */
function bodyOf<T>(request: LoggedRequest): T {
  return request.body as T;
}

/** The suites of the one JUnit file the run published. */
function junitOf(run: InProcessRun): TestSuite[] {
  const published = publishedOf(run, 'testResults');
  assert.equal(published.length, 1, 'one JUnit publication');
  return parseJUnitXml(published[0].content, 'published.xml');
}

describe('DatabricksIntegrationTests@1 in process', () => {
  let workspace: SimulatedWorkspace;

  before(async () => {
    workspace = await startSimulatedWorkspace(scenario);
  });
  after(async () => workspace?.emulator.close());
  beforeEach(() => workspace.emulator.reset());

  let step = 0;
  /** Runs the task as a new pipeline step (its own System.TaskInstanceId) unless `extra.variables` says otherwise. */
  async function runIt(inputs: Record<string, string>, extra: Partial<InProcessOptions> = {}): Promise<InProcessRun> {
    step++;
    const connection = patConnection(workspace.emulator, pat);
    const run = await runStep(workspace, integrationTests, {
      inputs: { ...connection.inputs, ...inputs },
      endpoints: connection.endpoints,
      variables: { ...variables, 'System.TaskInstanceId': `${variables['System.TaskInstanceId']}-${step}` },
      ...extra,
    });
    // No log line (debug included) and no file handed to the agent holds the token.
    assertNotLeaked(run, pat);
    return run;
  }

  const emulator = () => workspace.emulator;

  const submits = () => emulator().requestsTo('POST', '/api/2.2/jobs/runs/submit');
  const cancels = () => emulator().requestsTo('POST', '/api/2.2/jobs/runs/cancel');
  const outputsRead = () => emulator().requestsTo('GET', '/api/2.2/jobs/runs/get-output').map((r) => Number(r.query.run_id));

  it('passes a run whose notebook reports passing tests, publishing JUnit, a summary and the outputs', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing', notebookParameters: 'env=staging\nurl=https://x?a=b' });
    assert.equal(run.result, 'Succeeded', run.message);
    const runId = Number(run.outputs.runId);
    const record = emulator().state.runs.get(runId);
    assert.ok(record, 'the run exists');
    assert.equal(run.outputs.runPageUrl, `${emulator().url}/#job/${record.jobId}/run/${runId}`);
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
    assert.equal(publishedOf(run, 'testResults')[0].type, 'JUnit');
    assert.match(onlySummary(run), new RegExp(`${emulator().url.replace(/[.]/g, '\\.')}/#job/\\d+/run/${runId}`));
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
    const summary = onlySummary(run);
    for (const line of failingTrace.split('\n')) assert.ok(summary.includes(line), `summary shows '${line}'`);
    assert.equal(cancels().length, 0, 'a run that ended is not cancelled');
  });

  it('runs a multi-task job found by name with job parameters, reading each task output', async () => {
    const run = await runIt({ runType: 'job', jobName: 'integration-tests', jobParameters: 'environment=staging\ngit_sha=3f2a9c1' });
    assert.equal(run.result, 'Failed', 'the score task reported a failed test');
    const [runNow] = emulator().requestsTo('POST', '/api/2.2/jobs/run-now');
    const request = bodyOf<RunNow>(runNow);
    assert.equal(request.job_id, 801);
    assert.deepEqual(request.job_parameters, { environment: 'staging', git_sha: '3f2a9c1' });
    assert.match(request.idempotency_token ?? '', /^[0-9a-f]{64}$/);
    assert.equal(emulator().requestsTo('GET', '/api/2.2/jobs/list')[0].query.name, 'integration-tests');

    const record = emulator().state.runs.get(Number(run.outputs.runId))!;
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
    assert.match(onlySummary(run), /DriftError: 0\.4 > 0\.2/);

    const tolerant = await runIt({ runType: 'job', jobId: '801', failOnTestFailure: 'false' });
    assert.equal(tolerant.result, 'Succeeded', tolerant.message);
    assert.equal(tolerant.outputs.testsFailed, '1');
  });

  it('follows the 100-element task pagination of runs/get and reads every task', async () => {
    emulator().seed({
      jobs: [{ jobId: 900, name: 'wide', tasks: Array.from({ length: 130 }, (_, i) => ({ taskKey: `t${String(i).padStart(3, '0')}`, notebookPath: '/Workspace/tests/passing' })) }],
    });
    const run = await runIt({ runType: 'job', jobId: '900' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.testsTotal, String(130 * 2));
    assert.ok(emulator().requestsTo('GET', '/api/2.2/jobs/runs/get').some((r) => r.query.page_token !== undefined), 'asked for the second page');
    assert.equal(new Set(outputsRead()).size, 130);
  });

  it('fails naming the workspace when no job has the name, and lists the ids when several do', async () => {
    const missing = await runIt({ runType: 'job', jobName: 'no-such-job' });
    assert.equal(missing.result, 'Failed');
    assert.ok(missing.message.includes(`no job named 'no-such-job' in ${emulator().url}`), missing.message);
    const twins = await runIt({ runType: 'job', jobName: 'twin' });
    assert.equal(twins.result, 'Failed');
    assert.match(twins.message, /'twin'.*ambiguous.*802, 803/);
    const noId = await runIt({ runType: 'job', jobId: '999' });
    assert.equal(noId.result, 'Failed');
    assert.match(noId.message, /999/);
    assert.equal(emulator().requestsTo('POST', '/api/2.2/jobs/run-now').length, 0);
  });

  it('cancels the run when timeoutMinutes passes, and fails', async () => {
    const run = await runIt({ runType: 'pythonFile', pythonFile: '/Workspace/tests/run_tests.py', timeoutMinutes: '0.05', environmentDependencies: 'pytest==8.3.3' });
    // The python file is scripted to finish; the notebook below runs forever.
    assert.equal(run.result, 'Succeeded', run.message);
    const body = bodyOf<SubmitRun>(submits()[0]);
    assert.equal(body.timeout_seconds, 3);
    assert.deepEqual(body.environments, [{ environment_key: 'default', spec: { environment_version: '2', dependencies: ['pytest==8.3.3'] } }]);
    assert.equal(body.tasks?.[0].environment_key, 'default');

    emulator().reset();
    const started = workspace.clock.now();
    const slow = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/forever', timeoutMinutes: '0.05' });
    assert.equal(slow.result, 'Failed');
    assert.match(slow.message, /timeoutMinutes/);
    const runId = Number(slow.outputs.runId);
    assert.deepEqual(cancels().map((r) => bodyOf<{ run_id: number }>(r).run_id), [runId]);
    assert.notEqual(emulator().state.runs.get(runId)?.cancelStep, undefined);
    assert.ok(workspace.clock.now() - started < 10_000, 'cancelled soon after the 3 s limit, not when the run ends');
    // What the run did is still shown: it ended CANCELED, its task is a failed test, and the summary links it.
    assert.equal(slow.outputs.resultState, 'CANCELED');
    assert.equal(slow.outputs.testsTotal, '1');
    assert.equal(slow.outputs.testsFailed, '1');
    assert.equal(countTests(junitOf(slow)).failed, 1);
    assert.ok(onlySummary(slow).includes(slow.outputs.runPageUrl), 'the summary links the run');

    // A job run gets no timeout_seconds (run-now has none; the job's own applies), so the task's limit cancels it.
    emulator().reset();
    const job = await runIt({ runType: 'job', jobName: 'hangs', timeoutMinutes: '0.05' });
    assert.equal(job.result, 'Failed');
    const [runNow] = emulator().requestsTo('POST', '/api/2.2/jobs/run-now');
    assert.equal((bodyOf<Record<string, unknown>>(runNow)).timeout_seconds, undefined);
    assert.deepEqual(cancels().map((r) => bodyOf<{ run_id: number }>(r).run_id), [Number(job.outputs.runId)]);
    assert.equal(job.outputs.resultState, 'CANCELED');
  });

  it('re-submits with the same idempotency token after a dropped connection and gets the run the workspace already started', async () => {
    // The first attempt of this step reached the workspace, but its answer was lost.
    const token = idempotencyToken((name) => variables[name])!;
    const first = await fetch(`${emulator().url}/api/2.2/jobs/runs/submit`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${pat}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ run_name: 'first attempt', idempotency_token: token, tasks: [{ task_key: 'passing', notebook_task: { notebook_path: '/Workspace/tests/passing' } }] }),
    });
    const { run_id: existing } = (await first.json()) as { run_id: number };
    emulator().faults.add({ method: 'POST', path: '/api/2.2/jobs/runs/submit', kind: 'drop' });

    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing' }, { variables });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(Number(run.outputs.runId), existing);
    const attempts = submits().slice(1);
    assert.equal(attempts.length, 2, 'dropped, then retried');
    assert.equal(attempts[0].fault, 'drop');
    assert.deepEqual(attempts.map((r) => bodyOf<SubmitRun>(r).idempotency_token), [token, token]);
    assert.equal(emulator().state.runs.size, 1, 'no second run');

    // A re-run of the pipeline job (next attempt) starts a fresh run.
    const rerun = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing' }, { variables: { ...variables, 'System.JobAttempt': '2' } });
    assert.notEqual(Number(rerun.outputs.runId), existing);
  });

  it('keeps the run through 429 and 503 answers while waiting', async () => {
    emulator().faults.add({ method: 'GET', path: '/api/2.2/jobs/runs/get', kind: 'status', status: 429, retryAfter: 1, times: 2 });
    emulator().faults.add({ method: 'GET', path: '/api/2.2/jobs/runs/get', kind: 'status', status: 503, times: 1 });
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(submits().length, 1);
    assert.equal(emulator().state.runs.size, 1);
    assert.ok(emulator().requestsTo('GET', '/api/2.2/jobs/runs/get').filter((r) => r.fault === 'status').length === 3);
  });

  it('reads JUnit files from a volume by glob, ignoring other files', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/junit', testResultsPath: '/Volumes/main/ci/results/b4711/**/*.xml', testRunTitle: 'Staging integration' });
    assert.equal(run.result, 'Failed', 'one JUnit test failed');
    assert.equal(run.outputs.resultState, 'SUCCESS');
    assert.equal(run.outputs.testsTotal, '4');
    assert.equal(run.outputs.testsFailed, '1');
    assert.equal(publishedOf(run, 'testResults')[0].title, 'Staging integration');
    const suites = junitOf(run);
    assert.deepEqual(suites.map((s) => s.name), ['features', 'training']);
    assert.equal(suites[0].cases[1].failure?.message, '3 null keys');
    const downloads = emulator().requestsTo('GET', /^\/api\/2\.0\/fs\/files\//).map((r) => r.path);
    assert.deepEqual(downloads.sort(), ['/api/2.0/fs/files/Volumes/main/ci/results/b4711/TEST-features.xml', '/api/2.0/fs/files/Volumes/main/ci/results/b4711/deep/TEST-training.xml']);

    const folder = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/junit', testResultsPath: '/Volumes/main/ci/results/b4711', failOnTestFailure: 'false' });
    assert.equal(folder.result, 'Succeeded', folder.message);
    assert.equal(folder.outputs.testsTotal, '4');

    const nothing = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/passing', testResultsPath: '/Volumes/main/ci/results/none/*.xml' });
    assert.equal(nothing.result, 'Failed', 'a successful run that wrote no results where promised fails');
    assert.match(nothing.message, /testResultsPath/);
    assert.equal(nothing.outputs.resultState, 'SUCCESS');
    assert.equal(nothing.outputs.testsTotal, '0');
    assert.equal(publishedOf(nothing, 'testResults').length, 0, 'nothing to publish');
    assert.equal(publishedOf(nothing, 'summary').length, 1);
  });

  it('reads JUnit files from a workspace folder with the Files API', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/junit-in-workspace', testResultsPath: '/Workspace/Shared/ci/results/b4711/*.xml' });
    assert.equal(run.result, 'Failed', 'one JUnit test failed');
    assert.equal(run.outputs.testsTotal, '4');
    assert.equal(run.outputs.testsFailed, '1');
    assert.deepEqual(junitOf(run).map((s) => s.name), ['features', 'training']);
    assert.deepEqual(emulator().requestsTo('GET', /^\/api\/2\.0\/fs\/directories\//).map((r) => r.path), ['/api/2.0/fs/directories/Workspace/Shared/ci/results/b4711']);
    assert.deepEqual(
      emulator().requestsTo('GET', /^\/api\/2\.0\/fs\/files\//).map((r) => r.path),
      ['/api/2.0/fs/files/Workspace/Shared/ci/results/b4711/TEST-features.xml', '/api/2.0/fs/files/Workspace/Shared/ci/results/b4711/TEST-training.xml'],
    );
  });

  it('fails before submitting when the notebook or Python file is not in the workspace, naming the path', async () => {
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/typo' });
    assert.equal(run.result, 'Failed');
    assert.ok(run.message.includes(`'/Workspace/tests/typo' in ${emulator().url}`), run.message);
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
    assert.match(strange.message, /The flux capacitor ran out of flux\./);
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
        assert.match(run.message, expected);
        assert.equal(emulator().requests.length, 0, 'no call was made');
      });
    }
  });
});
