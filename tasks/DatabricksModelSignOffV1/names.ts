/** Input names of DatabricksModelSignOff@1 (the contract pipelines use; checked against task.json by a test). */
export const inputNames = {
  action: 'action',
  modelName: 'modelName',
  modelVersion: 'modelVersion',
  approvers: 'approvers',
  assignedTo: 'assignedTo',
  workItemType: 'workItemType',
  areaPath: 'areaPath',
  evidenceFiles: 'evidenceFiles',
  approvedStates: 'approvedStates',
  rejectedStates: 'rejectedStates',
  timeoutMinutes: 'timeoutMinutes',
  onTimeout: 'onTimeout',
  allowRequesterApproval: 'allowRequesterApproval',
  signOffId: 'signOffId',
  commentOnPullRequest: 'commentOnPullRequest',
} as const;

/** Output variable names. */
export const outputNames = {
  signOffId: 'signOffId',
  signOffUrl: 'signOffUrl',
  signOffStatus: 'signOffStatus',
  approvedBy: 'approvedBy',
  approvedAt: 'approvedAt',
} as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  action: 'request',
  workItemType: 'Task',
  approvedStates: 'Done',
  rejectedStates: 'Removed',
  timeoutMinutes: 60,
  onTimeout: 'reject',
  allowRequesterApproval: false,
  commentOnPullRequest: false,
} as const;

/** The actions. */
export const actions = ['request', 'wait', 'requestAndWait'] as const;

/** What `onTimeout` accepts. */
export const timeoutBehaviours = ['reject', 'resume'] as const;

/** Longest wait: 30 days, as ManualValidation allows. */
export const maxTimeoutMinutes = 43_200;

/** The Azure DevOps connection every job has: the job access token. */
export const systemConnectionId = 'SystemVssConnection';

/** The task as the audit record names it. */
export const taskReference = 'DatabricksModelSignOff@1';
