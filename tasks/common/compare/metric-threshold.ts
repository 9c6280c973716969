import { addDecimal, compareDecimal, compareExact, formatExact, shortestDecimalOfDouble, subtractDecimal, type RuleNumber } from './exact-decimal';
import { formatNumber, type CheckResult } from './checks';
import type { MetricRule } from './rules';

/**
 * The per-metric result of MLflow's `_validate`, flag for flag (`_MetricValidationResult`), plus
 * one {@link CheckResult} per rule kind the metric sets.
 */
export interface MetricThresholdResult {
  missingCandidate: boolean;
  missingBaseline: boolean;
  thresholdFailed: boolean;
  minAbsoluteChangeFailed: boolean;
  minRelativeChangeFailed: boolean;
  checks: CheckResult[];
}

/** MLflow's zero-baseline fallback for a relative change: "better by at least 1e-10". */
export const zeroBaselineEpsilon = 1e-10;

function comparator(greaterIsBetter: boolean): string {
  return greaterIsBetter ? '>=' : '<=';
}

/** True when `value` is on the good side of (or equal to) `bound`, compared exactly. */
function meets(value: number, bound: number | bigint, greaterIsBetter: boolean): boolean {
  const order = compareExact(value, bound);
  return greaterIsBetter ? order >= 0 : order <= 0;
}

/**
 * Whether binary floating point decides an absolute-change check: the verdict on the decimals as
 * printed (0.1 + 0.2 = 0.3) differs from MLflow's on the exact binary values (0.1 + 0.2 is
 * 0.3000000000000000444...). Only then are the exact expansions worth a reader's time.
 */
function roundingDecides(candidate: number, baseline: number, change: number, greaterIsBetter: boolean, exactMeets: boolean): boolean {
  if (!Number.isFinite(candidate) || !Number.isFinite(baseline) || !Number.isFinite(change)) return false;
  const printedBase = shortestDecimalOfDouble(baseline);
  const printedChange = shortestDecimalOfDouble(change);
  const printedBound = greaterIsBetter ? addDecimal(printedBase, printedChange) : subtractDecimal(printedBase, printedChange);
  const order = compareDecimal(shortestDecimalOfDouble(candidate), printedBound);
  return (greaterIsBetter ? order >= 0 : order <= 0) !== exactMeets;
}

/** Why a check cannot use these values, or undefined when they are all finite. */
function nonFiniteDetail(metric: string, values: { candidate?: number; champion?: number }): string | undefined {
  const bad = Object.entries(values).filter(([, value]) => value !== undefined && !Number.isFinite(value));
  if (bad.length === 0) return undefined;
  return `metric '${metric}' is not a finite number (${bad.map(([side, value]) => `${side} ${value}`).join(', ')}): the evaluation is broken`;
}

/** One check of a rule, before the metric and the two values are added. */
type RuleCheck = Omit<CheckResult, 'metric' | 'candidate' | 'champion'>;

function thresholdText(rule: MetricRule, threshold: RuleNumber): string {
  return `${comparator(rule.greaterIsBetter)} ${formatNumber(threshold)}`;
}

function absoluteChangeText(rule: MetricRule, change: RuleNumber): string {
  return `${comparator(rule.greaterIsBetter)} champion ${rule.greaterIsBetter ? '+' : '-'} ${formatNumber(change)}`;
}

function relativeChangeText(rule: MetricRule, minimum: number): string {
  return `relative change >= ${formatNumber(minimum)} (${rule.greaterIsBetter ? 'greater' : 'lower'} is better)`;
}

