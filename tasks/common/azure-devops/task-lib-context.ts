import * as fs from 'node:fs';
import * as os from 'node:os';
import { format } from 'node:util';
import * as tl from 'azure-pipelines-task-lib/task';
import { systemClock, type Logger } from '../ports';
import { neutralizeLoggingCommands } from '../logging-commands';
import { createNodeTransport, nodeTransportOptionsFromAgent, type AgentNetworkSettings } from '../http/node-transport';
import { createTaskFiles } from '../node/task-files';
import { claimStepAttempt } from '../node/step-attempt';
import { idempotencyVariables, stepAttemptVariable } from '../runs/idempotency';
import type { PipelineOutputs, ServiceEndpoint, TaskContext, TaskInputs } from './task-context';

/** The attachment type `task.uploadsummary` creates; the run's summary page shows each under its name. */
export const summaryAttachmentType = 'Distributedtask.Core.Summary';

/** This step's attempt number (see `runs/idempotency.ts`), claimed when first asked for. */
function stepAttempt(): string {
  const step = idempotencyVariables.map((name) => `${name}=${tl.getVariable(name) ?? ''}`).join('\n');
  return String(claimStepAttempt(tl.getVariable('Agent.TempDirectory') || os.tmpdir(), step));
}

/**
 * Inputs, variables and endpoints read through task-lib (the agent's environment contract), plus
 * one variable of our own, {@link stepAttemptVariable}, which no pipeline can set.
 */
export const taskLibInputs: TaskInputs = {
  get(name) {
    const value = tl.getInput(name, false);
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  },
  variable(name) {
    if (name === stepAttemptVariable) return stepAttempt();
    const value = tl.getVariable(name);
    return value === undefined || value === '' ? undefined : value;
  },
  endpoint(requestedId): ServiceEndpoint | undefined {
    // The agent names endpoint variables with the id in upper case (ENDPOINT_URL_<ID>,
    // ENDPOINT_URL_SYSTEMVSSCONNECTION) while inputs hold it as typed, and task-lib looks URL and
    // data up case-sensitively: try both spellings.
    const id = [requestedId, requestedId.toUpperCase()].find((candidate) => tl.getEndpointUrl(candidate, true) !== undefined);
    if (id === undefined) return undefined;
    const url = tl.getEndpointUrl(id, true) as string;
    return {
      id: requestedId,
      url,
      scheme: tl.getEndpointAuthorizationScheme(id, true) ?? '',
      // Not tl.getEndpointAuthorizationParameter: it writes the value (a token) into a debug line
      // before any task code can register it as a secret.
      param: (key) => {
        const parameters = tl.getEndpointAuthorization(id, true)?.parameters ?? {};
        const match = Object.keys(parameters).find((name) => name.toLowerCase() === key.toLowerCase());
        return (match === undefined ? undefined : parameters[match]) || undefined;
      },
      data: (key) => tl.getEndpointDataParameter(id, key, true) || undefined,
    };
  },
};

/**
 * Pipeline outputs written as `##vso` logging commands. Text in them that may come from outside
 * (values, titles, names) is neutralised like log lines; paths are the task's own.
 */
export const taskLibOutputs: PipelineOutputs = {
  setSecret: (value) => {
    if (value) tl.setSecret(value);
  },
  // A later script step that echoes $(output) would run a marker in the value.
  setOutput: (name, value) => tl.setVariable(name, neutralizeLoggingCommands(value), false, true),
  setProgress: (percent, text) => tl.setProgress(Math.max(0, Math.min(100, Math.round(percent))), neutralizeLoggingCommands(text)),
  // uploadsummary is an attachment of this type named after the file; naming it ourselves gives the
  // section a title people can read instead of `model-compare-summary-dd995e6e.md`. The title often
  // quotes a run or model name from the workspace.
  uploadSummary: (path, title) => (title ? tl.addAttachment(summaryAttachmentType, neutralizeLoggingCommands(title), path) : tl.uploadSummary(path)),
  publishTestResults: ({ format, files, runTitle, publishRunAttachments }) =>
    new tl.TestPublisher(format).publish(files, 'false', '', '', neutralizeLoggingCommands(runTitle), publishRunAttachments === false ? 'false' : 'true', 'Databricks'),
  uploadArtifact: (name, path) => tl.uploadArtifact(neutralizeLoggingCommands(name), path, neutralizeLoggingCommands(name)),
  addAttachment: (type, name, path) => tl.addAttachment(type, neutralizeLoggingCommands(name), path),
};

