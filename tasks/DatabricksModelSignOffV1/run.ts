import * as path from 'node:path';
import { createAuditRecorder, type AuditOutcome, type AuditRecorder } from '../common/audit';
import { AdoRest } from '../common/azure-devops/ado-rest';
import { resolveWorkspaceAccess } from '../common/azure-devops/connection';
import { createMessages } from '../common/task/messages';
import { describePipelineRun } from '../common/task/pipeline-run';
import { AzureBoardsSignOff, IdentityDirectory, PullRequestComments } from '../common/azure-devops/sign-off-board';
import type { TaskContext, TaskOutcome } from '../common/task/task-context';
import type { Logger } from '../common/ports';
import { DatabricksApiClient } from '../common/databricks/api-client';
import { MlflowClient } from '../common/databricks/mlflow';
import { SqlStatements } from '../common/databricks/sql';
import { isNotFound } from '../common/databricks/unity-catalog';
import { globFiles } from '../common/bundle/file-glob';
import { nodeBundleFileSystem } from '../common/node/bundle-file-system';
import { describeApprovers, resolveApprovers } from '../common/signoff/approvers';
import { tagDecision } from '../common/signoff/decision';
import { evidenceDescription, type EvidenceFile } from '../common/signoff/evidence';
import type { ModelVersionTags, SignOffItem } from '../common/signoff/ports';
import { checkWorkItemType, requestSignOff, requestTag, signOffTag, versionTagPrefix } from '../common/signoff/request';
import { signOffSummary } from '../common/signoff/summary';
import { waitForSignOff, type WaitOutcome } from '../common/signoff/wait';
import manifest from './task.json';
import { inputNames, outputNames, taskReference } from './names';
import { attachModelReport, buildSignOffReport } from '../common/report';
import { parseInputs, readAzureDevOpsJob, type AzureDevOpsJob, type SignOffSettings } from './inputs';

export { parseInputs } from './inputs';

const message = createMessages(manifest.messages);

