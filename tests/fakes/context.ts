/**
 * A TaskContext made of fakes and recorders, for tests of code that reads inputs, variables and
 * connections, and (through runInProcess) for whole task runs.
 */
import type { ServiceEndpoint, TaskContext, TaskFiles } from '../../tasks/common/task/task-context';
import type { AgentNetworkSettings } from '../../tasks/common/http/node-transport';
import type { HttpTransport } from '../../tasks/common/http/transport';
import type { Clock } from '../../tasks/common/ports';
import type { EndpointFixture } from '../support/task-bundle';
import { FakeClock } from './clock';
import { FakeTransport } from './transport';

/** A service connection as a test describes it (the same shape the bundle runs take). */
export type EndpointSpec = EndpointFixture;

export interface FakeContextOptions {
  inputs?: Record<string, string>;
  variables?: Record<string, string>;
  endpoints?: Record<string, EndpointSpec>;
  transport?: HttpTransport;
  clock?: Clock;
  network?: AgentNetworkSettings;
  /** Files the task may read, by path (with the in-memory files only). */
  readable?: Record<string, string | Uint8Array>;
  /** The agent's disk; in memory (`readable`, `written`) when omitted. */
  files?: TaskFiles;
  tempDirectory?: string;
  /** The step's environment variables and working folder. */
  environment?: Record<string, string>;
  workingDirectory?: string;
  platform?: NodeJS.Platform;
  arch?: string;
  userAgent?: string;
}

export interface FakeContext extends TaskContext {
  /** Every value registered with setSecret, in order. */
  secrets: string[];
  /** Files written with the in-memory `files.writeTemp`, by the name the task gave. */
  written: Map<string, string>;
  /** Output variables set, by name. */
  outputValues: Record<string, string>;
  /** Every log line with its level (`info ...`, `debug ...`, `warn ...`), and progress (`progress 50 text`). */
  log: string[];
  /** Every file handed to the agent (summaries, test result files, attachments) with what it was handed over as, in order. */
  published: PublishedFile[];
}

/** A file the task handed to the agent. */
export interface PublishedFile {
  kind: 'summary' | 'testResults' | 'attachment';
  /** The summary section's title, the test run's title, or the attachment's name. */
  title?: string;
  /** The test result format or the attachment type. */
  type?: string;
  content: string;
}

/** Endpoint parameters and data are matched case-insensitively, as task-lib does. */
function endpointOf(id: string, spec: EndpointSpec | undefined): ServiceEndpoint | undefined {
  if (!spec) return undefined;
  const lookup = (values: Record<string, string> | undefined, key: string): string | undefined =>
    Object.entries(values ?? {}).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
  return { id, url: spec.url, scheme: spec.scheme, param: (key) => lookup(spec.parameters, key), data: (key) => lookup(spec.data, key) };
}

function memoryFiles(options: FakeContextOptions, written: Map<string, string>): TaskFiles {
  const tempPath = (name: string): string => `/fake-temp/${name}`;
  const content = (file: string): string | Uint8Array | undefined =>
    options.readable?.[file] ?? [...written].find(([name]) => tempPath(name) === file)?.[1];
  const readable = (file: string): string | Uint8Array => {
    const found = content(file);
    if (found === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
    return found;
  };
  return {
    writeTemp: (name, data) => {
      written.set(name, typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
      return tempPath(name);
    },
    readText: (file) => Buffer.from(readable(file)).toString('utf8'),
    readBytes: (file) => {
      const found = readable(file);
      return typeof found === 'string' ? Buffer.from(found) : found;
    },
    exists: (file) => options.readable?.[file] !== undefined,
    makeTempDirectory: (prefix) => Promise.resolve(`/fake-temp/${prefix}1`),
    remove: () => Promise.resolve(),
  };
}

/** Builds the context; nothing reaches the real agent, everything the task shows is recorded. */
export function fakeContext(options: FakeContextOptions = {}): FakeContext {
  const secrets: string[] = [];
  const written = new Map<string, string>();
  const outputValues: Record<string, string> = {};
  const log: string[] = [];
  const files = options.files ?? memoryFiles(options, written);
  const published: PublishedFile[] = [];
  const handOver = (file: string, kind: PublishedFile['kind'], title?: string, type?: string): void => {
    published.push({ kind, title, type, content: files.readText(file) });
  };
  return {
    secrets,
    written,
    outputValues,
    log,
    published,
    inputs: {
      get: (name) => options.inputs?.[name]?.trim() || undefined,
      variable: (name) => options.variables?.[name] || undefined,
      endpoint: (id) => endpointOf(id, options.endpoints?.[id]),
    },
    outputs: {
      setSecret: (value) => void secrets.push(value),
      setOutput: (name, value) => void (outputValues[name] = value),
      setProgress: (percent, text) => void log.push(`progress ${percent} ${text}`),
      uploadSummary: (file, title) => handOver(file, 'summary', title),
      publishTestResults: (publication) => publication.files.forEach((file) => handOver(file, 'testResults', publication.runTitle, publication.format)),
      uploadArtifact: () => undefined,
      addAttachment: (type, name, file) => handOver(file, 'attachment', name, type),
    },
    logger: {
      debug: (message) => void log.push(`debug ${message}`),
      info: (message) => void log.push(`info ${message}`),
      warn: (message) => void log.push(`warn ${message}`),
    },
    clock: options.clock ?? new FakeClock(),
    transport: options.transport ?? new FakeTransport(new Error('no transport scripted')),
    network: options.network,
    signal: new AbortController().signal,
    tempDirectory: options.tempDirectory ?? '/tmp',
    files,
    host: {
      environment: options.environment ?? {},
      workingDirectory: options.workingDirectory ?? '/work',
      platform: options.platform ?? 'linux',
      arch: options.arch ?? 'x64',
    },
    userAgent: options.userAgent ?? 'databricks-mlops-azure-devops/test Task/1.0.0',
  };
}