/**
 * Applies one rule to a metric exactly as MLflow's `MetricThreshold` validation does:
 * - a metric missing from the candidate fails every check;
 * - `threshold`: `candidate >= threshold` (or `<=`), compared exactly;
 * - a change rule without the champion's value fails (`missing_baseline`);
 * - `min_absolute_change`: the bound `baseline ± change` is computed in binary floating point and
 *   compared with the candidate as exact decimals (`Decimal(float)`);
 * - `min_relative_change`: `(candidate - baseline) / baseline` (or `(baseline - candidate) /
 *   baseline`) against the signed baseline, failing when below the minimum; a baseline of 0 falls
 *   back to `candidate >= baseline + 1e-10` (or `<= baseline - 1e-10`).
 *
 * Where MLflow would crash or silently pass, we fail closed instead: a NaN or infinite value (a
 * broken evaluation) fails every check that reads it, naming the metric, where MLflow lets a
 * `+Infinity` candidate (or a `-Infinity` champion when lower is better) pass; a threshold-only rule does not need a baseline (MLflow raises `KeyError` when the
 * baseline has other metrics but not this one); a `min_relative_change: 0.0` rule without a
 * baseline fails (MLflow raises `TypeError`).
 */
export function evaluateMetricThreshold(rule: MetricRule, candidate: number | undefined, baseline: number | undefined): MetricThresholdResult {
  const result: MetricThresholdResult = {
    missingCandidate: false,
    missingBaseline: false,
    thresholdFailed: false,
    minAbsoluteChangeFailed: false,
    minRelativeChangeFailed: false,
    checks: [],
  };
  /** Adds the check; true when it failed. */
  const push = (check: RuleCheck): boolean => {
    result.checks.push({ metric: rule.metric, candidate, champion: baseline, ...check });
    return check.status === 'failed';
  };
  const { threshold, minAbsoluteChange, minRelativeChange } = rule;

  if (candidate === undefined) {
    result.missingCandidate = true;
    const detail = `metric '${rule.metric}' is missing from the candidate's metrics`;
    if (threshold !== undefined) push({ kind: 'threshold', rule: thresholdText(rule, threshold), status: 'failed', detail });
    if (minAbsoluteChange !== undefined) push({ kind: 'min_absolute_change', rule: absoluteChangeText(rule, minAbsoluteChange), status: 'failed', detail });
    if (minRelativeChange !== undefined) push({ kind: 'min_relative_change', rule: relativeChangeText(rule, minRelativeChange), status: 'failed', detail });
    return result;
  }

  if (threshold !== undefined) result.thresholdFailed = push(thresholdCheck(rule, threshold, candidate));

  if ((minAbsoluteChange !== undefined || minRelativeChange !== undefined) && baseline === undefined) {
    result.missingBaseline = true;
    const detail = `metric '${rule.metric}' is missing from the champion's metrics, and this rule compares with the champion`;
    if (minAbsoluteChange !== undefined) push({ kind: 'min_absolute_change', rule: absoluteChangeText(rule, minAbsoluteChange), status: 'failed', detail });
    if (minRelativeChange !== undefined) push({ kind: 'min_relative_change', rule: relativeChangeText(rule, minRelativeChange), status: 'failed', detail });
    return result;
  }
  if (baseline === undefined) return result;

  if (minAbsoluteChange !== undefined) result.minAbsoluteChangeFailed = push(absoluteChangeCheck(rule, minAbsoluteChange, candidate, baseline));
  if (minRelativeChange !== undefined) result.minRelativeChangeFailed = push(relativeChangeCheck(rule, minRelativeChange, candidate, baseline));
  return result;
}

/** `candidate >= threshold` (or `<=`), compared exactly. */
function thresholdCheck(rule: MetricRule, threshold: RuleNumber, candidate: number): RuleCheck {
  const text = thresholdText(rule, threshold);
  const broken = nonFiniteDetail(rule.metric, { candidate });
  if (broken !== undefined) return { kind: 'threshold', rule: text, status: 'failed', detail: broken };
  const failed = !meets(candidate, threshold, rule.greaterIsBetter);
  return {
    kind: 'threshold',
    rule: text,
    status: failed ? 'failed' : 'passed',
    detail: `candidate ${formatNumber(candidate)} ${failed ? 'does not meet' : 'meets'} ${comparator(rule.greaterIsBetter)} ${formatNumber(threshold)}`,
  };
}

