import type { ClusterSpec } from '@databricks/sdk-experimental/dist/apis/compute/model';
import type { Job, RunNow, SubmitRun, SubmitTask } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { JobsClient } from '../databricks/jobs';
import type { Logger } from '../ports';
import { runMessage } from './messages';

/** Where a one-time run executes. */
export type Compute =
  /** Serverless jobs compute; `dependencies` are pip requirement strings for Python file tasks. */
  | { kind: 'serverless'; dependencies: string[] }
  | { kind: 'existingCluster'; clusterId: string }
  | { kind: 'newCluster'; spec: ClusterSpec };

/** What to run. */
export type RunSpec =
  /**
   * An existing job, by id or exact name, with job parameters. With `requireDefinedParameters`, a
   * parameter the job does not define is refused before the run starts (a typo would otherwise be
   * a parameter the job never reads).
   */
  | { kind: 'job'; job: { id: number } | { name: string }; parameters: Record<string, string>; requireDefinedParameters?: boolean }
  /** A one-time run of a workspace notebook with base parameters. */
  | { kind: 'notebook'; notebookPath: string; parameters: Record<string, string>; compute: Compute }
  /** A one-time run of a Python file with command-line arguments. */
  | { kind: 'pythonFile'; pythonFile: string; args: string[]; compute: Compute };

/** Run-wide settings of a submission. */
export interface SubmitSettings {
  runName: string;
  /** See `idempotency.ts`; undefined outside a pipeline. */
  idempotencyToken?: string;
  /** Databricks-side limit for one-time runs (`timeout_seconds`); a job keeps its own settings. */
  timeoutSeconds?: number;
}

/** The started run. */
export interface StartedRun {
  runId: number;
  /** Set for runs of existing jobs. */
  jobId?: number;
}

/** Thrown when a job name matches no job or several. */
export class JobLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobLookupError';
  }
}

const serverlessEnvironmentKey = 'default';

/** A task key from a file name: the API accepts letters, digits, `_`, `-` and `.`, at most 100. */
export function taskKeyFor(path: string): string {
  const base = path.split('/').filter(Boolean).pop() ?? 'main';
  const key = base.replace(/\.[^.]*$/, '').replace(/[^\w\-.]/g, '_').slice(0, 100);
  return key || 'main';
}

function applyCompute(task: SubmitTask, compute: Compute, request: SubmitRun): void {
  switch (compute.kind) {
    case 'existingCluster':
      task.existing_cluster_id = compute.clusterId;
      return;
    case 'newCluster':
      task.new_cluster = compute.spec;
      return;
    case 'serverless':
      // Notebooks on serverless use the notebook's own environment; only Python file tasks take a job environment.
      if (task.spark_python_task) {
        task.environment_key = serverlessEnvironmentKey;
        request.environments = [{ environment_key: serverlessEnvironmentKey, spec: { environment_version: '2', dependencies: compute.dependencies } }];
      }
      return;
  }
}

/** The `runs/submit` body for a one-time run (pure). */
export function buildSubmitRun(spec: Exclude<RunSpec, { kind: 'job' }>, settings: SubmitSettings): SubmitRun {
  const request: SubmitRun = { run_name: settings.runName, tasks: [] };
  if (settings.idempotencyToken !== undefined) request.idempotency_token = settings.idempotencyToken;
  if (settings.timeoutSeconds !== undefined) request.timeout_seconds = settings.timeoutSeconds;
  const task: SubmitTask =
    spec.kind === 'notebook'
      ? {
          task_key: taskKeyFor(spec.notebookPath),
          notebook_task: { notebook_path: spec.notebookPath, source: 'WORKSPACE', base_parameters: spec.parameters },
        }
      : {
          task_key: taskKeyFor(spec.pythonFile),
          spark_python_task: { python_file: spec.pythonFile, parameters: spec.args },
        };
  if (settings.timeoutSeconds !== undefined) task.timeout_seconds = settings.timeoutSeconds;
  applyCompute(task, spec.compute, request);
  request.tasks = [task];
  return request;
}

/** The `run-now` body for a job (pure). */
export function buildRunNow(jobId: number, parameters: Record<string, string>, settings: Pick<SubmitSettings, 'idempotencyToken'>): RunNow {
  const request: RunNow = { job_id: jobId };
  if (Object.keys(parameters).length > 0) request.job_parameters = parameters;
  if (settings.idempotencyToken !== undefined) request.idempotency_token = settings.idempotencyToken;
  return request;
}

/**
 * The id of the job named exactly `name`.
 * @throws JobLookupError naming the workspace when there is none, listing the ids when there are several.
 */
export async function resolveJobByName(jobs: JobsClient, name: string, signal?: AbortSignal): Promise<number> {
  const found = await jobs.listJobsByName(name, signal);
  if (found.length === 0) throw new JobLookupError(runMessage('NoJobNamed', name, jobs.host));
  if (found.length > 1) {
    throw new JobLookupError(runMessage('AmbiguousJob', name, jobs.host, found.map((job) => job.job_id).join(', ')));
  }
  const id = found[0].job_id;
  if (typeof id !== 'number') throw new JobLookupError(`jobs/list returned the job '${name}' without a job_id.`);
  return id;
}

/**
 * Starts the run: finds the job (by name, or checks the id exists) and calls `run-now`, or submits
 * a one-time run. With an idempotency token, a connection dropped after the workspace accepted the
 * request is retried by the client and the workspace answers with the same run.
 */
export async function startRun(jobs: JobsClient, spec: RunSpec, settings: SubmitSettings, logger: Logger, signal?: AbortSignal): Promise<StartedRun> {
  if (spec.kind !== 'job') {
    const runId = await jobs.submitRun(buildSubmitRun(spec, settings), signal);
    return { runId };
  }
  let jobId: number;
  let job: Job | undefined;
  if ('name' in spec.job) {
    jobId = await resolveJobByName(jobs, spec.job.name, signal);
    logger.info(`Job '${spec.job.name}' is job ${jobId}.`);
  } else {
    const id = spec.job.id;
    jobId = id;
    job = await jobs.getJob(id, signal).catch((error: Error & { errorCode?: string }) => {
      if (error.errorCode === 'INVALID_PARAMETER_VALUE' || error.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
        throw new JobLookupError(runMessage('NoJobWithId', id, jobs.host));
      }
      throw error;
    });
    logger.info(`Job ${jobId} is '${job.settings?.name ?? ''}'.`);
  }
  const given = Object.keys(spec.parameters);
  if (spec.requireDefinedParameters && given.length > 0) {
    job ??= await jobs.getJob(jobId, signal);
    const defined = (job.settings?.parameters ?? []).map((parameter) => parameter.name);
    const unknown = given.filter((name) => !defined.includes(name));
    if (unknown.length > 0) {
      throw new JobLookupError(
        runMessage('UndefinedJobParameters', unknown.join(', '), jobId, job.settings?.name ?? '', defined.length > 0 ? defined.join(', ') : 'none'),
      );
    }
  }
  const runId = await jobs.runNow(buildRunNow(jobId, spec.parameters, settings), signal);
  return { runId, jobId };
}
