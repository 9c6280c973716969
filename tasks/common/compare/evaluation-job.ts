import { createHash } from 'node:crypto';
import type { JobsClient } from '../databricks/jobs';
import type { Clock, Logger } from '../ports';
import { describeOutcome, latestAttempts, runOutcome } from '../runs/run-outcome';
import { waitForRun } from '../runs/run-waiter';
import { startRun } from '../runs/submission';
import type { EvaluationJobResult, EvaluationJobRunner } from './sources';

/**
 * The `idempotency_token` of the evaluation run: the step's token bound to the job and its
 * parameters. A retried step still gets the run it already started, while another run started
 * under the same step token (another job, other versions) can never be handed back for this one.
 */
export function evaluationIdempotencyToken(stepToken: string | undefined, jobName: string, parameters: Record<string, string>): string | undefined {
  if (stepToken === undefined) return undefined;
  const sorted = Object.keys(parameters).sort().map((key) => [key, parameters[key]]);
  return createHash('sha256').update(JSON.stringify(['DatabricksModelCompare/evaluation', stepToken, jobName, sorted]), 'utf8').digest('hex');
}

/** What {@link createEvaluationJobRunner} needs. */
export interface EvaluationJobDependencies {
  jobs: Pick<JobsClient, 'host' | 'getRun' | 'getRunOutput' | 'cancelRun' | 'runNow' | 'getJob' | 'listJobsByName' | 'submitRun'>;
  clock: Clock;
  logger: Logger;
  /** The step's idempotency token, so a retried step gets the run it already started. */
  idempotencyToken?: string;
  timeoutMs: number;
}

/**
 * Runs the evaluation job with the integration-test run machinery (`startRun`, `waitForRun`) and
 * returns the notebook exit value of its one notebook task that returned something. The run must
 * succeed; on cancellation or timeout it is cancelled, so no evaluation keeps running unseen.
 */
export function createEvaluationJobRunner(deps: EvaluationJobDependencies): EvaluationJobRunner {
  const { jobs, clock, logger } = deps;
  return {
    async run(jobName: string, parameters: Record<string, string>, signal?: AbortSignal): Promise<EvaluationJobResult> {
      const effectiveSignal = signal ?? new AbortController().signal;
      const startedAt = clock.now();
      const idempotencyToken = evaluationIdempotencyToken(deps.idempotencyToken, jobName, parameters);
      // Remembers the run-now once sent: a cancellation while it is in flight may still have started
      // the run, which only the same request (same token) can name so that it is cancelled.
      let resend: (() => Promise<number>) | undefined;
      const starter = Object.create(jobs) as JobsClient;
      starter.runNow = (request, requestSignal) => {
        if (!requestSignal?.aborted) resend = () => jobs.runNow(request);
        return jobs.runNow(request, requestSignal);
      };
      let started;
      try {
        started = await startRun(starter, { kind: 'job', job: { name: jobName }, parameters }, { runName: jobName, idempotencyToken }, logger, effectiveSignal);
      } catch (error) {
        if (effectiveSignal.aborted && idempotencyToken !== undefined && resend !== undefined) {
          await resend()
            .then((orphanId) => jobs.cancelRun(orphanId))
            .catch((cleanup: Error) => logger.warn(`Could not make sure no evaluation run was left behind: ${cleanup.message}`));
        }
        throw error;
      }
      let finished;
      try {
        finished = await waitForRun({ jobs, runId: started.runId, clock, logger, signal: effectiveSignal, startedAt, timeoutMs: deps.timeoutMs });
      } catch (error) {
        await jobs.cancelRun(started.runId).catch((cancelError: Error) => logger.warn(`Could not cancel evaluation run ${started.runId}: ${cancelError.message}`));
        throw error;
      }
      const run = finished.run;
      if (started.jobId !== undefined && run.job_id !== undefined && run.job_id !== started.jobId) {
        throw new Error(`The workspace answered with run ${started.runId} of job ${run.job_id}, not of the evaluation job '${jobName}' (job ${started.jobId}); its output is not used.`);
      }
      const outcome = runOutcome(run);
      if (outcome.kind !== 'success') {
        throw new Error(`The evaluation job '${jobName}' (run ${started.runId}) ${describeOutcome(outcome)}; no verdict without its metrics.${run.run_page_url ? ` ${run.run_page_url}` : ''}`);
      }
      // One entry per attempt: a retried task's earlier attempts may have output too, but only the last one counts.
      const tasks = latestAttempts(run.tasks ?? []);
      const outputs: Array<{ key: string; result: string; truncated: boolean }> = [];
      for (const task of tasks.length > 0 ? tasks : [{ run_id: started.runId, task_key: jobName }]) {
        if (task.run_id === undefined) continue;
        const output = await jobs.getRunOutput(task.run_id, effectiveSignal);
        const result = output.notebook_output?.result;
        if (result !== undefined && result !== '') outputs.push({ key: task.task_key ?? String(task.run_id), result, truncated: output.notebook_output?.truncated === true });
      }
      if (outputs.length !== 1) {
        throw new Error(
          `The evaluation job '${jobName}' (run ${started.runId}) must return its JSON from exactly one notebook task through dbutils.notebook.exit; ` +
            (outputs.length === 0 ? 'none did.' : `${outputs.length} did (${outputs.map((o) => o.key).join(', ')}).`),
        );
      }
      if (outputs[0].truncated) throw new Error(`The evaluation job's notebook exit value was truncated by Databricks; return fewer per-example scores or use a paired-scores table.`);
      return { output: outputs[0].result, runId: started.runId, ...(run.run_page_url ? { runPageUrl: run.run_page_url } : {}) };
    },
  };
}
