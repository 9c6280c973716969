/** Input names of DatabricksModelCompliance@1 (the contract pipelines use; checked against task.json by a test). */
export const inputNames = {
  modelName: 'modelName',
  modelVersion: 'modelVersion',
  modelAlias: 'modelAlias',
  policyFile: 'policyFile',
  mode: 'mode',
  writeTags: 'writeTags',
  comparisonDecision: 'comparisonDecision',
} as const;

/** Output variable names. */
export const outputNames = {
  compliant: 'compliant',
  violations: 'violations',
} as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  mode: 'enforce',
  writeTags: true,
} as const;

/** The task as the audit record names it. */
export const taskReference = 'DatabricksModelCompliance@1';
