import type { Run } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { FilesClient } from '../databricks/files';
import type { JobsClient } from '../databricks/jobs';
import type { WorkspaceClient } from '../databricks/workspace';
import { toError } from '../http/errors';
import { countTests, type TestCounts, type TestSuite } from '../junit/model';
import type { Clock, Logger } from '../ports';
import { formatDuration } from './format';
import { describeOutcome, runOutcome, type RunOutcome } from './run-outcome';
import { runMessage } from './messages';
import { checkRunTarget } from './preflight';
import { collectTaskResults, collectTests, StaleResultsError, taskResultsOf, unsuccessfulTasksSuites, type ResultSource, type TaskRunResult } from './results';
import { startRun, type RunSpec, type StartedRun } from './submission';
import { RunTimeoutError, waitForRun, type RunProgress } from './run-waiter';
import type { PollSchedule } from './poll-schedule';

/** What to run and how to judge it. */
export interface IntegrationTestSettings {
  /** The job or the one-time notebook / Python file run. */
  spec: RunSpec;
  /** Name of the Databricks run (one-time runs); also names the test suites. */
  runName: string;
  /** The task's own time limit, from before submission to the end of the run. */
  timeoutMs: number;
  /** Cancel the run when the task stops early (cancelled, timed out, failed after submission). */
  cancelOnExit: boolean;
  /** `/Volumes/...` or `/Workspace/...` JUnit file, folder or glob; undefined reads notebook JSON reports or the tasks. */
  testResultsPath?: string;
  /** A failed test fails the task even though the run succeeded. */
  failOnTestFailure: boolean;
  /** See `idempotency.ts`; undefined outside a pipeline. */
  idempotencyToken?: string;
}

/** The ports the run needs. */
export interface IntegrationTestDependencies {
  jobs: JobsClient;
  files: FilesClient;
  workspace: WorkspaceClient;
  clock: Clock;
  logger: Logger;
  /** Aborted when the pipeline cancels the step. */
  signal: AbortSignal;
  /**
   * A fresh signal for the clean-up calls (`runs/cancel`, the last `runs/get`) once `signal` has
   * aborted or the time limit passed: short, so the task still exits within the agent's grace period.
   */
  cleanupSignal: () => AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Called as soon as the run exists, so its id is known even if the task stops later. */
  onRunStarted?: (run: StartedRun) => void;
  schedule?: PollSchedule;
}

/** Why the task stopped before the run ended. */
export type Interruption = 'timeout' | 'cancelled' | 'failed';

/** Everything the task reports about a run, finished or as last seen when the task stopped early. */
export interface IntegrationTestReport {
  runId: number;
  runName: string;
  runPageUrl?: string;
  /** The run in its terminal state, or as last seen when the task stopped early. */
  run: Run;
  outcome: RunOutcome;
  /** The run's own duration when it ended, else the time the task waited. */
  durationMs?: number;
  /** Per task run: state, duration and (when read) its output. */
  tasks: TaskRunResult[];
  /** The test results to publish. */
  suites: TestSuite[];
  /** Per task, where its test results came from. */
  sources: ResultSource[];
  /** Result files matching `testResultsPath` that an earlier run wrote: listed, never read. */
  ignoredResultFiles?: string[];
  counts: TestCounts;
  /** False when the task must fail. */
  passed: boolean;
  /** One line: why the task passed or failed. */
  verdict: string;
  /** `runs/get` calls the wait made. */
  polls: number;
  /** Set when the task stopped waiting before the run ended. */
  interrupted?: Interruption;
  /** The task's own limit (`timeoutMinutes`) in milliseconds, set when it passed. */
  timeoutMs?: number;
}

/**
 * The task stopped before the run ended: the time limit passed, the pipeline cancelled the step,
 * or waiting failed. The run was cancelled unless `cancelOnExit` is false; `report` describes it
 * as last seen, so the task can still publish outputs and a summary. `cause` is the original error
 * (the abort reason on cancellation).
 */
