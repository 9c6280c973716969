import { parseDocument } from 'yaml';
import type { RuleNumber } from './exact-decimal';

/**
 * One metric rule with exactly the fields and constructor checks of MLflow's `MetricThreshold`
 * (`mlflow/models/evaluation/validation.py`). Integers stay BigInts so that "int or float" and
 * "must be a float" can be checked as MLflow checks Python types.
 */
export interface MetricRule {
  /** The metric's name as the runs or the evaluation job report it. */
  metric: string;
  /** MLflow's `greater_is_better` (or its deprecated name `higher_is_better`). */
  greaterIsBetter: boolean;
  /** Candidate must be `>=` (greater is better) or `<=` this value. */
  threshold?: RuleNumber;
  /** Candidate must beat the champion by at least this much; always > 0. */
  minAbsoluteChange?: RuleNumber;
  /** Candidate must beat the champion by at least this fraction of the champion's value; a double in [0, 1]. */
  minRelativeChange?: number;
}

/** A metric that must not get worse than the champion's by more than a relative tolerance. */
export interface GuardrailRule {
  /** The metric's name, e.g. `latency_p95_ms`. */
  metric: string;
  /** Which direction is better; the tolerance applies in the worse one. */
  greaterIsBetter: boolean;
  /** Allowed relative worsening, >= 0 (0.10 = 10%). */
  tolerance: number;
}

/** The parsed rules document (`rules` / `rulesFile`). */
export interface RulesDocument {
  metrics: MetricRule[];
  guardrails: GuardrailRule[];
}

