import * as assert from 'node:assert/strict';
import { FilesClient } from '../../../tasks/common/databricks/files';
import { JobsClient } from '../../../tasks/common/databricks/jobs';
import { IntegrationTestTimeoutError, runIntegrationTests, type IntegrationTestSettings } from '../../../tasks/common/runs/integration-run';
import { buildSubmitRun, taskKeyFor } from '../../../tasks/common/runs/submission';
import { fakeClient, FakeTransport, RecordingLogger, runState, SimulatedClock, type FakeReply, type FakeRequest } from './fakes';

/** A workspace whose one-time runs take `durationMs` of simulated time, unless cancelled. */
function workspace(clock: SimulatedClock, durationMs: number, options: { onGet?: () => void; onSubmit?: (request: FakeRequest) => FakeReply | undefined } = {}) {
  const runs = new Map<number, { startedAt: number; cancelled: boolean }>();
  const tokens = new Map<string, number>();
  let nextId = 100;
  const transport = new FakeTransport((request) => {
    const { path, query, body } = request;
    if (path.endsWith('/runs/submit')) {
      const early = options.onSubmit?.(request);
      if (early) return early;
      const token = (body as { idempotency_token?: string }).idempotency_token;
      if (token && tokens.has(token)) return { body: { run_id: tokens.get(token) } };
      const id = nextId++;
      runs.set(id, { startedAt: clock.now(), cancelled: false });
      if (token) tokens.set(token, id);
      return { body: { run_id: id } };
    }
    if (path.endsWith('/runs/cancel')) {
      const run = runs.get((body as { run_id: number }).run_id);
      if (run) run.cancelled = true;
      return { body: {} };
    }
    if (path.endsWith('/runs/get')) {
      options.onGet?.();
      const id = Number(query.get('run_id'));
      const run = runs.get(id)!;
      const done = run.cancelled || clock.now() - run.startedAt >= durationMs;
      const state = run.cancelled ? runState('TERMINATED', 'USER_CANCELED') : runState(done ? 'TERMINATED' : 'RUNNING', done ? 'SUCCESS' : undefined);
      return { body: { run_id: id, run_name: 'it', start_time: run.startedAt, end_time: done ? clock.now() : 0, tasks: [{ task_key: 'main', run_id: id * 10, ...state }], ...state } };
    }
    if (path.endsWith('/runs/get-output')) return { body: { notebook_output: { result: JSON.stringify({ tests: [{ name: 't', status: 'passed' }] }) } } };
    return { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: path } };
  });
  const client = fakeClient(transport, clock);
  return { transport, runs, jobs: new JobsClient(client), files: new FilesClient(client) };
}

const settings: IntegrationTestSettings = {
  spec: { kind: 'notebook', notebookPath: '/Workspace/tests/it', parameters: {}, compute: { kind: 'serverless', dependencies: [] } },
  runName: 'it',
  timeoutMs: 3600_000,
  cancelOnExit: true,
  failOnTestFailure: true,
  idempotencyToken: 'f'.repeat(64),
};

