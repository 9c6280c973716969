import { createHash } from 'node:crypto';
import { auditInputNames, parseAuditInputs, type AuditSettings } from '../common/audit';
import { parseConnectionInputs, type ConnectionSettings } from '../common/azure-devops/connection';
import { invalidInput, parseBooleanInput, parseChoiceInput } from '../common/task/input-parsing';
import type { TaskFiles, TaskInputs } from '../common/task/task-context';
import { parsePolicy, type Policy } from '../common/compliance/policy';
import { toError } from '../common/http/errors';
import { parseAliasName, parseModelFullName, parseVersionNumber, type ModelFullName } from '../common/databricks/unity-catalog';
import { defaults, inputNames } from './names';

/** Everything the task needs, parsed and checked before any call. */
export interface ComplianceSettings {
  /** How to reach the workspace (the common connection inputs). */
  connection: ConnectionSettings;
  /** `catalog.schema.model`. */
  model: ModelFullName;
  /** The version to check: a number, or the alias that points at it. */
  target: { version: number } | { alias: string };
  /** Path of the YAML policy on the agent. */
  policyFile: string;
  /** `audit` reports and tags but never fails the step on a violation. */
  mode: 'enforce' | 'audit';
  /** Write `compliance.*` tags on the version. */
  writeTags: boolean;
  /** The compare task's verdict for `comparisonDecision` rules; undefined reads the audit table. */
  comparisonDecision?: string;
  /** SQL warehouse for lineage and audit-table reads (also the audit writer's). */
  sqlWarehouseId?: string;
  /** Where the verdict is recorded. */
  audit: AuditSettings;
}

/** Reads and checks every input; throws naming the input, the value and the expected form. */
export function parseInputs(inputs: TaskInputs): ComplianceSettings {
  const modelValue = inputs.get(inputNames.modelName);
  if (modelValue === undefined) throw new Error(`Input '${inputNames.modelName}' is required.`);
  const versionValue = inputs.get(inputNames.modelVersion);
  const aliasValue = inputs.get(inputNames.modelAlias);
  if (versionValue !== undefined && aliasValue !== undefined) throw new Error(`Set either '${inputNames.modelVersion}' or '${inputNames.modelAlias}', not both.`);
  if (versionValue === undefined && aliasValue === undefined) throw new Error(`Input '${inputNames.modelVersion}' or '${inputNames.modelAlias}' is required.`);
  const policyFile = inputs.get(inputNames.policyFile);
  if (policyFile === undefined) throw new Error(`Input '${inputNames.policyFile}' is required.`);
  const comparisonDecision = inputs.get(inputNames.comparisonDecision);
  const sqlWarehouseId = inputs.get(auditInputNames.sqlWarehouseId);
  if (sqlWarehouseId !== undefined && !/^[A-Za-z0-9]+$/.test(sqlWarehouseId)) throw invalidInput(auditInputNames.sqlWarehouseId, sqlWarehouseId, 'the warehouse id, e.g. 1234567890abcdef');
  // The warehouse also serves lineage queries, so a warehouse without an audit table is not an
  // incomplete audit configuration here.
  const auditInputs = inputs.get(auditInputNames.auditTable) === undefined ? { get: (name: string) => (name === auditInputNames.sqlWarehouseId ? undefined : inputs.get(name)) } : inputs;
  return {
    connection: parseConnectionInputs(inputs),
    model: parseModelFullName(inputNames.modelName, modelValue),
    target: versionValue !== undefined ? { version: parseVersionNumber(inputNames.modelVersion, versionValue) } : { alias: parseAliasName(inputNames.modelAlias, aliasValue!) },
    policyFile,
    mode: parseChoiceInput(inputNames.mode, inputs.get(inputNames.mode), ['enforce', 'audit'] as const, defaults.mode),
    writeTags: parseBooleanInput(inputNames.writeTags, inputs.get(inputNames.writeTags), defaults.writeTags),
    ...(comparisonDecision !== undefined ? { comparisonDecision } : {}),
    ...(sqlWarehouseId !== undefined ? { sqlWarehouseId } : {}),
    audit: parseAuditInputs(auditInputs),
  };
}

/** Reads and validates the policy file: the task's one file read, before any request. */
export function loadPolicy(file: string, files: Pick<TaskFiles, 'readBytes'>): { policy: Policy; digest: string } {
  let bytes: Uint8Array;
  try {
    bytes = files.readBytes(file);
  } catch (error) {
    throw new Error(`Cannot read '${inputNames.policyFile}' '${file}': ${toError(error).message}`);
  }
  return { policy: parsePolicy(Buffer.from(bytes).toString('utf8'), file), digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}