/** Thrown when the rules document is not valid; lists every problem found. */
export class RulesError extends Error {
  constructor(readonly problems: string[], source: string) {
    super(`Invalid rules in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RulesError';
  }
}

/** True when a rule needs the champion's value (MLflow: a `min_absolute_change` or `min_relative_change` is set). */
export function needsBaseline(rule: MetricRule): boolean {
  return rule.minAbsoluteChange !== undefined || rule.minRelativeChange !== undefined;
}

/** True when every rule can be decided without a champion: threshold-only metric rules and no guardrails. */
export function isThresholdOnly(rules: RulesDocument): boolean {
  return rules.guardrails.length === 0 && rules.metrics.every((rule) => !needsBaseline(rule));
}

const metricKeys = ['greater_is_better', 'higher_is_better', 'threshold', 'min_absolute_change', 'min_relative_change'];
const guardrailKeys = ['greater_is_better', 'tolerance'];

function describe(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof Map) return 'a mapping';
  if (Array.isArray(value)) return 'a list';
  return String(value);
}

/** `int or float` in MLflow's sense: a YAML integer (BigInt) or float, never a boolean or string. */
function isRuleNumber(value: unknown): value is RuleNumber {
  return typeof value === 'bigint' || typeof value === 'number';
}

function isNaNNumber(value: RuleNumber): boolean {
  return typeof value === 'number' && Number.isNaN(value);
}

function toMap(value: unknown, path: string, problems: string[]): Map<unknown, unknown> | undefined {
  if (value === undefined || value === null) return new Map();
  if (value instanceof Map) return value;
  problems.push(`${path}: expected a mapping of metric name to rule, got ${describe(value)}`);
  return undefined;
}

/** The rule's mapping, after reporting every key it does not know (`listed` are the keys to suggest). */
function ruleMapping(value: unknown, path: string, keys: { known: string[]; listed: string[] }, example: string, problems: string[]): Map<unknown, unknown> | undefined {
  if (!(value instanceof Map)) {
    problems.push(`${path}: expected a mapping like ${example}, got ${describe(value)}`);
    return undefined;
  }
  for (const key of value.keys()) {
    if (!keys.known.includes(String(key))) problems.push(`${path}: unknown key '${String(key)}' (expected ${keys.listed.join(', ')})`);
  }
  return value;
}

function parseMetricRule(metric: string, mapping: unknown, problems: string[]): MetricRule | undefined {
  const path = `metrics.${metric}`;
  const before = problems.length;
  const value = ruleMapping(mapping, path, { known: metricKeys, listed: metricKeys.filter((k) => k !== 'higher_is_better') }, '{ greater_is_better: true, threshold: 0.8 }', problems);
  if (!value) return undefined;
  const threshold = value.get('threshold') ?? undefined;
  const minAbsolute = value.get('min_absolute_change') ?? undefined;
  const minRelative = value.get('min_relative_change') ?? undefined;
  const greater = value.get('greater_is_better') ?? undefined;
  const higher = value.get('higher_is_better') ?? undefined;

  // The same checks, in the same spirit, as MetricThreshold.__init__; NaN is refused as well,
  // because MLflow would accept it and then crash or pass silently when validating.
  if (threshold !== undefined && (!isRuleNumber(threshold) || isNaNNumber(threshold))) {
    problems.push(`${path}.threshold: must be a number, got ${describe(threshold)}`);
  }
  if (minAbsolute !== undefined && (!isRuleNumber(minAbsolute) || isNaNNumber(minAbsolute) || !(minAbsolute > 0))) {
    problems.push(`${path}.min_absolute_change: must be a positive number, got ${describe(minAbsolute)}`);
  }
  if (minRelative !== undefined) {
    if (typeof minRelative !== 'number') {
      problems.push(`${path}.min_relative_change: must be a floating point number (write ${describe(minRelative)}.0 for a whole number), got ${describe(minRelative)}`);
    } else if (Number.isNaN(minRelative) || minRelative < 0 || minRelative > 1) {
      problems.push(`${path}.min_relative_change: must be between 0 and 1, got ${describe(minRelative)}`);
    }
  }
  if (greater === undefined && higher === undefined) {
    problems.push(`${path}.greater_is_better: must be defined (true or false)`);
  } else if (greater !== undefined && higher !== undefined) {
    problems.push(`${path}: set greater_is_better only; higher_is_better is its deprecated name`);
  } else if (typeof (greater ?? higher) !== 'boolean') {
    problems.push(`${path}.greater_is_better: must be a boolean (true or false), got ${describe(greater ?? higher)}`);
  }
  if (threshold === undefined && minAbsolute === undefined && minRelative === undefined) {
    problems.push(`${path}: no threshold was specified (set threshold, min_absolute_change or min_relative_change)`);
  }
  // The type tests repeat checks that added a problem above; they let the compiler see the types.
  const greaterIsBetter = greater ?? higher;
  if (problems.length > before || typeof greaterIsBetter !== 'boolean') return undefined;
  return {
    metric,
    greaterIsBetter,
    ...(isRuleNumber(threshold) ? { threshold } : {}),
    ...(isRuleNumber(minAbsolute) ? { minAbsoluteChange: minAbsolute } : {}),
    ...(typeof minRelative === 'number' ? { minRelativeChange: minRelative } : {}),
  };
}

function parseGuardrail(metric: string, mapping: unknown, problems: string[]): GuardrailRule | undefined {
  const path = `guardrails.${metric}`;
  const before = problems.length;
  const value = ruleMapping(mapping, path, { known: guardrailKeys, listed: guardrailKeys }, '{ greater_is_better: false, tolerance: 0.1 }', problems);
  if (!value) return undefined;
  const greater = value.get('greater_is_better') ?? undefined;
  const tolerance = value.get('tolerance') ?? undefined;
  if (typeof greater !== 'boolean') problems.push(`${path}.greater_is_better: must be a boolean (true or false), got ${describe(greater)}`);
  const toleranceNumber = typeof tolerance === 'bigint' ? Number(tolerance) : tolerance;
  if (typeof toleranceNumber !== 'number' || !Number.isFinite(toleranceNumber) || toleranceNumber < 0) {
    problems.push(`${path}.tolerance: must be a number >= 0 (0.1 = 10%), got ${describe(tolerance)}`);
  }
  if (problems.length > before || typeof greater !== 'boolean' || typeof toleranceNumber !== 'number') return undefined;
  return { metric, greaterIsBetter: greater, tolerance: toleranceNumber };
}

/** Parses every `name: rule` entry of one top-level section, in document order. */
function parseSection<Rule>(
  root: Map<unknown, unknown>,
  section: 'metrics' | 'guardrails',
  parseRule: (metric: string, value: unknown, problems: string[]) => Rule | undefined,
  problems: string[],
): Rule[] {
  const rules: Rule[] = [];
  for (const [name, value] of toMap(root.get(section), section, problems) ?? []) {
    if (typeof name !== 'string' || name.trim() === '') {
      problems.push(`${section}: metric names must be non-empty strings, got ${describe(name)}`);
      continue;
    }
    const rule = parseRule(name, value, problems);
    if (rule !== undefined) rules.push(rule);
  }
  return rules;
}

/**
 * Parses and validates a rules document (YAML or JSON):
 * ```yaml
 * metrics:
 *   roc_auc: { greater_is_better: true, threshold: 0.80, min_absolute_change: 0.005 }
 * guardrails:
 *   latency_p95_ms: { greater_is_better: false, tolerance: 0.10 }
 * ```
 * Throws {@link RulesError} listing every problem; unknown keys are errors, so a misspelt rule
 * cannot silently weaken the gate.
 */
export function parseRules(text: string, source = "'rules'"): RulesDocument {
  // intAsBigInt keeps `1` (int) apart from `1.0` (float), as Python's YAML/JSON loaders do.
  const document = parseDocument(text, { intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new RulesError(document.errors.map((error) => error.message.split('\n')[0]), source);
  }
  const root = document.toJS({ mapAsMap: true }) as unknown;
  const problems: string[] = [];
  if (!(root instanceof Map)) {
    throw new RulesError([`expected a mapping with 'metrics' and/or 'guardrails', got ${root === null || root === undefined ? 'an empty document' : describe(root)}`], source);
  }
  for (const key of root.keys()) {
    if (key !== 'metrics' && key !== 'guardrails') problems.push(`unknown top-level key '${String(key)}' (expected metrics, guardrails)`);
  }
  const metrics = parseSection(root, 'metrics', parseMetricRule, problems);
  const guardrails = parseSection(root, 'guardrails', parseGuardrail, problems);
  if (problems.length === 0 && metrics.length === 0 && guardrails.length === 0) {
    problems.push('no rules: add at least one metric under metrics or guardrails');
  }
  if (problems.length > 0) throw new RulesError(problems, source);
  return { metrics, guardrails };
}
