import * as tl from 'azure-pipelines-task-lib/task';
import { toError } from '../http/errors';
import { explainFailure, type LabelledInput } from '../task/failure-hints';
import { agentFilledFilePathInputs, withUnsuppliedFilePaths } from '../task/input-parsing';
import { neutralizeLoggingCommands } from '../logging-commands';
import { createTaskLibContext, neutralizeConsole } from './task-lib-context';
import type { TaskContext, TaskOutcome } from '../task/task-context';

/** Thrown into a task's work when the pipeline cancels the step. */
export class CancelledError extends Error {
  constructor(signal: string) {
    super(`The step was cancelled (${signal}).`);
    this.name = 'CancelledError';
  }
}

/** The task's name and version, as its task.json declares them (pass the imported task.json). */
export interface TaskIdentity {
  name: string;
  version: { Major: number; Minor: number; Patch: number };
  /**
   * The inputs, so a failure naming one also gives the label the classic editor shows, and a
   * `filePath` input the agent filled with its default folder reads as not set.
   */
  inputs?: readonly (LabelledInput & { type?: string; defaultValue?: unknown })[];
}

/** How long a cancelled task may spend cleaning up (cancelling a Databricks run) before it exits anyway. */
const defaultCancelGraceMs = 15_000;

/** Tunables of {@link runTask}; defaults suit the agent, tests shorten them. */
export interface RunTaskOptions {
  /** How long cleanup may take after SIGINT/SIGTERM before the process exits as cancelled. */
  cancelGraceMs?: number;
}

/**
 * The only place that sets a task's result, exactly once. Runs `run` with a task-lib context, turns
 * SIGINT/SIGTERM from the agent into an aborted signal (so `run` can stop what it started), reports
 * any error as `Failed` with its message, and fails the step on an error nothing awaited (an
 * unhandled rejection), since the work's real state is then unknown.
 */
export async function runTask(
  task: TaskIdentity,
  run: (context: TaskContext) => Promise<TaskOutcome | void>,
  options: RunTaskOptions = {},
): Promise<void> {
  // Before anything can print: text from outside reaching `console` must not command the agent.
  neutralizeConsole();
  const controller = new AbortController();
  let settled = false;
  const settle = (result: tl.TaskResult, message: string): void => {
    if (settled) return;
    settled = true;
    // The message quotes errors from outside (a run's state message, a CLI's last line).
    tl.setResult(result, neutralizeLoggingCommands(message));
  };
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      controller.abort(new CancelledError(signal));
      // Leave time to clean up, but never hang the agent.
      graceTimer = setTimeout(() => {
        settle(tl.TaskResult.Cancelled, `The step was cancelled (${signal}) and cleanup did not finish in time.`);
        process.exit(1);
      }, options.cancelGraceMs ?? defaultCancelGraceMs);
      graceTimer.unref();
    }
  };
  // task-lib's own handlers (installed when it loads) set Failed and let the work go on, so the
  // step later reported a second result, usually Succeeded, which the agent keeps. Ours replace
  // them: fail once and stop, as Node itself would; after the result is set, a late error is only
  // logged so it cannot overwrite it.
  const onStray = (thrown: unknown): void => {
    // A closed stdout: writing anything would raise the same error again.
    if ((thrown as { code?: unknown } | undefined)?.code === 'EPIPE') return;
    const error = toError(thrown);
    tl.debug(neutralizeLoggingCommands(error.stack ?? error.message));
    if (settled) return;
    settle(tl.TaskResult.Failed, `Unexpected error: ${error.message}`);
    process.exit(1);
  };
  process.removeAllListeners('unhandledRejection');
  process.removeAllListeners('uncaughtException');
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { Major, Minor, Patch } = task.version;
    const context = createTaskLibContext(task.name, `${Major}.${Minor}.${Patch}`, controller.signal);
    const outcome = await run({ ...context, inputs: withUnsuppliedFilePaths(context.inputs, agentFilledFilePathInputs(task.inputs ?? [])) });
    if (controller.signal.aborted) {
      // The work stopped because the step was cancelled; whatever it returned, success is not what happened.
      settle(tl.TaskResult.Cancelled, [toError(controller.signal.reason).message, outcome?.message].filter(Boolean).join(' '));
    } else if (outcome && outcome.result !== 'Succeeded') {
      settle(outcome.result === 'Failed' ? tl.TaskResult.Failed : tl.TaskResult.SucceededWithIssues, outcome.message);
    } else {
      settle(tl.TaskResult.Succeeded, outcome?.message ?? '');
    }
  } catch (thrown) {
    const error = toError(thrown);
    if (error instanceof CancelledError || controller.signal.aborted) {
      settle(tl.TaskResult.Cancelled, toError(controller.signal.reason ?? error).message);
    } else {
      tl.debug(neutralizeLoggingCommands(error.stack ?? error.message));
      settle(tl.TaskResult.Failed, explainFailure(error.message, task.inputs ?? []));
    }
  } finally {
    // Cleanup finished: a handle still open (a pooled socket) must not let the timer report again and exit 1.
    clearTimeout(graceTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
