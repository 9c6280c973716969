import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator';
import { createDemoWorkspace, demo } from '../emulator/demo-workspace';
import { call, type Loose } from './helpers';

describe('emulator demo workspace', () => {
  let emulator: Emulator;
  const token = demo.pat;

  before(async () => {
    emulator = await startEmulator({ scenario: createDemoWorkspace().scenario });
  });
  after(() => emulator.close());

  async function runToEnd(runId: number): Promise<Loose> {
    for (let i = 0; i < 20; i++) {
      const run = (await call(emulator, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`, { token })).json;
      if (run.status.state === 'TERMINATED') return run;
    }
    throw new Error('run did not end');
  }

  it('runs the integration-tests job: JUnit XML on the volume, a JSON test report from the notebook', async () => {
    const jobs = (await call(emulator, 'GET', `/api/2.2/jobs/list?name=${demo.integrationJob}`, { token })).json.jobs;
    assert.equal(jobs.length, 1);
    const { json } = await call(emulator, 'POST', '/api/2.2/jobs/run-now', { token, body: { job_id: jobs[0].job_id } });
    const run = await runToEnd(json.run_id);
    assert.equal(run.state.result_state, 'SUCCESS');
    assert.equal(run.tasks.length, 2);
    const junit = await call(emulator, 'GET', `/api/2.0/fs/files${demo.junitPath}`, { token });
    assert.match(junit.text, /<testsuites/);
    const endToEnd = run.tasks.find((t: Loose) => t.notebook_task.notebook_path === demo.integrationNotebook);
    const output = (await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${endToEnd.run_id}`, { token })).json;
    const report = JSON.parse(output.notebook_output.result);
    assert.ok(report.tests.length > 0);
    assert.ok(report.tests.every((t: Loose) => ['passed', 'failed', 'skipped'].includes(t.status)));
  });

  it('has a champion and a newer READY candidate whose metrics share one evaluation dataset', async () => {
    const champion = (await call(emulator, 'GET', `/api/2.1/unity-catalog/models/${demo.model}/aliases/champion`, { token })).json;
    const candidate = (await call(emulator, 'GET', `/api/2.1/unity-catalog/models/${demo.model}/versions/${demo.candidateVersion}`, { token })).json;
    assert.equal(champion.version, demo.championVersion);
    assert.equal(candidate.status, 'READY');
    assert.ok(candidate.version > champion.version);
    const metrics = async (runId: string) =>
      (await call(emulator, 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`, { token })).json.run.data.metrics as Loose[];
    const championMetrics = await metrics(champion.run_id);
    const candidateMetrics = await metrics(candidate.run_id);
    for (const key of ['roc_auc', 'rmse', 'latency_p95_ms']) {
      const a = championMetrics.find((m) => m.key === key);
      const b = candidateMetrics.find((m) => m.key === key);
      assert.ok(a && b, key);
      assert.equal(a.dataset_digest, b.dataset_digest);
      assert.equal(a.dataset_name, b.dataset_name);
    }
  });

  it('runs the churn-evaluation job and returns compare JSON for the requested versions', async () => {
    const job = (await call(emulator, 'GET', `/api/2.2/jobs/list?name=${demo.evaluationJob}`, { token })).json.jobs[0];
    const { json } = await call(emulator, 'POST', '/api/2.2/jobs/run-now', {
      token,
      body: { job_id: job.job_id, job_parameters: { model_name: demo.model, candidate_version: '4', champion_version: '3' } },
    });
    const run = await runToEnd(json.run_id);
    const output = (await call(emulator, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.tasks[0].run_id}`, { token })).json;
    const compare = JSON.parse(output.notebook_output.result);
    assert.equal(compare.candidate_version, '4');
    assert.ok(compare.dataset.digest);
    assert.ok(compare.candidate.roc_auc > compare.champion.roc_auc);
    const paired = compare.paired.roc_auc;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean(paired.candidate) - compare.candidate.roc_auc) < 1e-6);
  });

  it('serves the warehouse, the paired scores table, and refuses alias writes to the reader', async () => {
    const statement = await call(emulator, 'POST', '/api/2.0/sql/statements', {
      token,
      body: { statement: `SELECT * FROM ${demo.pairedScoresTable} WHERE metric = :m`, warehouse_id: demo.warehouseId, parameters: [{ name: 'm', value: 'roc_auc' }] },
    });
    assert.equal(statement.status, 200);
    const denied = await call(emulator, 'PUT', `/api/2.1/unity-catalog/models/${demo.model}/aliases/champion`, { token: demo.readerPat, body: { version_num: 4 } });
    assert.equal(denied.status, 403);
  });
});
