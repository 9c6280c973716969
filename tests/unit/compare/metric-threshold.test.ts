import assert from 'node:assert/strict';
import { evaluateMetricThreshold, isMetricThresholdSuccess } from '../../../tasks/common/compare/metric-threshold';
import type { MetricRule } from '../../../tasks/common/compare/rules';

type Flags = 'ok' | Array<'missingCandidate' | 'missingBaseline' | 'threshold' | 'absolute' | 'relative'>;

interface Case {
  name: string;
  rule: Omit<MetricRule, 'metric'>;
  candidate: number | undefined;
  baseline: number | undefined;
  /** MLflow's _MetricValidationResult flags, worked out by hand from validation.py. */
  expected: Flags;
}

const G = { greaterIsBetter: true };
const L = { greaterIsBetter: false };

// Each expectation is worked out by hand from MLflow's `_validate`; the double arithmetic it relies on
// is written next to the case (Python and JavaScript share IEEE 754 doubles).
const cases: Case[] = [
  // threshold: >= / <=, exactly
  { name: 'threshold, greater, equal passes', rule: { ...G, threshold: 0.8 }, candidate: 0.8, baseline: undefined, expected: 'ok' },
  { name: 'threshold, greater, one ulp below fails', rule: { ...G, threshold: 0.8 }, candidate: 0.7999999999999999, baseline: undefined, expected: ['threshold'] },
  { name: 'threshold, lower, equal passes', rule: { ...L, threshold: 0.5 }, candidate: 0.5, baseline: undefined, expected: 'ok' },
  { name: 'threshold, lower, one ulp above fails', rule: { ...L, threshold: 0.5 }, candidate: 0.5000000000000001, baseline: undefined, expected: ['threshold'] },
  { name: 'threshold, int threshold 1 vs 1.0 passes', rule: { ...G, threshold: 1n }, candidate: 1.0, baseline: undefined, expected: 'ok' },
  // Python compares float and int exactly: 9007199254740992.0 >= 9007199254740993 is False,
  // although Number(9007199254740993n) rounds to 9007199254740992.
  { name: 'threshold, huge int compared exactly', rule: { ...G, threshold: 9007199254740993n }, candidate: 9007199254740992, baseline: undefined, expected: ['threshold'] },
  // Deliberately not MLflow (where +Infinity passes): a non-finite metric is a broken evaluation.
  { name: 'threshold, infinite candidate fails closed', rule: { ...G, threshold: 0.8 }, candidate: Infinity, baseline: undefined, expected: ['threshold'] },
  { name: 'threshold, lower, -Infinity candidate fails closed', rule: { ...L, threshold: 0.5 }, candidate: -Infinity, baseline: undefined, expected: ['threshold'] },
  { name: 'absolute, +Infinity candidate fails closed', rule: { ...G, minAbsoluteChange: 0.1 }, candidate: Infinity, baseline: 0.8, expected: ['absolute'] },
  { name: 'absolute, lower, infinite champion fails closed', rule: { ...L, minAbsoluteChange: 0.1 }, candidate: 0.5, baseline: Infinity, expected: ['absolute'] },
  { name: 'relative, lower, -Infinity champion fails closed', rule: { ...L, minRelativeChange: 0.1 }, candidate: -Infinity, baseline: 2, expected: ['relative'] },
  { name: 'relative, infinite champion fails closed', rule: { ...G, minRelativeChange: 0.1 }, candidate: 0.9, baseline: -Infinity, expected: ['relative'] },
  { name: 'threshold, NaN candidate fails (nan >= x is False)', rule: { ...G, threshold: 0.8 }, candidate: NaN, baseline: undefined, expected: ['threshold'] },
  { name: 'threshold, negative values', rule: { ...L, threshold: -1.5 }, candidate: -2, baseline: undefined, expected: 'ok' },

  // min_absolute_change: baseline ± change in doubles, then Decimal comparison
  // 0.1 + 0.2 = 0.30000000000000004 > 0.3, so 0.3 does not reach it.
  { name: 'absolute, 0.3 vs 0.1 + 0.2 fails as in MLflow', rule: { ...G, minAbsoluteChange: 0.2 }, candidate: 0.3, baseline: 0.1, expected: ['absolute'] },
  { name: 'absolute, 0.30000000000000004 vs 0.1 + 0.2 passes (equal)', rule: { ...G, minAbsoluteChange: 0.2 }, candidate: 0.30000000000000004, baseline: 0.1, expected: 'ok' },
  // 0.8 + 0.005 = 0.805 exactly the double 0.805.
  { name: 'absolute, boundary 0.805 = 0.8 + 0.005 passes', rule: { ...G, minAbsoluteChange: 0.005 }, candidate: 0.805, baseline: 0.8, expected: 'ok' },
  // 0.3 - 0.1 = 0.19999999999999998 < 0.2, so for lower-is-better 0.2 is not low enough.
  { name: 'absolute, lower, 0.2 vs 0.3 - 0.1 fails', rule: { ...L, minAbsoluteChange: 0.1 }, candidate: 0.2, baseline: 0.3, expected: ['absolute'] },
  { name: 'absolute, lower, 0.19999999999999998 vs 0.3 - 0.1 passes', rule: { ...L, minAbsoluteChange: 0.1 }, candidate: 0.19999999999999998, baseline: 0.3, expected: 'ok' },
  { name: 'absolute, int change 1: 2.5 + 1 = 3.5 passes', rule: { ...G, minAbsoluteChange: 1n }, candidate: 3.5, baseline: 2.5, expected: 'ok' },
  // Python's float + int rounds 2**53 + 1 back to 2**53 before Decimal sees it, so equal passes
  // where exact decimal arithmetic (baseline + 1 > candidate) would fail.
  { name: 'absolute, int change 1 on 2**53 rounds away: equal passes', rule: { ...G, minAbsoluteChange: 1n }, candidate: 9007199254740992, baseline: 9007199254740992, expected: 'ok' },
  { name: 'absolute, lower, int change 1 on 2**53 rounds away: equal passes', rule: { ...L, minAbsoluteChange: 1n }, candidate: 9007199254740996, baseline: 9007199254740996, expected: 'ok' },
  // float + 10**400 raises OverflowError in MLflow; here the bound is infinite and the check fails.
  { name: 'absolute, int change beyond doubles fails instead of raising', rule: { ...G, minAbsoluteChange: 10n ** 400n }, candidate: 1e308, baseline: 0, expected: ['absolute'] },
  { name: 'absolute, negative baseline: -1 + 0.5 = -0.5 passes', rule: { ...G, minAbsoluteChange: 0.5 }, candidate: -0.5, baseline: -1, expected: 'ok' },
  { name: 'absolute, negative baseline: -0.6 < -0.5 fails', rule: { ...G, minAbsoluteChange: 0.5 }, candidate: -0.6, baseline: -1, expected: ['absolute'] },
  { name: 'absolute, equal to baseline fails (change > 0 required)', rule: { ...G, minAbsoluteChange: 1e-12 }, candidate: 0.9, baseline: 0.9, expected: ['absolute'] },

  // min_relative_change: signed baseline, fails when relative < minimum
  // (0.84 - 0.8) / 0.8 = 0.049999999999999906 < 0.05: "exactly 5% better" fails in MLflow.
  { name: 'relative, 0.84 vs 0.8 with 5% fails by rounding', rule: { ...G, minRelativeChange: 0.05 }, candidate: 0.84, baseline: 0.8, expected: ['relative'] },
  // (0.85 - 0.8) / 0.8 = 0.06249999999999992 >= 0.05.
  { name: 'relative, 0.85 vs 0.8 with 5% passes', rule: { ...G, minRelativeChange: 0.05 }, candidate: 0.85, baseline: 0.8, expected: 'ok' },
  { name: 'relative, 0.0 minimum and no change passes', rule: { ...G, minRelativeChange: 0.0 }, candidate: 0.5, baseline: 0.5, expected: 'ok' },
  { name: 'relative, 1.0 minimum and doubled passes', rule: { ...G, minRelativeChange: 1.0 }, candidate: 2, baseline: 1, expected: 'ok' },
  // lower: (10 - 9.9) / 10 = 0.009999999999999964 < 0.01
  { name: 'relative, lower, 1% of 10 by rounding fails', rule: { ...L, minRelativeChange: 0.01 }, candidate: 9.9, baseline: 10, expected: ['relative'] },
  { name: 'relative, lower, 9.8 vs 10 with 1% passes', rule: { ...L, minRelativeChange: 0.01 }, candidate: 9.8, baseline: 10, expected: 'ok' },
  // Signed baseline: (-0.8 - -1) / -1 = -0.19999999999999996 < 0.1 although -0.8 is higher.
  { name: 'relative, negative baseline, better candidate fails (signed denominator)', rule: { ...G, minRelativeChange: 0.1 }, candidate: -0.8, baseline: -1, expected: ['relative'] },
  // (-1.2 - -1) / -1 = 0.19999999999999996 >= 0.1 although -1.2 is lower.
  { name: 'relative, negative baseline, worse candidate passes (signed denominator)', rule: { ...G, minRelativeChange: 0.1 }, candidate: -1.2, baseline: -1, expected: 'ok' },
  // lower: (-2 - -3) / -2 = -0.5 < 0.1
  { name: 'relative, lower, negative baseline, lower candidate fails', rule: { ...L, minRelativeChange: 0.1 }, candidate: -3, baseline: -2, expected: ['relative'] },
  // lower: (-2 - -1) / -2 = 0.5 >= 0.1
  { name: 'relative, lower, negative baseline, higher candidate passes', rule: { ...L, minRelativeChange: 0.1 }, candidate: -1, baseline: -2, expected: 'ok' },

  // zero baseline: fall back to candidate >= 0 + 1e-10 (or <= 0 - 1e-10), as Decimals
  { name: 'zero baseline, candidate 1e-10 passes', rule: { ...G, minRelativeChange: 0.5 }, candidate: 1e-10, baseline: 0, expected: 'ok' },
  { name: 'zero baseline, candidate 5e-11 fails', rule: { ...G, minRelativeChange: 0.5 }, candidate: 5e-11, baseline: 0, expected: ['relative'] },
  { name: 'zero baseline, equal candidate fails', rule: { ...G, minRelativeChange: 0.0 }, candidate: 0, baseline: 0, expected: ['relative'] },
  { name: 'zero baseline, lower, -1e-10 passes', rule: { ...L, minRelativeChange: 0.1 }, candidate: -1e-10, baseline: 0, expected: 'ok' },
  { name: 'zero baseline, lower, 0 fails', rule: { ...L, minRelativeChange: 0.1 }, candidate: 0, baseline: 0, expected: ['relative'] },
  { name: 'zero baseline -0.0 counts as zero', rule: { ...G, minRelativeChange: 0.1 }, candidate: 1e-10, baseline: -0, expected: 'ok' },
  { name: 'zero baseline, huge relative minimum is irrelevant', rule: { ...G, minRelativeChange: 1.0 }, candidate: 2e-10, baseline: 0, expected: 'ok' },

  // missing metrics
  { name: 'missing candidate fails', rule: { ...G, threshold: 0.5 }, candidate: undefined, baseline: 0.9, expected: ['missingCandidate'] },
  { name: 'missing candidate with change rules fails', rule: { ...G, minAbsoluteChange: 0.1, minRelativeChange: 0.1 }, candidate: undefined, baseline: 0.9, expected: ['missingCandidate'] },
  { name: 'missing baseline, threshold-only passes', rule: { ...G, threshold: 0.5 }, candidate: 0.9, baseline: undefined, expected: 'ok' },
  { name: 'missing baseline, absolute rule fails', rule: { ...G, minAbsoluteChange: 0.1 }, candidate: 0.9, baseline: undefined, expected: ['missingBaseline'] },
  { name: 'missing baseline, relative rule fails', rule: { ...G, minRelativeChange: 0.1 }, candidate: 0.9, baseline: undefined, expected: ['missingBaseline'] },
  // MLflow tests `min_relative_change or min_absolute_change` for truth, so 0.0 skips its missing-baseline
  // check and then raises TypeError on `candidate - None`; failing is the closed reading of that crash.
  { name: 'missing baseline, relative 0.0 rule fails instead of crashing', rule: { ...G, minRelativeChange: 0.0 }, candidate: 0.9, baseline: undefined, expected: ['missingBaseline'] },
  { name: 'missing baseline and threshold failing: both reported', rule: { ...G, threshold: 0.95, minAbsoluteChange: 0.1 }, candidate: 0.9, baseline: undefined, expected: ['threshold', 'missingBaseline'] },

  // combinations
  { name: 'all three pass', rule: { ...G, threshold: 0.8, minAbsoluteChange: 0.005, minRelativeChange: 0.01 }, candidate: 0.9, baseline: 0.85, expected: 'ok' },
  // (0.86 - 0.85) / 0.85 = 0.011764705882352951 >= 0.01; 0.85 + 0.005 = 0.855 <= 0.86
  { name: 'all three pass near the boundary', rule: { ...G, threshold: 0.86, minAbsoluteChange: 0.005, minRelativeChange: 0.01 }, candidate: 0.86, baseline: 0.85, expected: 'ok' },
  { name: 'threshold passes, changes fail', rule: { ...G, threshold: 0.8, minAbsoluteChange: 0.05, minRelativeChange: 0.1 }, candidate: 0.86, baseline: 0.85, expected: ['absolute', 'relative'] },
  { name: 'lower: threshold and absolute', rule: { ...L, threshold: 500n, minAbsoluteChange: 10n }, candidate: 480, baseline: 490, expected: 'ok' },
  { name: 'lower: candidate worse than champion', rule: { ...L, threshold: 500n, minAbsoluteChange: 10n }, candidate: 495, baseline: 490, expected: ['absolute'] },
];

