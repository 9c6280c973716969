/**
 * The job-run state machine, as pure functions of a run record and a step count. A step is one
 * `runs/get` of the run (or one clock interval when the emulator runs on a clock), so a test controls
 * exactly how many polls a run spends PENDING and RUNNING before it ends the way the scenario says.
 * Tasks wait for their `depends_on` tasks; a failed upstream makes dependants UPSTREAM_FAILED without
 * running, as Databricks does.
 */
import type {
  RunNow,
  SubmitRun,
  SubmitTask,
  Task,
  RunLifeCycleState,
  RunLifecycleStateV2State,
  RunResultState,
  TerminationCodeCode,
  TerminationTypeType,
} from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { IdentityName, TaskScript } from './scenario';

/** One task of a run. */
export interface TaskRunRecord {
  runId: number;
  taskKey: string;
  notebookPath?: string;
  pythonFile?: string;
  baseParameters: Record<string, string>;
  /** `spark_python_task.parameters`. */
  parameters?: string[];
  dependsOn: string[];
  script: TaskScript;
  /** The task spec as the client sent it (or the job defined it), for assertions. */
  spec: SubmitTask | Task;
  /** First step in which the task may start (after its upstream tasks finished). */
  startStep: number;
  /** Step in which it is terminal; Infinity for `running: 'forever'`. */
  endStep: number;
  /** Set when an upstream task did not succeed. */
  upstreamFailed: boolean;
  timeoutSeconds?: number;
  filesWritten: boolean;
  endTime?: number;
}

/** A job run (parent of its task runs). */
export interface JobRunRecord {
  runId: number;
  jobId: number;
  numberInJob: number;
  runName: string;
  runType: 'JOB_RUN' | 'SUBMIT_RUN';
  creator: IdentityName;
  createdAt: number;
  idempotencyToken?: string;
  jobParameters: Record<string, string>;
  timeoutSeconds?: number;
  /** The request body that created the run (submit or run-now), for assertions. */
  request: SubmitRun | RunNow;
  tasks: TaskRunRecord[];
  /** runs/get calls so far (drives progress without a clock). */
  polls: number;
  /** Step at which runs/cancel arrived. */
  cancelStep?: number;
  endTime?: number;
}

/** What a task or run looks like at a step. */
export interface RunView {
  lifeCycle: RunLifeCycleState;
  statusState: RunLifecycleStateV2State;
  result?: RunResultState;
  termination?: { code: TerminationCodeCode; type: TerminationTypeType; message: string };
  stateMessage: string;
  terminal: boolean;
  /** Terminal and the script's result applies (not cancelled, not skipped). */
  ranToEnd: boolean;
}

/** How a run or task that `runs/cancel` stopped looks once it has ended. */
const userCancelled: RunView = {
  lifeCycle: 'TERMINATED',
  statusState: 'TERMINATED',
  result: 'CANCELED',
  termination: { code: 'USER_CANCELED', type: 'SUCCESS', message: 'Run cancelled by user.' },
  stateMessage: 'Run cancelled by user.',
  terminal: true,
  ranToEnd: false,
};

const succeeded = new Set<RunResultState>(['SUCCESS', 'SUCCESS_WITH_FAILURES']);

function pendingSteps(script: TaskScript): number {
  return script.pending ?? 1;
}

function runningSteps(script: TaskScript): number {
  return script.running === 'forever' ? Infinity : (script.running ?? 1);
}

/**
 * Lays tasks out on the step axis: a task starts when all its upstream tasks ended. Call once when
 * the run is created; throws on unknown or cyclic dependencies (the API rejects those with 400).
 */
