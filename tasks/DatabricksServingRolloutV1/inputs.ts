import { toError } from '../common/http/errors';
import { parseAuditInputs, type AuditSettings } from '../common/audit';
import { parseConnectionInputs, type ConnectionSettings } from '../common/azure-devops/connection';
import { invalidInput, parseBooleanInput, parseChoiceInput, parseNumberInput } from '../common/task/input-parsing';
import type { TaskInputs } from '../common/task/task-context';
import { parseAliasName, parseModelFullName, parseVersionNumber } from '../common/databricks/unity-catalog';
import type { RolloutRequest, VersionSource } from '../common/serving/rollout';
import { parseSmokeTestExpectation } from '../common/serving/smoke-test';
import { rolloutStrategies } from '../common/serving/traffic-plan';
import { defaults, inputNames } from './names';

/** Everything the task does, parsed and checked from its inputs before any call. */
export interface Settings {
  connection: ConnectionSettings;
  /** The rollout, except the smoke-test body, which is read from `smokeTestFile`. */
  request: Omit<RolloutRequest, 'smokeTest'>;
  /** Path of the JSON request body of the smoke test, if any. */
  smokeTestFile?: string;
  /** The expectation on the smoke test's answer, if any. */
  smokeTestExpect?: NonNullable<RolloutRequest['smokeTest']>['expect'];
  audit: AuditSettings;
}

// Endpoint names: letters, digits, dashes and underscores (the serving API's rule), at most 63.
const endpointNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

function parseEndpointName(value: string | undefined): string {
  if (value === undefined) throw new Error(`Input '${inputNames.endpointName}' is required.`);
  if (!endpointNamePattern.test(value)) throw invalidInput(inputNames.endpointName, value, 'a serving endpoint name of letters, digits, dashes and underscores (at most 63)');
  return value;
}

function parseVersionSource(inputs: TaskInputs): VersionSource {
  const version = inputs.get(inputNames.modelVersion);
  if (version !== undefined) return { kind: 'version', version: parseVersionNumber(inputNames.modelVersion, version) };
  return { kind: 'alias', alias: parseAliasName(inputNames.modelAlias, inputs.get(inputNames.modelAlias) ?? defaults.modelAlias) };
}

// Workload sizes: Small, Medium, Large, or a custom size a workspace offers; a word, not free text.
function parseWorkloadSize(value: string | undefined): string {
  if (value === undefined) return defaults.workloadSize;
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,39}$/.test(value)) throw invalidInput(inputNames.workloadSize, value, 'a workload size such as Small, Medium or Large');
  return value;
}

/** Reads and checks every input; throws naming the input, the value and the expected form. */
export function parseInputs(inputs: TaskInputs): Settings {
  const modelValue = inputs.get(inputNames.modelName);
  if (modelValue === undefined) throw new Error(`Input '${inputNames.modelName}' is required.`);
  const expectText = inputs.get(inputNames.smokeTestExpect);
  const smokeTestFile = inputs.get(inputNames.smokeTestFile);
  if (expectText !== undefined && smokeTestFile === undefined) {
    throw new Error(`Input '${inputNames.smokeTestExpect}' needs '${inputNames.smokeTestFile}': the expectation is checked against the answer to that request.`);
  }
  return {
    connection: parseConnectionInputs(inputs),
    request: {
      endpointName: parseEndpointName(inputs.get(inputNames.endpointName)),
      modelName: parseModelFullName(inputNames.modelName, modelValue).fullName,
      source: parseVersionSource(inputs),
      strategy: parseChoiceInput(inputNames.strategy, inputs.get(inputNames.strategy), rolloutStrategies, defaults.strategy),
      canaryPercent: parseNumberInput(inputNames.canaryPercent, inputs.get(inputNames.canaryPercent), { min: 1, max: 99, integer: true, unit: 'percent' }, defaults.canaryPercent),
      createIfMissing: parseBooleanInput(inputNames.createIfMissing, inputs.get(inputNames.createIfMissing), defaults.createIfMissing),
      creation: {
        workload_size: parseWorkloadSize(inputs.get(inputNames.workloadSize)),
        scale_to_zero_enabled: parseBooleanInput(inputNames.scaleToZero, inputs.get(inputNames.scaleToZero), defaults.scaleToZero),
      },
      rollbackOnFailure: parseBooleanInput(inputNames.rollbackOnFailure, inputs.get(inputNames.rollbackOnFailure), defaults.rollbackOnFailure),
      timeoutMs:
        parseNumberInput(inputNames.timeoutMinutes, inputs.get(inputNames.timeoutMinutes), { min: 0, exclusiveMin: true, max: 24 * 60, unit: 'minutes' }, defaults.timeoutMinutes) * 60_000,
    },
    smokeTestFile,
    smokeTestExpect: expectText === undefined ? undefined : parseSmokeTestExpectation(inputNames.smokeTestExpect, expectText),
    audit: parseAuditInputs(inputs),
  };
}

/**
 * Parses the smoke-test request body read from `smokeTestFile`; `read` failing (missing,
 * unreadable) or text that is not a JSON object is an input error.
 */
export function parseSmokeTestBody(path: string, read: (path: string) => string): unknown {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    throw new Error(`Invalid '${inputNames.smokeTestFile}' '${path}': the file cannot be read (${toError(error).message})`, { cause: error });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new Error(`Invalid '${inputNames.smokeTestFile}' '${path}': not valid JSON (${toError(error).message}); expected a request body such as {"dataframe_split": {"columns": [...], "data": [[...]]}}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new Error(`Invalid '${inputNames.smokeTestFile}' '${path}': expected a JSON object (a serving request body such as {"dataframe_records": [...]})`);
  }
  return body;
}
