import { toError } from '../http/errors';
import type { Run, RunTask } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { Clock, Logger } from '../ports';
import { ApiError } from '../http/errors';
import { parseRetryAfter } from '../http/retry-policy';
import { formatDuration } from './format';
import { defaultPollSchedule, nextPollDelay, type PollSchedule } from './poll-schedule';
import { latestAttempts, runOutcome } from './run-outcome';

/** The one call the waiter makes. {@link JobsClient} implements it. */
export interface RunReader {
  getRun(runId: number, signal?: AbortSignal): Promise<Run>;
}

/** A snapshot of a run for progress reporting. */
export interface RunProgress {
  runId: number;
  /** Life-cycle state of the run. */
  lifecycle: string;
  elapsedMs: number;
  tasksTotal: number;
  /** Task runs in a terminal state. */
  tasksDone: number;
  /** 0 to 100, from the share of finished tasks. */
  percent: number;
  runPageUrl?: string;
}

/** One state change of the run or of one of its tasks, as logged. */
export interface StateChange {
  /** `undefined` for the run itself, else the task's key. */
  taskKey?: string;
  /** Life-cycle state while it runs (`PENDING`, `RUNNING`, ...), the result state once it ended. */
  state: string;
  terminal: boolean;
}

/** Stopped waiting because the task's own time limit passed; the run itself may still be going. */
export class RunTimeoutError extends Error {
  constructor(
    readonly runId: number,
    readonly timeoutMs: number,
  ) {
    super(`Run ${runId} did not finish within ${formatDuration(timeoutMs)}.`);
    this.name = 'RunTimeoutError';
  }
}

/** Options of {@link waitForRun}. */
export interface WaitOptions {
  jobs: RunReader;
  runId: number;
  clock: Clock;
  logger: Logger;
  /** Aborts the wait (pipeline cancelled); the waiter then rejects with the signal's reason. */
  signal: AbortSignal;
  /** Called after every successful poll. */
  onProgress?: (progress: RunProgress) => void;
  /** Called once per state change of the run and of each task, in the order they are logged. */
  onStateChange?: (change: StateChange) => void;
  /** Clock time (ms) when the run was started; elapsed time and the timeout count from here. Default: now. */
  startedAt?: number;
  /** Stop waiting with {@link RunTimeoutError} this long after `startedAt`. */
  timeoutMs?: number;
  schedule?: PollSchedule;
  /**
   * How long polls may keep failing with errors the client already retried (throttling, 5xx,
   * dropped connections) before the wait gives up. The run keeps going meanwhile, so a burst of
   * 429s must not lose it.
   */
  maxTransientFailureMs?: number;
}

/** What the wait saw. */
export interface WaitResult {
  /** The run in its terminal state, with every task. */
  run: Run;
  /** `runs/get` requests made by the waiter (pages of one poll count as one). */
  polls: number;
}

function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === undefined || error.status === 429 || error.status >= 500);
}

function taskLabel(task: RunTask): string {
  return `Task '${task.task_key}'`;
}

/** Logs each state change of the run and of each of its tasks exactly once. */
class StateLog {
  private readonly seen = new Map<string, string>();
  private urlLogged = false;

  constructor(
    private readonly logger: Logger,
    private readonly runId: number,
    private readonly onChange?: (change: StateChange) => void,
  ) {}

  observe(run: Run): void {
    if (!this.urlLogged && run.run_page_url) {
      this.logger.info(`Run ${this.runId}: ${run.run_page_url}`);
      this.urlLogged = true;
    }
    // A run starts before its tasks and ends after them; log in that order.
    const ended = runOutcome(run).terminal;
    if (!ended) this.change('run', `Run ${this.runId}`, run);
    for (const task of run.tasks ?? []) this.change(`task:${task.task_key}:${task.run_id ?? ''}`, taskLabel(task), task, task.task_key);
    if (ended) this.change('run', `Run ${this.runId}`, run);
  }

  private change(key: string, label: string, subject: Run | RunTask, taskKey?: string): void {
    const outcome = runOutcome(subject);
    const state = outcome.terminal ? `${outcome.lifecycle} ${outcome.resultState}` : outcome.lifecycle;
    if (this.seen.get(key) === state) return;
    this.seen.set(key, state);
    this.onChange?.({ taskKey, state: outcome.terminal ? outcome.resultState : outcome.lifecycle, terminal: outcome.terminal });
    if (!outcome.terminal) {
      this.logger.info(`${label} is ${outcome.lifecycle}`);
      return;
    }
    const duration = subject.end_time && subject.start_time ? ` after ${formatDuration(subject.end_time - subject.start_time)}` : '';
    const message = outcome.message ? `: ${outcome.message}` : '';
    this.logger.info(`${label} ended ${outcome.resultState}${duration}${message}`);
  }
}

function progressOf(run: Run, runId: number, elapsedMs: number): RunProgress {
  const tasks = latestAttempts(run.tasks ?? []);
  const done = tasks.filter((task) => runOutcome(task).terminal).length;
  const lifecycle = runOutcome(run).lifecycle;
  const percent = tasks.length > 0 ? (100 * done) / tasks.length : runOutcome(run).terminal ? 100 : 0;
  return { runId, lifecycle, elapsedMs, tasksTotal: tasks.length, tasksDone: done, percent, runPageUrl: run.run_page_url };
}

/**
 * Polls `runs/get` on the adaptive schedule until the run is terminal, logging state changes.
 * Pure of the platform: time, logging and the API come in as ports.
 * @throws RunTimeoutError when `timeoutMs` passes first; the signal's reason when it aborts;
 *   the API error when polling fails for good.
 */
export async function waitForRun(options: WaitOptions): Promise<WaitResult> {
  const { jobs, runId, clock, logger, signal } = options;
  const schedule = options.schedule ?? defaultPollSchedule;
  const startedAt = options.startedAt ?? clock.now();
  const deadline = options.timeoutMs === undefined ? undefined : startedAt + options.timeoutMs;
  const maxTransientFailureMs = options.maxTransientFailureMs ?? 15 * 60_000;
  const log = new StateLog(logger, runId, options.onStateChange);
  let polls = 0;
  let failingSince: number | undefined;
  let retryAfterMs = 0;

  for (;;) {
    if (signal.aborted) throw signal.reason;
    let run: Run | undefined;
    try {
      polls++;
      run = await jobs.getRun(runId, signal);
      failingSince = undefined;
      retryAfterMs = 0;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const now = clock.now();
      failingSince ??= now;
      if (!isTransient(error) || now - failingSince > maxTransientFailureMs) throw error;
      // The client gave up on a long Retry-After; the next poll must not come sooner than asked.
      retryAfterMs = parseRetryAfter((error as ApiError).details.retryAfter, now) ?? 0;
      logger.warn(`Could not read run ${runId} (${toError(error).message}); the run keeps going, trying again.`);
    }
    const now = clock.now();
    if (run) {
      log.observe(run);
      options.onProgress?.(progressOf(run, runId, now - startedAt));
      if (runOutcome(run).terminal) return { run, polls };
    }
    if (deadline !== undefined && now >= deadline) throw new RunTimeoutError(runId, options.timeoutMs as number);
    let delay = Math.max(nextPollDelay(now - startedAt, schedule), retryAfterMs);
    if (deadline !== undefined) delay = Math.max(0, Math.min(delay, deadline - now));
    await clock.sleep(delay, signal);
  }
}
