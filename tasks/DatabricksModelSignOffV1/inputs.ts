import { parseAuditInputs, type AuditSettings } from '../common/audit';
import { parseConnectionInputs, type ConnectionSettings } from '../common/azure-devops/connection';
import { invalidInput, parseBooleanInput, parseChoiceInput, parseListInput, parseNumberInput } from '../common/azure-devops/input-parsing';
import type { TaskInputs } from '../common/azure-devops/task-context';
import { parseModelFullName, parseVersionNumber } from '../common/databricks/unity-catalog';
import { parseApprovers, type Approver, type Requester } from '../common/signoff/approvers';
import { actions, defaults, inputNames, maxTimeoutMinutes, systemConnectionId, timeoutBehaviours } from './names';

/** Where the job's Azure DevOps lives, from the `SystemVssConnection` endpoint and System variables. */
export interface AzureDevOpsJob {
  collectionUri: string;
  accessToken: string;
  project: string;
  /** Identifies the pipeline run in the request tag: the build id, or `release-<id>`. */
  runKey: string;
  /** `vstfs:///Build/Build/<id>` when the run is a build. */
  buildArtifactUri?: string;
  requester: Requester;
  /** The pull request that triggered the run, when it was one. */
  pullRequest?: { repositoryId: string; id: number };
}

/** Everything the task needs, parsed and validated. */
export interface SignOffSettings {
  action: (typeof actions)[number];
  connection: ConnectionSettings;
  /** Three-level Unity Catalog name. */
  modelName: string;
  modelVersion: number;
  approvers: Approver[];
  assignedTo?: string;
  workItemType: string;
  areaPath?: string;
  /** Glob patterns of summary files to put in the description. */
  evidenceFiles: string[];
  approvedStates: string[];
  rejectedStates: string[];
  timeoutMs: number;
  onTimeout: (typeof timeoutBehaviours)[number];
  allowRequesterApproval: boolean;
  /** The work item to wait on (`wait`). */
  signOffId?: number;
  commentOnPullRequest: boolean;
  audit: AuditSettings;
}

function parseStates(name: string, value: string | undefined, fallback: string): string[] {
  const states = parseListInput(name, value ?? fallback);
  if (states.length === 0) throw invalidInput(name, value ?? '', 'one or more work-item state names, separated by commas or new lines');
  return states;
}

function parseSignOffId(value: string | undefined, action: SignOffSettings['action']): number | undefined {
  if (action !== 'wait') return undefined;
  if (value === undefined) throw new Error(`Input '${inputNames.signOffId}' is required when '${inputNames.action}' is wait: pass the signOffId output of the request step.`);
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw invalidInput(inputNames.signOffId, value, 'a work item id (a positive whole number)');
  return Number(value);
}

/** Reads and checks every input; throws naming the input, the value and the expected form. */
export function parseInputs(inputs: TaskInputs): SignOffSettings {
  const action = parseChoiceInput(inputNames.action, inputs.get(inputNames.action), actions, defaults.action);
  const modelValue = inputs.get(inputNames.modelName);
  if (modelValue === undefined) throw new Error(`Input '${inputNames.modelName}' is required.`);
  const versionValue = inputs.get(inputNames.modelVersion);
  if (versionValue === undefined) throw new Error(`Input '${inputNames.modelVersion}' is required.`);
  const approvedStates = parseStates(inputNames.approvedStates, inputs.get(inputNames.approvedStates), defaults.approvedStates);
  const rejectedStates = parseStates(inputNames.rejectedStates, inputs.get(inputNames.rejectedStates), defaults.rejectedStates);
  const overlap = approvedStates.filter((state) => rejectedStates.some((other) => other.toLowerCase() === state.toLowerCase()));
  if (overlap.length > 0) throw invalidInput(inputNames.rejectedStates, overlap.join(', '), `states different from '${inputNames.approvedStates}'`);
  const timeoutMinutes = parseNumberInput(inputNames.timeoutMinutes, inputs.get(inputNames.timeoutMinutes), { min: 0, exclusiveMin: true, max: maxTimeoutMinutes, unit: 'minutes' }, defaults.timeoutMinutes);
  return {
    action,
    connection: parseConnectionInputs(inputs),
    modelName: parseModelFullName(inputNames.modelName, modelValue).fullName,
    modelVersion: parseVersionNumber(inputNames.modelVersion, versionValue),
    approvers: parseApprovers(inputNames.approvers, inputs.get(inputNames.approvers)),
    assignedTo: inputs.get(inputNames.assignedTo),
    workItemType: inputs.get(inputNames.workItemType) ?? defaults.workItemType,
    areaPath: inputs.get(inputNames.areaPath),
    evidenceFiles: parseListInput(inputNames.evidenceFiles, inputs.get(inputNames.evidenceFiles)),
    approvedStates,
    rejectedStates,
    timeoutMs: Math.round(timeoutMinutes * 60_000),
    onTimeout: parseChoiceInput(inputNames.onTimeout, inputs.get(inputNames.onTimeout), timeoutBehaviours, defaults.onTimeout),
    allowRequesterApproval: parseBooleanInput(inputNames.allowRequesterApproval, inputs.get(inputNames.allowRequesterApproval), defaults.allowRequesterApproval),
    signOffId: parseSignOffId(inputs.get(inputNames.signOffId), action),
    commentOnPullRequest: parseBooleanInput(inputNames.commentOnPullRequest, inputs.get(inputNames.commentOnPullRequest), defaults.commentOnPullRequest),
    audit: parseAuditInputs(inputs),
  };
}

/** Reads the job's Azure DevOps connection and run identity; fails when the agent gave no job token. */
export function readAzureDevOpsJob(inputs: TaskInputs): AzureDevOpsJob {
  const endpoint = inputs.endpoint(systemConnectionId);
  const accessToken = endpoint?.param('AccessToken');
  const collectionUri = endpoint?.url ?? inputs.variable('System.CollectionUri');
  const project = inputs.variable('System.TeamProject') ?? inputs.variable('System.TeamProjectId');
  if (!accessToken || !collectionUri || !project) {
    throw new Error(`The job access token is not available (${systemConnectionId} endpoint, System.TeamProject). Run the task in an Azure Pipelines agent job.`);
  }
  const buildId = inputs.variable('Build.BuildId');
  const releaseId = inputs.variable('Release.ReleaseId');
  const repositoryId = inputs.variable('Build.Repository.ID');
  const pullRequestId = inputs.variable('System.PullRequest.PullRequestId');
  return {
    collectionUri,
    accessToken,
    project,
    runKey: releaseId ? `release-${releaseId}` : buildId ? `build-${buildId}` : 'manual',
    buildArtifactUri: buildId && !releaseId ? `vstfs:///Build/Build/${buildId}` : undefined,
    requester: releaseId
      ? { id: inputs.variable('Release.RequestedForId'), uniqueName: inputs.variable('Release.RequestedForEmail') }
      : { id: inputs.variable('Build.RequestedForId'), uniqueName: inputs.variable('Build.RequestedForEmail') },
    pullRequest: repositoryId && pullRequestId && /^\d+$/.test(pullRequestId) ? { repositoryId, id: Number(pullRequestId) } : undefined,
  };
}
