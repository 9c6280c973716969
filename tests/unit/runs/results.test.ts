import * as assert from 'node:assert/strict';
import { FilesClient } from '../../../tasks/common/databricks/files';
import { JobsClient } from '../../../tasks/common/databricks/jobs';
import { countTests } from '../../../tasks/common/junit/model';
import { findResultFiles, splitGlob } from '../../../tasks/common/runs/result-files';
import { collectTaskResults, collectTests, parseJsonTestReport, resultsPathOfRun, taskAsTestCase, taskResultsOf, unsuccessfulTasksSuites, type TaskRunResult } from '../../../tasks/common/runs/results';
import { runOutcome } from '../../../tasks/common/runs/run-outcome';
import { renderSummary, traceLinesInSummary } from '../../../tasks/common/runs/summary';
import { apiError, FakeTransport } from '../../fakes/transport';
import { fakeClient } from '../../fakes/client';
import { RecordingLogger } from '../../fakes/logger';
import { runState } from '../../fakes/job-runs';

const volume: Record<string, string> = {
  '/Volumes/main/ci/r/b1/TEST-a.xml': '<testsuite name="a"><testcase name="x" classname="c"/><testcase name="y" classname="c"><failure message="bad"/></testcase></testsuite>',
  '/Volumes/main/ci/r/b1/deep/TEST-b.xml': '<testsuites><testsuite name="b"><testcase name="z" classname="c"/></testsuite></testsuites>',
  '/Volumes/main/ci/r/b1/deep/readme.txt': 'not a report',
  '/Volumes/main/ci/r/b1/broken.xml': '<testsuite><testcase',
};

/** When the `volume` files were written (ms epoch), and the start of the run that wrote them. */
const written = 1_700_000_000_000;
const runStartTime = written - 5_000;

/** A fake Files API over the `volume` map; every file modified at `modified`. */
function volumeTransport(files: Record<string, string> = volume, modified = written): FakeTransport {
  return new FakeTransport(({ path }) => {
    const target = decodeURIComponent(path.replace(/^\/api\/2\.0\/fs\/(files|directories)/, ''));
    if (path.startsWith('/api/2.0/fs/files')) return files[target] === undefined ? apiError(404, 'NOT_FOUND', 'no file') : { body: Buffer.from(files[target]) };
    const prefix = `${target}/`;
    const children = new Map<string, { path: string; name: string; is_directory: boolean; last_modified?: number }>();
    for (const file of Object.keys(files).filter((f) => f.startsWith(prefix))) {
      const [name, ...rest] = file.slice(prefix.length).split('/');
      children.set(name, { path: `${prefix}${name}`, name, is_directory: rest.length > 0, ...(rest.length > 0 ? {} : { last_modified: modified }) });
    }
    if (children.size === 0) return apiError(404, 'NOT_FOUND', 'no directory');
    return { body: { contents: [...children.values()] } };
  });
}

function task(key: string, outcome: Parameters<typeof runState>, extra: Partial<TaskRunResult> = {}): TaskRunResult {
  return { taskKey: key, runId: 1, outcome: runOutcome(runState(...outcome)), durationMs: 1500, ...extra };
}

const paths = (files: Array<{ path: string }>): string[] => files.map((file) => file.path);

