/** Databricks job runs as tests script them: run states in both shapes, and a run that progresses on a clock. */
import type { Run, RunOutput, RunTask } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { Clock } from '../../tasks/common/ports';

/** A terminal or running status in both the new and the legacy shape. */
export function runState(lifecycle: 'PENDING' | 'RUNNING' | 'TERMINATED', result?: string, message = ''): Pick<Run, 'status' | 'state'> {
  if (lifecycle !== 'TERMINATED') {
    return { status: { state: lifecycle }, state: { life_cycle_state: lifecycle } };
  }
  return {
    status: { state: 'TERMINATED', termination_details: { code: result as never, message, type: result === 'SUCCESS' ? 'SUCCESS' : 'CLIENT_ERROR' } },
    state: { life_cycle_state: 'TERMINATED', result_state: ({ USER_CANCELED: 'CANCELED', SKIPPED: 'UPSTREAM_FAILED' }[result ?? ''] ?? result) as never, state_message: message },
  };
}

/** A run that is PENDING for a second, RUNNING until `durationMs`, then ends with `result`. */
export class ScriptedRun {
  calls = 0;
  constructor(
    private readonly clock: Clock,
    readonly runId: number,
    private readonly startedAt: number,
    private readonly durationMs: number,
    private readonly result = 'SUCCESS',
    private readonly taskKeys: string[] = ['main'],
  ) {}

  get endsAt(): number {
    return this.startedAt + this.durationMs;
  }

  getRun = async (runId: number): Promise<Run> => {
    this.calls++;
    if (runId !== this.runId) throw new Error(`unexpected run ${runId}`);
    const elapsed = this.clock.now() - this.startedAt;
    const lifecycle = elapsed >= this.durationMs ? 'TERMINATED' : elapsed >= 1000 ? 'RUNNING' : 'PENDING';
    const tasks: RunTask[] = this.taskKeys.map((key, index) => ({
      task_key: key,
      run_id: this.runId * 10 + index,
      start_time: this.startedAt,
      end_time: lifecycle === 'TERMINATED' ? this.endsAt : 0,
      ...runState(lifecycle, this.result),
    }));
    return {
      run_id: this.runId,
      run_page_url: `https://example/#job/1/run/${this.runId}`,
      start_time: this.startedAt,
      end_time: lifecycle === 'TERMINATED' ? this.endsAt : 0,
      tasks,
      ...runState(lifecycle, this.result),
    };
  };
}

/**
 * The jobs calls of a job runner (list by name, run-now, get, output, cancel) served from a script:
 * `getRun` answers the given runs in order, the last repeating; a log records the calls.
 */
export class FakeJobs {
  readonly log: string[] = [];
  host = 'https://ws';
  constructor(
    private readonly runs: Run[],
    private readonly outputs: Record<number, RunOutput>,
  ) {}
  listJobsByName(name: string) {
    this.log.push(`list ${name}`);
    return Promise.resolve([{ job_id: 7 }]);
  }
  runNow(request: { job_id: number; job_parameters?: Record<string, string>; idempotency_token?: string }) {
    this.log.push(`run-now ${request.job_id} ${JSON.stringify(request.job_parameters)} ${request.idempotency_token ?? ''}`);
    return Promise.resolve(10);
  }
  getRun() {
    return Promise.resolve(this.runs.length > 1 ? this.runs.shift()! : this.runs[0]);
  }
  getRunOutput(id: number) {
    this.log.push(`output ${id}`);
    return Promise.resolve(this.outputs[id] ?? {});
  }
  cancelRun(id: number) {
    this.log.push(`cancel ${id}`);
    return Promise.resolve();
  }
  getJob() {
    return Promise.resolve({});
  }
  submitRun() {
    return Promise.resolve(0);
  }
}
