import { auditInputNames, parseAuditInputs, parseAuditTableName, type AuditSettings, type AuditTableName } from '../common/audit';
import { parseConnectionInputs, type ConnectionSettings } from '../common/azure-devops/connection';
import { chooseEitherInput, invalidInput, parseBooleanInput, parseChoiceInput, parseKeyValueLines, parseNumberInput } from '../common/task/input-parsing';
import type { TaskFiles, TaskInputs } from '../common/task/task-context';
import { parseAliasName, parseModelFullName, parseVersionNumber, type ModelFullName } from '../common/databricks/unity-catalog';
import type { CandidateSelector, MetricsSourceSettings } from '../common/compare/compare-models';
import { parseRules, type RulesDocument } from '../common/compare/rules';
import { reservedEvaluationParameters } from '../common/compare/sources';
import type { NoChampionPolicy } from '../common/compare/verdict';
import { toError } from '../common/http/errors';
import { defaults, inputNames } from './names';

/** Where the rules come from. */
export type RulesSource = { kind: 'inline'; rules: RulesDocument } | { kind: 'file'; path: string };

/** Everything the task needs, parsed and validated. */
export interface CompareTaskSettings {
  /** How to reach the workspace (the common connection inputs). */
  connection: ConnectionSettings;
  /** `catalog.schema.model`. */
  model: ModelFullName;
  /** The candidate: a version number or an alias. */
  candidate: CandidateSelector;
  /** The alias the candidate must beat (`champion`). */
  championAlias: string;
  /** `rules` (parsed already) or `rulesFile` (read when the task runs). */
  rules: RulesSource;
  /** Where the metrics come from: the versions' runs, one validation run, or an evaluation job. */
  metricsSource: MetricsSourceSettings;
  /** How long the evaluation job may run. */
  evaluationTimeoutMs: number;
  /** Undefined: promote when every rule is a threshold rule, else fail. */
  noChampion?: NoChampionPolicy;
  /** `dryRun` reports and changes nothing; a rejection does not fail the task. */
  runMode: 'enabled' | 'dryRun';
  /** Alias set on the candidate when it passes. */
  setAliasOnPass?: string;
  /** The worse bound of the bootstrap interval must exclude zero for every change-rule metric. */
  requireSignificance: boolean;
  /** Refuse when neither side's metrics name their evaluation dataset. */
  requireSameDataset: boolean;
  /** Table of paired per-example scores, read through `warehouseId`. */
  pairedScores?: { table: AuditTableName; warehouseId: string };
  /** Seed of the paired bootstrap. */
  bootstrapSeed: number;
  /** Where the decision is recorded. */
  audit: AuditSettings;
}

/** `key=value` lines (blank lines and `#` comments ignored); the parameters the task sets itself are refused. */
export function parseJobParameters(name: string, value: string | undefined): Record<string, string> {
  const parameters = parseKeyValueLines(name, value);
  const reserved = Object.keys(parameters).find((key) => reservedEvaluationParameters.includes(key));
  if (reserved !== undefined) throw invalidInput(name, `${reserved}=${parameters[reserved]}`, `parameters other than ${reservedEvaluationParameters.join(', ')}, which the task sets`);
  return parameters;
}

function parseMetricsSource(inputs: TaskInputs): MetricsSourceSettings {
  const kind = parseChoiceInput(inputNames.metricsSource, inputs.get(inputNames.metricsSource), ['runs', 'validationRun', 'evaluationJob'] as const, defaults.metricsSource);
  switch (kind) {
    case 'runs':
      return { kind };
    case 'validationRun': {
      const runId = inputs.get(inputNames.validationRunId);
      if (runId === undefined) throw new Error(`Input '${inputNames.validationRunId}' is required when '${inputNames.metricsSource}' is validationRun.`);
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw new Error(`Invalid '${inputNames.validationRunId}' '${runId}': expected an MLflow run id, e.g. 0f3c0b7a9d6e4c1b8a2f5e7d9c1b3a5f`);
      return { kind, runId };
    }
    case 'evaluationJob': {
      const jobName = inputs.get(inputNames.evaluationJobName);
      if (jobName === undefined) throw new Error(`Input '${inputNames.evaluationJobName}' is required when '${inputNames.metricsSource}' is evaluationJob.`);
      return { kind, jobName, parameters: parseJobParameters(inputNames.evaluationJobParameters, inputs.get(inputNames.evaluationJobParameters)) };
    }
  }
}

/** `auto` (the pick list's default) and empty leave the policy to the rules; `promote`/`fail` set it. */
function parseNoChampion(value: string | undefined): { noChampion?: NoChampionPolicy } {
  const choice = parseChoiceInput(inputNames.noChampion, value, ['auto', 'promote', 'fail'] as const, 'auto');
  return choice === 'auto' ? {} : { noChampion: choice };
}

