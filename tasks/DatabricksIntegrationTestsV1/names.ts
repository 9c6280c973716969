/** Input names of DatabricksIntegrationTests@1 (the contract pipelines use; a test checks them against task.json). */
export const inputNames = {
  runType: 'runType',
  jobBy: 'jobBy',
  jobName: 'jobName',
  jobId: 'jobId',
  jobParameters: 'jobParameters',
  notebookPath: 'notebookPath',
  notebookParameters: 'notebookParameters',
  pythonFile: 'pythonFile',
  pythonArgs: 'pythonArgs',
  compute: 'compute',
  clusterId: 'clusterId',
  newCluster: 'newCluster',
  environmentDependencies: 'environmentDependencies',
  runName: 'runName',
  timeoutMinutes: 'timeoutMinutes',
  cancelOnExit: 'cancelOnExit',
  testResultsPath: 'testResultsPath',
  publishTestResults: 'publishTestResults',
  testRunTitle: 'testRunTitle',
  failOnTestFailure: 'failOnTestFailure',
} as const;

/** Either/or inputs: one of each group must be given when `when` holds (the docs' examples are checked against this). */
export const requiredOneOf = [
  { inputs: [inputNames.jobName, inputNames.jobId], when: 'runType = job' },
  { inputs: [inputNames.notebookPath], when: 'runType = notebook' },
  { inputs: [inputNames.pythonFile], when: 'runType = pythonFile' },
] as const;

/** Output variable names. */
export const outputNames = {
  runId: 'runId',
  runPageUrl: 'runPageUrl',
  resultState: 'resultState',
  testsTotal: 'testsTotal',
  testsFailed: 'testsFailed',
} as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  runType: 'job',
  jobBy: 'name',
  compute: 'serverless',
  timeoutMinutes: 60,
  cancelOnExit: true,
  publishTestResults: true,
  failOnTestFailure: true,
} as const;

export const runTypes = ['job', 'notebook', 'pythonFile'] as const;
export const computeKinds = ['serverless', 'existingCluster', 'newCluster'] as const;

