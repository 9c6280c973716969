/** The fake clock: simulated time that the poll schedule, retry back-off and the emulator follow. */
import type { Clock } from '../../tasks/common/ports';

/** A clock whose time moves only when something sleeps or the test advances it. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];

  constructor(public nowMs = Date.parse('2026-11-28T04:00:00Z')) {}

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.sleeps.push(ms);
    this.nowMs += ms;
    return Promise.resolve();
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }
}
