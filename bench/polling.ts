/**
 * `runs/get` calls and how late the end of a run is noticed, for runs of 5 minutes, 30 minutes and
 * 6 hours, by the task's own waiter on a simulated clock (no time passes).
 */
import { silentLogger } from '../tasks/common/ports';
import { waitForRun } from '../tasks/common/runs/run-waiter';
import { FakeClock } from '../tests/fakes/clock';
import { ScriptedRun } from '../tests/fakes/job-runs';

/** The polling cost of one run length. */
export interface PollingCost {
  runMinutes: number;
  calls: number;
  lateSeconds: number;
  maxCalls: number;
  maxLateSeconds: number;
  withinBounds: boolean;
}

/** The bounds the issue sets: at most 200 calls for a 6-hour run, the end noticed at most 120 s late. */
const maxCalls = 200;
const maxLateSeconds = 120;

/** Waits for one simulated run of each length. */
export async function pollingCosts(minutes: readonly number[] = [5, 30, 360]): Promise<PollingCost[]> {
  const costs: PollingCost[] = [];
  for (const runMinutes of minutes) {
    const clock = new FakeClock();
    const started = clock.now();
    const run = new ScriptedRun(clock, 7, started, runMinutes * 60_000);
    await waitForRun({ jobs: run, runId: 7, clock, logger: silentLogger, signal: new AbortController().signal, startedAt: started });
    const lateSeconds = (clock.now() - run.endsAt) / 1000;
    costs.push({ runMinutes, calls: run.calls, lateSeconds, maxCalls, maxLateSeconds, withinBounds: run.calls <= maxCalls && lateSeconds <= maxLateSeconds });
  }
  return costs;
}
