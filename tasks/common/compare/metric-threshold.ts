import { addDecimal, compareDecimal, compareExact, formatExact, shortestDecimalOfDouble, subtractDecimal } from './exact-decimal';
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
/** Why a check cannot use these values, or undefined when they are all finite. */
function nonFiniteDetail(metric: string, values: { candidate?: number; champion?: number }): string | undefined {
  const bad = Object.entries(values).filter(([, value]) => value !== undefined && !Number.isFinite(value));
  if (bad.length === 0) return undefined;
  return `metric '${metric}' is not a finite number (${bad.map(([side, value]) => `${side} ${value}`).join(', ')}): the evaluation is broken`;
}

export function evaluateMetricThreshold(rule: MetricRule, candidate: number | undefined, baseline: number | undefined): MetricThresholdResult {
  const result: MetricThresholdResult = {
    missingCandidate: false,
    missingBaseline: false,
    thresholdFailed: false,
    minAbsoluteChangeFailed: false,
    minRelativeChangeFailed: false,
    checks: [],
  };
  const op = comparator(rule.greaterIsBetter);
  const sign = rule.greaterIsBetter ? '+' : '-';
  const base = { metric: rule.metric, candidate, champion: baseline };
  const push = (check: Omit<CheckResult, 'metric' | 'candidate' | 'champion'>): void => {
    result.checks.push({ ...base, ...check });
  };
  const kinds = [
    rule.threshold !== undefined ? { kind: 'threshold' as const, rule: `${op} ${formatNumber(rule.threshold)}` } : undefined,
    rule.minAbsoluteChange !== undefined ? { kind: 'min_absolute_change' as const, rule: `${op} champion ${sign} ${formatNumber(rule.minAbsoluteChange)}` } : undefined,
    rule.minRelativeChange !== undefined
      ? { kind: 'min_relative_change' as const, rule: `relative change >= ${formatNumber(rule.minRelativeChange)} (${rule.greaterIsBetter ? 'greater' : 'lower'} is better)` }
      : undefined,
  ].filter((k) => k !== undefined);

  if (candidate === undefined) {
    result.missingCandidate = true;
    for (const k of kinds) push({ ...k, status: 'failed', detail: `metric '${rule.metric}' is missing from the candidate's metrics` });
    return result;
  }

  if (rule.threshold !== undefined) {
    const rule_ = kinds.find((k) => k.kind === 'threshold')!.rule;
    const broken = nonFiniteDetail(rule.metric, { candidate });
    if (broken !== undefined) {
      result.thresholdFailed = true;
      push({ kind: 'threshold', rule: rule_, status: 'failed', detail: broken });
    } else {
      result.thresholdFailed = !meets(candidate, rule.threshold, rule.greaterIsBetter);
      push({
        kind: 'threshold',
        rule: rule_,
        status: result.thresholdFailed ? 'failed' : 'passed',
        detail: `candidate ${formatNumber(candidate)} ${result.thresholdFailed ? 'does not meet' : 'meets'} ${op} ${formatNumber(rule.threshold)}`,
      });
    }
  }

  const absoluteRule = kinds.find((k) => k.kind === 'min_absolute_change')?.rule ?? '';
  const relativeRule = kinds.find((k) => k.kind === 'min_relative_change')?.rule ?? '';
  if ((rule.minAbsoluteChange !== undefined || rule.minRelativeChange !== undefined) && baseline === undefined) {
    result.missingBaseline = true;
    const detail = `metric '${rule.metric}' is missing from the champion's metrics, and this rule compares with the champion`;
    if (rule.minAbsoluteChange !== undefined) push({ kind: 'min_absolute_change', rule: absoluteRule, status: 'failed', detail });
    if (rule.minRelativeChange !== undefined) push({ kind: 'min_relative_change', rule: relativeRule, status: 'failed', detail });
    return result;
  }
  if (baseline === undefined) return result;

  if (rule.minAbsoluteChange !== undefined) {
    // Python: operator.add/sub on floats (an int change is converted to the nearest double first).
    const change = Number(rule.minAbsoluteChange);
    const bound = rule.greaterIsBetter ? baseline + change : baseline - change;
    const broken = nonFiniteDetail(rule.metric, { candidate, champion: baseline });
    if (broken !== undefined || Number.isNaN(bound)) {
      result.minAbsoluteChangeFailed = true;
      push({ kind: 'min_absolute_change', rule: absoluteRule, status: 'failed', detail: broken ?? 'the bound is NaN' });
    } else {
      result.minAbsoluteChangeFailed = !meets(candidate, bound, rule.greaterIsBetter);
      push({
        kind: 'min_absolute_change',
        rule: absoluteRule,
        status: result.minAbsoluteChangeFailed ? 'failed' : 'passed',
        detail:
          `candidate ${formatNumber(candidate)} ${result.minAbsoluteChangeFailed ? 'does not meet' : 'meets'} ${op} ` +
          `${formatNumber(baseline)} ${sign} ${formatNumber(rule.minAbsoluteChange)} = ${formatNumber(bound)}` +
          (roundingDecides(candidate, baseline, change, rule.greaterIsBetter, !result.minAbsoluteChangeFailed)
            ? ` (exactly ${formatExact(candidate)} ${op} ${formatExact(bound)}: ${result.minAbsoluteChangeFailed ? 'false' : 'true'})`
            : ''),
      });
    }
  }

  if (rule.minRelativeChange !== undefined) {
    const minimum = rule.minRelativeChange;
    const broken = nonFiniteDetail(rule.metric, { candidate, champion: baseline });
    if (broken !== undefined) {
      result.minRelativeChangeFailed = true;
      push({ kind: 'min_relative_change', rule: relativeRule, status: 'failed', detail: broken });
    } else if (baseline === 0) {
      const bound = rule.greaterIsBetter ? baseline + zeroBaselineEpsilon : baseline - zeroBaselineEpsilon;
      result.minRelativeChangeFailed = !meets(candidate, bound, rule.greaterIsBetter);
      push({
        kind: 'min_relative_change',
        rule: relativeRule,
        status: result.minRelativeChangeFailed ? 'failed' : 'passed',
        detail: `champion is 0, so the candidate must simply be better: ${formatNumber(candidate)} ${op} ${formatNumber(bound)} is ${result.minRelativeChangeFailed ? 'false' : 'true'}`,
      });
    } else {
      const relative = rule.greaterIsBetter ? (candidate - baseline) / baseline : (baseline - candidate) / baseline;
      // MLflow fails only when `relative < minimum`; an undefined ratio (Infinity - Infinity) fails here.
      result.minRelativeChangeFailed = Number.isNaN(relative) || relative < minimum;
      const formula = rule.greaterIsBetter
        ? `(${formatNumber(candidate)} - ${formatNumber(baseline)}) / ${formatNumber(baseline)}`
        : `(${formatNumber(baseline)} - ${formatNumber(candidate)}) / ${formatNumber(baseline)}`;
      push({
        kind: 'min_relative_change',
        rule: relativeRule,
        status: result.minRelativeChangeFailed ? 'failed' : 'passed',
        detail: `relative change ${formula} = ${formatNumber(relative)} is ${result.minRelativeChangeFailed ? 'below' : 'at least'} ${formatNumber(minimum)}`,
      });
    }
  }
  return result;
}

/** True when MLflow would count this metric as validated (`_MetricValidationResult.is_success`). */
export function isMetricThresholdSuccess(result: MetricThresholdResult): boolean {
  return !result.missingCandidate && !result.missingBaseline && !result.thresholdFailed && !result.minAbsoluteChangeFailed && !result.minRelativeChangeFailed;
}