/** Reads and checks every input; throws naming the input, the value and the expected form. */
export function parseInputs(inputs: TaskInputs): CompareTaskSettings {
  const modelValue = inputs.get(inputNames.modelName);
  if (modelValue === undefined) throw new Error(`Input '${inputNames.modelName}' is required.`);
  const model = parseModelFullName(inputNames.modelName, modelValue);

  const chosenCandidate = chooseEitherInput({ name: inputNames.candidateBy, value: inputs.get(inputNames.candidateBy), defaultChoice: defaults.candidateBy }, [
    { choice: 'version', name: inputNames.candidateVersion, value: inputs.get(inputNames.candidateVersion) },
    { choice: 'alias', name: inputNames.candidateAlias, value: inputs.get(inputNames.candidateAlias) },
  ]);
  if (chosenCandidate === undefined) throw new Error(`Input '${inputNames.candidateVersion}' or '${inputNames.candidateAlias}' is required.`);
  const candidate: CandidateSelector =
    chosenCandidate.choice === 'version'
      ? { version: parseVersionNumber(inputNames.candidateVersion, chosenCandidate.value) }
      : { alias: parseAliasName(inputNames.candidateAlias, chosenCandidate.value) };
  const championAlias = parseAliasName(inputNames.championAlias, inputs.get(inputNames.championAlias) ?? defaults.championAlias);
  if ('alias' in candidate && candidate.alias === championAlias) {
    throw new Error(`Invalid '${inputNames.candidateAlias}' '${candidate.alias}': it is the champion alias; the candidate must be another version.`);
  }

  const chosenRules = chooseEitherInput({ name: inputNames.rulesSource, value: inputs.get(inputNames.rulesSource), defaultChoice: defaults.rulesSource }, [
    { choice: 'inline', name: inputNames.rules, value: inputs.get(inputNames.rules) },
    { choice: 'file', name: inputNames.rulesFile, value: inputs.get(inputNames.rulesFile) },
  ]);
  if (chosenRules === undefined) throw new Error(`Input '${inputNames.rules}' or '${inputNames.rulesFile}' is required.`);
  const rules: RulesSource =
    chosenRules.choice === 'inline' ? { kind: 'inline', rules: parseRules(chosenRules.value, `'${inputNames.rules}'`) } : { kind: 'file', path: chosenRules.value };

  const noChampionValue = inputs.get(inputNames.noChampion);
  const setAliasOnPass = inputs.get(inputNames.setAliasOnPass);
  const alias = setAliasOnPass === undefined ? undefined : parseAliasName(inputNames.setAliasOnPass, setAliasOnPass);
  if (alias !== undefined && alias === championAlias) {
    throw new Error(`Invalid '${inputNames.setAliasOnPass}' '${alias}': the champion alias is moved by DatabricksModelPromote@1, which checks it did not change meanwhile.`);
  }

  // sqlWarehouseId serves the audit record and the paired-scores table; without an audit table it
  // is not an incomplete audit configuration.
  const pairedTableValue = inputs.get(inputNames.pairedScoresTable);
  const warehouseId = inputs.get(auditInputNames.sqlWarehouseId);
  let pairedScores: CompareTaskSettings['pairedScores'];
  if (pairedTableValue !== undefined) {
    if (warehouseId === undefined) throw new Error(`Input '${auditInputNames.sqlWarehouseId}' is required when '${inputNames.pairedScoresTable}' is set.`);
    pairedScores = { table: parseAuditTableName(inputNames.pairedScoresTable, pairedTableValue), warehouseId };
  }
  const auditInputs = pairedScores && inputs.get(auditInputNames.auditTable) === undefined ? { get: (name: string) => (name === auditInputNames.sqlWarehouseId ? undefined : inputs.get(name)) } : inputs;

  return {
    connection: parseConnectionInputs(inputs),
    model,
    candidate,
    championAlias,
    rules,
    metricsSource: parseMetricsSource(inputs),
    evaluationTimeoutMs:
      parseNumberInput(inputNames.evaluationTimeoutMinutes, inputs.get(inputNames.evaluationTimeoutMinutes), { min: 1, max: 24 * 60, integer: true, unit: 'minutes' }, defaults.evaluationTimeoutMinutes) * 60_000,
    ...parseNoChampion(noChampionValue),
    runMode: parseChoiceInput(inputNames.runMode, inputs.get(inputNames.runMode), ['enabled', 'dryRun'] as const, defaults.runMode),
    ...(alias !== undefined ? { setAliasOnPass: alias } : {}),
    requireSignificance: parseBooleanInput(inputNames.requireSignificance, inputs.get(inputNames.requireSignificance), defaults.requireSignificance),
    requireSameDataset: parseBooleanInput(inputNames.requireSameDataset, inputs.get(inputNames.requireSameDataset), defaults.requireSameDataset),
    ...(pairedScores ? { pairedScores } : {}),
    bootstrapSeed: parseNumberInput(inputNames.bootstrapSeed, inputs.get(inputNames.bootstrapSeed), { min: 0, max: 0xffffffff, integer: true }, defaults.bootstrapSeed),
    audit: parseAuditInputs(auditInputs),
  };
}

/** Reads the rules file; the path is the agent's, so this is the task's one file read. */
export function loadRules(source: RulesSource, files: Pick<TaskFiles, 'readText'>): RulesDocument {
  if (source.kind === 'inline') return source.rules;
  let text: string;
  try {
    text = files.readText(source.path);
  } catch (error) {
    throw new Error(`Cannot read '${inputNames.rulesFile}' '${source.path}': ${toError(error).message}`);
  }
  return parseRules(text, `'${inputNames.rulesFile}' '${source.path}'`);
}
