/** A TaskContext made of fakes, for tests of code that reads inputs, variables and connections. */
import type { ServiceEndpoint, TaskContext } from '../../tasks/common/task/task-context';
import type { AgentNetworkSettings } from '../../tasks/common/http/node-transport';
import type { HttpTransport } from '../../tasks/common/http/transport';
import { silentLogger, type Clock } from '../../tasks/common/ports';
import { FakeClock } from './clock';
import { FakeTransport } from './transport';

/** A service connection as a test describes it. */
export interface EndpointSpec {
  url: string;
  scheme: string;
  params?: Record<string, string>;
  data?: Record<string, string>;
}

export interface FakeContextOptions {
  inputs?: Record<string, string>;
  variables?: Record<string, string>;
  endpoints?: Record<string, EndpointSpec>;
  transport?: HttpTransport;
  clock?: Clock;
  network?: AgentNetworkSettings;
  /** Files the task may read, by path. */
  readable?: Record<string, string | Uint8Array>;
  /** The step's environment variables and working folder. */
  environment?: Record<string, string>;
  workingDirectory?: string;
}

export interface FakeContext extends TaskContext {
  /** Every value registered with setSecret, in order. */
  secrets: string[];
  /** Files written with `files.writeTemp`, by the name the task gave. */
  written: Map<string, string>;
}

/** Builds the context; endpoint params are matched case-insensitively, as task-lib does. */
export function fakeContext(options: FakeContextOptions = {}): FakeContext {
  const secrets: string[] = [];
  const written = new Map<string, string>();
  const endpoint = (id: string): ServiceEndpoint | undefined => {
    const spec = options.endpoints?.[id];
    if (!spec) return undefined;
    const lookup = (values: Record<string, string> | undefined, key: string): string | undefined =>
      Object.entries(values ?? {}).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
    return { id, url: spec.url, scheme: spec.scheme, param: (key) => lookup(spec.params, key), data: (key) => lookup(spec.data, key) };
  };
  const readable = (file: string): string | Uint8Array => {
    const content = options.readable?.[file];
    if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
    return content;
  };
  return {
    secrets,
    inputs: {
      get: (name) => options.inputs?.[name]?.trim() || undefined,
      variable: (name) => options.variables?.[name] || undefined,
      endpoint,
    },
    outputs: {
      setSecret: (value) => {
        secrets.push(value);
      },
      setOutput: () => undefined,
      setProgress: () => undefined,
      uploadSummary: () => undefined,
      publishTestResults: () => undefined,
      uploadArtifact: () => undefined,
      addAttachment: () => undefined,
    },
    logger: silentLogger,
    clock: options.clock ?? new FakeClock(),
    transport: options.transport ?? new FakeTransport(new Error('no transport scripted')),
    network: options.network,
    signal: new AbortController().signal,
    tempDirectory: '/tmp',
    files: {
      writeTemp: (name, content) => {
        written.set(name, typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
        return `/fake-temp/${name}`;
      },
      readText: (file) => Buffer.from(readable(file)).toString('utf8'),
      readBytes: (file) => (typeof readable(file) === 'string' ? Buffer.from(readable(file) as string) : (readable(file) as Uint8Array)),
      exists: (file) => options.readable?.[file] !== undefined,
      makeTempDirectory: (prefix) => Promise.resolve(`/fake-temp/${prefix}1`),
      remove: () => Promise.resolve(),
    },
    host: { environment: options.environment ?? {}, workingDirectory: options.workingDirectory ?? '/work', platform: 'linux', arch: 'x64' },
    written,
    userAgent: 'databricks-mlops-azure-devops/test Task/1.0.0',
  };
}
