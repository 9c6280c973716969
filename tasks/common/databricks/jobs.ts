import type {
  BaseJob,
  Job,
  ListJobsResponse,
  Run,
  RunNow,
  RunNowResponse,
  RunOutput,
  SubmitRun,
  SubmitRunResponse,
} from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { DatabricksApiClient } from './api-client';

const base = '/api/2.2/jobs';

/**
 * Jobs API 2.2: one-time runs, runs of existing jobs, run state and outputs, job lookup.
 * Run-creating calls are marked idempotent only when they carry an `idempotency_token`, so the
 * client repeats them after a dropped connection and the workspace returns the same run.
 */
export class JobsClient {
  constructor(private readonly client: DatabricksApiClient) {}

  /** The workspace this client talks to, for messages. */
  get host(): string {
    return this.client.host;
  }

  /** `POST runs/submit`: starts a one-time run. */
  async submitRun(request: SubmitRun, signal?: AbortSignal): Promise<number> {
    const response = await this.client.call<SubmitRunResponse>('POST', `${base}/runs/submit`, {
      body: request,
      idempotent: request.idempotency_token !== undefined,
      signal,
    });
    return requireRunId(response.run_id, 'runs/submit');
  }

  /** `POST run-now`: starts a run of an existing job. */
  async runNow(request: RunNow, signal?: AbortSignal): Promise<number> {
    const response = await this.client.call<RunNowResponse>('POST', `${base}/run-now`, {
      body: request,
      idempotent: request.idempotency_token !== undefined,
      signal,
    });
    return requireRunId(response.run_id, 'run-now');
  }

  /**
   * `GET runs/get`, following `next_page_token` so that `tasks` (and the other paginated arrays)
   * hold every element, not only the first 100.
   */
  async getRun(runId: number, signal?: AbortSignal): Promise<Run> {
    const first = await this.client.call<Run>('GET', `${base}/runs/get`, { query: { run_id: runId }, signal });
    const run: Run = { ...first };
    // `next_page_token` alone says there is more: `has_more` is documented for runs/list, and
    // runs/get may leave it out (the Databricks SDKs follow the token only).
    let pageToken = first.next_page_token || undefined;
    const seen = new Set<string>();
    while (pageToken) {
      // A workspace that repeats a token would otherwise keep us here forever.
      if (seen.has(pageToken)) break;
      seen.add(pageToken);
      const page = await this.client.call<Run>('GET', `${base}/runs/get`, {
        query: { run_id: runId, page_token: pageToken },
        signal,
      });
      run.tasks = [...(run.tasks ?? []), ...(page.tasks ?? [])];
      run.iterations = [...(run.iterations ?? []), ...(page.iterations ?? [])];
      run.job_clusters = [...(run.job_clusters ?? []), ...(page.job_clusters ?? [])];
      run.job_parameters = [...(run.job_parameters ?? []), ...(page.job_parameters ?? [])];
      run.repair_history = [...(run.repair_history ?? []), ...(page.repair_history ?? [])];
      pageToken = page.next_page_token || undefined;
    }
    delete run.has_more;
    delete run.next_page_token;
    return run;
  }

  /**
   * `GET runs/get-output` of one task run. Never call it with the parent of a multi-task run:
   * the workspace answers 400.
   */
  async getRunOutput(taskRunId: number, signal?: AbortSignal): Promise<RunOutput> {
    return this.client.call<RunOutput>('GET', `${base}/runs/get-output`, { query: { run_id: taskRunId }, signal });
  }

  /** `POST runs/cancel`. Asynchronous on the workspace side: the run may still be stopping afterwards. */
  async cancelRun(runId: number, signal?: AbortSignal): Promise<void> {
    await this.client.call('POST', `${base}/runs/cancel`, { body: { run_id: runId }, idempotent: true, signal });
  }

  /** `GET jobs/get`. */
  async getJob(jobId: number, signal?: AbortSignal): Promise<Job> {
    return this.client.call<Job>('GET', `${base}/get`, { query: { job_id: jobId }, signal });
  }

  /**
   * Every job whose name equals `name`. The API filters case-insensitively; this keeps only
   * exact matches when any exist, since job names differing only in case are distinct jobs.
   */
  async listJobsByName(name: string, signal?: AbortSignal): Promise<BaseJob[]> {
    const found: BaseJob[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.call<ListJobsResponse>('GET', `${base}/list`, {
        query: { name, limit: 100, page_token: pageToken },
        signal,
      });
      found.push(...(page.jobs ?? []));
      pageToken = page.has_more ? page.next_page_token : undefined;
    } while (pageToken);
    const sameName = found.filter((job) => (job.settings?.name ?? '').toLowerCase() === name.toLowerCase());
    const exact = sameName.filter((job) => job.settings?.name === name);
    return exact.length > 0 ? exact : sameName;
  }
}

function requireRunId(runId: number | undefined, operation: string): number {
  if (typeof runId !== 'number') throw new Error(`${operation} returned no run_id`);
  return runId;
}
