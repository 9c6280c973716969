/**
 * Runs a built task bundle (dist/tasks/<Task>/index.js) the way the agent does: a child Node process
 * with INPUT_*, ENDPOINT_* and variables in its environment, then parses the `##vso[...]` commands
 * it printed with task-lib's own parser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { commandFromString } = require('azure-pipelines-task-lib/taskcommand') as {
  commandFromString(line: string): { command: string; properties: Record<string, string>; message: string };
};

export const repoRoot = path.resolve(__dirname, '..', '..');

/** A service connection given to the task. */
export interface EndpointFixture {
  url: string;
  scheme: string;
  parameters?: Record<string, string>;
  data?: Record<string, string>;
}

export interface TaskRunOptions {
  inputs?: Record<string, string>;
  endpoints?: Record<string, EndpointFixture>;
  /** Pipeline variables by their dotted names (`Build.BuildId`). */
  variables?: Record<string, string>;
  /** Secret pipeline variables. */
  secretVariables?: Record<string, string>;
  env?: Record<string, string>;
  /** Working folder; a fresh temp folder by default. */
  cwd?: string;
  /** Where the agent temp folder of the run is made; the OS temp folder by default. */
  tempRoot?: string;
  /** Kill the task after this long (the test fails rather than hangs). */
  timeoutMs?: number;
  /** Gets the child as soon as it is spawned, e.g. to signal it when the emulator sees a request. */
  onSpawn?: (child: ChildProcess) => void;
  /** Sees every stdout line as it arrives, with the child, e.g. to send SIGINT mid-run. */
  onLine?: (line: string, child: ChildProcess) => void;
}

export interface VsoCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface TaskRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  commands: VsoCommand[];
  /** `task.complete` result (`Succeeded`, `SucceededWithIssues`, `Failed`, `Cancelled`). */
  result: string | undefined;
  resultMessage: string | undefined;
  /** Output variables set with isOutput=true. */
  outputs: Record<string, string>;
  /** Values registered with `task.setsecret`. */
  secrets: string[];
  errors: string[];
  warnings: string[];
  /** Paths of summary sections: `task.uploadsummary`, or `task.addattachment` of the summary type (a titled section). */
  summaries: string[];
  /** The titles of the titled summary sections, in order. */
  summaryTitles: string[];
  /** `results.publish` commands. */
  testPublications: VsoCommand[];
  /** Folder the task ran in. */
  cwd: string;
  /** Agent temp folder given to the task. */
  tempDirectory: string;
  elapsedMs: number;
}

function envName(name: string): string {
  return name.replace(/\./g, '_').replace(/ /g, '_').toUpperCase();
}

/** The environment the agent would give a task for these inputs, connections and variables. */
export function agentEnvironment(options: TaskRunOptions, tempDirectory: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tempDirectory,
    AGENT_TEMPDIRECTORY: tempDirectory,
    AGENT_WORKFOLDER: tempDirectory,
    AGENT_VERSION: '4.266.2',
    SYSTEM_CULTURE: 'en-US',
  };
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${envName(name)}`] = value;
  for (const [name, value] of Object.entries(options.variables ?? {})) env[envName(name)] = value;
  for (const [name, value] of Object.entries(options.secretVariables ?? {})) env[`SECRET_${envName(name)}`] = value;
  for (const [id, endpoint] of Object.entries(options.endpoints ?? {})) {
    const key = id.toUpperCase();
    env[`ENDPOINT_URL_${key}`] = endpoint.url;
    env[`ENDPOINT_AUTH_SCHEME_${key}`] = endpoint.scheme;
    env[`ENDPOINT_AUTH_${key}`] = JSON.stringify({ scheme: endpoint.scheme, parameters: endpoint.parameters ?? {} });
    for (const [param, value] of Object.entries(endpoint.parameters ?? {})) env[`ENDPOINT_AUTH_PARAMETER_${key}_${param.toUpperCase()}`] = value;
    for (const [field, value] of Object.entries(endpoint.data ?? {})) env[`ENDPOINT_DATA_${key}_${field.toUpperCase()}`] = value;
  }
  return { ...env, ...(options.env ?? {}) };
}

/**
 * The inputs as the agent passes them: an empty or omitted `filePath` input without a default holds the
 * repository folder (`Build.SourcesDirectory`, else `System.DefaultWorkingDirectory`) when the run
 * has one (azure-pipelines-agent `TaskRunner.TranslateFilePathInput`).
 */
export function agentInputValues(task: string, options: TaskRunOptions): Record<string, string> {
  const inputs = { ...(options.inputs ?? {}) };
  const folder = options.variables?.['Build.SourcesDirectory'] ?? options.variables?.['System.DefaultWorkingDirectory'];
  const manifest = path.join(repoRoot, 'tasks', task, 'task.json');
  if (!folder || !fs.existsSync(manifest)) return inputs;
  const declared = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { inputs?: Array<{ name: string; type: string; defaultValue?: string }> }).inputs ?? [];
  for (const input of declared) {
    if (input.type === 'filePath' && !input.defaultValue && !inputs[input.name]?.trim()) inputs[input.name] = folder;
  }
  return inputs;
}

/** Parses one `##vso[...]` line (message and properties unescaped). */
export function parseCommandLine(line: string): VsoCommand {
  return commandFromString(line);
}

