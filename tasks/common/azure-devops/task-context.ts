import type { Clock, Logger } from '../ports';
import type { HttpTransport } from '../http/transport';
import type { AgentNetworkSettings } from '../http/node-transport';

/** A service connection as the agent hands it to a task. */
export interface ServiceEndpoint {
  id: string;
  url: string;
  /** Authorization scheme: `Token`, `UsernamePassword`, `ServicePrincipal`, `WorkloadIdentityFederation`, ... */
  scheme: string;
  /** An authorization parameter (`apitoken`, `username`, `serviceprincipalid`, ...), case-insensitive. */
  param(key: string): string | undefined;
  /** A data field of the connection (`environmentAuthorityUrl`, `subscriptionId`, ...). */
  data(key: string): string | undefined;
}

/** Read side of the agent: inputs, variables and service connections. */
export interface TaskInputs {
  /** The input's value, trimmed; undefined when empty or not set. */
  get(name: string): string | undefined;
  /** A pipeline variable (`Build.BuildId`, `System.JobId`, ...); undefined when not set. */
  variable(name: string): string | undefined;
  /** The service connection with this id; undefined when the agent has none by that id. */
  endpoint(id: string): ServiceEndpoint | undefined;
}

/** A test result publication for the Tests tab. */
export interface TestResultsPublication {
  format: 'JUnit';
  files: string[];
  runTitle: string;
  /** Attach the result files to the test run. */
  publishRunAttachments?: boolean;
}

/** Write side of the agent: what a pipeline run shows. */
export interface PipelineOutputs {
  /** Masks a value in every later log line. Call before the value can reach any log. */
  setSecret(value: string): void;
  /** Sets an output variable (`isOutput=true`). */
  setOutput(name: string, value: string): void;
  setProgress(percent: number, text: string): void;
  /**
   * Attaches a Markdown file to the run's summary page. `title` is the section's heading there;
   * without it the platform shows the file name.
   */
  uploadSummary(markdownPath: string, title?: string): void;
  publishTestResults(publication: TestResultsPublication): void;
  /** Publishes a file or folder as a pipeline artifact. */
  uploadArtifact(artifactName: string, path: string): void;
  /** Adds a typed attachment to the timeline record (e.g. a link file). */
  addAttachment(type: string, name: string, path: string): void;
}

/** Files a task hands to the agent (summaries, test result files), kept in the agent's temp folder. */
export interface TaskFiles {
  /**
   * Writes `content` to a new file in the agent's temp folder and returns its path. The name is made
   * unique (`<stem>-<random>.<ext>`): steps of one job share the folder, and the agent reads summary
   * and result files only after the step ends.
   */
  writeTemp(name: string, content: string | Uint8Array): string;
}

/** Everything a task's `run` receives. */
export interface TaskContext {
  inputs: TaskInputs;
  outputs: PipelineOutputs;
  logger: Logger;
  clock: Clock;
  /** Honours the agent's proxy and certificate settings. */
  transport: HttpTransport;
  /** The agent's proxy and certificate settings, for clients that do not use `transport` (azure-devops-node-api). */
  network?: AgentNetworkSettings;
  /** Aborted when the pipeline cancels the step (SIGINT/SIGTERM from the agent). */
  signal: AbortSignal;
  /** A writable scratch folder for this step (Agent.TempDirectory or the OS temp folder). */
  tempDirectory: string;
  /** Writes the files the agent picks up after the step (see {@link TaskFiles}). */
  files: TaskFiles;
  /** `<extension id>/<version> <task>/<version>` for User-Agent headers. */
  userAgent: string;
}

/** What a task's `run` may return instead of throwing: a result other than plain success. */
export interface TaskOutcome {
  result: 'Succeeded' | 'SucceededWithIssues' | 'Failed';
  message: string;
}