/** Model-version tags through the MLflow UC registry routes. */
function registryTags(mlflow: MlflowClient, signal: AbortSignal): ModelVersionTags {
  return {
    describe: async (modelName, version) => {
      try {
        const found = await mlflow.getModelVersion(modelName, version, { signal });
        return { tags: Object.fromEntries((found.tags ?? []).map((tag) => [tag.key ?? '', tag.value ?? ''])), runId: found.run_id, experimentId: found.run_experiment_id };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    setTag: (modelName, version, key, value) => mlflow.setModelVersionTag(modelName, version, key, value, { signal }),
  };
}

async function readEvidenceFiles(patterns: string[], workingDirectory: string, logger: Logger): Promise<EvidenceFile[]> {
  const files: EvidenceFile[] = [];
  for (const pattern of patterns) {
    const matches = await globFiles(nodeBundleFileSystem, workingDirectory, pattern);
    // The approver would see less evidence than the pipeline meant to show: say so.
    if (matches.length === 0) logger.warn(message('NoEvidenceFile', inputNames.evidenceFiles, pattern));
    for (const file of matches) files.push({ name: path.basename(file), content: await nodeBundleFileSystem.readText(file) });
  }
  return files;
}

function modelLinks(host: string, settings: SignOffSettings, version: { runId?: string; experimentId?: string }): { modelVersionUrl: string; mlflowRunUrl?: string } {
  const [catalog, schema, model] = settings.modelName.split('.');
  return {
    modelVersionUrl: `${host}/explore/data/models/${catalog}/${schema}/${model}/version/${settings.modelVersion}`,
    mlflowRunUrl: version.runId && version.experimentId ? `${host}/ml/experiments/${version.experimentId}/runs/${version.runId}` : undefined,
  };
}

/** What the phases of {@link run} share. */
interface Wiring {
  context: TaskContext;
  settings: SignOffSettings;
  job: AzureDevOpsJob;
  host: string;
  rest: AdoRest;
  board: AzureBoardsSignOff;
  approversText: string;
}

/** `wait`: the existing request, which must be about this model version. */
async function findRequest({ board, settings }: Wiring): Promise<SignOffItem> {
  const { modelName, modelVersion } = settings;
  const found = await board.get(settings.signOffId!);
  if (!found) throw new Error(message('SignOffNotFound', inputNames.signOffId, settings.signOffId!));
  if (!found.tags.some((tag) => tag.startsWith(versionTagPrefix(modelName, modelVersion)))) {
    throw new Error(message('SignOffForOtherModel', found.id, modelName, modelVersion, signOffTag));
  }
  return found;
}

/** `request`: checks the type and states, then creates or refreshes the work item with the evidence. */
async function makeRequest(wiring: Wiring, version: { tags: Record<string, string>; runId?: string; experimentId?: string }): Promise<{ item: SignOffItem; created: boolean }> {
  const { context, settings, job, board, approversText } = wiring;
  const { modelName, modelVersion } = settings;
  await checkWorkItemType(board, settings.workItemType, { [inputNames.approvedStates]: settings.approvedStates, [inputNames.rejectedStates]: settings.rejectedStates });
  const pipelineRun = describePipelineRun(context.inputs);
  const description = evidenceDescription({
    modelName,
    version: modelVersion,
    tags: version.tags,
    ...modelLinks(wiring.host, settings, version),
    pipelineRunUrl: pipelineRun.url,
    requestedFor: pipelineRun.requestedFor,
    approvers: approversText,
    approvedStates: settings.approvedStates,
    rejectedStates: settings.rejectedStates,
    files: await readEvidenceFiles(settings.evidenceFiles, context.host.workingDirectory, context.logger),
  });
  const tag = requestTag(modelName, modelVersion, job.runKey);
  const { item, created } = await requestSignOff({ board, logger: context.logger }, tag, {
    title: `Sign-off: ${modelName} version ${modelVersion}`,
    description,
    tags: [signOffTag, tag],
    workItemType: settings.workItemType,
    areaPath: settings.areaPath,
    assignedTo: settings.assignedTo,
    buildArtifactUri: job.buildArtifactUri,
    runUrl: pipelineRun.url,
  });
  context.logger.info(message(created ? 'Requested' : 'RequestRefreshed', item.id, modelName, modelVersion, item.url));
  // Only a new request is announced: a re-run must not add a second thread.
  if (settings.commentOnPullRequest && created) {
    if (job.pullRequest) {
      await new PullRequestComments(wiring.rest).comment(job.pullRequest.repositoryId, job.pullRequest.id, message('PullRequestComment', modelName, modelVersion, item.url, approversText));
    } else {
      context.logger.info(message('NoPullRequest'));
    }
  }
  return { item, created };
}

/** Requests the sign-off, waits for the decision, records it; the wiring of `../common/signoff`. */
export async function run(context: TaskContext): Promise<TaskOutcome> {
  const settings = parseInputs(context.inputs);
  const startedAt = context.clock.now();
  const job = readAzureDevOpsJob(context.inputs);
  context.outputs.setSecret(job.accessToken);
  const { host, tokens } = resolveWorkspaceAccess(context, settings.connection);
  const client = new DatabricksApiClient({ host, tokens, transport: context.transport, clock: context.clock, logger: context.logger, userAgent: context.userAgent });
  const tags = registryTags(new MlflowClient(client), context.signal);
  const rest = new AdoRest({ ...job, network: context.network, userAgent: context.userAgent, clock: context.clock, logger: context.logger, signal: context.signal });
  const wiring: Wiring = { context, settings, job, host, rest, board: new AzureBoardsSignOff(rest), approversText: describeApprovers(settings.approvers) };
  const directory = new IdentityDirectory(rest);
  const { modelName, modelVersion } = settings;

  // Everything that can be wrong with the inputs is found before anything is written.
  await resolveApprovers(settings.approvers, directory);
  const version = await tags.describe(modelName, modelVersion);
  if (!version) throw new Error(message('VersionNotFound', modelName, modelVersion));
  const { item, created } = settings.action === 'wait' ? { item: await findRequest(wiring), created: undefined } : await makeRequest(wiring, version);

  context.outputs.setOutput(outputNames.signOffId, String(item.id));
  context.outputs.setOutput(outputNames.signOffUrl, item.url);
  const writeSummary = (outcome?: WaitOutcome, audit?: AuditOutcome): void =>
    context.outputs.uploadSummary(context.files.writeTemp('model-signoff.md', signOffSummary({ modelName, version: modelVersion, workItem: { ...item, created }, approvers: wiring.approversText, outcome, audit })));
  if (settings.action === 'request') {
    writeSummary();
    attachSignOffReport(context, settings, { host, item, startedAt });
    return { result: 'Succeeded', message: message('Requested', item.id, modelName, modelVersion, item.url) };
  }

  const outcome = await waitForSignOff(
    { board: wiring.board, directory, clock: context.clock, logger: context.logger, signal: context.signal, progress: (percent, text) => context.outputs.setProgress(percent, text) },
    { id: item.id, approvedStates: settings.approvedStates, rejectedStates: settings.rejectedStates, timeoutMs: settings.timeoutMs, approvers: settings.approvers, requester: job.requester, allowRequesterApproval: settings.allowRequesterApproval },
  );
  const sql = new SqlStatements(client, context.clock, { logger: context.logger });
  const auditRecord = createAuditRecorder({ sql, clock: context.clock, logger: context.logger, signal: context.signal }, settings.audit, { task: taskReference, run: describePipelineRun(context.inputs) });
  return recordOutcome(context, settings, { outcome, item, tags, auditRecord, writeSummary, report: (audit) => attachSignOffReport(context, settings, { host, item, startedAt, outcome, audit }) });
}

/** The sign-off as a model report for the run's Model promotion tab: pending after a request, else the decision. */
function attachSignOffReport(context: TaskContext, settings: SignOffSettings, parts: { host: string; item: SignOffItem; startedAt: number; outcome?: WaitOutcome; audit?: AuditOutcome }): void {
  const { outcome } = parts;
  const status = outcome === undefined ? 'pending' : outcome.status === 'rejected' ? 'refused' : outcome.status;
  const pipelineRun = describePipelineRun(context.inputs);
  attachModelReport(
    context,
    buildSignOffReport({
      modelName: settings.modelName,
      version: settings.modelVersion,
      requestedAt: parts.startedAt,
      requestedBy: pipelineRun.requestedFor,
      approvers: settings.approvers.map((approver) => (approver.kind === 'user' ? approver.uniqueName : approver.name)),
      workItem: { id: parts.item.id, url: parts.item.url },
      status,
      decision: outcome && outcome.status !== 'timedOut' ? { by: outcome.by.uniqueName, at: outcome.at } : undefined,
      refusedAttempts: (outcome?.refused ?? []).map(({ transition, reason }) => ({ by: transition.by.uniqueName, at: transition.at, comment: reason })),
      host: parts.host,
      task: taskReference,
      pipelineRun,
      audit: parts.audit,
      now: context.clock.now(),
    }),
  );
}

/** Records the decision (tags, audit row), sets the outputs and decides the step's result. */
async function recordOutcome(
  context: TaskContext,
  settings: SignOffSettings,
  parts: {
    outcome: WaitOutcome;
    item: SignOffItem;
    tags: ModelVersionTags;
    auditRecord: AuditRecorder;
    writeSummary: (outcome?: WaitOutcome, audit?: AuditOutcome) => void;
    report: (audit: AuditOutcome) => void;
  },
): Promise<TaskOutcome> {
  const { outcome, item } = parts;
  const { modelName, modelVersion } = settings;
  context.outputs.setOutput(outputNames.signOffStatus, outcome.status);
  if (outcome.status !== 'timedOut') {
    context.outputs.setOutput(outputNames.approvedBy, outcome.by.uniqueName);
    context.outputs.setOutput(outputNames.approvedAt, outcome.at);
    await tagDecision(parts.tags, modelName, modelVersion, { status: outcome.status, by: outcome.by.uniqueName, at: outcome.at, url: item.url });
  }
  const audit = await parts.auditRecord.record({
    eventType: 'signoff',
    modelName,
    modelVersion,
    decision: outcome.status,
    details: {
      workItemId: item.id,
      workItemUrl: item.url,
      by: outcome.status === 'timedOut' ? null : outcome.by.uniqueName,
      at: outcome.status === 'timedOut' ? null : outcome.at,
      via: outcome.status === 'timedOut' ? null : outcome.via,
      approvers: describeApprovers(settings.approvers),
      refused: outcome.refused.map(({ transition, reason }) => ({ by: transition.by.uniqueName, at: transition.at, to: transition.to, reason })),
    },
  });
  parts.writeSummary(outcome, audit);
  parts.report(audit);
  const auditIssue = audit.status === 'failed' ? ` ${message('AuditNotWritten', audit.warning)}` : '';
  if (outcome.status === 'approved') {
    const done = message('Approved', modelName, modelVersion, outcome.by.uniqueName, outcome.at);
    context.logger.info(done);
    return auditIssue ? { result: 'SucceededWithIssues', message: `${done}${auditIssue}` } : { result: 'Succeeded', message: done };
  }
  if (outcome.status === 'rejected') return { result: 'Failed', message: `${message('Rejected', modelName, modelVersion, outcome.by.uniqueName, outcome.at, item.url)}${auditIssue}` };
  const timedOut = message('TimedOut', item.id, Math.round(settings.timeoutMs / 60_000), item.state);
  if (settings.onTimeout === 'resume') {
    context.logger.warn(timedOut);
    return { result: 'SucceededWithIssues', message: `${timedOut} ${message('Resumed')}${auditIssue}` };
  }
  return { result: 'Failed', message: `${timedOut}${auditIssue}` };
}