describe('result collection', () => {
  it('splits a glob into the folder to list', () => {
    assert.deepEqual(splitGlob('/Volumes/a/b/c/r/**/*.xml'), { base: '/Volumes/a/b/c/r', glob: true });
    assert.deepEqual(splitGlob('/Volumes/a/b/c/r/'), { base: '/Volumes/a/b/c/r', glob: false });
  });

  it('finds JUnit files by glob, by folder and by name, and none in a missing folder', async () => {
    const files = new FilesClient(fakeClient(volumeTransport()));
    assert.deepEqual(paths(await findResultFiles(files, '/Volumes/main/ci/r/b1/**/TEST-*.xml')), ['/Volumes/main/ci/r/b1/TEST-a.xml', '/Volumes/main/ci/r/b1/deep/TEST-b.xml']);
    assert.deepEqual(paths(await findResultFiles(files, '/Volumes/main/ci/r/b1/*.xml')), ['/Volumes/main/ci/r/b1/TEST-a.xml', '/Volumes/main/ci/r/b1/broken.xml']);
    assert.deepEqual(paths(await findResultFiles(files, '/Volumes/main/ci/r/b1')).length, 3);
    assert.deepEqual(paths(await findResultFiles(files, '/Volumes/main/ci/r/b1/TEST-a.xml')), ['/Volumes/main/ci/r/b1/TEST-a.xml']);
    assert.deepEqual(paths(await findResultFiles(files, '/Volumes/main/ci/r/b1/nope.xml')), []);
    assert.deepEqual(paths(await findResultFiles(files, '/Volumes/main/ci/r/none/*.xml')), []);
  });

  it('prunes folders a pattern without ** cannot reach', async () => {
    const transport = volumeTransport();
    await findResultFiles(new FilesClient(fakeClient(transport)), '/Volumes/main/ci/r/b1/*.xml');
    assert.ok(!transport.requests.some((r) => r.path.endsWith('/deep')));
  });

  it('reads a notebook JSON test report, failing closed on unknown statuses', () => {
    const cases = parseJsonTestReport(
      JSON.stringify({ tests: [{ name: 'a', status: 'passed', durationMs: 1500 }, { name: 'b', status: 'failed', trace: 'E1\nE2' }, { name: 'c', status: 'skipped', message: 'later' }, { name: 'd', status: 'weird' }] }),
      'task1',
    );
    assert.ok(cases);
    assert.deepEqual(cases[0], { name: 'a', classname: 'task1', time: 1.5 });
    assert.deepEqual(cases[1].failure, { message: 'E1', trace: 'E1\nE2' });
    assert.deepEqual(cases[2].skipped, { message: 'later' });
    assert.ok(cases[3].failure);
    assert.equal(parseJsonTestReport('ok', 't'), undefined);
    assert.equal(parseJsonTestReport('{"tests": 1}', 't'), undefined);
    assert.equal(parseJsonTestReport('{broken', 't'), undefined);
  });

  it('makes one test case of a task: passed, skipped when it never ran, failed with error and trace', () => {
    assert.equal(taskAsTestCase(task('a', ['TERMINATED', 'SUCCESS']), 'run').failure, undefined);
    const failed = taskAsTestCase(task('b', ['TERMINATED', 'FAILED', 'msg']), 'run');
    assert.equal(failed.failure?.type, 'FAILED');
    const withError = taskAsTestCase(task('c', ['TERMINATED', 'FAILED'], { error: 'ZeroDivisionError', errorTrace: 'Traceback\n  x' }), 'run');
    assert.deepEqual(withError.failure, { message: 'ZeroDivisionError', type: 'FAILED', trace: 'Traceback\n  x' });
    assert.equal(taskAsTestCase(task('d', ['TERMINATED', 'SKIPPED']), 'run').skipped !== undefined, true);
    const cutShort = taskAsTestCase(task('e', ['RUNNING']), 'run');
    assert.equal(cutShort.failure?.type, 'RUNNING', 'a task the run was stopped in is not a pass');
  });

  it('keeps only the tasks that did not succeed as failed cases, and no suite when all did', () => {
    const tasks = [task('ok', ['TERMINATED', 'SUCCESS']), task('skip', ['TERMINATED', 'SKIPPED']), task('hung', ['RUNNING']), task('bad', ['TERMINATED', 'FAILED'])];
    const [suite, ...rest] = unsuccessfulTasksSuites('it', 5, 'https://w/#run/5', tasks);
    assert.deepEqual(rest, []);
    assert.deepEqual(suite.cases.map((c) => c.name), ['hung', 'bad']);
    assert.deepEqual(suite.properties, { 'databricks.runId': '5', 'databricks.runPageUrl': 'https://w/#run/5' });
    assert.deepEqual(unsuccessfulTasksSuites('it', 5, undefined, tasks.slice(0, 2)), []);
  });

  it('reads the tasks of a run as last seen without calls; a run without tasks is its own task', () => {
    const multi = taskResultsOf({ run_id: 1, tasks: [{ task_key: 'a', run_id: 11, start_time: 1000, end_time: 3000, ...runState('TERMINATED', 'SUCCESS') }, { task_key: 'b', ...runState('PENDING') }] });
    assert.deepEqual(multi.map((t) => [t.taskKey, t.runId, t.outcome.kind, t.durationMs]), [['a', 11, 'success', 2000], ['b', undefined, 'running', undefined]]);
    assert.deepEqual(taskResultsOf({ run_id: 2, run_name: 'legacy', ...runState('RUNNING') }).map((t) => [t.taskKey, t.runId]), [['legacy', 2]]);
  });

  it('counts a retried task by its last attempt: a failure it recovered from is no failure, and its output is read once', async () => {
    const run = {
      run_id: 1,
      ...runState('TERMINATED', 'SUCCESS'),
      tasks: [
        { task_key: 'flaky', run_id: 11, attempt_number: 0, ...runState('TERMINATED', 'FAILED') },
        { task_key: 'steady', run_id: 12, attempt_number: 0, ...runState('TERMINATED', 'SUCCESS') },
        { task_key: 'flaky', run_id: 13, attempt_number: 1, original_attempt_run_id: 11, ...runState('TERMINATED', 'SUCCESS') },
      ],
    };
    assert.deepEqual(taskResultsOf(run).map((t) => [t.taskKey, t.runId, t.outcome.kind]), [['steady', 12, 'success'], ['flaky', 13, 'success']]);
    const transport = new FakeTransport(() => ({ body: { notebook_output: { result: 'done' } } }));
    const tasks = await collectTaskResults(new JobsClient(fakeClient(transport)), run, new RecordingLogger());
    assert.deepEqual(transport.requests.map((r) => r.query.get('run_id')), ['12', '13']);
    const collected = await collectTests({ runId: 1, runName: 'it', tasks, files: new FilesClient(fakeClient(volumeTransport())), logger: new RecordingLogger() });
    assert.deepEqual(countTests(collected.suites), { total: 2, passed: 2, failed: 0, skipped: 0 });
    const lastFailed = { ...run, tasks: [run.tasks[2], { ...run.tasks[0], run_id: 14, attempt_number: 2 }] };
    const [last, ...others] = taskResultsOf(lastFailed);
    assert.deepEqual([last.runId, others.length], [14, 0]);
    assert.notEqual(last.outcome.kind, 'success', 'a failed last attempt is not hidden by an earlier success');
  });

  it('collects JUnit suites and adds failed tasks as failed cases', async () => {
    const files = new FilesClient(fakeClient(volumeTransport()));
    const tasks = [task('ok', ['TERMINATED', 'SUCCESS']), task('crash', ['TERMINATED', 'FAILED'], { error: 'OOM' })];
    const collected = await collectTests({ runId: 5, runName: 'it', tasks, runStartTime, testResultsPath: '/Volumes/main/ci/r/b1/**/TEST-*.xml', files, logger: new RecordingLogger() });
    assert.deepEqual(collected.files.length, 2);
    assert.deepEqual(countTests(collected.suites), { total: 4, passed: 2, failed: 2, skipped: 0 });
    assert.equal(collected.suites[0].properties?.['databricks.runId'], '5');
    await assert.rejects(
      collectTests({ runId: 5, runName: 'it', tasks, runStartTime, testResultsPath: '/Volumes/main/ci/r/b1/*.xml', files, logger: new RecordingLogger() }),
      /broken\.xml is not well-formed XML/,
    );
  });

  it('reads only result files written since the run started (less a minute of clock skew), listing older ones as ignored', async () => {
    const ok = [task('ok', ['TERMINATED', 'SUCCESS'])];
    const pattern = '/Volumes/main/ci/r/b1/**/TEST-*.xml';
    // Written by an earlier run, just beyond the skew allowance: a passing report that this run did not write.
    const old = new FilesClient(fakeClient(volumeTransport(volume, runStartTime - 60_001)));
    const logger = new RecordingLogger();
    await assert.rejects(
      collectTests({ runId: 5, runName: 'it', tasks: ok, runStartTime, testResultsPath: pattern, files: old, logger }),
      (error: Error & { ignoredFiles?: string[] }) => /not.*written by this run|was written by this run/.test(error.message) && error.ignoredFiles?.length === 2,
    );
    assert.match(logger.messages('warn').join('\n'), /TEST-a\.xml/);
    // Within the allowance (storage clock slightly behind), the files count.
    const skewed = new FilesClient(fakeClient(volumeTransport(volume, runStartTime - 59_000)));
    const read = await collectTests({ runId: 5, runName: 'it', tasks: ok, runStartTime, testResultsPath: pattern, files: skewed, logger: new RecordingLogger() });
    assert.deepEqual([read.files.length, read.ignoredFiles], [2, []]);
    // Without the run's start time no file is proven to be this run's.
    await assert.rejects(collectTests({ runId: 5, runName: 'it', tasks: ok, testResultsPath: pattern, files: skewed, logger: new RecordingLogger() }));
    // The summary lists what was ignored.
    const summary = renderSummary({ runName: 'it', runId: 5, outcome: ok[0].outcome, tasks: ok, suites: [], verdict: 'Failed', ignoredResultFiles: ['/Volumes/main/ci/r/b1/TEST-a.xml'] });
    assert.match(summary, /Ignored 1 result file.*\n\n- `\/Volumes\/main\/ci\/r\/b1\/TEST-a\.xml`/);
  });

  it('reads the folder named after the run when testResultsPath holds {{job.run_id}}', async () => {
    assert.equal(resultsPathOfRun('/Volumes/main/ci/r/{{job.run_id}}/**/*.xml', 42), '/Volumes/main/ci/r/42/**/*.xml');
    assert.equal(resultsPathOfRun('/Volumes/main/ci/r/{{ job.run_id }}/x-{{job.run_id}}.xml', 7), '/Volumes/main/ci/r/7/x-7.xml');
    const files = new FilesClient(fakeClient(volumeTransport()));
    const read = await collectTests({ runId: 1, runName: 'it', tasks: [task('ok', ['TERMINATED', 'SUCCESS'])], runStartTime, testResultsPath: '/Volumes/main/ci/r/b{{job.run_id}}/**/TEST-*.xml', files, logger: new RecordingLogger() });
    assert.deepEqual(read.files, ['/Volumes/main/ci/r/b1/TEST-a.xml', '/Volumes/main/ci/r/b1/deep/TEST-b.xml']);
  });

  it('treats missing JUnit files as a failure only when the run succeeded', async () => {
    const files = new FilesClient(fakeClient(volumeTransport()));
    const ok = [task('ok', ['TERMINATED', 'SUCCESS'])];
    await assert.rejects(collectTests({ runId: 5, runName: 'it', tasks: ok, runStartTime, testResultsPath: '/Volumes/main/ci/r/x/*.xml', files, logger: new RecordingLogger() }), /testResultsPath/);
    const logger = new RecordingLogger();
    const failed = await collectTests({ runId: 5, runName: 'it', tasks: [task('f', ['TERMINATED', 'FAILED'])], runStartTime, testResultsPath: '/Volumes/main/ci/r/x/*.xml', files, logger });
    assert.deepEqual(countTests(failed.suites), { total: 1, passed: 0, failed: 1, skipped: 0 });
    assert.equal(logger.messages('warn').length, 1);
  });

  it('fails closed on reports that hold no test: JUnit files without a test case, a notebook report with an empty list', async () => {
    const files = new FilesClient(fakeClient(volumeTransport({ '/Volumes/main/ci/r/e/TEST-a.xml': '<testsuites/>', '/Volumes/main/ci/r/e/TEST-b.xml': '<testsuite name="b" tests="0"/>' })));
    const ok = [task('ok', ['TERMINATED', 'SUCCESS'])];
    await assert.rejects(collectTests({ runId: 5, runName: 'it', tasks: ok, runStartTime, testResultsPath: '/Volumes/main/ci/r/e/*.xml', files, logger: new RecordingLogger() }), /no test case/);
    const failedRun = await collectTests({ runId: 5, runName: 'it', tasks: [task('f', ['TERMINATED', 'FAILED'])], runStartTime, testResultsPath: '/Volumes/main/ci/r/e/*.xml', files, logger: new RecordingLogger() });
    assert.deepEqual(countTests(failedRun.suites), { total: 1, passed: 0, failed: 1, skipped: 0 }, 'a failed run keeps its failed task');
    const empty = JSON.stringify({ tests: [] });
    await assert.rejects(collectTests({ runId: 5, runName: 'it', tasks: [task('json', ['TERMINATED', 'SUCCESS'], { notebookResult: empty })], files, logger: new RecordingLogger() }), /'json'.*no tests/);
    const crashed = await collectTests({ runId: 5, runName: 'it', tasks: [task('json', ['TERMINATED', 'FAILED'], { notebookResult: empty })], files, logger: new RecordingLogger() });
    assert.deepEqual(countTests(crashed.suites), { total: 1, passed: 0, failed: 1, skipped: 0 });
  });

  it('uses the notebook JSON report per task and one case for tasks without one; truncated plain values are not reports', async () => {
    const files = new FilesClient(fakeClient(volumeTransport()));
    const report = JSON.stringify({ tests: [{ name: 'x', status: 'passed' }] });
    const tasks = [
      task('json', ['TERMINATED', 'SUCCESS'], { notebookResult: report }),
      task('plain', ['TERMINATED', 'SUCCESS'], { notebookResult: 'done' }),
      task('cut', ['TERMINATED', 'SUCCESS'], { notebookResult: 'x'.repeat(100), notebookTruncated: true }),
    ];
    const logger = new RecordingLogger();
    const collected = await collectTests({ runId: 5, runName: 'it', tasks, files, logger });
    assert.deepEqual(collected.sources, ['notebook-json', 'tasks', 'tasks']);
    assert.deepEqual(collected.suites.map((s) => [s.name, s.cases.map((c) => c.name)]), [['json', ['x']], ['it', ['plain', 'cut']]]);
    assert.equal(logger.messages('warn').length, 1);
  });

  it('fails closed when a succeeded notebook task may hold a report that cannot be read: output unavailable, cut, or not JSON', async () => {
    const files = new FilesClient(fakeClient(volumeTransport()));
    const collect = (extra: Partial<TaskRunResult>, state: Parameters<typeof runState> = ['TERMINATED', 'SUCCESS']) =>
      collectTests({ runId: 5, runName: 'it', tasks: [task('nb', state, extra)], files, logger: new RecordingLogger() });
    const failing = JSON.stringify({ tests: [{ name: 'x', status: 'failed' }] });
    await assert.rejects(collect({ notebook: true, outputUnavailable: '503 Service Unavailable' }), /'nb'.*503/);
    await assert.rejects(collect({ notebook: true, notebookResult: failing.slice(0, 20), notebookTruncated: true }), /'nb'.*5 MB/);
    await assert.rejects(collect({ notebook: true, notebookResult: "{'tests': [{'name': 'x', 'status': 'failed'}]}" }), /'nb'.*not JSON/);
    // What cannot hold a report stays one test case; a failed task fails on its own.
    assert.deepEqual(countTests((await collect({ outputUnavailable: 'no output for this task type' })).suites), { total: 1, passed: 1, failed: 0, skipped: 0 });
    for (const plain of ['{"rows": 3}', "{'rows': 3}"]) {
      assert.deepEqual(countTests((await collect({ notebook: true, notebookResult: plain })).suites), { total: 1, passed: 1, failed: 0, skipped: 0 });
    }
    assert.deepEqual(countTests((await collect({ notebook: true, notebookResult: `{"rows": "${'x'.repeat(50)}`, notebookTruncated: true })).suites).total, 1);
    assert.deepEqual(countTests((await collect({ notebook: true, outputUnavailable: 'gone' }, ['TERMINATED', 'FAILED'])).suites), { total: 1, passed: 0, failed: 1, skipped: 0 });
    assert.equal(taskResultsOf({ run_id: 1, tasks: [{ task_key: 'a', notebook_task: { notebook_path: '/x' } }, { task_key: 'b', spark_python_task: { python_file: '/y.py' } }] }).map((t) => t.notebook).join(), 'true,');
  });

  it('reads get-output per task run, never the parent, and keeps a task whose output is unavailable', async () => {
    const transport = new FakeTransport(({ query }) =>
      query.get('run_id') === '12' ? apiError(400, 'INVALID_PARAMETER_VALUE', 'gone') : { body: { error: 'E', error_trace: 'T', notebook_output: { result: 'r', truncated: false } } },
    );
    const logger = new RecordingLogger();
    const run = {
      run_id: 10,
      tasks: [
        { task_key: 'a', run_id: 11, start_time: 1000, end_time: 4000, ...runState('TERMINATED', 'FAILED') },
        { task_key: 'b', run_id: 12, ...runState('TERMINATED', 'SUCCESS') },
        { task_key: 'never', ...runState('TERMINATED', 'SKIPPED') },
      ],
    };
    const results = await collectTaskResults(new JobsClient(fakeClient(transport)), run, logger);
    assert.deepEqual(transport.requests.map((r) => r.query.get('run_id')), ['11', '12']);
    assert.equal(results[0].durationMs, 3000);
    assert.equal(results[0].errorTrace, 'T');
    assert.match(results[1].outputUnavailable ?? '', /gone/);
    assert.equal(results[2].runId, undefined);
  });
});

