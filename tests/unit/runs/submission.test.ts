import * as assert from 'node:assert/strict';
import { JobsClient } from '../../../tasks/common/databricks/jobs';
import { buildRunNow, JobLookupError, startRun } from '../../../tasks/common/runs/submission';
import { apiError, FakeTransport } from '../../fakes/transport';
import { fakeClient } from '../../fakes/client';
import { RecordingLogger } from '../../fakes/logger';

function workspace() {
  const jobs = [
    { job_id: 11, settings: { name: 'it', parameters: [{ name: 'env', default: 'dev' }] } },
    { job_id: 21, settings: { name: 'twin' } },
    { job_id: 22, settings: { name: 'twin' } },
  ];
  return new FakeTransport(({ path, query }) => {
    if (path.endsWith('/jobs/list')) return { body: { jobs: jobs.filter((j) => j.settings.name === query.get('name')), has_more: false } };
    if (path.endsWith('/jobs/get')) {
      const job = jobs.find((j) => String(j.job_id) === query.get('job_id'));
      return job ? { body: job } : apiError(400, 'INVALID_PARAMETER_VALUE', `Job ${query.get('job_id')} does not exist.`);
    }
    if (path.endsWith('/run-now')) return { body: { run_id: 500, number_in_job: 1 } };
    return apiError(404, 'ENDPOINT_NOT_FOUND', path);
  });
}

describe('run submission', () => {
  it('runs a job found by exact name with its parameters and the token', async () => {
    const transport = workspace();
    const started = await startRun(new JobsClient(fakeClient(transport)), { kind: 'job', job: { name: 'it' }, parameters: { env: 'dev' } }, { runName: 'r', idempotencyToken: 'tok' }, new RecordingLogger());
    assert.deepEqual(started, { runId: 500, jobId: 11 });
    assert.deepEqual(transport.requests.at(-1)?.json, { job_id: 11, job_parameters: { env: 'dev' }, idempotency_token: 'tok' });
  });

  it("refuses job parameters the job does not define, listing those it does, before run-now", async () => {
    const transport = workspace();
    const jobs = new JobsClient(fakeClient(transport));
    const spec = { kind: 'job' as const, job: { name: 'it' }, parameters: { env: 'dev', enviroment: 'x' }, requireDefinedParameters: true };
    await assert.rejects(startRun(jobs, spec, { runName: 'r' }, new RecordingLogger()), (error: Error) => {
      assert.ok(error instanceof JobLookupError);
      assert.match(error.message, /enviroment are not defined by job 11 'it' \(it defines: env\)/);
      return true;
    });
    await assert.rejects(startRun(jobs, { ...spec, job: { id: 21 }, parameters: { env: 'dev' } }, { runName: 'r' }, new RecordingLogger()), /it defines: none/);
    assert.equal(transport.log.filter((l) => l.endsWith('/run-now')).length, 0);
    assert.deepEqual(await startRun(jobs, { ...spec, parameters: { env: 'prod' } }, { runName: 'r' }, new RecordingLogger()), { runId: 500, jobId: 11 });
  });

  it('checks a job id exists before run-now', async () => {
    const transport = workspace();
    const jobs = new JobsClient(fakeClient(transport));
    assert.deepEqual(await startRun(jobs, { kind: 'job', job: { id: 21 }, parameters: {} }, { runName: 'r' }, new RecordingLogger()), { runId: 500, jobId: 21 });
    await assert.rejects(startRun(jobs, { kind: 'job', job: { id: 99 }, parameters: {} }, { runName: 'r' }, new RecordingLogger()), (error: Error) => error instanceof JobLookupError && /99/.test(error.message));
    assert.equal(transport.log.filter((l) => l.endsWith('/run-now')).length, 1);
  });

  it('refuses a missing or ambiguous name, naming the workspace or the ids', async () => {
    const jobs = new JobsClient(fakeClient(workspace()));
    await assert.rejects(startRun(jobs, { kind: 'job', job: { name: 'nope' }, parameters: {} }, { runName: 'r' }, new RecordingLogger()), /no job named 'nope' in https:\/\/adb-1\.2\.azuredatabricks\.net/);
    await assert.rejects(startRun(jobs, { kind: 'job', job: { name: 'twin' }, parameters: {} }, { runName: 'r' }, new RecordingLogger()), /ambiguous.*21, 22/);
  });

  it('omits empty job parameters and an absent token', () => {
    assert.deepEqual(buildRunNow(5, {}, {}), { job_id: 5 });
  });
});
