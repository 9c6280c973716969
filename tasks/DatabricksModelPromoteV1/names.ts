/** Input names of DatabricksModelPromote@1 (the contract pipelines use; checked against task.json by a test). */
export const inputNames = {
  modelName: 'modelName',
  version: 'version',
  alias: 'alias',
  expectedCurrentVersion: 'expectedCurrentVersion',
  previousAlias: 'previousAlias',
  removeAliases: 'removeAliases',
  action: 'action',
} as const;

/** Output variable names. */
export const outputNames = {
  previousVersion: 'previousVersion',
  promotedVersion: 'promotedVersion',
} as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  alias: 'champion',
  previousAlias: 'previous_champion',
  removeAliases: 'challenger',
  action: 'promote',
} as const;

/** The word that means "no version holds the alias yet" in `expectedCurrentVersion` and "remove nothing" in `removeAliases`. */
export const noneKeyword = 'none';

/** The task as the audit record names it. */
export const taskReference = 'DatabricksModelPromote@1';
