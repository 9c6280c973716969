import { parseAuditInputs, type AuditSettings } from '../common/audit';
import { parseConnectionInputs, type ConnectionSettings } from '../common/azure-devops/connection';
import { invalidInput, parseChoiceInput, parseListInput } from '../common/task/input-parsing';
import type { TaskInputs } from '../common/task/task-context';
import { parseAliasName, parseModelFullName, parseVersionNumber } from '../common/databricks/unity-catalog';
import type { ExpectedHolder, PromotionRequest } from '../common/promote/alias-promotion';
import { defaults, inputNames, noneKeyword } from './names';

/** Everything the task needs, parsed and validated. */
export interface PromoteSettings {
  connection: ConnectionSettings;
  /** The alias moves to make. */
  request: PromotionRequest;
  /** Where the decision is recorded. */
  audit: AuditSettings;
}

function parseExpected(value: string | undefined): ExpectedHolder {
  if (value === undefined) return { kind: 'unchecked' };
  if (value.trim().toLowerCase() === noneKeyword) return { kind: 'none' };
  try {
    return { kind: 'version', version: parseVersionNumber(inputNames.expectedCurrentVersion, value) };
  } catch {
    throw invalidInput(inputNames.expectedCurrentVersion, value, `a version number or '${noneKeyword}'`);
  }
}

function parseRemoveAliases(value: string): string[] {
  if (value.trim().toLowerCase() === noneKeyword) return [];
  // Each name through parseAliasName, which also refuses MLflow's reserved names.
  return parseListInput(inputNames.removeAliases, value).map((name) => parseAliasName(inputNames.removeAliases, name));
}

/** Reads and checks every input; throws naming the input, the value and the expected form. */
export function parseInputs(inputs: TaskInputs): PromoteSettings {
  const action = parseChoiceInput(inputNames.action, inputs.get(inputNames.action), ['promote', 'rollback'] as const, defaults.action);
  const modelValue = inputs.get(inputNames.modelName);
  if (modelValue === undefined) throw new Error(`Input '${inputNames.modelName}' is required.`);
  const versionValue = inputs.get(inputNames.version);
  if (action === 'promote' && versionValue === undefined) throw new Error(`Input '${inputNames.version}' is required when '${inputNames.action}' is promote.`);
  return {
    connection: parseConnectionInputs(inputs),
    request: {
      modelName: parseModelFullName(inputNames.modelName, modelValue).fullName,
      action,
      version: versionValue === undefined ? undefined : parseVersionNumber(inputNames.version, versionValue),
      alias: parseAliasName(inputNames.alias, inputs.get(inputNames.alias) ?? defaults.alias),
      expected: parseExpected(inputs.get(inputNames.expectedCurrentVersion)),
      previousAlias: parseAliasName(inputNames.previousAlias, inputs.get(inputNames.previousAlias) ?? defaults.previousAlias),
      removeAliases: parseRemoveAliases(inputs.get(inputNames.removeAliases) ?? defaults.removeAliases),
    },
    audit: parseAuditInputs(inputs),
  };
}
