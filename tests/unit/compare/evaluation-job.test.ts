import assert from 'node:assert/strict';
import type { Run } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import { createEvaluationJobRunner, evaluationIdempotencyToken, type EvaluationJobDependencies } from '../../../tasks/common/compare/evaluation-job';
import { silentLogger } from '../../../tasks/common/ports';
import { FakeClock } from '../../fakes/clock';
import { FakeJobs } from '../../fakes/job-runs';

function terminated(result: string, tasks: Run['tasks'] = [{ task_key: 'evaluate', run_id: 11 }]): Run {
  return { run_id: 10, run_page_url: 'https://ws/run/10', state: { life_cycle_state: 'TERMINATED', result_state: result as never }, tasks };
}

function runner(jobs: FakeJobs, timeoutMs = 60_000) {
  return createEvaluationJobRunner({ jobs: jobs as unknown as EvaluationJobDependencies['jobs'], clock: new FakeClock(), logger: silentLogger, idempotencyToken: 'tok', timeoutMs });
}

describe('compare/evaluation-job', () => {
  it('cancelled while run-now is in flight: repeats it with the same token to learn the run, and cancels that run', async () => {
    const controller = new AbortController();
    const jobs = new FakeJobs([], {});
    const token = evaluationIdempotencyToken('tok', 'evaluate-models', {});
    let sent = 0;
    jobs.runNow = (request: { job_id: number; idempotency_token?: string }) => {
      jobs.log.push(`run-now ${request.job_id} ${request.idempotency_token ?? ''}`);
      // The workspace got the first request; the step is cancelled before its answer arrives.
      if (sent++ === 0) controller.abort(new Error('cancelled'));
      return sent === 1 ? Promise.reject(new Error('aborted')) : Promise.resolve(10);
    };
    await assert.rejects(runner(jobs).run('evaluate-models', {}, controller.signal));
    assert.deepEqual(jobs.log, ['list evaluate-models', `run-now 7 ${token}`, `run-now 7 ${token}`, 'cancel 10']);
  });

  it('cancelled during the job lookup: starts nothing', async () => {
    const controller = new AbortController();
    const jobs = new FakeJobs([], {});
    jobs.listJobsByName = () => {
      controller.abort(new Error('cancelled'));
      return Promise.reject(new Error('aborted'));
    };
    await assert.rejects(runner(jobs).run('evaluate-models', {}, controller.signal));
    assert.deepEqual(jobs.log, []);
  });

  it('runs the job by name with the parameters and returns the one notebook exit value', async () => {
    const running: Run = { run_id: 10, state: { life_cycle_state: 'RUNNING' } };
    const jobs = new FakeJobs([running, terminated('SUCCESS', [{ task_key: 'prep', run_id: 12 }, { task_key: 'evaluate', run_id: 11 }])], {
      11: { notebook_output: { result: '{"ok":1}' } },
      12: {},
    });
    const result = await runner(jobs).run('evaluate-models', { model_name: 'm' });
    assert.deepEqual(result, { output: '{"ok":1}', runId: 10, runPageUrl: 'https://ws/run/10' });
    assert.deepEqual(jobs.log, ['list evaluate-models', `run-now 7 {"model_name":"m"} ${evaluationIdempotencyToken('tok', 'evaluate-models', { model_name: 'm' })}`, 'output 12', 'output 11']);
  });

  it('binds the step token to the job and its parameters', () => {
    const token = evaluationIdempotencyToken('step', 'job', { b: '2', a: '1' });
    assert.match(token ?? '', /^[0-9a-f]{64}$/);
    assert.equal(evaluationIdempotencyToken('step', 'job', { a: '1', b: '2' }), token);
    assert.notEqual(evaluationIdempotencyToken('step', 'other-job', { a: '1', b: '2' }), token);
    assert.notEqual(evaluationIdempotencyToken('step', 'job', { a: '1', b: '3' }), token);
    assert.notEqual(evaluationIdempotencyToken('step2', 'job', { a: '1', b: '2' }), token);
    assert.equal(evaluationIdempotencyToken(undefined, 'job', {}), undefined);
  });

  it('refuses a run of another job handed back for the token', async () => {
    const jobs = new FakeJobs([{ ...terminated('SUCCESS'), job_id: 99 }], { 11: { notebook_output: { result: '{}' } } });
    await assert.rejects(runner(jobs).run('e', {}), /not of the evaluation job 'e' \(job 7\)/);
  });

  it('fails closed on a failed run, no output, two outputs or a truncated output', async () => {
    await assert.rejects(runner(new FakeJobs([terminated('FAILED')], {})).run('e', {}), /ended FAILED; no verdict/);
    await assert.rejects(runner(new FakeJobs([terminated('SUCCESS')], { 11: {} })).run('e', {}), /exactly one notebook task.*none did/);
    const two = new FakeJobs([terminated('SUCCESS', [{ task_key: 'a', run_id: 1 }, { task_key: 'b', run_id: 2 }])], { 1: { notebook_output: { result: '1' } }, 2: { notebook_output: { result: '2' } } });
    await assert.rejects(runner(two).run('e', {}), /2 did \(a, b\)/);
    await assert.rejects(runner(new FakeJobs([terminated('SUCCESS')], { 11: { notebook_output: { result: '{', truncated: true } } })).run('e', {}), /truncated/);
  });

  it('reads a retried notebook task by its last attempt only', async () => {
    const retried = terminated('SUCCESS', [
      { task_key: 'evaluate', run_id: 11, attempt_number: 0 },
      { task_key: 'evaluate', run_id: 13, attempt_number: 1 },
    ]);
    const jobs = new FakeJobs([retried], { 11: { notebook_output: { result: '{"attempt":0}' } }, 13: { notebook_output: { result: '{"attempt":1}' } } });
    assert.equal((await runner(jobs).run('e', {})).output, '{"attempt":1}');
    assert.ok(!jobs.log.includes('output 11'), 'the failed first attempt is not read');
  });

  it('cancels the run when waiting times out', async () => {
    const jobs = new FakeJobs([{ run_id: 10, state: { life_cycle_state: 'RUNNING' } }], {});
    await assert.rejects(runner(jobs, 10_000).run('e', {}), /did not finish/);
    assert.ok(jobs.log.includes('cancel 10'));
  });
});
