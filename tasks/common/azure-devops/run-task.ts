import * as tl from 'azure-pipelines-task-lib/task';
import { toError } from '../http/errors';
import { createTaskLibContext } from './task-lib-context';
import type { TaskContext, TaskOutcome } from './task-context';

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
}

/** How long a cancelled task may spend cleaning up (cancelling a Databricks run) before it exits anyway. */
const cancelGraceMs = 15_000;

/**
 * The only place that sets a task's result. Runs `run` with a task-lib context, turns SIGINT/SIGTERM
 * from the agent into an aborted signal (so `run` can stop what it started), and reports any error
 * as `Failed` with its message.
 */
export async function runTask(
  task: TaskIdentity,
  run: (context: TaskContext) => Promise<TaskOutcome | void>,
): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      controller.abort(new CancelledError(signal));
      // Leave time to clean up, but never hang the agent.
      setTimeout(() => {
        tl.setResult(tl.TaskResult.Cancelled, `The step was cancelled (${signal}) and cleanup did not finish in time.`);
        process.exit(1);
      }, cancelGraceMs).unref();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { Major, Minor, Patch } = task.version;
    const outcome = await run(createTaskLibContext(task.name, `${Major}.${Minor}.${Patch}`, controller.signal));
    if (outcome && outcome.result !== 'Succeeded') {
      tl.setResult(outcome.result === 'Failed' ? tl.TaskResult.Failed : tl.TaskResult.SucceededWithIssues, outcome.message);
    } else {
      tl.setResult(tl.TaskResult.Succeeded, outcome?.message ?? '');
    }
  } catch (thrown) {
    const error = toError(thrown);
    if (error instanceof CancelledError || controller.signal.aborted) {
      tl.setResult(tl.TaskResult.Cancelled, toError(controller.signal.reason ?? error).message);
    } else {
      tl.debug(error.stack ?? error.message);
      tl.setResult(tl.TaskResult.Failed, error.message);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
