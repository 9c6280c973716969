/**
 * How long to wait before the next `runs/get`, as a pure function of the time already waited.
 *
 * The interval grows with the elapsed time (fast at first, slower on long runs), never drops under
 * a floor and never exceeds a cap. With the defaults:
 * - a 6-hour run costs at most 200 `runs/get` calls (about 197);
 * - the end of a run is noticed at most 120 s late (the cap);
 * - a 5-second run is noticed within 1 s, any run shorter than 7 s within 2 s (the floor);
 * - a run of 20 minutes or more is noticed within 10% of its duration, and any run within 30%.
 *
 * Why not 10% for every run length: with a 120 s cap the 6 hours alone need 180 calls, and each
 * factor e of growth at ratio r costs 1/ln(1+r) calls, so ramping from a 2 s floor to 120 s at
 * r = 10% costs ~43 calls more (about 224 in total, 232 with a 1 s floor). The budget is the hard
 * limit, so the ramp grows at 30% per poll until it reaches the cap, at 400 s; from 1200 s on the
 * cap is within 10% of the elapsed time.
 */
export interface PollSchedule {
  /** Shortest interval, in milliseconds. */
  floorMs: number;
  /** Longest interval, in milliseconds: the most the end of a run can go unnoticed. */
  capMs: number;
  /** Interval as a fraction of the time waited so far. */
  growth: number;
}

/** The schedule the task uses; see {@link PollSchedule} for its guarantees. */
export const defaultPollSchedule: PollSchedule = { floorMs: 2_000, capMs: 120_000, growth: 0.3 };

/** Milliseconds to wait before the next poll when `elapsedMs` have passed since the run was started. */
export function nextPollDelay(elapsedMs: number, schedule: PollSchedule = defaultPollSchedule): number {
  const proportional = Math.max(0, elapsedMs) * schedule.growth;
  return Math.round(Math.min(schedule.capMs, Math.max(schedule.floorMs, proportional)));
}
