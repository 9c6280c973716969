import * as assert from 'node:assert/strict';
import type { Run } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import { FilesClient } from '../../../tasks/common/databricks/files';
import { JobsClient } from '../../../tasks/common/databricks/jobs';
import { WorkspaceClient } from '../../../tasks/common/databricks/workspace';
import {
  IntegrationTestInterruptedError,
  IntegrationTestTimeoutError,
  runIntegrationTests,
  type IntegrationTestDependencies,
  type IntegrationTestSettings,
} from '../../../tasks/common/runs/integration-run';
import { RunTargetError } from '../../../tasks/common/runs/preflight';
import { buildSubmitRun, taskKeyFor } from '../../../tasks/common/runs/submission';
import { apiError, FakeTransport, type Reply, type RecordedRequest } from '../../fakes/transport';
import { FakeClock } from '../../fakes/clock';
import { fakeClient } from '../../fakes/client';
import { RecordingLogger } from '../../fakes/logger';
import { runState } from '../../fakes/job-runs';

interface WorkspaceOptions {
  /** Sees each runs/get; a reply it returns answers instead of the run. */
  onGet?: () => Reply | void;
  onSubmit?: (request: RecordedRequest) => Reply | undefined;
  /** Simulated time from runs/cancel until the run shows CANCELED (TERMINATING meanwhile). */
  cancelTakesMs?: number;
  /** Workspace objects by path (get-status); default: the notebook of `settings`. */
  objects?: Record<string, string>;
  /** Sees each jobs/get (the check that a job id exists). */
  onJobGet?: () => void;
  /** What the notebook wrote to `/Volumes/main/ci/r/` (JUnit files by name). */
  junit?: Record<string, string>;
}

/** A workspace whose one-time runs take `durationMs` of simulated time, unless cancelled. */
function workspace(clock: FakeClock, durationMs: number, options: WorkspaceOptions = {}) {
  const runs = new Map<number, { startedAt: number; cancelledAt?: number }>();
  const tokens = new Map<string, number>();
  const objects = options.objects ?? { '/Workspace/tests/it': 'NOTEBOOK' };
  let nextId = 100;
  const transport = new FakeTransport((request) => {
    const { path, query, json: body } = request;
    if (path === '/api/2.0/workspace/get-status') {
      const type = objects[query.get('path') ?? ''];
      return type === 'FORBIDDEN' ? apiError(403, 'PERMISSION_DENIED', 'no') : type ? { body: { object_type: type, path: query.get('path') } } : apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'missing');
    }
    if (path.startsWith('/api/2.0/fs/directories/')) {
      const contents = Object.keys(options.junit ?? {}).map((name) => ({ name, path: `/Volumes/main/ci/r/${name}`, is_directory: false, last_modified: clock.now() }));
      return contents.length > 0 ? { body: { contents } } : apiError(404, 'NOT_FOUND', 'no directory');
    }
    if (path.startsWith('/api/2.0/fs/files/')) return { body: Buffer.from(options.junit?.[path.split('/').pop() ?? ''] ?? '') };
    if (path === '/api/2.2/jobs/get') options.onJobGet?.();
    if (path === '/api/2.2/jobs/get') return { body: { job_id: Number(query.get('job_id')), settings: { name: 'nightly it' } } };
    if (path.endsWith('/runs/submit') || path.endsWith('/run-now')) {
      const early = options.onSubmit?.(request);
      if (early) return early;
      const token = (body as { idempotency_token?: string }).idempotency_token;
      if (token && tokens.has(token)) return { body: { run_id: tokens.get(token) } };
      const id = nextId++;
      runs.set(id, { startedAt: clock.now() });
      if (token) tokens.set(token, id);
      return { body: { run_id: id } };
    }
    if (path.endsWith('/runs/cancel')) {
      const run = runs.get((body as { run_id: number }).run_id);
      if (run) run.cancelledAt ??= clock.now();
      return { body: {} };
    }
    if (path.endsWith('/runs/get')) {
      const override = options.onGet?.();
      if (override) return override;
      const id = Number(query.get('run_id'));
      const run = runs.get(id)!;
      const cancelled = run.cancelledAt !== undefined && clock.now() - run.cancelledAt >= (options.cancelTakesMs ?? 0);
      const done = !cancelled && run.cancelledAt === undefined && clock.now() - run.startedAt >= durationMs;
      const state: Pick<Run, 'status' | 'state'> = cancelled
        ? runState('TERMINATED', 'USER_CANCELED')
        : run.cancelledAt !== undefined
          ? { status: { state: 'TERMINATING' }, state: { life_cycle_state: 'TERMINATING' } }
          : runState(done ? 'TERMINATED' : 'RUNNING', done ? 'SUCCESS' : undefined);
      const ended = cancelled || done;
      return { body: { run_id: id, run_name: 'it', run_page_url: `https://w/#run/${id}`, start_time: run.startedAt, end_time: ended ? clock.now() : 0, tasks: [{ task_key: 'main', run_id: id * 10, ...state }], ...state } };
    }
    if (path.endsWith('/runs/get-output')) return { body: { notebook_output: { result: JSON.stringify({ tests: [{ name: 't', status: 'passed' }] }) } } };
    return { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: path } };
  });
  const client = fakeClient(transport, clock);
  return { transport, runs, jobs: new JobsClient(client), files: new FilesClient(client), workspace: new WorkspaceClient(client) };
}

