/** Databricks job runs as tests script them: run states in both shapes, and a run that progresses on a clock. */
import type { Run, RunTask } from '@databricks/sdk-experimental/dist/apis/jobs/model';
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