export class IntegrationTestInterruptedError extends Error {
  constructor(
    message: string,
    readonly report: IntegrationTestReport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IntegrationTestInterruptedError';
  }
}

/** The task's own time limit passed (an {@link IntegrationTestInterruptedError} with `interrupted: 'timeout'`). */
export class IntegrationTestTimeoutError extends IntegrationTestInterruptedError {
  constructor(message: string, report: IntegrationTestReport, options?: { cause?: unknown }) {
    super(message, report, options);
    this.name = 'IntegrationTestTimeoutError';
  }
}

/**
 * How long the task keeps reading a run it cancelled after the time limit, so the summary and
 * `resultState` show how it ended (the workspace cancels asynchronously, usually within seconds).
 */
const settleAfterTimeoutMs = 30_000;
const settlePollMs = 1_000;

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
 * unknown states and unknown termination codes fail), its test results must be readable when
 * expected, and no test may fail unless `failOnTestFailure` is false.
 * @param resultsProblem why the test results could not be read, if they could not.
 */
export function judge(outcome: RunOutcome, counts: TestCounts, failOnTestFailure: boolean, resultsProblem?: string): { passed: boolean; verdict: string } {
  if (outcome.kind !== 'success') return { passed: false, verdict: runMessage('RunDidNotSucceed', describeOutcome(outcome), counts.failed, counts.total) };
  if (resultsProblem !== undefined) return { passed: false, verdict: runMessage('ResultsUnreadable', resultsProblem) };
  if (counts.failed > 0) {
    if (failOnTestFailure) return { passed: false, verdict: runMessage('TestsFailed', counts.failed, counts.total) };
    return { passed: true, verdict: runMessage('TestsFailedTolerated', counts.failed, counts.total) };
  }
  return { passed: true, verdict: runMessage('Passed', counts.passed, counts.total, counts.skipped) };
}

/**
 * Tasks of an ended run whose end is not known (no state, or one this version cannot read). They
 * show as failed cases, but that is not a test failure `failOnTestFailure: false` may tolerate: an
 * unknown state fails the task.
 */
function unclearTasks(tasks: TaskRunResult[]): string | undefined {
  const unclear = tasks.filter((task) => task.outcome.kind === 'unknown' || task.outcome.kind === 'running');
  if (unclear.length === 0) return undefined;
  return unclear.map((task) => `task '${task.taskKey}' has no known end state (${task.outcome.lifecycle}, ${task.outcome.resultState || 'no result state'})`).join('; ');
}

/** Reads the run once more (or, after a timeout, until it ends or the settle time passes); undefined when it cannot be read. */
async function settle(jobs: JobsClient, runId: number, deps: IntegrationTestDependencies, waitMs: number): Promise<Run | undefined> {
  const until = deps.clock.now() + waitMs;
  let last: Run | undefined;
  for (;;) {
    try {
      last = await jobs.getRun(runId, deps.cleanupSignal());
    } catch (error) {
      deps.logger.warn(`Could not read run ${runId} after stopping: ${toError(error).message}`);
      return last;
    }
    if (runOutcome(last).terminal || deps.clock.now() + settlePollMs > until || deps.signal.aborted) return last;
    try {
      // A cancellation of the step while seeing a timeout through ends the wait: the agent allows only seconds.
      await deps.clock.sleep(settlePollMs, deps.signal);
    } catch {
      return last;
    }
  }
}

