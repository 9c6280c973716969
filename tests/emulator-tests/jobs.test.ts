import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator';
import { call, owner, ownerPat, type Loose } from './helpers';
import { FakeClock } from '../fakes/clock';

const submit = (emulator: Emulator, body: unknown) => call(emulator, 'POST', '/api/2.2/jobs/runs/submit', { body });
const getRun = (emulator: Emulator, runId: number, extra = '') => call(emulator, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}${extra}`);
const notebookTask = (key: string, path: string, extra: object = {}) => ({ task_key: key, notebook_task: { notebook_path: path }, ...extra });
const states = (run: Loose) => [run.state.life_cycle_state, run.state.result_state, run.status.state, run.status.termination_details?.code];

describe('emulator Jobs API', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [ownerPat]: owner } },
        notebooks: {
          '/nb/ok': { pending: 2, running: 1, result: 'SUCCESS', notebookOutput: { tests: [] }, files: { '/Volumes/main/ci/results/junit.xml': '<testsuites/>' } },
          '/nb/fails': { pending: 0, running: 1, result: 'FAILED', error: 'AssertionError: boom', errorTrace: 'Traceback...\nAssertionError: boom' },
          '/nb/forever': { pending: 0, running: 'forever' },
          '/nb/crash': { pending: 0, running: 0, result: 'FAILED', internalError: true },
        },
        pythonFiles: { '/Workspace/ci/check.py': { pending: 0, running: 1, result: 'SUCCESS', logs: 'collected 3 items\n3 passed' } },
        jobs: [
          {
            jobId: 11,
            name: 'Integration-Tests',
            parameters: { env: 'dev', sha: 'main' },
            tasks: [
              { taskKey: 'prepare', notebookPath: '/nb/prep', script: { pending: 0, running: 1 } },
              { taskKey: 'test', notebookPath: '/nb/test', dependsOn: ['prepare'], baseParameters: { suite: 'all' }, script: { pending: 0, running: 1, result: 'SUCCESS' } },
            ],
          },
          { jobId: 12, name: 'integration-tests', tasks: [{ taskKey: 'main' }] },
          ...Array.from({ length: 5 }, (_, i) => ({ jobId: 20 + i, name: `other-${i}`, tasks: [{ taskKey: 'main' }] })),
        ],
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());

  describe('runs/submit and runs/get', () => {
    it('moves a run PENDING → RUNNING → TERMINATED SUCCESS, one step per runs/get, with status and legacy state', async () => {
      const { json } = await submit(emulator, { run_name: 'ci', tasks: [notebookTask('t', '/nb/ok')], timeout_seconds: 600 });
      const seen = [];
      for (let i = 0; i < 5; i++) seen.push(states((await getRun(emulator, json.run_id)).json));
      assert.deepEqual(seen, [
        ['PENDING', undefined, 'PENDING', undefined],
        ['PENDING', undefined, 'PENDING', undefined],
        ['RUNNING', undefined, 'RUNNING', undefined],
        ['TERMINATED', 'SUCCESS', 'TERMINATED', 'SUCCESS'],
        ['TERMINATED', 'SUCCESS', 'TERMINATED', 'SUCCESS'],
      ]);
      const run = (await getRun(emulator, json.run_id)).json;
      assert.equal(run.run_type, 'SUBMIT_RUN');
      assert.equal(run.run_name, 'ci');
      assert.equal(run.creator_user_name, owner);
      assert.equal(run.run_page_url, `${emulator.url}/#job/${run.job_id}/run/${json.run_id}`);
      assert.ok(run.end_time >= run.start_time);
      assert.equal(run.tasks.length, 1);
      assert.notEqual(run.tasks[0].run_id, json.run_id);
      assert.equal(run.tasks[0].notebook_task.notebook_path, '/nb/ok');
      assert.equal(emulator.state.runs.get(json.run_id)?.timeoutSeconds, 600);
    });

    it('answers 400 INVALID_PARAMETER_VALUE for a run that does not exist', async () => {
      const result = await getRun(emulator, 424242);
      assert.equal(result.status, 400);
      assert.equal(result.json.error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(result.json.message, /Run 424242 does not exist/);
      assert.equal((await getRun(emulator, Number.NaN)).status, 400);
    });

    it('returns the existing run for a repeated idempotency_token', async () => {
      const body = { idempotency_token: 'build-77-attempt-1', tasks: [notebookTask('t', '/nb/ok')] };
      const first = await submit(emulator, body);
      const second = await submit(emulator, body);
      const other = await submit(emulator, { ...body, idempotency_token: 'build-77-attempt-2' });
      assert.equal(second.json.run_id, first.json.run_id);
      assert.notEqual(other.json.run_id, first.json.run_id);
      assert.equal(emulator.state.runs.size, 2);
      const tooLong = await submit(emulator, { ...body, idempotency_token: 'x'.repeat(65) });
      assert.equal(tooLong.status, 400);
    });

    it('rejects runs without tasks, duplicate task keys and unknown dependencies with 400', async () => {
      assert.equal((await submit(emulator, { tasks: [] })).status, 400);
      assert.equal((await submit(emulator, { tasks: [notebookTask('a', '/x'), notebookTask('a', '/y')] })).status, 400);
      const unknownDependency = await submit(emulator, { tasks: [notebookTask('a', '/x', { depends_on: [{ task_key: 'zz' }] })] });
      assert.deepEqual([unknownDependency.status, unknownDependency.json.error_code], [400, 'INVALID_PARAMETER_VALUE']);
    });

    it('ends a failing notebook FAILED with its error and trace in get-output', async () => {
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/fails')] });
      await getRun(emulator, json.run_id);
      const run = (await getRun(emulator, json.run_id)).json;
      assert.deepEqual(states(run), ['TERMINATED', 'FAILED', 'TERMINATED', 'RUN_EXECUTION_ERROR']);
      const output = await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.tasks[0].run_id}`);
      assert.equal(output.json.error, 'AssertionError: boom');
      assert.match(output.json.error_trace, /Traceback/);
      assert.equal(output.json.metadata.state.result_state, 'FAILED');
    });

    it('reports an internal error with life cycle INTERNAL_ERROR', async () => {
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/crash')] });
      const run = (await getRun(emulator, json.run_id)).json;
      assert.equal(run.state.life_cycle_state, 'INTERNAL_ERROR');
      assert.equal(run.status.termination_details.type, 'INTERNAL_ERROR');
    });

    it('chooses python file outcomes from pythonFiles and returns their logs', async () => {
      const { json } = await submit(emulator, { tasks: [{ task_key: 'py', spark_python_task: { python_file: '/Workspace/ci/check.py', parameters: ['-k', 'smoke'] } }] });
      await getRun(emulator, json.run_id);
      const run = (await getRun(emulator, json.run_id)).json;
      assert.equal(run.state.result_state, 'SUCCESS');
      const output = await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.tasks[0].run_id}`);
      assert.equal(output.json.logs, 'collected 3 items\n3 passed');
      assert.equal(output.json.logs_truncated, false);
      assert.deepEqual(emulator.state.runs.get(json.run_id)?.tasks[0].parameters, ['-k', 'smoke']);
    });

    it('defaults an unknown notebook to success and records base_parameters', async () => {
      const { json } = await submit(emulator, { tasks: [{ task_key: 't', notebook_task: { notebook_path: '/nb/unknown', base_parameters: { a: '1' } } }] });
      await getRun(emulator, json.run_id);
      await getRun(emulator, json.run_id);
      assert.equal((await getRun(emulator, json.run_id)).json.state.result_state, 'SUCCESS');
      assert.deepEqual(emulator.state.runs.get(json.run_id)?.tasks[0].baseParameters, { a: '1' });
    });

    it('paginates tasks 100 per page on 2.2 and returns them all on 2.1', async () => {
      const tasks = Array.from({ length: 230 }, (_, i) => notebookTask(`t${String(i).padStart(3, '0')}`, '/nb/ok'));
      const { json } = await submit(emulator, { tasks });
      const first = (await getRun(emulator, json.run_id)).json;
      assert.equal(first.tasks.length, 100);
      assert.equal(first.has_more, true);
      const second = (await getRun(emulator, json.run_id, `&page_token=${first.next_page_token}`)).json;
      assert.equal(second.tasks.length, 100);
      assert.equal(second.tasks[0].task_key, 't100');
      const third = (await getRun(emulator, json.run_id, `&page_token=${second.next_page_token}`)).json;
      assert.equal(third.tasks.length, 30);
      assert.equal(third.has_more, undefined);
      assert.equal(third.next_page_token, undefined);
      const legacy = (await call(emulator, 'GET', `/api/2.1/jobs/runs/get?run_id=${json.run_id}`)).json;
      assert.equal(legacy.tasks.length, 230);
      assert.equal(legacy.has_more, undefined);
    });

    it('writes the files of a finished task into the volume store', async () => {
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/ok')] });
      for (let i = 0; i < 3; i++) await getRun(emulator, json.run_id);
      assert.equal(emulator.state.files.has('/Volumes/main/ci/results/junit.xml'), false);
      await getRun(emulator, json.run_id);
      const file = await call(emulator, 'GET', '/api/2.0/fs/files/Volumes/main/ci/results/junit.xml');
      assert.equal(file.text, '<testsuites/>');
    });
  });

  describe('runs/get-output', () => {
    it('answers 400 for the parent of a multi-task run (every submitted run) and returns notebook_output per task', async () => {
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/ok')] });
      const parent = await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${json.run_id}`);
      assert.equal(parent.status, 400);
      assert.equal(parent.json.error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(parent.json.message, /multiple tasks is not supported/);
      let run: Loose;
      for (let i = 0; i < 4; i++) run = (await getRun(emulator, json.run_id)).json;
      const output = await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.tasks[0].run_id}`);
      assert.equal(output.status, 200);
      assert.deepEqual(output.json.notebook_output, { result: '{"tests":[]}', truncated: false });
      assert.equal(output.json.metadata.run_id, run.tasks[0].run_id);
      assert.equal(output.json.logs, undefined);
    });

    it('has no notebook_output before the task ends, and 400 for an unknown run', async () => {
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/ok')] });
      const run = (await getRun(emulator, json.run_id)).json;
      const output = await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.tasks[0].run_id}`);
      assert.equal(output.json.notebook_output, undefined);
      assert.equal(output.json.metadata.state.life_cycle_state, 'PENDING');
      assert.equal((await call(emulator, 'GET', '/api/2.2/jobs/runs/get-output?run_id=999999')).status, 400);
    });

    it('never shows an output before runs/get showed the run ended', async () => {
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/ok')] });
      let run: Loose;
      for (let i = 0; i < 3; i++) run = (await getRun(emulator, json.run_id)).json;
      assert.equal(run.state.life_cycle_state, 'RUNNING');
      const early = await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.tasks[0].run_id}`);
      assert.equal(early.json.metadata.state.life_cycle_state, 'RUNNING');
      assert.equal(early.json.notebook_output, undefined);
      assert.equal(emulator.state.files.size, 0);
      assert.equal((await getRun(emulator, json.run_id)).json.state.life_cycle_state, 'TERMINATED');
      const late = await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.tasks[0].run_id}`);
      assert.ok(late.json.notebook_output);
    });

    it('truncates notebook output at 5 MB', async () => {
      emulator.seed({ notebooks: { '/nb/big': { pending: 0, running: 0, notebookOutput: 'x'.repeat(5 * 1024 * 1024 + 10) } } });
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/big')] });
      const run = (await getRun(emulator, json.run_id)).json;
      const output = await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.tasks[0].run_id}`);
      assert.equal(output.json.notebook_output.truncated, true);
      assert.equal(output.json.notebook_output.result.length, 5 * 1024 * 1024);
    });
  });

  describe('runs/cancel', () => {
    it('is asynchronous: TERMINATING on the next poll, then TERMINATED CANCELED / USER_CANCELED', async () => {
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/forever')] });
      assert.equal((await getRun(emulator, json.run_id)).json.state.life_cycle_state, 'RUNNING');
      assert.equal((await getRun(emulator, json.run_id)).json.state.life_cycle_state, 'RUNNING');
      const cancelled = await call(emulator, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: json.run_id } });
      assert.deepEqual([cancelled.status, cancelled.json], [200, {}]);
      const terminating = (await getRun(emulator, json.run_id)).json;
      assert.deepEqual(states(terminating), ['TERMINATING', undefined, 'TERMINATING', undefined]);
      const terminated = (await getRun(emulator, json.run_id)).json;
      assert.deepEqual(states(terminated), ['TERMINATED', 'CANCELED', 'TERMINATED', 'USER_CANCELED']);
      assert.equal(terminated.state.user_cancelled_or_timedout, true);
      assert.equal(terminated.tasks[0].state.result_state, 'CANCELED');
    });

    it('leaves a finished run alone and answers 400 for an unknown run', async () => {
      const { json } = await submit(emulator, { tasks: [notebookTask('t', '/nb/crash')] });
      await getRun(emulator, json.run_id);
      await call(emulator, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: json.run_id } });
      assert.equal((await getRun(emulator, json.run_id)).json.state.life_cycle_state, 'INTERNAL_ERROR');
      const unknown = await call(emulator, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: 5 } });
      assert.deepEqual([unknown.status, unknown.json.error_code], [400, 'INVALID_PARAMETER_VALUE']);
    });
  });

  describe('jobs and run-now', () => {
    it('lists jobs by exact, case-insensitive name', async () => {
      const result = await call(emulator, 'GET', '/api/2.2/jobs/list?name=INTEGRATION-tests');
      assert.deepEqual(result.json.jobs.map((j: Loose) => j.job_id), [11, 12]);
      assert.equal(result.json.has_more, false);
      const partial = await call(emulator, 'GET', '/api/2.2/jobs/list?name=integration');
      assert.equal(partial.json.jobs, undefined, 'no match: the jobs key is omitted');
    });

    it('pages jobs/list with limit and page_token, and rejects limits outside 1-100', async () => {
      const first = (await call(emulator, 'GET', '/api/2.2/jobs/list?limit=3')).json;
      assert.deepEqual(first.jobs.map((j: Loose) => j.job_id), [11, 12, 20]);
      assert.equal(first.has_more, true);
      const second = (await call(emulator, 'GET', `/api/2.2/jobs/list?limit=3&page_token=${first.next_page_token}`)).json;
      assert.deepEqual(second.jobs.map((j: Loose) => j.job_id), [21, 22, 23]);
      const third = (await call(emulator, 'GET', `/api/2.2/jobs/list?limit=3&page_token=${second.next_page_token}`)).json;
      assert.deepEqual(third.jobs.map((j: Loose) => j.job_id), [24]);
      assert.equal(third.has_more, false);
      assert.equal((await call(emulator, 'GET', '/api/2.2/jobs/list?limit=101')).status, 400);
      assert.equal(first.jobs[0].settings.tasks, undefined);
      const expanded = (await call(emulator, 'GET', '/api/2.2/jobs/list?name=Integration-Tests&expand_tasks=true')).json;
      assert.equal(expanded.jobs[0].settings.tasks.length, 2);
    });

    it('gets a job with its tasks and parameters, and answers 400 INVALID_PARAMETER_VALUE for a missing job', async () => {
      const job = (await call(emulator, 'GET', '/api/2.2/jobs/get?job_id=11')).json;
      assert.equal(job.settings.name, 'Integration-Tests');
      assert.deepEqual(job.settings.tasks.map((t: Loose) => t.task_key), ['prepare', 'test']);
      assert.deepEqual(job.settings.parameters, [{ name: 'env', default: 'dev' }, { name: 'sha', default: 'main' }]);
      const missing = await call(emulator, 'GET', '/api/2.2/jobs/get?job_id=999');
      assert.deepEqual([missing.status, missing.json.error_code], [400, 'INVALID_PARAMETER_VALUE']);
      assert.match(missing.json.message, /Job 999 does not exist/);
    });

    it('runs a job with job_parameters; a task waits for its upstream task', async () => {
      const started = await call(emulator, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: 11, job_parameters: { env: 'staging' } } });
      assert.equal(started.status, 200);
      assert.equal(started.json.number_in_job, 1);
      const first = (await getRun(emulator, started.json.run_id)).json;
      assert.equal(first.run_type, 'JOB_RUN');
      assert.equal(first.job_id, 11);
      assert.deepEqual(first.tasks.map((t: Loose) => t.state.life_cycle_state), ['RUNNING', 'BLOCKED']);
      assert.deepEqual(first.job_parameters, [
        { name: 'env', default: 'dev', value: 'staging' },
        { name: 'sha', default: 'main', value: 'main' },
      ]);
      const second = (await getRun(emulator, started.json.run_id)).json;
      assert.deepEqual(second.tasks.map((t: Loose) => t.state.life_cycle_state), ['TERMINATED', 'RUNNING']);
      const third = (await getRun(emulator, started.json.run_id)).json;
      assert.equal(third.state.result_state, 'SUCCESS');
      assert.deepEqual(emulator.state.runs.get(started.json.run_id)?.jobParameters, { env: 'staging' });
      assert.deepEqual(emulator.state.runs.get(started.json.run_id)?.tasks[1].baseParameters, { suite: 'all' });
      const again = await call(emulator, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: 11 } });
      assert.equal(again.json.number_in_job, 2);
    });

    it('marks tasks downstream of a failure UPSTREAM_FAILED without running them', async () => {
      emulator.seed({
        jobs: [{ jobId: 30, name: 'chain', tasks: [{ taskKey: 'a', script: { pending: 0, running: 1, result: 'FAILED' } }, { taskKey: 'b', dependsOn: ['a'] }] }],
      });
      const { json } = await call(emulator, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: 30 } });
      await getRun(emulator, json.run_id);
      const run = (await getRun(emulator, json.run_id)).json;
      assert.deepEqual(states(run), ['TERMINATED', 'FAILED', 'TERMINATED', 'RUN_EXECUTION_ERROR']);
      assert.equal(run.tasks[1].state.result_state, 'UPSTREAM_FAILED');
    });

    it('answers run-now for a missing job with 400 and reuses the run for a repeated idempotency token', async () => {
      const missing = await call(emulator, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: 404 } });
      assert.deepEqual([missing.status, missing.json.error_code], [400, 'INVALID_PARAMETER_VALUE']);
      const body = { job_id: 12, idempotency_token: 'tok-1' };
      const first = await call(emulator, 'POST', '/api/2.2/jobs/run-now', { body });
      const second = await call(emulator, 'POST', '/api/2.1/jobs/run-now', { body });
      assert.equal(second.json.run_id, first.json.run_id);
    });
  });

  describe('on a clock', () => {
    it('advances runs by clock time instead of by polls', async () => {
      const clock = new FakeClock();
      const clocked = await startEmulator({
        clock,
        runStepMs: 10_000,
        scenario: {
          identities: { pats: { [ownerPat]: owner } },
          notebooks: { '/nb/long': { pending: 1, running: 6 * 360, result: 'SUCCESS', files: { '/Volumes/main/ci/r/out.txt': 'done' } } },
        },
      });
      try {
        const { json } = await submit(clocked, { tasks: [notebookTask('t', '/nb/long')] });
        assert.equal((await getRun(clocked, json.run_id)).json.state.life_cycle_state, 'PENDING');
        assert.equal((await getRun(clocked, json.run_id)).json.state.life_cycle_state, 'PENDING', 'polls alone do not advance it');
        clock.advance(10_000);
        assert.equal((await getRun(clocked, json.run_id)).json.state.life_cycle_state, 'RUNNING');
        clock.advance(6 * 3600 * 1000);
        const files = await call(clocked, 'GET', '/api/2.0/fs/files/Volumes/main/ci/r/out.txt');
        assert.equal(files.text, 'done', 'files appear when the clock passes the end, without a poll');
        const done = (await getRun(clocked, json.run_id)).json;
        assert.equal(done.state.result_state, 'SUCCESS');
        assert.equal(done.end_time - done.start_time, 6 * 3600 * 1000 + 10_000);
      } finally {
        await clocked.close();
      }
    });

    it('stays TERMINATING for one clock step after a cancel', async () => {
      const clock = new FakeClock();
      const clocked = await startEmulator({ clock, scenario: { identities: { pats: { [ownerPat]: owner } }, notebooks: { '/nb/forever': { pending: 0, running: 'forever' } } } });
      try {
        const { json } = await submit(clocked, { tasks: [notebookTask('t', '/nb/forever')] });
        clock.advance(3_000);
        await call(clocked, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: json.run_id } });
        assert.equal((await getRun(clocked, json.run_id)).json.state.life_cycle_state, 'TERMINATING');
        assert.equal((await getRun(clocked, json.run_id)).json.state.life_cycle_state, 'TERMINATING');
        clock.advance(1_000);
        assert.deepEqual(states((await getRun(clocked, json.run_id)).json), ['TERMINATED', 'CANCELED', 'TERMINATED', 'USER_CANCELED']);
      } finally {
        await clocked.close();
      }
    });
  });
});