const settings: IntegrationTestSettings = {
  spec: { kind: 'notebook', notebookPath: '/Workspace/tests/it', parameters: {}, compute: { kind: 'serverless', dependencies: [] } },
  runName: 'it',
  timeoutMs: 3600_000,
  cancelOnExit: true,
  failOnTestFailure: true,
  idempotencyToken: 'f'.repeat(64),
};

function deps(ws: ReturnType<typeof workspace>, clock: FakeClock, extra: Partial<IntegrationTestDependencies> = {}): IntegrationTestDependencies {
  return { ...ws, clock, logger: new RecordingLogger(), signal: new AbortController().signal, cleanupSignal: () => new AbortController().signal, ...extra };
}

/** The request log without the pre-check and the result reading: what happened to the run. */
function runCalls(transport: FakeTransport): string[] {
  return transport.log.filter((line) => /runs\/(submit|cancel|get)$/.test(line)).map((line) => line.replace('/api/2.2/jobs/', ''));
}

describe('integration-test run', () => {
  it('submits with the token and timeout_seconds, waits, reads the results and passes', async () => {
    const clock = new FakeClock();
    const ws = workspace(clock, 90_000);
    const started: number[] = [];
    const report = await runIntegrationTests({ ...settings, timeoutMs: 90.5 * 60_000 }, deps(ws, clock, { onRunStarted: (r) => started.push(r.runId) }));
    assert.equal(report.passed, true, report.verdict);
    assert.equal(report.interrupted, undefined);
    assert.deepEqual(started, [report.runId]);
    assert.equal(report.counts.total, 1);
    const submit = ws.transport.requests.find((r) => r.path.endsWith('/runs/submit'))?.json as { idempotency_token: string; timeout_seconds: number };
    assert.equal(submit.idempotency_token, 'f'.repeat(64));
    assert.equal(submit.timeout_seconds, 5430);
    assert.ok(!ws.transport.log.includes('POST /api/2.2/jobs/runs/cancel'));
  });

  describe('a missing notebook or Python file fails before anything is submitted', () => {
    async function attempt(spec: IntegrationTestSettings['spec'], objects: Record<string, string>) {
      const clock = new FakeClock();
      const ws = workspace(clock, 1_000, { objects });
      const outcome = await runIntegrationTests({ ...settings, spec }, deps(ws, clock)).then(
        () => undefined,
        (error: Error) => error,
      );
      return { error: outcome, submitted: ws.transport.log.some((line) => line.endsWith('/runs/submit')), log: ws.transport.log };
    }
    const notebook = (notebookPath: string): IntegrationTestSettings['spec'] => ({ kind: 'notebook', notebookPath, parameters: {}, compute: { kind: 'serverless', dependencies: [] } });
    const python = (pythonFile: string): IntegrationTestSettings['spec'] => ({ kind: 'pythonFile', pythonFile, args: [], compute: { kind: 'serverless', dependencies: [] } });

    it('nothing at the path, naming it and the workspace', async () => {
      const { error, submitted } = await attempt(notebook('/Workspace/tests/typo'), {});
      assert.ok(error instanceof RunTargetError);
      assert.match(error.message, /'\/Workspace\/tests\/typo' in https:\/\/adb-1\.2\.azuredatabricks\.net/);
      assert.equal(submitted, false);
    });

    it('a folder where the notebook belongs', async () => {
      const { error, submitted } = await attempt(notebook('/Workspace/tests'), { '/Workspace/tests': 'DIRECTORY' });
      assert.ok(error instanceof RunTargetError);
      assert.equal(submitted, false);
    });

    it('finds an object the Workspace API names without the /Workspace prefix', async () => {
      const { error, log } = await attempt(notebook('/Workspace/Users/me/it'), { '/Users/me/it': 'NOTEBOOK' });
      assert.equal(error, undefined);
      assert.deepEqual(log.slice(0, 3), ['GET /api/2.0/workspace/get-status', 'GET /api/2.0/workspace/get-status', 'POST /api/2.2/jobs/runs/submit']);
    });

    it('checks a Python file on a volume with the Files API, and leaves DBFS and unreadable paths to the run', async () => {
      const volume = await attempt(python('/Volumes/main/ci/code/run_tests.py'), {});
      assert.equal(volume.log[0], 'HEAD /api/2.0/fs/files/Volumes/main/ci/code/run_tests.py');
      assert.equal(volume.error, undefined, 'the fake answers HEAD with 200');
      const dbfs = await attempt(python('dbfs:/ci/run_tests.py'), {});
      assert.equal(dbfs.error, undefined);
      assert.equal(dbfs.log[0], 'POST /api/2.2/jobs/runs/submit');
      const forbidden = await attempt(python('/Workspace/secret/run_tests.py'), { '/Workspace/secret/run_tests.py': 'FORBIDDEN' });
      assert.equal(forbidden.error, undefined);
      assert.equal(forbidden.submitted, true);
    });
  });

  it('on timeout cancels the run with a fresh signal, sees the cancellation through and reports the run', async () => {
    const clock = new FakeClock();
    const clockStart = clock.now();
    const ws = workspace(clock, 3600_000, { cancelTakesMs: 2_500 });
    const error = await runIntegrationTests({ ...settings, timeoutMs: 30_000 }, deps(ws, clock)).then(
      () => assert.fail('resolved'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof IntegrationTestTimeoutError);
    assert.match(error.message, /timeoutMinutes/);
    assert.equal(ws.runs.get(100)?.cancelledAt, clockStart + 30_000, 'cancelled at the limit');
    const calls = runCalls(ws.transport);
    assert.deepEqual(calls.slice(calls.indexOf('POST runs/cancel')), ['POST runs/cancel', 'GET runs/get', 'GET runs/get', 'GET runs/get', 'GET runs/get']);
    const { report } = error;
    assert.equal(report.interrupted, 'timeout');
    assert.equal(report.passed, false);
    assert.equal(report.verdict, error.message);
    assert.equal(report.outcome.resultState, 'CANCELED');
    assert.equal(report.runPageUrl, 'https://w/#run/100');
    // The notebook's JSON report (read after the cancellation) and the cancelled task as a failed case.
    assert.deepEqual(report.counts, { total: 2, passed: 1, failed: 1, skipped: 0 });
    assert.equal(report.tasks[0].outcome.kind, 'cancelled');
  });

  it('stops seeing a timed-out run through when the step is cancelled meanwhile', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const ws = workspace(clock, 3600_000, {
      cancelTakesMs: 60_000,
      onGet: () => {
        if (ws.runs.get(100)?.cancelledAt !== undefined) controller.abort(new Error('SIGTERM'));
      },
    });
    await assert.rejects(runIntegrationTests({ ...settings, timeoutMs: 30_000 }, deps(ws, clock, { signal: controller.signal })), IntegrationTestTimeoutError);
    const calls = runCalls(ws.transport);
    assert.deepEqual(calls.slice(calls.indexOf('POST runs/cancel')), ['POST runs/cancel', 'GET runs/get']);
  });

  it('cancels a run of an existing job at timeoutMinutes too: run-now has no timeout_seconds, the job keeps its own', async () => {
    const clock = new FakeClock();
    const clockStart = clock.now();
    const ws = workspace(clock, 3600_000);
    await assert.rejects(
      runIntegrationTests({ ...settings, spec: { kind: 'job', job: { id: 5 }, parameters: {} }, timeoutMs: 60_000 }, deps(ws, clock)),
      IntegrationTestTimeoutError,
    );
    const runNow = ws.transport.requests.find((r) => r.path.endsWith('/run-now'));
    assert.deepEqual(runNow?.json, { job_id: 5, idempotency_token: 'f'.repeat(64) });
    assert.equal(ws.runs.get(100)?.cancelledAt, clockStart + 60_000);
  });

  it('on pipeline cancellation cancels the run, reads it once and rethrows with the reason as cause', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const reason = new Error('The step was cancelled (SIGINT).');
    let gets = 0;
    const ws = workspace(clock, 3600_000, { cancelTakesMs: 60_000, onGet: () => {
        if (++gets === 3) controller.abort(reason);
      } });
    const error = await runIntegrationTests(settings, deps(ws, clock, { signal: controller.signal })).then(
      () => assert.fail('resolved'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof IntegrationTestInterruptedError && !(error instanceof IntegrationTestTimeoutError));
    assert.equal(error.cause, reason);
    assert.equal(ws.runs.get(100)?.cancelledAt !== undefined, true);
    const calls = runCalls(ws.transport);
    assert.deepEqual(calls.slice(calls.indexOf('POST runs/cancel')), ['POST runs/cancel', 'GET runs/get'], 'no waiting for the cancellation');
    assert.equal(error.report.interrupted, 'cancelled');
    assert.equal(error.report.outcome.lifecycle, 'TERMINATING');
    assert.equal(error.report.counts.failed, 1);
  });

  it('leaves the run alone when cancelOnExit is false, reporting it as still running', async () => {
    const clock = new FakeClock();
    const ws = workspace(clock, 3600_000);
    const error = await runIntegrationTests({ ...settings, timeoutMs: 10_000, cancelOnExit: false }, deps(ws, clock)).then(
      () => assert.fail('resolved'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof IntegrationTestTimeoutError);
    assert.match(error.message, /cancelOnExit is false/);
    assert.equal(ws.runs.get(100)?.cancelledAt, undefined);
    assert.ok(!ws.transport.log.includes('POST /api/2.2/jobs/runs/cancel'));
    assert.equal(error.report.outcome.lifecycle, 'RUNNING');
  });

  it('cancels the run when waiting fails for good, keeping the error as cause', async () => {
    const clock = new FakeClock();
    let gets = 0;
    const inner = workspace(clock, 3600_000, {
      onGet: () => (++gets === 2 ? apiError(400, 'INVALID_PARAMETER_VALUE', 'the workspace broke') : undefined),
    });
    await assert.rejects(runIntegrationTests(settings, deps(inner, clock)), (error: unknown) => {
      assert.ok(error instanceof IntegrationTestInterruptedError);
      assert.equal(error.report.interrupted, 'failed');
      assert.match(error.message, /the workspace broke/);
      assert.equal((error.cause as { errorCode?: string }).errorCode, 'INVALID_PARAMETER_VALUE');
      return true;
    });
    assert.notEqual(inner.runs.get(100)?.cancelledAt, undefined);
  });

  it('cancels the run when reporting its start fails', async () => {
    const clock = new FakeClock();
    const ws = workspace(clock, 3600_000);
    const broken = new Error('could not set the output');
    await assert.rejects(runIntegrationTests(settings, deps(ws, clock, { onRunStarted: () => { throw broken; } })), (error: unknown) => {
      assert.ok(error instanceof IntegrationTestInterruptedError);
      assert.equal(error.cause, broken);
      return true;
    });
    assert.notEqual(ws.runs.get(100)?.cancelledAt, undefined);
  });

  it('when cancelled while submitting, re-submits with the same token to find the run and cancels it', async () => {
    const clock = new FakeClock();
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
    await assert.rejects(runIntegrationTests(settings, deps(ws, clock, { signal: controller.signal })), /cancelled/);
    assert.deepEqual(runCalls(ws.transport), ['POST runs/submit', 'POST runs/submit', 'POST runs/cancel']);
    assert.equal(ws.runs.size, 1);
    assert.notEqual([...ws.runs.values()][0].cancelledAt, undefined);
  });

  it('when cancelled while looking up the job, before run-now was sent, starts no run just to cancel it', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const ws = workspace(clock, 3600_000, { onJobGet: () => controller.abort(new Error('cancelled')) });
    await assert.rejects(runIntegrationTests({ ...settings, spec: { kind: 'job', job: { id: 5 }, parameters: {} } }, deps(ws, clock, { signal: controller.signal })));
    assert.deepEqual(ws.transport.log.filter((line) => !line.endsWith('/jobs/get')), []);
    assert.equal(ws.runs.size, 0);
  });

  it('when cancelled while sending run-now, repeats that request with the same token and cancels the run', async () => {
    const clock = new FakeClock();
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
    await assert.rejects(runIntegrationTests({ ...settings, spec: { kind: 'job', job: { id: 5 }, parameters: { env: 'ci' } } }, deps(ws, clock, { signal: controller.signal })), /cancelled/);
    assert.deepEqual(ws.transport.log.map((line) => line.replace('/api/2.2/jobs/', '')), ['GET get', 'POST run-now', 'POST run-now', 'POST runs/cancel']);
    assert.deepEqual(ws.transport.requests[1].json, ws.transport.requests[2].json);
    assert.equal(ws.runs.size, 1);
    assert.notEqual([...ws.runs.values()][0].cancelledAt, undefined);
  });

  it('reports a run whose promised JUnit results are missing as failed, with the reason, instead of throwing', async () => {
    const clock = new FakeClock();
    const ws = workspace(clock, 5_000);
    const report = await runIntegrationTests({ ...settings, testResultsPath: '/Volumes/main/ci/r/*.xml' }, deps(ws, clock));
    assert.equal(report.passed, false);
    assert.equal(report.outcome.resultState, 'SUCCESS');
    assert.match(report.verdict, /testResultsPath '\/Volumes\/main\/ci\/r\/\*\.xml'/);
    assert.deepEqual(report.counts, { total: 0, passed: 0, failed: 0, skipped: 0 });

    const junit = workspace(clock, 5_000, { junit: { 'TEST-a.xml': '<testsuite name="a"><testcase name="x" classname="c"/></testsuite>' } });
    const read = await runIntegrationTests({ ...settings, testResultsPath: '/Volumes/main/ci/r/*.xml' }, deps(junit, clock));
    assert.equal(read.passed, true, read.verdict);
    assert.deepEqual(read.sources, ['junit']);
  });

  it('fails a succeeded run with a task whose end state is missing or unknown, even with failOnTestFailure false', async () => {
    const clock = new FakeClock();
    for (const unclear of [{}, runState('TERMINATED', 'QUANTUM_FLUX')]) {
      let gets = 0;
      const ws = workspace(clock, 5_000, {
        onGet: () =>
          ++gets < 2
            ? undefined
            : { body: { run_id: 100, run_name: 'it', ...runState('TERMINATED', 'SUCCESS'), tasks: [{ task_key: 'main', run_id: 1000, ...runState('TERMINATED', 'SUCCESS') }, { task_key: 'other', run_id: 1001, ...unclear }] } },
      });
      const report = await runIntegrationTests({ ...settings, failOnTestFailure: false }, deps(ws, clock));
      assert.equal(report.passed, false, report.verdict);
      assert.match(report.verdict, /'other'/);
    }
    const ws = workspace(clock, 5_000);
    assert.equal((await runIntegrationTests({ ...settings, failOnTestFailure: false }, deps(ws, clock))).passed, true);
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
    const cluster = buildSubmitRun({ kind: 'notebook', notebookPath: '/a/b', parameters: {}, compute: { kind: 'existingCluster', clusterId: '0123-456789-abcdefgh' } }, { runName: 'r', timeoutSeconds: 90 });
    assert.equal(cluster.tasks?.[0].existing_cluster_id, '0123-456789-abcdefgh');
    assert.equal(cluster.tasks?.[0].timeout_seconds, 90);
    assert.equal(cluster.timeout_seconds, 90);
  });
});
