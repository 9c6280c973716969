/**
 * Logging-command injection, for any task's tests: a payload to put in every field that comes from
 * outside (run and task names, messages, traces, notebook output, metric and tag names and values,
 * CLI output, work-item fields), and a check that reads the task's stdout and stderr as the agent
 * does and accepts only the commands task-lib writes for the task itself.
 *
 *   const run = await runTaskBundle(task, ...);   // with injectionPayload in the emulator's data
 *   assertOnlyOwnCommands(run, { outputs: Object.values(outputNames) });
 */
import assert from 'node:assert/strict';
import { parseCommandLine, type TaskRun } from './task-bundle';

/** The marker every payload carries, so a leak is easy to spot in a failure message. */
export const injectionMarker = 'INJECTED';

/**
 * Text an attacker with write access to the workspace would plant: a newline and then commands that
 * set an output variable, change PATH and upload a file, plus formatting commands, also in the
 * middle of a line (the agent finds `##vso[` anywhere in a line).
 */
export const injectionPayload = [
  `before ##vso[task.setvariable variable=${injectionMarker};isOutput=true]pwned`,
  `##vso[task.prependpath]/tmp/${injectionMarker}`,
  `##vso[task.uploadfile]/etc/${injectionMarker}`,
  `##[error]${injectionMarker} error`,
  `##[group]${injectionMarker} group`,
  `##VSO[task.setvariable variable=${injectionMarker}_UPPER]x`,
].join('\n');

/** The same payload on one line, for fields that must be single-line (names, tag keys). */
export const injectionPayloadLine = `x ##vso[task.setvariable variable=${injectionMarker};isOutput=true]pwned ##[error]${injectionMarker}`;

/** Commands task-lib writes for this project's tasks. */
const ownCommands = new Set([
  'task.debug',
  'task.issue',
  'task.logissue',
  'task.complete',
  'task.setvariable',
  'task.setsecret',
  'task.setprogress',
  'task.uploadsummary',
  'task.addattachment',
  'results.publish',
  'artifact.upload',
]);

/** Formatting prefixes the tasks themselves print (the logger's `error`). */
const ownFormats = new Set(['error']);

export interface OwnCommandsOptions {
  /** The task's output variable names (task.json `outputVariables`): the only variables it may set. */
  outputs: readonly string[];
}

/**
 * Every line of stdout and stderr that the agent would act on although the task did not mean it:
 * a `##vso[` that is not at the start of the line or not one of the task's own commands, a second
 * marker in a line, a variable outside the task's outputs, or a `##[` formatting prefix the task
 * does not print.
 */
export function foreignCommandLines(run: Pick<TaskRun, 'stdout' | 'stderr'>, options: OwnCommandsOptions): string[] {
  const outputs = new Set(options.outputs);
  const foreign: string[] = [];
  for (const line of `${run.stdout}\n${run.stderr}`.split(/\r\n|\r|\n/)) {
    const vso = line.search(/##vso\[/i);
    const format = line.indexOf('##[');
    if (vso < 0 && format < 0) continue;
    const first = Math.min(...[vso, format].filter((index) => index >= 0));
    const rest = line.slice(first + 3);
    if (first !== 0 || /##vso\[|##\[/i.test(rest)) {
      foreign.push(line);
      continue;
    }
    if (format === 0) {
      const name = /^##\[([a-z]+)\]/.exec(line)?.[1];
      if (name === undefined || !ownFormats.has(name)) foreign.push(line);
      continue;
    }
    if (!line.startsWith('##vso[')) {
      foreign.push(line);
      continue;
    }
    let command: ReturnType<typeof parseCommandLine>;
    try {
      command = parseCommandLine(line);
    } catch {
      foreign.push(line);
      continue;
    }
    if (!ownCommands.has(command.command)) foreign.push(line);
    else if (command.command === 'task.setvariable' && !outputs.has(command.properties.variable)) foreign.push(line);
  }
  return foreign;
}

/** Fails with the offending lines when {@link foreignCommandLines} finds any. */
export function assertOnlyOwnCommands(run: Pick<TaskRun, 'stdout' | 'stderr' | 'outputs'>, options: OwnCommandsOptions): void {
  assert.deepEqual(foreignCommandLines(run, options), [], 'a logging command from outside reached the agent');
  assert.ok(!Object.keys(run.outputs).some((name) => name.includes(injectionMarker)), 'an injected output variable was set');
}