export function scheduleTasks(tasks: TaskRunRecord[]): void {
  const byKey = new Map(tasks.map((t) => [t.taskKey, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (task: TaskRunRecord): void => {
    if (done.has(task.taskKey)) return;
    if (visiting.has(task.taskKey)) throw new Error(`Cyclic task dependency involving '${task.taskKey}'`);
    visiting.add(task.taskKey);
    let start = 0;
    let upstreamFailed = false;
    for (const key of task.dependsOn) {
      const upstream = byKey.get(key);
      if (!upstream) throw new Error(`Task ${task.taskKey} depends on ${key}, which is not a task in this run`);
      visit(upstream);
      start = Math.max(start, upstream.endStep);
      if (upstream.upstreamFailed || !succeeded.has(upstream.script.result ?? 'SUCCESS')) upstreamFailed = true;
    }
    task.startStep = start;
    task.upstreamFailed = upstreamFailed;
    task.endStep = upstreamFailed ? start : start + pendingSteps(task.script) + runningSteps(task.script);
    visiting.delete(task.taskKey);
    done.add(task.taskKey);
  };
  tasks.forEach(visit);
}

function terminationFor(result: RunResultState, script: TaskScript): NonNullable<RunView['termination']> {
  const message = script.stateMessage ?? script.error ?? '';
  if (script.internalError) return { code: script.terminationCode ?? 'INTERNAL_ERROR', type: 'INTERNAL_ERROR', message };
  switch (result) {
    case 'SUCCESS':
      return { code: script.terminationCode ?? 'SUCCESS', type: 'SUCCESS', message };
    case 'SUCCESS_WITH_FAILURES':
      return { code: script.terminationCode ?? 'SUCCESS_WITH_FAILURES', type: 'SUCCESS', message };
    case 'CANCELED':
      return { code: script.terminationCode ?? 'CANCELED', type: 'CLIENT_ERROR', message };
    case 'UPSTREAM_FAILED':
    case 'UPSTREAM_CANCELED':
    case 'EXCLUDED':
      return { code: script.terminationCode ?? 'SKIPPED', type: 'SUCCESS', message };
    default:
      return { code: script.terminationCode ?? 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR', message: message || 'Task failed.' };
  }
}

/** The state of one task at `step`. */
export function viewTask(run: JobRunRecord, task: TaskRunRecord, step: number): RunView {
  const cancelledBeforeEnd = run.cancelStep !== undefined && task.endStep > run.cancelStep;
  if (cancelledBeforeEnd && step >= run.cancelStep!) {
    if (step === run.cancelStep) {
      return { lifeCycle: 'TERMINATING', statusState: 'TERMINATING', stateMessage: 'Cancellation requested', terminal: false, ranToEnd: false };
    }
    return { ...userCancelled };
  }
  if (task.upstreamFailed && step >= task.startStep) {
    return {
      lifeCycle: 'SKIPPED',
      statusState: 'TERMINATED',
      result: 'UPSTREAM_FAILED',
      termination: { code: 'SKIPPED', type: 'SUCCESS', message: 'Upstream task(s) failed.' },
      stateMessage: 'Upstream task(s) failed.',
      terminal: true,
      ranToEnd: false,
    };
  }
  if (step < task.startStep) return { lifeCycle: 'BLOCKED', statusState: 'BLOCKED', stateMessage: 'Waiting for upstream tasks', terminal: false, ranToEnd: false };
  if (step < task.startStep + pendingSteps(task.script)) {
    return { lifeCycle: 'PENDING', statusState: 'PENDING', stateMessage: 'Waiting for cluster', terminal: false, ranToEnd: false };
  }
  if (step < task.endStep) return { lifeCycle: 'RUNNING', statusState: 'RUNNING', stateMessage: task.script.stateMessage ?? '', terminal: false, ranToEnd: false };
  const result = task.script.result ?? 'SUCCESS';
  const termination = terminationFor(result, task.script);
  return {
    lifeCycle: task.script.internalError ? 'INTERNAL_ERROR' : 'TERMINATED',
    statusState: 'TERMINATED',
    result,
    termination,
    stateMessage: termination.message,
    terminal: true,
    ranToEnd: true,
  };
}

/** The state of the whole run at `step`, aggregated from its tasks. */
export function viewRun(run: JobRunRecord, step: number): RunView {
  const views = run.tasks.map((t) => viewTask(run, t, step));
  if (views.some((v) => v.lifeCycle === 'TERMINATING')) {
    return { lifeCycle: 'TERMINATING', statusState: 'TERMINATING', stateMessage: 'Cancellation requested', terminal: false, ranToEnd: false };
  }
  if (!views.every((v) => v.terminal)) {
    const started = views.some((v) => v.lifeCycle !== 'PENDING' && v.lifeCycle !== 'BLOCKED');
    return started
      ? { lifeCycle: 'RUNNING', statusState: 'RUNNING', stateMessage: '', terminal: false, ranToEnd: false }
      : { lifeCycle: 'PENDING', statusState: 'PENDING', stateMessage: 'Waiting for cluster', terminal: false, ranToEnd: false };
  }
  const results = views.map((v) => v.result);
  if (results.includes('CANCELED') && run.cancelStep !== undefined) {
    return { ...userCancelled };
  }
  const internal = views.find((v) => v.lifeCycle === 'INTERNAL_ERROR');
  if (internal) return { ...internal, result: 'FAILED', ranToEnd: true };
  const failed = views.find((v) => v.result !== undefined && !succeeded.has(v.result) && v.result !== 'UPSTREAM_FAILED' && v.result !== 'EXCLUDED');
  if (failed) {
    return {
      lifeCycle: 'TERMINATED',
      statusState: 'TERMINATED',
      result: failed.result,
      termination: failed.termination,
      stateMessage: failed.stateMessage,
      terminal: true,
      ranToEnd: true,
    };
  }
  const partial = results.includes('SUCCESS_WITH_FAILURES');
  const result: RunResultState = partial ? 'SUCCESS_WITH_FAILURES' : 'SUCCESS';
  return {
    lifeCycle: 'TERMINATED',
    statusState: 'TERMINATED',
    result,
    termination: { code: result, type: 'SUCCESS', message: '' },
    stateMessage: '',
    terminal: true,
    ranToEnd: true,
  };
}
