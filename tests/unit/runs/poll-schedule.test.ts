import * as assert from 'node:assert/strict';
import { defaultPollSchedule, nextPollDelay } from '../../../tasks/common/runs/poll-schedule';
import { waitForRun } from '../../../tasks/common/runs/run-waiter';
import { silentLogger } from '../../../tasks/common/ports';
import { FakeClock } from '../../fakes/clock';
import { ScriptedRun } from '../../fakes/job-runs';

/** Waits for a run of `durationMs` on a simulated clock; returns calls and how late the end was seen. */
async function simulate(durationMs: number): Promise<{ calls: number; lateMs: number }> {
  const clock = new FakeClock();
  const started = clock.now();
  const run = new ScriptedRun(clock, 7, started, durationMs);
  await waitForRun({ jobs: run, runId: 7, clock, logger: silentLogger, signal: new AbortController().signal, startedAt: started });
  return { calls: run.calls, lateMs: clock.now() - run.endsAt };
}

describe('adaptive poll schedule', () => {
  it('is fast at first, slower later, never under the floor nor over the cap', () => {
    assert.equal(nextPollDelay(0), defaultPollSchedule.floorMs);
    assert.equal(nextPollDelay(-5), defaultPollSchedule.floorMs);
    assert.ok(nextPollDelay(60_000) > nextPollDelay(10_000));
    assert.equal(nextPollDelay(6 * 3600_000), defaultPollSchedule.capMs);
    let previous = 0;
    for (let elapsed = 0; elapsed <= 7 * 3600_000; elapsed += 997) {
      const delay = nextPollDelay(elapsed);
      assert.ok(delay >= defaultPollSchedule.floorMs && delay <= defaultPollSchedule.capMs);
      assert.ok(delay >= previous, 'never speeds up again');
      previous = delay;
    }
  });

  // The three goals conflict (at <= 120 s intervals 6 h alone need >= 180 polls, and 10%
  // lateness from the start needs ~40 more), so the schedule keeps exactly these bounds, stated here.
  it('the budget: a 6-hour run costs at most 200 runs/get calls and its end is seen at most 120 s late', async () => {
    const { calls, lateMs } = await simulate(6 * 3600_000);
    assert.ok(calls <= 200, `${calls} calls`);
    assert.ok(calls >= 180, 'no cheaper schedule exists with a 120 s cap: the bound is tight, not slack');
    assert.ok(lateMs <= 120_000, `${lateMs} ms late`);
  });

  it('the budget: a 5-second run is noticed within 2 s', async () => {
    const { lateMs } = await simulate(5_000);
    assert.ok(lateMs <= 2_000, `${lateMs} ms late`);
  });

  it('the budget for every run length up to 6 h: at most 200 calls and 120 s late, within 10% from 20 minutes on, within 30% (or 2 s) below', async () => {
    const durations: number[] = [];
    for (let d = 500; d <= 6 * 3600_000; d = Math.ceil(d * 1.07) + 13) durations.push(d);
    for (const duration of durations) {
      const { calls, lateMs } = await simulate(duration);
      assert.ok(calls <= 200, `run of ${duration} ms cost ${calls} calls`);
      assert.ok(lateMs <= 120_000, `run of ${duration} ms seen ${lateMs} ms late`);
      if (duration >= 20 * 60_000) assert.ok(lateMs <= 0.1 * duration, `run of ${duration} ms seen ${lateMs} ms late (>10%)`);
      assert.ok(lateMs <= Math.max(2_000, 0.3 * duration), `run of ${duration} ms seen ${lateMs} ms late (>30%)`);
    }
  });
});
