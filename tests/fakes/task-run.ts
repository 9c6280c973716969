/**
 * Runs an agent task's `run` in this process, as `runTask` would, against the workspace emulator:
 * real HTTP through the Node transport, but a simulated clock shared with the emulator, so retry
 * back-off, polling and job progress cost no wall time. Records everything the task would show the
 * agent (log lines, outputs, summaries, result files) so suites can check outcomes and leaks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServiceEndpoint, TaskContext, TaskHost, TaskOutcome } from '../../tasks/common/task/task-context';
import { createNodeTransport, type AgentNetworkSettings } from '../../tasks/common/http/node-transport';
import { createTaskFiles } from '../../tasks/common/node/task-files';
import { toError } from '../../tasks/common/http/errors';
import type { HttpTransport } from '../../tasks/common/http/transport';
import type { EndpointFixture } from '../support/task-bundle';
import type { FakeClock } from './clock';

/** What one in-process run of a task showed. */
export interface InProcessRun {
  /** `Succeeded`, `SucceededWithIssues` or `Failed` (a thrown error is `Failed` with its message). */
  result: TaskOutcome['result'];
  message: string;
  outputs: Record<string, string>;
  secrets: string[];
  /** Every log line, debug included, with its level. */
  log: string[];
  /** Contents of every file the task handed to the agent (summaries, test results, attachments). */
  files: string[];
  /** The error the run threw, if any. */
  error?: Error;
}

export interface InProcessOptions {
  inputs: Record<string, string>;
  variables?: Record<string, string>;
  endpoints?: Record<string, EndpointFixture>;
  clock: FakeClock;
  /** The transport's per-request (socket inactivity) timeout; the agent's default when omitted. */
  requestTimeoutMs?: number;
  /** Wraps the real transport (e.g. to echo requests back). */
  transport?: (inner: HttpTransport) => HttpTransport;
  /** The step's environment (what child processes inherit) and working folder; empty and the temp folder when omitted. */
  host?: Partial<Pick<TaskHost, 'environment' | 'workingDirectory'>>;
  /** The agent's proxy and certificate settings; none when omitted. */
  network?: AgentNetworkSettings;
}

function endpointOf(id: string, fixture: EndpointFixture | undefined): ServiceEndpoint | undefined {
  if (!fixture) return undefined;
  const lookup = (values: Record<string, string> | undefined, key: string): string | undefined =>
    Object.entries(values ?? {}).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
  return { id, url: fixture.url, scheme: fixture.scheme, param: (key) => lookup(fixture.parameters, key), data: (key) => lookup(fixture.data, key) };
}

/** Runs `run` once with a context of recorders; never throws (a thrown error becomes `Failed`). */
export async function runInProcess(run: (context: TaskContext) => Promise<TaskOutcome | void>, options: InProcessOptions): Promise<InProcessRun> {
  const tempDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-'));
  const outputs: Record<string, string> = {};
  const secrets: string[] = [];
  const log: string[] = [];
  const files: string[] = [];
  const transport = createNodeTransport({ timeoutMs: options.requestTimeoutMs });
  const nodeFiles = createTaskFiles(tempDirectory);
  const context: TaskContext = {
    inputs: {
      get: (name) => options.inputs[name]?.trim() || undefined,
      variable: (name) => options.variables?.[name] || undefined,
      endpoint: (id) => endpointOf(id, options.endpoints?.[id]),
    },
    outputs: {
      setSecret: (value) => void secrets.push(value),
      setOutput: (name, value) => void (outputs[name] = value),
      setProgress: (percent, text) => void log.push(`progress ${percent} ${text}`),
      uploadSummary: (file) => void files.push(fs.readFileSync(file, 'utf8')),
      publishTestResults: (publication) => void files.push(...publication.files.map((file) => fs.readFileSync(file, 'utf8'))),
      uploadArtifact: () => undefined,
      addAttachment: (_type, _name, file) => void files.push(fs.readFileSync(file, 'utf8')),
    },
    logger: {
      debug: (message) => void log.push(`debug ${message}`),
      info: (message) => void log.push(`info ${message}`),
      warn: (message) => void log.push(`warn ${message}`),
    },
    clock: options.clock,
    transport: options.transport ? options.transport(transport) : transport,
    network: options.network,
    signal: new AbortController().signal,
    tempDirectory,
    files: {
      ...nodeFiles,
      writeTemp: (name, content) => {
        const file = path.join(tempDirectory, `${Math.random().toString(36).slice(2)}-${name}`);
        fs.writeFileSync(file, content);
        return file;
      },
    },
    host: { environment: {}, workingDirectory: tempDirectory, platform: process.platform, arch: process.arch, ...options.host },
    userAgent: 'databricks-mlops-azure-devops/test reliability/1.0.0',
  };
  try {
    const outcome = await run(context);
    return { result: outcome?.result ?? 'Succeeded', message: outcome?.message ?? '', outputs, secrets, log, files };
  } catch (thrown) {
    const error = toError(thrown);
    return { result: 'Failed', message: error.message, outputs, secrets, log, files, error };
  } finally {
    fs.rmSync(tempDirectory, { recursive: true, force: true });
  }
}