/** The bound `baseline ± change` in binary floating point, compared with the candidate exactly. */
function absoluteChangeCheck(rule: MetricRule, minAbsoluteChange: RuleNumber, candidate: number, baseline: number): RuleCheck {
  const text = absoluteChangeText(rule, minAbsoluteChange);
  const op = comparator(rule.greaterIsBetter);
  // Python: operator.add/sub on floats (an int change is converted to the nearest double first).
  const change = Number(minAbsoluteChange);
  const bound = rule.greaterIsBetter ? baseline + change : baseline - change;
  const broken = nonFiniteDetail(rule.metric, { candidate, champion: baseline });
  if (broken !== undefined || Number.isNaN(bound)) return { kind: 'min_absolute_change', rule: text, status: 'failed', detail: broken ?? 'the bound is NaN' };
  const failed = !meets(candidate, bound, rule.greaterIsBetter);
  return {
    kind: 'min_absolute_change',
    rule: text,
    status: failed ? 'failed' : 'passed',
    detail:
      `candidate ${formatNumber(candidate)} ${failed ? 'does not meet' : 'meets'} ${op} ` +
      `${formatNumber(baseline)} ${rule.greaterIsBetter ? '+' : '-'} ${formatNumber(minAbsoluteChange)} = ${formatNumber(bound)}` +
      (roundingDecides(candidate, baseline, change, rule.greaterIsBetter, !failed) ? ` (exactly ${formatExact(candidate)} ${op} ${formatExact(bound)}: ${failed ? 'false' : 'true'})` : ''),
  };
}

/** The signed relative change against the minimum; a zero baseline falls back to "better by 1e-10". */
function relativeChangeCheck(rule: MetricRule, minimum: number, candidate: number, baseline: number): RuleCheck {
  const text = relativeChangeText(rule, minimum);
  const op = comparator(rule.greaterIsBetter);
  const broken = nonFiniteDetail(rule.metric, { candidate, champion: baseline });
  if (broken !== undefined) return { kind: 'min_relative_change', rule: text, status: 'failed', detail: broken };
  if (baseline === 0) {
    const bound = rule.greaterIsBetter ? baseline + zeroBaselineEpsilon : baseline - zeroBaselineEpsilon;
    const failed = !meets(candidate, bound, rule.greaterIsBetter);
    return {
      kind: 'min_relative_change',
      rule: text,
      status: failed ? 'failed' : 'passed',
      detail: `champion is 0, so the candidate must simply be better: ${formatNumber(candidate)} ${op} ${formatNumber(bound)} is ${failed ? 'false' : 'true'}`,
    };
  }
  const relative = rule.greaterIsBetter ? (candidate - baseline) / baseline : (baseline - candidate) / baseline;
  // MLflow fails only when `relative < minimum`; an undefined ratio (Infinity - Infinity) fails here.
  const failed = Number.isNaN(relative) || relative < minimum;
  const formula = rule.greaterIsBetter
    ? `(${formatNumber(candidate)} - ${formatNumber(baseline)}) / ${formatNumber(baseline)}`
    : `(${formatNumber(baseline)} - ${formatNumber(candidate)}) / ${formatNumber(baseline)}`;
  return {
    kind: 'min_relative_change',
    rule: text,
    status: failed ? 'failed' : 'passed',
    detail: `relative change ${formula} = ${formatNumber(relative)} is ${failed ? 'below' : 'at least'} ${formatNumber(minimum)}`,
  };
}

/** True when MLflow would count this metric as validated (`_MetricValidationResult.is_success`). */
export function isMetricThresholdSuccess(result: MetricThresholdResult): boolean {
  return !result.missingCandidate && !result.missingBaseline && !result.thresholdFailed && !result.minAbsoluteChangeFailed && !result.minRelativeChangeFailed;
}
