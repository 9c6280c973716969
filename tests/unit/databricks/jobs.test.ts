import * as assert from 'node:assert/strict';
import type { RunTask } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import { JobsClient } from '../../../tasks/common/databricks/jobs';
import { ApiError } from '../../../tasks/common/http/errors';
import { apiError, FakeTransport } from '../../fakes/transport';
import { fakeClient } from '../../fakes/client';

function tasks(count: number, from = 0): RunTask[] {
  return Array.from({ length: count }, (_, i) => ({ task_key: `t${from + i}`, run_id: 1000 + from + i }));
}

describe('JobsClient', () => {
  it('follows runs/get pagination so a run has all of its tasks', async () => {
    const transport = new FakeTransport(({ query }) => {
      const page = query.get('page_token');
      if (page === null) return { body: { run_id: 7, tasks: tasks(100), job_parameters: [{ name: 'a', value: '1' }], has_more: true, next_page_token: 'p2' } };
      if (page === 'p2') return { body: { run_id: 7, tasks: tasks(100, 100), has_more: true, next_page_token: 'p3' } };
      return { body: { run_id: 7, tasks: tasks(50, 200), job_parameters: [], has_more: false } };
    });
    const run = await new JobsClient(fakeClient(transport)).getRun(7);
    assert.equal(run.tasks?.length, 250);
    assert.deepEqual(new Set(run.tasks?.map((t) => t.task_key)).size, 250);
    assert.equal(run.job_parameters?.length, 1);
    assert.equal(run.has_more, undefined);
    assert.deepEqual(transport.requests.map((r) => r.query.get('page_token')), [null, 'p2', 'p3']);
    assert.ok(transport.requests.every((r) => r.path === '/api/2.2/jobs/runs/get' && r.query.get('run_id') === '7'));
  });

  it('follows runs/get pages by next_page_token even when has_more is left out (it is documented for runs/list)', async () => {
    const transport = new FakeTransport(({ query }) =>
      query.get('page_token') === null ? { body: { run_id: 7, tasks: tasks(100), next_page_token: 'p2' } } : { body: { run_id: 7, tasks: tasks(3, 100) } },
    );
    const run = await new JobsClient(fakeClient(transport)).getRun(7);
    assert.equal(run.tasks?.length, 103);
    assert.equal(run.next_page_token, undefined);
  });

  it('stops following a page token the workspace repeats', async () => {
    const transport = new FakeTransport(() => ({ body: { run_id: 7, tasks: tasks(1), has_more: true, next_page_token: 'same' } }));
    const run = await new JobsClient(fakeClient(transport)).getRun(7);
    assert.equal(transport.requests.length, 2);
    assert.equal(run.tasks?.length, 2);
  });

  it('repeats a submission with an idempotency token after a dropped connection, with the same body', async () => {
    let calls = 0;
    const transport = new FakeTransport(() => (++calls === 1 ? 'drop' : { body: { run_id: 42 } }));
    const jobs = new JobsClient(fakeClient(transport));
    const runId = await jobs.submitRun({ run_name: 'it', idempotency_token: 'a'.repeat(64), tasks: [{ task_key: 'x' }] });
    assert.equal(runId, 42);
    assert.deepEqual(transport.log, ['POST /api/2.2/jobs/runs/submit', 'POST /api/2.2/jobs/runs/submit']);
    assert.deepEqual(transport.requests[0].json, transport.requests[1].json);
  });

  it('does not repeat a submission without a token after a dropped connection (it might start a second run)', async () => {
    const transport = new FakeTransport(() => 'drop');
    const jobs = new JobsClient(fakeClient(transport));
    await assert.rejects(jobs.submitRun({ run_name: 'it', tasks: [{ task_key: 'x' }] }), (error: ApiError) => error.isConnectionError);
    assert.equal(transport.requests.length, 1);
    await assert.rejects(jobs.runNow({ job_id: 5 }), ApiError);
    assert.equal(transport.requests.length, 2);
  });

  it('sends run-now, get-output and cancel to their 2.2 paths', async () => {
    const transport = new FakeTransport(({ path }) => {
      if (path.endsWith('/run-now')) return { body: { run_id: 9, number_in_job: 3 } };
      if (path.endsWith('/runs/get-output')) return { body: { notebook_output: { result: 'ok' } } };
      return { body: {} };
    });
    const jobs = new JobsClient(fakeClient(transport));
    assert.equal(await jobs.runNow({ job_id: 5, job_parameters: { a: 'b' }, idempotency_token: 't' }), 9);
    assert.equal((await jobs.getRunOutput(91)).notebook_output?.result, 'ok');
    await jobs.cancelRun(9);
    assert.deepEqual(transport.log, ['POST /api/2.2/jobs/run-now', 'GET /api/2.2/jobs/runs/get-output', 'POST /api/2.2/jobs/runs/cancel']);
    assert.equal(transport.requests[1].query.get('run_id'), '91');
    assert.deepEqual(transport.requests[2].json, { run_id: 9 });
  });

  it('retries runs/cancel after a dropped connection (cancelling twice is harmless)', async () => {
    let calls = 0;
    const transport = new FakeTransport(() => (++calls === 1 ? 'drop' : { body: {} }));
    await new JobsClient(fakeClient(transport)).cancelRun(9);
    assert.equal(transport.requests.length, 2);
  });

  it('lists jobs by name across pages, keeping exact matches before case-insensitive ones', async () => {
    const transport = new FakeTransport(({ query }) => {
      assert.equal(query.get('name'), 'Nightly');
      if (query.get('page_token') === null) {
        return { body: { jobs: [{ job_id: 1, settings: { name: 'nightly' } }], has_more: true, next_page_token: 'n' } };
      }
      return { body: { jobs: [{ job_id: 2, settings: { name: 'Nightly' } }, { job_id: 3, settings: { name: 'Nightly-2' } }], has_more: false } };
    });
    const jobs = new JobsClient(fakeClient(transport));
    assert.deepEqual((await jobs.listJobsByName('Nightly')).map((j) => j.job_id), [2]);
    const none = new JobsClient(fakeClient(new FakeTransport(() => ({ body: { has_more: false } }))));
    assert.deepEqual(await none.listJobsByName('x'), []);
  });

  it('surfaces a missing run as the API error (400 INVALID_PARAMETER_VALUE)', async () => {
    const transport = new FakeTransport(() => apiError(400, 'INVALID_PARAMETER_VALUE', 'Run 5 does not exist.'));
    await assert.rejects(new JobsClient(fakeClient(transport)).getRun(5), (error: ApiError) => error.errorCode === 'INVALID_PARAMETER_VALUE');
  });
});
