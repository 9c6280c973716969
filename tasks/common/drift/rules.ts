/**
 * The drift rules file (`rulesFile`): thresholds per metric and monitored column, validated against
 * the JSON schema shipped beside this module, with every problem reported by file, line and key.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { childAt, ConfigSyntaxError, formatKeyPath, parseConfigFile, toPlain, type ConfigNode } from '../bundle/config-tree';
import schema from './drift-rules.schema.json';

/** Which Lakehouse Monitoring output table holds a metric. */
export type MetricTable = 'drift' | 'profile';

/** The two kinds of drift rows a monitor writes. */
export const driftTypes = ['CONSECUTIVE', 'BASELINE'] as const;

/** `CONSECUTIVE` (window against the previous one) or `BASELINE` (window against the baseline table). */
export type DriftType = (typeof driftTypes)[number];

/** The column name that means "any monitored column". */
export const anyColumn = '*';

/** One threshold, as written in the rules file, with defaults applied. */
export interface DriftRule {
  /** The metric column (`js_distance`) or struct field (`ks_test.pvalue`). */
  metric: string;
  /** The monitored column, `:table`, or `*` for every column. */
  column: string;
  table: MetricTable;
  /** Breached above this value. */
  max?: number;
  /** Breached below this value. */
  min?: number;
  /** Undefined: rows of both drift types. */
  driftType?: DriftType;
  /** Undefined: every granularity. */
  granularity?: string;
  /** Undefined: the whole table only (`slice_key` NULL); `value` undefined: every value of the key. */
  slice?: { key: string; value?: string };
  /** Breached in this many windows in a row before it counts as drift. */
  consecutiveWindows: number;
  /** 1-based line of the rule in the rules file. */
  line: number;
}

/** Thrown when the rules file is not valid; lists every problem with its line and key. */
export class DriftRulesError extends Error {
  constructor(
    readonly problems: string[],
    source: string,
  ) {
    super(`Invalid rules in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DriftRulesError';
  }
}

/**
 * The drift statistics Lakehouse Monitoring writes to `<table>_drift_metrics`; any other metric is
 * read from `<table>_profile_metrics` unless the rule says `table`.
 */
export const driftTableMetrics: readonly string[] = [
  'js_distance',
  'population_stability_index',
  'wasserstein_distance',
  'ks_test',
  'chi_squared_test',
  'tv_distance',
  'l_infinity_distance',
];

/** The table a metric lives in when the rule does not say. */
export function defaultMetricTable(metric: string): MetricTable {
  const column = metric.split('.')[0];
  return driftTableMetrics.includes(column) || column.endsWith('_delta') ? 'drift' : 'profile';
}

let compiled: ValidateFunction | undefined;

/** The rules schema's validator, compiled on first use: the report helpers here are imported by every deciding task, which must not pay for Ajv at start-up. */
function rulesValidator(): ValidateFunction {
  return (compiled ??= new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema));
}

function where(root: ConfigNode, keys: string[]): string {
  // An unknown or missing key points at the mapping that holds it.
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = childAt(root, keys.slice(0, depth));
    if (node) return `line ${node.loc.line}`;
  }
  return 'line 1';
}

function schemaProblem(root: ConfigNode, error: ErrorObject): string | undefined {
  const keys = error.instancePath.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  // `anyOf` of two `required`s is one rule ("max or min"): report it once.
  if (error.schemaPath.includes('/anyOf/')) return undefined;
  let detail: string;
  switch (error.keyword) {
    case 'additionalProperties':
      keys.push(String(params.additionalProperty));
      detail = 'unknown key';
      break;
    case 'required':
      keys.push(String(params.missingProperty));
      detail = 'is required';
      break;
    case 'anyOf':
      detail = 'set max, min or both';
      break;
    case 'enum':
      detail = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
      break;
    default:
      detail = error.message ?? error.keyword;
  }
  return `${where(root, keys)}: ${formatKeyPath(keys) || '(document)'}: ${detail}`;
}

function toRule(node: ConfigNode, plain: Record<string, unknown>, index: number, problems: string[]): DriftRule {
  const metric = plain.metric as string;
  const table = (plain.table as MetricTable | undefined) ?? defaultMetricTable(metric);
  const rule: DriftRule = {
    metric,
    column: (plain.column as string | undefined) ?? anyColumn,
    table,
    consecutiveWindows: (plain.consecutiveWindows as number | undefined) ?? 1,
    line: node.loc.line,
  };
  if (plain.max !== undefined) rule.max = plain.max as number;
  if (plain.min !== undefined) rule.min = plain.min as number;
  if (plain.driftType !== undefined) rule.driftType = plain.driftType as DriftType;
  if (plain.granularity !== undefined) rule.granularity = plain.granularity as string;
  if (plain.slice !== undefined) rule.slice = plain.slice as DriftRule['slice'];
  const path = `rules[${index}]`;
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
    problems.push(`line ${node.loc.line}: ${path}: min ${rule.min} is greater than max ${rule.max}, so every value breaches it`);
  }
  if (rule.driftType !== undefined && table === 'profile') {
    problems.push(`line ${node.loc.line}: ${path}.driftType: '${metric}' is a profile metric, which has no drift type (set table: drift if it is a drift column)`);
  }
  return rule;
}

/**
 * Parses and validates a rules file:
 * ```yaml
 * rules:
 *   - metric: js_distance
 *     column: "*"
 *     max: 0.2
 *     driftType: CONSECUTIVE
 *     consecutiveWindows: 2
 *   - metric: roc_auc
 *     column: ":table"
 *     min: 0.8
 * ```
 * Throws {@link DriftRulesError} listing every problem as `line N: rules[i].key: ...`; unknown keys
 * are errors, so a misspelt key cannot silently weaken the check.
 */
export function parseDriftRules(text: string, source: string): DriftRule[] {
  let root: ConfigNode;
  try {
    root = parseConfigFile(text, source);
  } catch (error) {
    if (error instanceof ConfigSyntaxError) throw new DriftRulesError([`line ${error.loc.line}: ${error.message}`], source);
    throw error;
  }
  const plain = toPlain(root);
  const validateSchema = rulesValidator();
  if (!validateSchema(plain)) {
    const problems = (validateSchema.errors ?? []).map((error) => schemaProblem(root, error)).filter((p): p is string => p !== undefined);
    throw new DriftRulesError([...new Set(problems)], source);
  }
  const problems: string[] = [];
  const items = childAt(root, ['rules']);
  const rules = ((plain as { rules: Record<string, unknown>[] }).rules).map((rule, index) =>
    toRule(items?.kind === 'seq' ? items.items[index] : root, rule, index, problems),
  );
  if (problems.length > 0) throw new DriftRulesError(problems, source);
  return rules;
}

/** The allowed range for messages and the summary: `≤ 0.2`, `≥ 0.8` or `0.1 – 0.9`. */
export function describeThreshold(rule: Pick<DriftRule, 'min' | 'max'>): string {
  if (rule.min !== undefined && rule.max !== undefined) return `${rule.min} – ${rule.max}`;
  return rule.max !== undefined ? `≤ ${rule.max}` : `≥ ${rule.min}`;
}
