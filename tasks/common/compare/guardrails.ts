import { compareDecimal, multiplyDecimal, addDecimal, subtractDecimal, shortestDecimalOfDouble, formatDecimal, decimalOfBigInt } from './exact-decimal';
import { formatNumber, type CheckResult } from './checks';
import type { GuardrailRule } from './rules';

/**
 * A guardrail: the candidate must not be worse than the champion by more than `tolerance`:
 * lower-is-better passes when `candidate <= champion * (1 + tolerance)`, greater-is-better when
 * `candidate >= champion * (1 - tolerance)`; the boundary passes; with a champion value of 0 the
 * candidate must simply be no worse. The arithmetic is exact on the decimals as printed (see
 * `exact-decimal.ts`), so `220 <= 200 * 1.1` holds although it does not in binary floating point.
 * A value missing on either side, or not finite, fails.
 */
export function evaluateGuardrail(rule: GuardrailRule, candidate: number | undefined, champion: number | undefined): CheckResult {
  const op = rule.greaterIsBetter ? '>=' : '<=';
  const factor = rule.greaterIsBetter ? `(1 - ${formatNumber(rule.tolerance)})` : `(1 + ${formatNumber(rule.tolerance)})`;
  const base = { metric: rule.metric, kind: 'guardrail' as const, candidate, champion, rule: `${op} champion * ${factor}` };
  if (candidate === undefined) return { ...base, status: 'failed', detail: `metric '${rule.metric}' is missing from the candidate's metrics` };
  if (champion === undefined) return { ...base, status: 'failed', detail: `metric '${rule.metric}' is missing from the champion's metrics` };
  if (!Number.isFinite(candidate) || !Number.isFinite(champion)) {
    return { ...base, status: 'failed', detail: `values must be finite numbers (candidate ${candidate}, champion ${champion})` };
  }
  const c = shortestDecimalOfDouble(candidate);
  const h = shortestDecimalOfDouble(champion);
  const one = decimalOfBigInt(1n);
  const tolerance = shortestDecimalOfDouble(rule.tolerance);
  const bound = champion === 0 ? h : multiplyDecimal(h, rule.greaterIsBetter ? subtractDecimal(one, tolerance) : addDecimal(one, tolerance));
  const order = compareDecimal(c, bound);
  const passed = rule.greaterIsBetter ? order >= 0 : order <= 0;
  const detail =
    champion === 0
      ? `champion is 0, so the candidate must be no worse: ${formatNumber(candidate)} ${op} 0 is ${passed}`
      : `candidate ${formatNumber(candidate)} ${passed ? 'meets' : 'does not meet'} ${op} ${formatNumber(champion)} * ${factor} = ${formatDecimal(bound)}`;
  return { ...base, status: passed ? 'passed' : 'failed', detail };
}