describe('integration-test run', () => {
  it('submits with the token and timeout_seconds, waits, reads the results and passes', async () => {
    const clock = new SimulatedClock();
    const ws = workspace(clock, 90_000);
    const started: number[] = [];
    const report = await runIntegrationTests({ ...settings, timeoutMs: 90.5 * 60_000 }, {
      ...ws, clock, logger: new RecordingLogger(), signal: new AbortController().signal, cleanupSignal: () => new AbortController().signal, onRunStarted: (r) => started.push(r.runId),
    });
    assert.equal(report.passed, true, report.verdict);
    assert.deepEqual(started, [report.runId]);
    assert.equal(report.counts.total, 1);
    const submit = ws.transport.requests[0].body as { idempotency_token: string; timeout_seconds: number };
    assert.equal(submit.idempotency_token, 'f'.repeat(64));
    assert.equal(submit.timeout_seconds, 5430);
    assert.ok(!ws.transport.log.includes('POST /api/2.2/jobs/runs/cancel'));
  });

  it('cancels the run when the time limit passes, with a fresh signal, and says so', async () => {
    const clock = new SimulatedClock();
    const ws = workspace(clock, 3600_000);
    const cleanup = new AbortController();
    const logger = new RecordingLogger();
    await assert.rejects(
      runIntegrationTests({ ...settings, timeoutMs: 30_000 }, { ...ws, clock, logger, signal: new AbortController().signal, cleanupSignal: () => cleanup.signal }),
      (error: Error) => error instanceof IntegrationTestTimeoutError && /timeoutMinutes/.test(error.message) && /cancelled/.test(error.message),
    );
    assert.equal(ws.runs.get(100)?.cancelled, true);
    assert.equal(clock.now() - 1_700_000_000_000, 30_000, 'stops at the limit');
  });

  it('cancels the run when the step is cancelled during the wait, then rethrows the cancellation', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const reason = new Error('The step was cancelled (SIGINT).');
    let gets = 0;
    const ws = workspace(clock, 3600_000, { onGet: () => (++gets === 3 ? controller.abort(reason) : undefined) });
    await assert.rejects(
      runIntegrationTests(settings, { ...ws, clock, logger: new RecordingLogger(), signal: controller.signal, cleanupSignal: () => new AbortController().signal }),
      (error) => error === reason,
    );
    assert.equal(ws.runs.get(100)?.cancelled, true);
    assert.deepEqual(ws.transport.log.filter((l) => l.endsWith('/cancel')), ['POST /api/2.2/jobs/runs/cancel']);
  });

  it('leaves the run alone when cancelOnExit is false', async () => {
    const clock = new SimulatedClock();
    const ws = workspace(clock, 3600_000);
    await assert.rejects(
      runIntegrationTests({ ...settings, timeoutMs: 10_000, cancelOnExit: false }, { ...ws, clock, logger: new RecordingLogger(), signal: new AbortController().signal, cleanupSignal: () => new AbortController().signal }),
      /cancelOnExit is false/,
    );
    assert.equal(ws.runs.get(100)?.cancelled, false);
  });

  it('when cancelled while submitting, re-submits with the same token to find the run and cancels it', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    let first = true;
    const ws = workspace(clock, 3600_000, {
      onSubmit: () => {
        if (!first) return undefined;
        first = false;
        controller.abort(new Error('cancelled'));
        return 'drop';
      },
    });
    await assert.rejects(
      runIntegrationTests(settings, { ...ws, clock, logger: new RecordingLogger(), signal: controller.signal, cleanupSignal: () => new AbortController().signal }),
      /cancelled/,
    );
    assert.deepEqual(ws.transport.log, ['POST /api/2.2/jobs/runs/submit', 'POST /api/2.2/jobs/runs/submit', 'POST /api/2.2/jobs/runs/cancel']);
    assert.equal(ws.runs.size, 1);
    assert.equal([...ws.runs.values()][0].cancelled, true);
  });

  it('builds one-time runs for each kind of compute', () => {
    const notebook = buildSubmitRun(
      { kind: 'notebook', notebookPath: '/Repos/ci/tests/run it.py', parameters: { a: 'b' }, compute: { kind: 'newCluster', spec: { spark_version: '15.4.x-scala2.12', num_workers: 1 } } },
      { runName: 'r', timeoutSeconds: 60 },
    );
    assert.equal(notebook.tasks?.[0].task_key, 'run_it');
    assert.deepEqual(notebook.tasks?.[0].new_cluster, { spark_version: '15.4.x-scala2.12', num_workers: 1 });
    assert.equal(notebook.idempotency_token, undefined);
    assert.equal(notebook.environments, undefined, 'serverless notebooks need no job environment');
    const python = buildSubmitRun({ kind: 'pythonFile', pythonFile: 'dbfs:/x/t.py', args: ['-k', 'smoke'], compute: { kind: 'serverless', dependencies: [] } }, { runName: 'r' });
    assert.deepEqual(python.tasks?.[0].spark_python_task, { python_file: 'dbfs:/x/t.py', parameters: ['-k', 'smoke'] });
    assert.equal(python.tasks?.[0].environment_key, 'default');
    assert.equal(taskKeyFor('/'), 'main');
  });
});
