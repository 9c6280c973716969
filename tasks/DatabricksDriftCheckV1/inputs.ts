import { auditInputNames, parseAuditInputs, parseAuditTableName, type AuditSettings } from '../common/audit';
import { parseConnectionInputs, type ConnectionSettings } from '../common/azure-devops/connection';
import { invalidInput, parseBooleanInput, parseChoiceInput, parseKeyValueLines, parseNumberInput } from '../common/task/input-parsing';
import type { TaskFiles, TaskInputs } from '../common/task/task-context';
import { parseDriftRules, type DriftRule } from '../common/drift/rules';
import { toError } from '../common/http/errors';
import type { DriftCheckSettings } from '../common/drift/drift-check';
import { queryParameterNames, statementMarkers, type MetricsSource } from '../common/drift/metrics-source';
import type { DriftPolicy } from '../common/drift/report';
import { retrainParameterNames, type RetrainSettings } from '../common/drift/retrain';
import { defaults, inputNames, onDriftChoices, onNoDataChoices } from './names';

/** Everything the task needs, parsed and checked before any call. */
export interface DriftTaskSettings {
  /** How to reach the workspace (the common connection inputs). */
  connection: ConnectionSettings;
  /** The check, without its rules (read from `rulesFile` when the task runs). */
  check: Omit<DriftCheckSettings, 'rules'>;
  /** Path of the rules file on the agent. */
  rulesFile: string;
  /** Where the decision is recorded. */
  audit: AuditSettings;
}

/** How long one SQL statement may take, including a cold warehouse's start. */
const statementTimeoutMs = 10 * 60_000;

const warehouseIdPattern = /^[A-Za-z0-9]+$/;

function required(inputs: TaskInputs, name: string, when = ''): string {
  const value = inputs.get(name);
  if (value === undefined) throw new Error(`Input '${name}' is required${when}.`);
  return value;
}

/** Exactly one of: the monitored table, the two output tables (or one of them), a query. */
function parseSource(inputs: TaskInputs): MetricsSource {
  const monitored = inputs.get(inputNames.monitoredTable);
  const drift = inputs.get(inputNames.driftMetricsTable);
  const profile = inputs.get(inputNames.profileMetricsTable);
  const query = inputs.get(inputNames.metricsQuery);
  const given = [monitored, drift ?? profile, query].filter((value) => value !== undefined).length;
  const choices = `'${inputNames.monitoredTable}', '${inputNames.driftMetricsTable}'/'${inputNames.profileMetricsTable}' or '${inputNames.metricsQuery}'`;
  if (given === 0) throw new Error(`Set one of ${choices}.`);
  if (given > 1) throw new Error(`Set only one of ${choices}.`);
  if (query !== undefined) return { kind: 'query', statement: parseMetricsQuery(query) };
  if (monitored !== undefined) {
    const table = parseAuditTableName(inputNames.monitoredTable, monitored);
    // Lakehouse Monitoring names its output tables after the monitored table; the output schema is
    // assumed to be the table's own (set the two table inputs when the monitor writes elsewhere).
    const output = (suffix: string) => parseAuditTableName(inputNames.monitoredTable, `${table.catalog}.${table.schema}.${table.table}${suffix}`);
    return { kind: 'monitor', driftTable: output('_drift_metrics'), profileTable: output('_profile_metrics') };
  }
  return {
    kind: 'monitor',
    ...(drift !== undefined ? { driftTable: parseAuditTableName(inputNames.driftMetricsTable, drift) } : {}),
    ...(profile !== undefined ? { profileTable: parseAuditTableName(inputNames.profileMetricsTable, profile) } : {}),
  };
}

function parseMetricsQuery(value: string): string {
  const excerpt = value.length > 200 ? `${value.slice(0, 200)}...` : value;
  if (!/^\s*(SELECT|WITH)\b/i.test(value)) throw invalidInput(inputNames.metricsQuery, excerpt, 'a SELECT (or WITH ... SELECT) query returning window_start, window_end, column_name, metric and value');
  const unknown = statementMarkers(value).filter((marker) => !(queryParameterNames as readonly string[]).includes(marker));
  if (unknown.length > 0) {
    throw invalidInput(inputNames.metricsQuery, excerpt, `only the parameter markers ${queryParameterNames.map((n) => `:${n}`).join(', ')} (found :${unknown.join(', :')})`);
  }
  return value;
}