/** Parses `##vso[...]` lines from a task's stdout. */
export function parseCommands(stdout: string): VsoCommand[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.startsWith('##vso['))
    .map(parseCommandLine);
}

/** Newest modification time of the files under `folder`. */
function newestSource(folder: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const checkedBundles = new Set<string>();

/**
 * Refuses a bundle built before its sources last changed: a test of stale code passes or fails for
 * reasons that are no longer true.
 */
function assertBundleFresh(task: string, entry: string): void {
  if (checkedBundles.has(task)) return;
  const sources = Math.max(newestSource(path.join(repoRoot, 'tasks', task)), newestSource(path.join(repoRoot, 'tasks', 'common')));
  if (fs.statSync(entry).mtimeMs < sources) throw new Error(`${entry} is older than its sources: run 'npm run build -- ${task}' first`);
  checkedBundles.add(task);
}

/** Runs `dist/tasks/<task>/index.js` (build first) and collects what the agent would see. */
export async function runTaskBundle(task: string, options: TaskRunOptions = {}): Promise<TaskRun> {
  const entry = path.join(repoRoot, 'dist', 'tasks', task, 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run 'npm run build' first`);
  assertBundleFresh(task, entry);
  const tempDirectory = fs.mkdtempSync(path.join(options.tempRoot ?? os.tmpdir(), `${task}-agent-`));
  const cwd = options.cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), `${task}-work-`));
  const started = Date.now();
  const env = agentEnvironment({ ...options, inputs: agentInputValues(task, options) }, tempDirectory);
  const child = spawn(process.execPath, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  options.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) options.onLine?.(line.replace(/\r$/, ''), child);
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timeout);

  const commands = parseCommands(stdout);
  const complete = commands.filter((c) => c.command === 'task.complete').pop();
  const outputs: Record<string, string> = {};
  for (const c of commands) {
    if (c.command === 'task.setvariable' && c.properties.isOutput === 'true') outputs[c.properties.variable] = c.message;
  }
  return {
    exitCode,
    stdout,
    stderr,
    commands,
    result: complete?.properties.result,
    resultMessage: complete?.message,
    outputs,
    secrets: commands.filter((c) => c.command === 'task.setsecret').map((c) => c.message),
    errors: commands.filter((c) => c.command === 'task.issue' && c.properties.type === 'error').map((c) => c.message),
    warnings: commands.filter((c) => c.command === 'task.issue' && c.properties.type === 'warning').map((c) => c.message),
    summaries: commands.filter((c) => c.command === 'task.uploadsummary' || isSummaryAttachment(c)).map((c) => c.message),
    summaryTitles: commands.filter(isSummaryAttachment).map((c) => c.properties.name),
    testPublications: commands.filter((c) => c.command === 'results.publish'),
    cwd,
    tempDirectory,
    elapsedMs: Date.now() - started,
  };
}

function isSummaryAttachment(command: VsoCommand): boolean {
  return command.command === 'task.addattachment' && command.properties.type === 'Distributedtask.Core.Summary';
}