describe('summary', () => {
  it('shows each task state and duration, the counts, and failures with the first lines of the trace', () => {
    const trace = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    const tasks = [
      task('ingest', ['TERMINATED', 'SUCCESS'], { runPageUrl: 'https://w/#job/1/run/11' }),
      task('score', ['TERMINATED', 'FAILED'], { error: 'AssertionError: ```bad```', errorTrace: trace }),
    ];
    const markdown = renderSummary({
      runName: 'churn it',
      runId: 10,
      runPageUrl: 'https://w/#job/1/run/10',
      outcome: runOutcome(runState('TERMINATED', 'FAILED', 'Task score failed')),
      durationMs: 65_000,
      tasks,
      suites: [{ name: 's', cases: [{ name: 't1', classname: 'c', failure: { message: 'nope', trace: `has \`\`\` inside\n${trace}` } }, { name: 't2', classname: 'c' }] }],
      verdict: 'The Databricks run ended FAILED.',
    });
    assert.ok(markdown.includes('[churn it](https://w/#job/1/run/10)'));
    assert.ok(markdown.includes('[ingest](https://w/#job/1/run/11)'));
    assert.ok(markdown.includes('1 min 05 s'));
    assert.ok(markdown.includes(`line ${traceLinesInSummary}\n`));
    assert.ok(!markdown.includes(`line ${traceLinesInSummary + 1}\n`));
    assert.ok(markdown.includes('Tests: 2 total, 1 passed, 1 failed, 0 skipped'));
    assert.ok(markdown.includes('````\nhas ```'), 'the fence is longer than any backtick run in the text');
  });

  it("says the task's own limit stopped the run, not Databricks' 'cancelled by user'", () => {
    const input = {
      runName: 'churn it',
      runId: 10,
      outcome: runOutcome(runState('TERMINATED', 'CANCELED', 'Run cancelled by user.')),
      tasks: [],
      suites: [],
      verdict: 'The Databricks run 10 did not finish within 30 min (timeoutMinutes); it was cancelled.',
    };
    const timedOut = renderSummary({ ...input, interrupted: 'timeout', timeoutMs: 30 * 60_000 });
    assert.match(timedOut, /timed out after 30 minutes/);
    assert.doesNotMatch(timedOut, /cancelled by user/);
    assert.match(renderSummary({ ...input, interrupted: 'timeout', timeoutMs: 30_000 }), /timed out after 0\.5 minutes/);
    assert.match(renderSummary(input), /cancelled by user/);
  });
});