function parseRetrain(inputs: TaskInputs): RetrainSettings {
  const when = ` when '${inputNames.onDrift}' is runJob`;
  const name = inputs.get(inputNames.retrainJobName);
  const id = inputs.get(inputNames.retrainJobId);
  if (name !== undefined && id !== undefined) throw new Error(`Set either '${inputNames.retrainJobName}' or '${inputNames.retrainJobId}', not both.`);
  if (name === undefined && id === undefined) throw new Error(`Input '${inputNames.retrainJobName}' or '${inputNames.retrainJobId}' is required${when}.`);
  const parameters = parseKeyValueLines(inputNames.retrainJobParameters, inputs.get(inputNames.retrainJobParameters));
  const reserved = Object.values(retrainParameterNames).find((key) => Object.prototype.hasOwnProperty.call(parameters, key));
  if (reserved !== undefined) {
    throw new Error(`Invalid '${inputNames.retrainJobParameters}': '${reserved}' is set by the task (${Object.values(retrainParameterNames).join(', ')} carry the drifted metrics and the window).`);
  }
  return {
    job: id !== undefined ? { id: parseNumberInput(inputNames.retrainJobId, id, { min: 1, integer: true }) as number } : { name: name as string },
    parameters,
    wait: parseBooleanInput(inputNames.waitForRetrain, inputs.get(inputNames.waitForRetrain), defaults.waitForRetrain),
  };
}

/** The audit inputs; the warehouse alone (it also reads the metrics) does not turn the record on. */
function parseAudit(inputs: TaskInputs): AuditSettings {
  const tableSet = inputs.get(auditInputNames.auditTable) !== undefined;
  return parseAuditInputs({ get: (name) => (name === auditInputNames.sqlWarehouseId && !tableSet ? undefined : inputs.get(name)) });
}

/** Reads and checks every input; throws naming the input, the value and the expected form. */
export function parseInputs(inputs: TaskInputs): DriftTaskSettings {
  const warehouseId = required(inputs, inputNames.sqlWarehouseId, ' (the SQL warehouse that reads the metrics)');
  if (!warehouseIdPattern.test(warehouseId)) throw invalidInput(inputNames.sqlWarehouseId, warehouseId, 'the warehouse id, e.g. 1234567890abcdef');
  const source = parseSource(inputs);
  const policy: DriftPolicy = {
    onDrift: parseChoiceInput(inputNames.onDrift, inputs.get(inputNames.onDrift), onDriftChoices, defaults.onDrift),
    onNoData: parseChoiceInput(inputNames.onNoData, inputs.get(inputNames.onNoData), onNoDataChoices, defaults.onNoData),
  };
  return {
    connection: parseConnectionInputs(inputs),
    check: {
      source,
      warehouseId,
      lookbackWindows: parseNumberInput(inputNames.lookbackWindows, inputs.get(inputNames.lookbackWindows), { min: 1, max: 100, integer: true, unit: 'windows' }, defaults.lookbackWindows),
      maxWindowAgeHours: parseNumberInput(inputNames.maxWindowAgeHours, inputs.get(inputNames.maxWindowAgeHours), { min: 0, exclusiveMin: true, max: 24 * 366, unit: 'hours' }, defaults.maxWindowAgeHours),
      policy,
      ...(policy.onDrift === 'runJob' ? { retrain: parseRetrain(inputs) } : {}),
      statementTimeoutMs,
    },
    rulesFile: required(inputs, inputNames.rulesFile),
    audit: parseAudit(inputs),
  };
}

/** Reads and validates the rules file; the path is the agent's, so this is the task's one file read. */
export function loadRules(path: string, files: Pick<TaskFiles, 'readText'>): DriftRule[] {
  let text: string;
  try {
    text = files.readText(path);
  } catch (error) {
    throw new Error(`Cannot read '${inputNames.rulesFile}' '${path}': ${toError(error).message}`);
  }
  return parseDriftRules(text, `'${inputNames.rulesFile}' '${path}'`);
}
