import type { Run } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { FilesClient } from '../databricks/files';
import type { JobsClient } from '../databricks/jobs';
import { toError } from '../http/errors';
import { countTests, type TestCounts, type TestSuite } from '../junit/model';
import type { Clock, Logger } from '../ports';
import { formatDuration } from './format';
import { describeOutcome, runOutcome, type RunOutcome } from './run-outcome';
import { collectTaskResults, collectTests, type ResultSource, type TaskRunResult } from './results';
import { startRun, type RunSpec, type StartedRun } from './submission';
import { RunTimeoutError, waitForRun, type RunProgress } from './run-waiter';
import type { PollSchedule } from './poll-schedule';

/** What to run and how to judge it. */
export interface IntegrationTestSettings {
  spec: RunSpec;
  runName: string;
  /** The task's own time limit, from before submission to the end of the run. */
  timeoutMs: number;
  /** Cancel the run when the task stops early (cancelled, timed out, failed after submission). */
  cancelOnExit: boolean;
  testResultsPath?: string;
  failOnTestFailure: boolean;
  idempotencyToken?: string;
}

/** The ports the run needs. */
export interface IntegrationTestDependencies {
  jobs: JobsClient;
  files: FilesClient;
  clock: Clock;
  logger: Logger;
  /** Aborted when the pipeline cancels the step. */
  signal: AbortSignal;
  /**
   * A fresh signal for the clean-up call (`runs/cancel`) once `signal` has aborted: short, so the
   * task still exits within the agent's grace period.
   */
  cleanupSignal: () => AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Called as soon as the run exists, so its id is known even if the task stops later. */
  onRunStarted?: (run: StartedRun) => void;
  schedule?: PollSchedule;
}

/** Everything the task reports about a finished run. */
export interface IntegrationTestReport {
  runId: number;
  runName: string;
  runPageUrl?: string;
  run: Run;
  outcome: RunOutcome;
  durationMs?: number;
  tasks: TaskRunResult[];
  suites: TestSuite[];
  sources: ResultSource[];
  counts: TestCounts;
  /** False when the task must fail. */
  passed: boolean;
  /** One line: why the task passed or failed. */
  verdict: string;
  /** `runs/get` calls the wait made. */
  polls: number;
}

/** The task's own time limit passed; the run was cancelled unless `cancelOnExit` is false. */
export class IntegrationTestTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrationTestTimeoutError';
  }
}

async function cancelRun(jobs: JobsClient, runId: number, deps: IntegrationTestDependencies, why: string): Promise<boolean> {
  try {
    await jobs.cancelRun(runId, deps.cleanupSignal());
    deps.logger.info(`Cancelled Databricks run ${runId} (${why}).`);
    return true;
  } catch (error) {
    deps.logger.warn(`Could not cancel Databricks run ${runId} (${why}): ${toError(error).message}`);
    return false;
  }
}

/**
 * Decides the task's result, failing closed: the run must end SUCCESS (SUCCESS_WITH_FAILURES,
 * unknown states and unknown termination codes fail), and no test may fail unless
 * `failOnTestFailure` is false.
 */
export function judge(outcome: RunOutcome, counts: TestCounts, failOnTestFailure: boolean): { passed: boolean; verdict: string } {
  const tests = `${counts.failed} of ${counts.total} tests failed`;
  if (outcome.kind !== 'success') {
    return { passed: false, verdict: `The Databricks run ${describeOutcome(outcome)} (${tests}).` };
  }
  if (counts.failed > 0) {
    if (failOnTestFailure) return { passed: false, verdict: `The Databricks run succeeded but ${tests}.` };
    return { passed: true, verdict: `The Databricks run succeeded; ${tests} (failOnTestFailure is false).` };
  }
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  return { passed: true, verdict: `The Databricks run succeeded; ${counts.passed} of ${counts.total} tests passed${skipped}.` };
}

/**
 * Starts the run, waits for it on the adaptive schedule and collects its results. A run this
 * function started never outlives it when `cancelOnExit` is set: on cancellation of the step, on
 * the time limit and on any failure before the run ended, it calls `runs/cancel` with a fresh
 * short deadline before rethrowing.
 */
export async function runIntegrationTests(settings: IntegrationTestSettings, deps: IntegrationTestDependencies): Promise<IntegrationTestReport> {
  const { jobs, clock, logger, signal } = deps;
  const startedAt = clock.now();
  const submitSettings = {
    runName: settings.runName,
    idempotencyToken: settings.idempotencyToken,
    // Databricks stops the run itself too, even if this process is killed outright.
    timeoutSeconds: Math.ceil(settings.timeoutMs / 1000),
  };
  let started: StartedRun;
  try {
    started = await startRun(jobs, settings.spec, submitSettings, logger, signal);
  } catch (error) {
    if (signal.aborted && settings.cancelOnExit && settings.idempotencyToken !== undefined) {
      // The request may have reached the workspace before the step was cancelled. The same token
      // returns that run (or starts one, which is cancelled at once), so nothing is left running.
      try {
        const orphan = await startRun(jobs, settings.spec, submitSettings, logger, deps.cleanupSignal());
        await cancelRun(jobs, orphan.runId, deps, 'the step was cancelled while the run was being submitted');
      } catch (cleanup) {
        logger.warn(`Could not make sure no run was left behind: ${toError(cleanup).message}`);
      }
    }
    throw error;
  }
  const { runId } = started;
  logger.info(`Started Databricks run ${runId}${started.jobId !== undefined ? ` of job ${started.jobId}` : ''}.`);

  let run: Run;
  let polls: number;
  try {
    deps.onRunStarted?.(started);
    ({ run, polls } = await waitForRun({
      jobs,
      runId,
      clock,
      logger,
      signal,
      startedAt,
      timeoutMs: settings.timeoutMs,
      onProgress: deps.onProgress,
      schedule: deps.schedule,
    }));
  } catch (error) {
    const timedOut = error instanceof RunTimeoutError;
    const why = signal.aborted ? 'the step was cancelled' : timedOut ? `timeoutMinutes passed` : `the task failed: ${toError(error).message}`;
    const cancelled = settings.cancelOnExit ? await cancelRun(jobs, runId, deps, why) : false;
    if (!settings.cancelOnExit) logger.warn(`Run ${runId} keeps running on Databricks (cancelOnExit is false).`);
    if (timedOut && !signal.aborted) {
      throw new IntegrationTestTimeoutError(
        `The Databricks run ${runId} did not finish within ${formatDuration(settings.timeoutMs)} (timeoutMinutes); ${
          cancelled ? 'it was cancelled' : settings.cancelOnExit ? 'cancelling it failed' : 'it keeps running because cancelOnExit is false'
        }.`,
      );
    }
    throw error;
  }

  const outcome = runOutcome(run);
  const tasks = await collectTaskResults(jobs, run, logger, signal);
  const tests = await collectTests({
    runId,
    runName: run.run_name || settings.runName,
    runPageUrl: run.run_page_url,
    tasks,
    testResultsPath: settings.testResultsPath,
    files: deps.files,
    logger,
    signal,
  });
  const counts = countTests(tests.suites);
  const { passed, verdict } = judge(outcome, counts, settings.failOnTestFailure);
  const durationMs = run.end_time && run.start_time ? run.end_time - run.start_time : clock.now() - startedAt;
  return {
    runId,
    runName: run.run_name || settings.runName,
    runPageUrl: run.run_page_url,
    run,
    outcome,
    durationMs,
    tasks,
    suites: tests.suites,
    sources: tests.sources,
    counts,
    passed,
    verdict,
    polls,
  };
}