/** Test suites of a run: the normal collection, or on failure the tasks that did not succeed plus the reason. */
async function gatherTests(
  settings: IntegrationTestSettings,
  deps: IntegrationTestDependencies,
  run: Run,
  tasks: TaskRunResult[],
  signal: AbortSignal,
): Promise<{ suites: TestSuite[]; sources: ResultSource[]; ignoredFiles: string[]; problem?: string }> {
  const runName = run.run_name || settings.runName;
  try {
    return await collectTests({
      runId: run.run_id as number,
      runName,
      runPageUrl: run.run_page_url,
      tasks,
      testResultsPath: settings.testResultsPath,
      runStartTime: run.start_time || undefined,
      files: deps.files,
      logger: deps.logger,
      signal,
    });
  } catch (error) {
    if (deps.signal.aborted) throw error;
    // A missing or broken report must not hide the run: its failed tasks still show, the reason goes in the verdict.
    return {
      suites: unsuccessfulTasksSuites(runName, run.run_id as number, run.run_page_url, tasks),
      sources: tasks.map(() => 'tasks'),
      ignoredFiles: error instanceof StaleResultsError ? error.ignoredFiles : [],
      problem: toError(error).message,
    };
  }
}

function reportOf(
  settings: IntegrationTestSettings,
  run: Run,
  tasks: TaskRunResult[],
  tests: { suites: TestSuite[]; sources: ResultSource[]; ignoredFiles?: string[] },
  judged: { passed: boolean; verdict: string },
  extra: { polls: number; durationMs?: number; interrupted?: Interruption },
): IntegrationTestReport {
  const { suites } = tests;
  return {
    runId: run.run_id as number,
    runName: run.run_name || settings.runName,
    runPageUrl: run.run_page_url,
    run,
    outcome: runOutcome(run),
    durationMs: run.end_time && run.start_time ? run.end_time - run.start_time : extra.durationMs,
    tasks,
    suites,
    sources: tests.sources,
    ignoredResultFiles: tests.ignoredFiles ?? [],
    counts: countTests(suites),
    ...judged,
    polls: extra.polls,
    interrupted: extra.interrupted,
    ...(extra.interrupted === 'timeout' ? { timeoutMs: settings.timeoutMs } : {}),
  };
}

