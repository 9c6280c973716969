/**
 * Runs an agent task's `run` in this process, as `runTask` would, against the workspace emulator:
 * real HTTP through the Node transport, but a simulated clock shared with the emulator, so retry
 * back-off, polling and job progress cost no wall time. Records everything the task would show the
 * agent (log lines, outputs, summaries, result files) so suites can check outcomes and leaks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TaskContext, TaskHost, TaskOutcome } from '../../tasks/common/task/task-context';
import { createNodeTransport, type AgentNetworkSettings } from '../../tasks/common/http/node-transport';
import { createTaskFiles } from '../../tasks/common/node/task-files';
import { toError } from '../../tasks/common/http/errors';
import type { HttpTransport } from '../../tasks/common/http/transport';
import type { EndpointFixture } from '../support/task-bundle';
import type { FakeClock } from './clock';
import { fakeContext, type PublishedFile } from './context';

export type { PublishedFile } from './context';

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
  /** The summaries among `files` (`uploadSummary`), in order. */
  summaries: string[];
  /** The test-result files among `files` (`publishTestResults`), in order. */
  testResults: string[];
  /** The attachments among `files`, with the type and name the task gave (e.g. its model report). */
  attachments: Array<{ type: string; name: string; content: string }>;
  /** The same files with what each was handed to the agent as, in order. */
  published: PublishedFile[];
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
  /** The step's working folder (relative input paths and globs start there); the run's temp folder when omitted. */
  workingDirectory?: string;
  /** The step's environment (what child processes inherit) and working folder; empty and the temp folder when omitted. */
  host?: Partial<Pick<TaskHost, 'environment' | 'workingDirectory'>>;
  /** The agent's proxy and certificate settings; none when omitted. */
  network?: AgentNetworkSettings;
}

/** Runs `run` once with a context of recorders; never throws (a thrown error becomes `Failed`). */
export async function runInProcess(run: (context: TaskContext) => Promise<TaskOutcome | void>, options: InProcessOptions): Promise<InProcessRun> {
  const tempDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-'));
  const transport = createNodeTransport({ timeoutMs: options.requestTimeoutMs });
  const context = fakeContext({
    inputs: options.inputs,
    variables: options.variables,
    endpoints: options.endpoints,
    clock: options.clock,
    transport: options.transport ? options.transport(transport) : transport,
    tempDirectory,
    environment: options.host?.environment as Record<string, string> | undefined,
    workingDirectory: options.host?.workingDirectory ?? options.workingDirectory ?? tempDirectory,
    network: options.network,
    platform: process.platform,
    arch: process.arch,
    userAgent: 'databricks-mlops-azure-devops/test reliability/1.0.0',
    files: {
      ...createTaskFiles(tempDirectory),
      writeTemp: (name, content) => {
        const file = path.join(tempDirectory, `${Math.random().toString(36).slice(2)}-${name}`);
        fs.writeFileSync(file, content);
        return file;
      },
    },
  });
  const { published } = context;
  const contents = (kind: PublishedFile['kind']): string[] => published.filter((file) => file.kind === kind).map((file) => file.content);
  // Views of `published`, read once the run has ended.
  const seen = (): Omit<InProcessRun, 'result' | 'message' | 'error'> => ({
    outputs: context.outputValues,
    secrets: context.secrets,
    log: context.log,
    files: published.map((file) => file.content),
    summaries: contents('summary'),
    testResults: contents('testResults'),
    attachments: published.filter((file) => file.kind === 'attachment').map((file) => ({ type: file.type ?? '', name: file.title ?? '', content: file.content })),
    published,
  });
  try {
    const outcome = await run(context);
    return { result: outcome?.result ?? 'Succeeded', message: outcome?.message ?? '', ...seen() };
  } catch (thrown) {
    const error = toError(thrown);
    return { result: 'Failed', message: error.message, ...seen(), error };
  } finally {
    fs.rmSync(tempDirectory, { recursive: true, force: true });
  }
}