function flagsOf(result: ReturnType<typeof evaluateMetricThreshold>): Flags {
  const flags: Exclude<Flags, 'ok'> = [];
  if (result.missingCandidate) flags.push('missingCandidate');
  if (result.thresholdFailed) flags.push('threshold');
  if (result.missingBaseline) flags.push('missingBaseline');
  if (result.minAbsoluteChangeFailed) flags.push('absolute');
  if (result.minRelativeChangeFailed) flags.push('relative');
  return flags.length === 0 ? 'ok' : flags;
}

describe('compare/metric-threshold: MLflow MetricThreshold semantics', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = evaluateMetricThreshold({ metric: 'm', ...c.rule }, c.candidate, c.baseline);
      assert.deepEqual(flagsOf(result), c.expected);
      assert.equal(isMetricThresholdSuccess(result), c.expected === 'ok');
      // One check per rule kind set, failing exactly when MLflow's verdict is a failure for it.
      const kinds = result.checks.map((check) => check.kind).sort();
      const expectedKinds = [
        c.rule.threshold !== undefined ? 'threshold' : undefined,
        c.rule.minAbsoluteChange !== undefined ? 'min_absolute_change' : undefined,
        c.rule.minRelativeChange !== undefined ? 'min_relative_change' : undefined,
      ].filter((k) => k !== undefined).sort();
      assert.deepEqual(kinds, expectedKinds);
      assert.equal(result.checks.every((check) => check.status === 'passed'), c.expected === 'ok');
    });
  }

  it('fails a check that reads a NaN value instead of crashing like MLflow', () => {
    const absolute = evaluateMetricThreshold({ metric: 'm', greaterIsBetter: true, minAbsoluteChange: 0.1 }, 0.5, NaN);
    assert.equal(absolute.minAbsoluteChangeFailed, true);
    const relative = evaluateMetricThreshold({ metric: 'm', greaterIsBetter: true, minRelativeChange: 0.1 }, NaN, 0.5);
    assert.equal(relative.minRelativeChangeFailed, true);
  });

  it('explains an absolute-change failure with the exact decimals', () => {
    const result = evaluateMetricThreshold({ metric: 'm', greaterIsBetter: true, minAbsoluteChange: 0.2 }, 0.3, 0.1);
    const detail = result.checks[0].detail;
    assert.match(detail, /0\.299999999999999988897769753748434595763683319091796875/);
    assert.match(detail, /0\.3000000000000000444089209850062616169452667236328125/);
  });

  it('leaves the exact decimals out where rounding does not decide the verdict', () => {
    const clear = evaluateMetricThreshold({ metric: 'm', greaterIsBetter: true, minAbsoluteChange: 0.05 }, 0.884, 0.861);
    assert.equal(clear.minAbsoluteChangeFailed, true);
    assert.doesNotMatch(clear.checks[0].detail, /exactly/);
    const lower = evaluateMetricThreshold({ metric: 'm', greaterIsBetter: false, minAbsoluteChange: 0.1 }, 0.2, 0.3);
    assert.match(lower.checks[0].detail, /exactly/, '0.3 - 0.1 is below 0.2 only in binary');
  });
});
