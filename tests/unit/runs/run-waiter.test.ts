import * as assert from 'node:assert/strict';
import { ApiError } from '../../../tasks/common/http/errors';
import { RunTimeoutError, waitForRun, type RunProgress, type StateChange } from '../../../tasks/common/runs/run-waiter';
import { FakeClock } from '../../fakes/clock';
import { RecordingLogger } from '../../fakes/logger';
import { ScriptedRun } from '../../fakes/job-runs';

describe('run waiter', () => {
  it('reports each state change of the run and of each task once, logs each with the run page URL once, and reports progress', async () => {
    const clock = new FakeClock();
    const run = new ScriptedRun(clock, 5, clock.now(), 60_000, 'SUCCESS', ['ingest', 'evaluate']);
    const logger = new RecordingLogger();
    const progress: RunProgress[] = [];
    const changes: StateChange[] = [];
    const result = await waitForRun({ jobs: run, runId: 5, clock, logger, signal: new AbortController().signal, onProgress: (p) => progress.push(p), onStateChange: (c) => changes.push(c) });
    assert.equal(result.run.status?.state, 'TERMINATED');
    assert.equal(result.polls, run.calls);
    assert.ok(run.calls > 3, 'several polls saw the same states');
    for (const key of [undefined, 'ingest', 'evaluate']) {
      assert.deepEqual(changes.filter((c) => c.taskKey === key).map((c) => c.state), ['PENDING', 'RUNNING', 'SUCCESS'], String(key));
    }
    assert.deepEqual(changes.at(-1), { taskKey: undefined, state: 'SUCCESS', terminal: true }, 'the run ends after its tasks');
    const info = logger.messages('info');
    assert.equal(info.filter((m) => m.includes('https://example/#job/1/run/5')).length, 1);
    assert.equal(info.length, changes.length + 1, 'each change is logged, plus the link');
    assert.equal(progress.at(-1)?.percent, 100);
    assert.equal(progress[0].percent, 0);
    assert.equal(progress[0].tasksTotal, 2);
  });

  it('stops with RunTimeoutError at the deadline, not later', async () => {
    const clock = new FakeClock();
    const started = clock.now();
    const run = new ScriptedRun(clock, 9, started, 3600_000);
    await assert.rejects(
      waitForRun({ jobs: run, runId: 9, clock, logger: new RecordingLogger(), signal: new AbortController().signal, startedAt: started, timeoutMs: 90_000 }),
      (error: Error) => error instanceof RunTimeoutError && error.runId === 9,
    );
    assert.equal(clock.now() - started, 90_000);
  });

  it('rejects with the abort reason as soon as the signal aborts', async () => {
    const clock = new FakeClock();
    const run = new ScriptedRun(clock, 9, clock.now(), 3600_000);
    const controller = new AbortController();
    const reason = new Error('cancelled by the pipeline');
    const jobs = {
      getRun: async (id: number) => {
        const value = await run.getRun(id);
        if (run.calls === 3) controller.abort(reason);
        return value;
      },
    };
    await assert.rejects(waitForRun({ jobs, runId: 9, clock, logger: new RecordingLogger(), signal: controller.signal }), (error) => error === reason);
    assert.equal(run.calls, 3);
  });

  it('keeps the run through throttling and 5xx bursts the client gave up on, then fails on lasting or non-transient errors', async () => {
    const clock = new FakeClock();
    const run = new ScriptedRun(clock, 3, clock.now(), 120_000);
    let failures = 0;
    const throttled = new ApiError('GET /api/2.2/jobs/runs/get failed: 429', { status: 429, method: 'GET', path: '/api/2.2/jobs/runs/get' });
    const flaky = {
      getRun: async (id: number) => {
        if (run.calls >= 2 && failures < 4) {
          failures++;
          throw throttled;
        }
        return run.getRun(id);
      },
    };
    const logger = new RecordingLogger();
    const { run: finished } = await waitForRun({ jobs: flaky, runId: 3, clock, logger, signal: new AbortController().signal });
    assert.equal(finished.run_id, 3);
    assert.equal(logger.messages('warn').length, 4);

    // A Retry-After longer than the client waits for is still honoured between polls.
    const slowDown = new ApiError('429', { status: 429, method: 'GET', path: '/api/2.2/jobs/runs/get', retryAfter: '300' });
    const sleeps: number[] = [];
    const watchingClock = new FakeClock();
    const origSleep = watchingClock.sleep.bind(watchingClock);
    watchingClock.sleep = (ms, signal) => {
      sleeps.push(ms);
      return origSleep(ms, signal);
    };
    const later = new ScriptedRun(watchingClock, 4, watchingClock.now(), 30_000);
    let throttledOnce = false;
    await waitForRun({
      jobs: { getRun: (id) => (throttledOnce ? later.getRun(id) : ((throttledOnce = true), Promise.reject(slowDown))) },
      runId: 4,
      clock: watchingClock,
      logger,
      signal: new AbortController().signal,
    });
    assert.equal(sleeps[0], 300_000);

    const missing = new ApiError('Run 3 does not exist', { status: 400, errorCode: 'INVALID_PARAMETER_VALUE', method: 'GET', path: '/api/2.2/jobs/runs/get' });
    await assert.rejects(
      waitForRun({ jobs: { getRun: () => Promise.reject(missing) }, runId: 3, clock, logger, signal: new AbortController().signal }),
      (error) => error === missing,
    );
    await assert.rejects(
      waitForRun({ jobs: { getRun: () => Promise.reject(throttled) }, runId: 3, clock, logger, signal: new AbortController().signal, maxTransientFailureMs: 60_000 }),
      (error) => error === throttled,
    );
  });
});
