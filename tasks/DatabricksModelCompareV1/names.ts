/** Input names of DatabricksModelCompare@1 (the contract pipelines use; checked against task.json by a test). */
export const inputNames = {
  modelName: 'modelName',
  candidateBy: 'candidateBy',
  candidateVersion: 'candidateVersion',
  candidateAlias: 'candidateAlias',
  championAlias: 'championAlias',
  rulesSource: 'rulesSource',
  rules: 'rules',
  rulesFile: 'rulesFile',
  metricsSource: 'metricsSource',
  validationRunId: 'validationRunId',
  evaluationJobName: 'evaluationJobName',
  evaluationJobParameters: 'evaluationJobParameters',
  evaluationTimeoutMinutes: 'evaluationTimeoutMinutes',
  noChampion: 'noChampion',
  runMode: 'runMode',
  setAliasOnPass: 'setAliasOnPass',
  requireSignificance: 'requireSignificance',
  requireSameDataset: 'requireSameDataset',
  pairedScoresTable: 'pairedScoresTable',
  bootstrapSeed: 'bootstrapSeed',
} as const;

/** Either/or inputs: one of each group must be given (the docs' examples are checked against this). */
export const requiredOneOf = [
  { inputs: [inputNames.candidateVersion, inputNames.candidateAlias] },
  { inputs: [inputNames.rules, inputNames.rulesFile] },
] as const;

/** Output variable names. */
export const outputNames = {
  decision: 'decision',
  candidateVersion: 'candidateVersion',
  championVersion: 'championVersion',
} as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  candidateBy: 'version',
  rulesSource: 'inline',
  championAlias: 'champion',
  metricsSource: 'runs',
  runMode: 'enabled',
  requireSignificance: false,
  requireSameDataset: false,
  bootstrapSeed: 20240601,
  evaluationTimeoutMinutes: 60,
} as const;

/** `championVersion` when no version holds the champion alias; DatabricksModelPromote@1 reads it as "the alias must not exist yet". */
export const noChampionVersion = 'none';

/** The task as the audit record and the version comment name it. */
export const taskReference = 'DatabricksModelCompare@1';
