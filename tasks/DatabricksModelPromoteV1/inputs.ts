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
  const versionRequired = (): Error => new Error(`Input '${inputNames.version}' is required when '${inputNames.action}' is promote.`);
  if (action === 'promote' && versionValue === undefined) throw versionRequired();
  const connection = parseConnectionInputs(inputs);
  const modelName = parseModelFullName(inputNames.modelName, modelValue).fullName;
  const version = versionValue === undefined ? undefined : parseVersionNumber(inputNames.version, versionValue);
  const alias = parseAliasName(inputNames.alias, inputs.get(inputNames.alias) ?? defaults.alias);
  const expected = parseExpected(inputs.get(inputNames.expectedCurrentVersion));
  const previousAlias = parseAliasName(inputNames.previousAlias, inputs.get(inputNames.previousAlias) ?? defaults.previousAlias);
  const removeAliases = parseRemoveAliases(inputs.get(inputNames.removeAliases) ?? defaults.removeAliases);
  const common = { modelName, alias, expected, previousAlias, removeAliases };
  let request: PromotionRequest;
  if (action === 'rollback') request = { ...common, action, version };
  else if (version !== undefined) request = { ...common, action, version };
  else throw versionRequired();
  return {
    connection,
    request,
    audit: parseAuditInputs(inputs),
  };
}
