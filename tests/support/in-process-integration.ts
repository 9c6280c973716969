/**
 * Task scenarios in process: a workspace emulator on the tasks' simulated clock (runs, polling and
 * retry back-off cost no wall time), a task's `run` called against it with a connection, and what
 * the run handed to the agent (summaries, test results, attachments), read back as the bundle tests
 * read the files the `##vso` commands name.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDemoEnvironment, type DemoEnvironment } from '../../scripts/demo/environment';
import { type Emulator } from '../emulator';
import { runInProcess, type InProcessOptions, type InProcessRun } from '../fakes/task-run';
import type { EndpointFixture, TaskRun } from './task-bundle';
import { type SimulatedWorkspace, type TaskEntry, publishedOf } from './in-process';

/** The common connection inputs and the service connection for a personal access token. */
export function patConnection(emulator: Emulator, token: string, connectionId = 'DBXCONN'): { inputs: Record<string, string>; endpoints: Record<string, EndpointFixture> } {
  return {
    inputs: { connectionType: 'databricks', databricksConnection: connectionId },
    endpoints: { [connectionId]: { url: emulator.url, scheme: 'Token', parameters: { apitoken: token } } },
  };
}

/** What to run: the task's inputs (connection inputs included) and its step's variables. */
export type StepOptions = Omit<InProcessOptions, 'clock'>;

/** Runs `run` once in process against the workspace. */
export function runStep(workspace: SimulatedWorkspace, run: TaskEntry, options: StepOptions): Promise<InProcessRun> {
  return runInProcess(run, { ...options, clock: workspace.clock });
}

/** The content of the one summary the run uploaded. */
export function onlySummary(run: InProcessRun): string {
  const summaries = publishedOf(run, 'summary');
  assert.equal(summaries.length, 1, 'one summary');
  return summaries[0].content;
}

/** Fails when `secret` reached a log line (debug included) or a file handed to the agent. */
export function assertNotLeaked(run: InProcessRun, secret: string): void {
  assert.deepEqual(run.log.filter((line) => line.includes(secret)), [], `${secret.slice(0, 8)}... logged`);
  assert.deepEqual(run.files.filter((content) => content.includes(secret)), [], `${secret.slice(0, 8)}... published`);
}

/** Fails when `secret` was not registered with setSecret, or leaked. */
export function assertSecretKept(run: InProcessRun, secret: string): void {
  assert.ok(run.secrets.includes(secret), `${secret.slice(0, 8)}... registered as a secret`);
  assertNotLeaked(run, secret);
}

/**
 * The demo environment (scripts/demo/environment.ts) with steps run in process instead of as bundles:
 * `runTask` calls the task's `run` from `tasks` against the workspace, with the demo's connection and
 * variables (and a task instance id of its own per step, as the agent gives), and hands each run to
 * `onRun`. It answers with the part of a bundle's TaskRun the demo steps read (result, message,
 * outputs, secrets, warnings, summary titles); nothing the agent would parse from stdout. A step that
 * needs more than extra endpoints or variables fails, rather than running differently than the demo.
 */
export function inProcessDemoEnvironment(
  workspace: SimulatedWorkspace,
  token: string,
  workDirectory: string,
  tasks: Record<string, TaskEntry>,
  onRun: (run: InProcessRun, task: string, title: string) => void = () => undefined,
): DemoEnvironment {
  const env = createDemoEnvironment(workspace.emulator, token, workDirectory);
  env.runTask = async (task, title, inputs, extra = {}) => {
    const entry = tasks[task];
    if (!entry) throw new Error(`no in-process entry for ${task}`);
    const { endpoints, variables, ...rest } = extra;
    const unsupported = Object.keys(rest);
    if (unsupported.length > 0) throw new Error(`${title}: ${unsupported.join(', ')} cannot be given in process`);
    const run = await runStep(workspace, entry, {
      inputs,
      endpoints: { ...env.endpoints, ...endpoints },
      variables: { ...env.variables, 'System.TaskInstanceId': randomUUID(), ...variables },
    });
    onRun(run, task, title);
    return asTaskRun(run, workDirectory);
  };
  return env;
}

function asTaskRun(run: InProcessRun, workDirectory: string): TaskRun {
  return {
    exitCode: run.result === 'Failed' ? 1 : 0,
    stdout: '',
    stderr: '',
    commands: [],
    result: run.result,
    resultMessage: run.message,
    outputs: run.outputs,
    secrets: run.secrets,
    errors: run.result === 'Failed' ? [run.message] : [],
    warnings: run.log.filter((line) => line.startsWith('warn ')).map((line) => line.slice('warn '.length)),
    summaries: [],
    summaryTitles: publishedOf(run, 'summary').flatMap((file) => (file.title === undefined ? [] : [file.title])),
    testPublications: [],
    cwd: workDirectory,
    tempDirectory: workDirectory,
    elapsedMs: 0,
  };
}
