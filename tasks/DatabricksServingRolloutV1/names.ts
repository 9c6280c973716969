/** Input names of DatabricksServingRollout@1 (the contract pipelines use; checked against task.json by a test). */
export const inputNames = {
  endpointName: 'endpointName',
  modelName: 'modelName',
  modelVersion: 'modelVersion',
  modelAlias: 'modelAlias',
  strategy: 'strategy',
  canaryPercent: 'canaryPercent',
  createIfMissing: 'createIfMissing',
  workloadSize: 'workloadSize',
  scaleToZero: 'scaleToZero',
  smokeTestFile: 'smokeTestFile',
  smokeTestExpect: 'smokeTestExpect',
  rollbackOnFailure: 'rollbackOnFailure',
  timeoutMinutes: 'timeoutMinutes',
} as const;

/** Output variable names. */
export const outputNames = {
  servedVersion: 'servedVersion',
  previousVersion: 'previousVersion',
  endpointUrl: 'endpointUrl',
} as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  modelAlias: 'champion',
  strategy: 'replace',
  canaryPercent: 10,
  createIfMissing: false,
  workloadSize: 'Small',
  scaleToZero: true,
  rollbackOnFailure: true,
  timeoutMinutes: 30,
} as const;

/** The task as the audit record names it. */
export const taskReference = 'DatabricksServingRollout@1';