/**
 * Starts the run, waits for it on the adaptive schedule and collects its results. A run this
 * function started never outlives it when `cancelOnExit` is set: on cancellation of the step, on
 * the time limit and on any failure before the run ended, it calls `runs/cancel` with a fresh
 * short deadline, reads the run once more and throws {@link IntegrationTestInterruptedError}
 * carrying the report of the run as last seen.
 * @throws RunTargetError / JobLookupError before anything was started, when what to run is not there.
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
  await checkRunTarget(settings.spec, deps, signal);
  // Remembers the run-creating request once it is sent, so a cancellation can repeat exactly that
  // one; a cancellation during the job lookup sent nothing and must not start a run to cancel.
  let resend: ((cleanup: AbortSignal) => Promise<number>) | undefined;
  const submitter = Object.create(jobs) as JobsClient;
  submitter.submitRun = (request, requestSignal) => {
    if (!requestSignal?.aborted) resend = (cleanup) => jobs.submitRun(request, cleanup);
    return jobs.submitRun(request, requestSignal);
  };
  submitter.runNow = (request, requestSignal) => {
    if (!requestSignal?.aborted) resend = (cleanup) => jobs.runNow(request, cleanup);
    return jobs.runNow(request, requestSignal);
  };
  let started: StartedRun;
  try {
    started = await startRun(submitter, settings.spec, submitSettings, logger, signal);
  } catch (error) {
    if (signal.aborted && settings.cancelOnExit && settings.idempotencyToken !== undefined && resend !== undefined) {
      // The request may have reached the workspace before the step was cancelled. The same token
      // returns that run (or starts one, which is cancelled at once), so nothing is left running.
      try {
        const orphanId = await resend(deps.cleanupSignal());
        await cancelRun(jobs, orphanId, deps, 'the step was cancelled while the run was being submitted');
      } catch (cleanup) {
        logger.warn(`Could not make sure no run was left behind: ${toError(cleanup).message}`);
      }
    }
    throw error;
  }
  const { runId } = started;
  logger.info(`Started Databricks run ${runId}${started.jobId !== undefined ? ` of job ${started.jobId}` : ''}.`);

  // The waiter returns the run only when it ended; an interruption still needs the run as last seen.
  let lastSeen: Run = { run_id: runId, run_name: settings.runName };
  let reads = 0;
  const reader = {
    getRun: async (id: number, readSignal?: AbortSignal) => {
      reads++;
      return (lastSeen = await jobs.getRun(id, readSignal));
    },
  };
  let run: Run;
  let polls = 0;
  try {
    deps.onRunStarted?.(started);
    ({ run, polls } = await waitForRun({
      jobs: reader,
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
    throw await interrupted(settings, deps, lastSeen, error, { polls: reads, elapsedMs: clock.now() - startedAt });
  }

  const tasks = await collectTaskResults(jobs, run, logger, signal);
  const tests = await gatherTests(settings, deps, run, tasks, signal);
  const judged = judge(runOutcome(run), countTests(tests.suites), settings.failOnTestFailure, tests.problem ?? unclearTasks(tasks));
  return reportOf(settings, run, tasks, tests, judged, { polls, durationMs: clock.now() - startedAt });
}

/** Cancels (unless told not to), reads the run once more and builds the error that carries its report. */
async function interrupted(settings: IntegrationTestSettings, deps: IntegrationTestDependencies, lastSeen: Run, error: unknown, waited: { polls: number; elapsedMs: number }): Promise<IntegrationTestInterruptedError> {
  const { jobs, logger, signal } = deps;
  const runId = lastSeen.run_id as number;
  const kind: Interruption = signal.aborted ? 'cancelled' : error instanceof RunTimeoutError ? 'timeout' : 'failed';
  const why = { cancelled: 'the step was cancelled', timeout: 'timeoutMinutes passed', failed: `the task failed: ${toError(error).message}` }[kind];
  const cancelled = settings.cancelOnExit ? await cancelRun(jobs, runId, deps, why) : false;
  if (!settings.cancelOnExit) logger.warn(`Run ${runId} keeps running on Databricks (cancelOnExit is false).`);
  const afterwards = cancelled ? 'it was cancelled' : settings.cancelOnExit ? 'cancelling it failed' : 'it keeps running because cancelOnExit is false';

  // After a timeout there is time to see the cancellation through; a cancelled step must exit within the agent's grace period.
  const run = (await settle(jobs, runId, deps, kind === 'timeout' && cancelled ? settleAfterTimeoutMs : 0)) ?? lastSeen;
  let tasks = taskResultsOf(run);
  let tests: { suites: TestSuite[]; sources: ResultSource[] } = { suites: unsuccessfulTasksSuites(run.run_name || settings.runName, runId, run.run_page_url, tasks), sources: tasks.map(() => 'tasks') };
  if (kind === 'timeout' && runOutcome(run).terminal) {
    // The run ended (cancelled): its finished tasks have outputs and maybe test reports worth publishing.
    const cleanup = deps.cleanupSignal();
    try {
      tasks = await collectTaskResults(jobs, run, logger, cleanup);
      tests = await gatherTests(settings, deps, run, tasks, cleanup);
    } catch (collectError) {
      logger.warn(`Could not read the results of run ${runId}: ${toError(collectError).message}`);
    }
  }
  const message =
    kind === 'timeout'
      ? runMessage('TimedOut', runId, formatDuration(settings.timeoutMs), afterwards)
      : kind === 'cancelled'
        ? runMessage('StepCancelled', runId, runOutcome(lastSeen).lifecycle, afterwards)
        : runMessage('WaitFailed', runId, toError(error).message, afterwards);
  const report = reportOf(settings, run, tasks, tests, { passed: false, verdict: message }, { polls: waited.polls, durationMs: waited.elapsedMs, interrupted: kind });
  const options = { cause: kind === 'cancelled' ? signal.reason : error };
  return kind === 'timeout' ? new IntegrationTestTimeoutError(message, report, options) : new IntegrationTestInterruptedError(message, report, options);
}
