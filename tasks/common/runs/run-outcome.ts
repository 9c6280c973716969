import type { Run, RunTask } from '@databricks/sdk-experimental/dist/apis/jobs/model';

/**
 * How a run or task run ended, read from `status` (preferred) and the legacy `state`, whichever
 * the workspace sends. Fails closed: anything not clearly `SUCCESS` is not a success.
 */
export type OutcomeKind =
  /** Still queued, pending or running. */
  | 'running'
  | 'success'
  /** `SUCCESS_WITH_FAILURES`: some tasks failed but the run was configured to tolerate it. */
  | 'partial'
  | 'failed'
  | 'cancelled'
  | 'timedOut'
  | 'skipped'
  /** Terminal, but neither a known result state nor a known termination code. */
  | 'unknown';

/** The outcome of a run or task run. */
export interface RunOutcome {
  kind: OutcomeKind;
  /** True once the run will not change any more. */
  terminal: boolean;
  /** Life-cycle state for logs: `status.state`, else `state.life_cycle_state`, else `UNKNOWN`. */
  lifecycle: string;
  /** `state.result_state` when the workspace returns one, otherwise `status.termination_details.code`; empty while running. */
  resultState: string;
  /** The workspace's explanation (termination message or state message), if any. */
  message: string;
}

/** Termination codes published in the Jobs API 2.2 contract, by what they mean for the task. */
const terminationKinds: Record<string, OutcomeKind> = {
  SUCCESS: 'success',
  SUCCESS_WITH_FAILURES: 'partial',
  USER_CANCELED: 'cancelled',
  CANCELED: 'cancelled',
  CLUSTER_TERMINATED_BY_USER: 'cancelled',
  SKIPPED: 'skipped',
  DISABLED: 'skipped',
  INTERNAL_ERROR: 'failed',
  DRIVER_ERROR: 'failed',
  CLUSTER_ERROR: 'failed',
  REPOSITORY_CHECKOUT_FAILED: 'failed',
  INVALID_CLUSTER_REQUEST: 'failed',
  WORKSPACE_RUN_LIMIT_EXCEEDED: 'failed',
  FEATURE_DISABLED: 'failed',
  CLUSTER_REQUEST_LIMIT_EXCEEDED: 'failed',
  STORAGE_ACCESS_ERROR: 'failed',
  RUN_EXECUTION_ERROR: 'failed',
  UNAUTHORIZED_ERROR: 'failed',
  LIBRARY_INSTALLATION_ERROR: 'failed',
  MAX_CONCURRENT_RUNS_EXCEEDED: 'failed',
  MAX_SPARK_CONTEXTS_EXCEEDED: 'failed',
  RESOURCE_NOT_FOUND: 'failed',
  INVALID_RUN_CONFIGURATION: 'failed',
  CLOUD_FAILURE: 'failed',
  MAX_JOB_QUEUE_SIZE_EXCEEDED: 'failed',
  BREAKING_CHANGE: 'failed',
  BUDGET_POLICY_LIMIT_EXCEEDED: 'failed',
};

/** Legacy `result_state` values. */
const resultKinds: Record<string, OutcomeKind> = {
  SUCCESS: 'success',
  SUCCESS_WITH_FAILURES: 'partial',
  FAILED: 'failed',
  TIMEDOUT: 'timedOut',
  CANCELED: 'cancelled',
  MAXIMUM_CONCURRENT_RUNS_REACHED: 'failed',
  EXCLUDED: 'skipped',
  // The task never ran because an upstream task did not succeed; the upstream task carries the failure.
  UPSTREAM_FAILED: 'skipped',
  UPSTREAM_CANCELED: 'skipped',
  DISABLED: 'skipped',
};

const terminalLifecycles = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

/**
 * The task runs that say how each task ended: `runs/get` lists one entry per attempt (a task with
 * `max_retries` that failed and then passed appears twice), so only the highest `attempt_number`
 * of each `task_key` counts. Order is kept; entries without a key are kept as they are.
 */
export function latestAttempts(tasks: readonly RunTask[]): RunTask[] {
  const latest = new Map<string, RunTask>();
  for (const task of tasks) {
    if (task.task_key === undefined) continue;
    const seen = latest.get(task.task_key);
    if (!seen || (task.attempt_number ?? 0) >= (seen.attempt_number ?? 0)) latest.set(task.task_key, task);
  }
  return tasks.filter((task) => task.task_key === undefined || latest.get(task.task_key) === task);
}

/** True when `code` is a termination code this version knows. */
export function isKnownTerminationCode(code: string): boolean {
  return code in terminationKinds;
}

/** Reads the outcome of a run or of one of its task runs. */
export function runOutcome(run: Run | RunTask): RunOutcome {
  const status = run.status;
  const legacy = run.state;
  const lifecycle = status?.state ?? legacy?.life_cycle_state ?? 'UNKNOWN';
  const terminal = status?.state !== undefined ? status.state === 'TERMINATED' : terminalLifecycles.has(legacy?.life_cycle_state ?? '');
  const code = status?.termination_details?.code as string | undefined;
  const result = legacy?.result_state as string | undefined;
  const message = status?.termination_details?.message || legacy?.state_message || '';
  const resultState = result ?? code ?? '';
  if (!terminal) return { kind: 'running', terminal, lifecycle, resultState, message };

  const kinds: OutcomeKind[] = [];
  if (code !== undefined) kinds.push(terminationKinds[code] ?? 'unknown');
  if (result !== undefined) kinds.push(resultKinds[result] ?? 'unknown');
  // INTERNAL_ERROR is a failure whatever result state comes with it.
  if (legacy?.life_cycle_state === 'INTERNAL_ERROR') kinds.push('failed');
  if (kinds.length === 0) {
    // The legacy SKIPPED life-cycle state carries no result state.
    kinds.push(legacy?.life_cycle_state === 'SKIPPED' ? 'skipped' : 'unknown');
  }
  // Where status and state disagree, the worse one wins: a run is a success only if both say so.
  const order: OutcomeKind[] = ['unknown', 'failed', 'timedOut', 'cancelled', 'partial', 'skipped', 'success'];
  const kind = kinds.sort((a, b) => order.indexOf(a) - order.indexOf(b))[0];
  return { kind, terminal, lifecycle, resultState: resultState || 'UNKNOWN', message };
}

/** A one-line description of a terminal outcome for logs and failure messages. */
export function describeOutcome(outcome: RunOutcome): string {
  const detail = outcome.message ? `: ${outcome.message}` : '';
  if (outcome.kind === 'unknown') {
    return `ended in an unrecognised state (${outcome.lifecycle}, ${outcome.resultState})${detail}`;
  }
  return `ended ${outcome.resultState}${detail}`;
}
