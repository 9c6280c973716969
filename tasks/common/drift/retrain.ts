/**
 * Starting the retraining job on drift: `run-now` with an idempotency token derived from the job
 * and the window, so every re-run of the same scheduled check (another attempt, another pipeline run
 * on the same data) gets the run the first one started instead of a second retraining.
 */
import { createHash } from 'node:crypto';
import type { Run } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { JobsClient } from '../databricks/jobs';
import type { Clock, Logger } from '../ports';
import { runOutcome, describeOutcome } from '../runs/run-outcome';
import { waitForRun } from '../runs/run-waiter';
import { buildRunNow, resolveJobByName } from '../runs/submission';

/** The job parameters the task adds to `retrainJobParameters`. */
export const retrainParameterNames = { driftedMetrics: 'drifted_metrics', window: 'drift_window' } as const;

/** The retraining job and its parameters. */
export interface RetrainSettings {
  job: { id: number } | { name: string };
  parameters: Record<string, string>;
  /** Wait for the run to end (`waitForRetrain`). */
  wait: boolean;
}

/** What was started and, when waited for, how it ended. */
export interface RetrainResult {
  jobId: number;
  runId: number;
  /** Set when the run was waited for. */
  run?: Run;
  /** True when the run ended in success (only when waited for). */
  succeeded?: boolean;
  /** The workspace's account of the end, when waited for. */
  outcome?: string;
}

/** What starting the job needs. */
export interface RetrainDependencies {
  jobs: JobsClient;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}

/** SHA-256 hex (64 characters, the API's maximum) of the job id and the window. */
export function retrainIdempotencyToken(jobId: number, window: string): string {
  return createHash('sha256').update(`DatabricksDriftCheck retrain\njob=${jobId}\nwindow=${window}`, 'utf8').digest('hex');
}

/**
 * Starts the retraining (once per job and window) with the drifted metrics and window as job
 * parameters. The token makes `run-now` safe to repeat, so the client retries it after a dropped
 * connection and the workspace answers with the same run.
 */
export async function startRetraining(deps: RetrainDependencies, settings: RetrainSettings, drift: { metrics: string[]; window: string }): Promise<RetrainResult> {
  const jobId = 'id' in settings.job ? settings.job.id : await resolveJobByName(deps.jobs, settings.job.name, deps.signal);
  const parameters = { ...settings.parameters, [retrainParameterNames.driftedMetrics]: drift.metrics.join(','), [retrainParameterNames.window]: drift.window };
  const token = retrainIdempotencyToken(jobId, drift.window);
  const runId = await deps.jobs.runNow(buildRunNow(jobId, parameters, { idempotencyToken: token }), deps.signal);
  deps.logger.info(`Retraining job ${jobId} runs as run ${runId} for window ${drift.window}; a re-run of this check for the same window gets the same run.`);
  return { jobId, runId };
}

/** Waits for the retraining run to end and says how it ended. */
export async function waitForRetraining(deps: RetrainDependencies, started: RetrainResult): Promise<RetrainResult> {
  const { run } = await waitForRun({ jobs: deps.jobs, runId: started.runId, clock: deps.clock, logger: deps.logger, signal: deps.signal });
  const outcome = runOutcome(run);
  return { ...started, run, succeeded: outcome.kind === 'success', outcome: describeOutcome(outcome) };
}