/**
 * The one writer of a task's log lines (lint forbids `console` and `process.stdout` elsewhere).
 * Every message is data, whatever its source: {@link neutralizeLoggingCommands} runs on each one, so
 * the only logging commands the agent receives are those task-lib writes for the task itself.
 * Registered secrets are masked by the agent.
 */
export const taskLibLogger: Required<Logger> = {
  debug: (message) => tl.debug(neutralizeLoggingCommands(message)),
  info: (message) => writeLine(neutralizeLoggingCommands(message)),
  warn: (message) => tl.warning(neutralizeLoggingCommands(message)),
  // `##[error]` is the task's own formatting: a red line, not an issue.
  error: (message) => writeLine(`##[error]${neutralizeLoggingCommands(message)}`),
};

/** One line to stdout, as task-lib writes its commands (not through `console`, which {@link neutralizeConsole} filters). */
function writeLine(text: string): void {
  // eslint-disable-next-line no-restricted-properties -- the sanctioned writer
  process.stdout.write(`${text}${os.EOL}`);
}

const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/**
 * Makes `console` neutralise logging commands too, so a library (or a line of task code that got
 * past lint) printing outside text through it cannot command the agent. `runTask` calls it first.
 * @param target the console to filter; tests pass their own.
 */
export function neutralizeConsole(target: Pick<Console, (typeof consoleMethods)[number]> = console): void {
  for (const method of consoleMethods) {
    const original = target[method].bind(target) as (...args: unknown[]) => void;
    target[method] = ((...args: unknown[]) => original(neutralizeLoggingCommands(format(...args)))) as Console[typeof method];
  }
}

/**
 * The agent's proxy and certificate settings. The proxy is read without a request URL so that
 * its bypass list comes along and the transport applies it per request.
 */
export function agentNetworkSettings(): AgentNetworkSettings {
  const proxy = tl.getHttpProxyConfiguration() ?? undefined;
  const cert = tl.getHttpCertConfiguration() ?? undefined;
  if (proxy?.proxyPassword) taskLibOutputs.setSecret(proxy.proxyPassword);
  if (cert?.passphrase) taskLibOutputs.setSecret(cert.passphrase);
  return {
    proxy: proxy?.proxyUrl ? { proxyUrl: proxy.proxyUrl, proxyUsername: proxy.proxyUsername, proxyPassword: proxy.proxyPassword, proxyBypassHosts: proxy.proxyBypassHosts } : undefined,
    cert: cert ? { caFile: cert.caFile, certFile: cert.certFile, keyFile: cert.keyFile, passphrase: cert.passphrase } : undefined,
    ignoreSslError: (tl.getVariable('Agent.SkipCertValidation') ?? '').toLowerCase() === 'true',
  };
}

/** Builds the context a task's `run` receives, with the agent's network settings. */
export function createTaskLibContext(taskName: string, taskVersion: string, signal: AbortSignal): TaskContext {
  const network = agentNetworkSettings();
  const tempDirectory = tl.getVariable('Agent.TempDirectory') || os.tmpdir();
  return {
    inputs: taskLibInputs,
    outputs: taskLibOutputs,
    logger: taskLibLogger,
    clock: systemClock,
    transport: createNodeTransport(nodeTransportOptionsFromAgent(network, (file) => fs.readFileSync(file))),
    network,
    signal,
    tempDirectory,
    files: createTaskFiles(tempDirectory),
    userAgent: `databricks-mlops-azure-devops/${EXTENSION_VERSION} ${taskName}/${taskVersion} node/${process.versions.node}`,
  };
}

declare const __EXTENSION_VERSION__: string | undefined;
/** Injected by the build (esbuild `define`); "dev" when running from source. */
const EXTENSION_VERSION = typeof __EXTENSION_VERSION__ === 'string' ? __EXTENSION_VERSION__ : 'dev';
