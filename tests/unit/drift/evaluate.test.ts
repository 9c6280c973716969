import assert from 'node:assert/strict';
import { decideDriftVerdict, type DriftCheckResult } from '../../../tasks/common/drift/drift-check';
import { driftedMetrics, evaluateDrift, formatWindow, type DriftEvaluation } from '../../../tasks/common/drift/evaluate';
import type { MetricRow } from '../../../tasks/common/drift/metrics-source';
import type { DriftPolicy } from '../../../tasks/common/drift/report';
import { parseDriftRules } from '../../../tasks/common/drift/rules';

const hour = 3_600_000;
const day = 24 * hour;
const now = Date.parse('2026-12-05T06:00:00Z');
/** Midnight of the check's day: the latest complete daily window ends here. */
const today = Date.parse('2026-12-05T00:00:00Z');

function rules(yaml: string) {
  return parseDriftRules(`rules:\n${yaml}`, 'rules.yml');
}

/** Daily rows of one metric and column, the last window ending `lastEnd`, values oldest first. */
function series(metric: string, column: string, values: number[], extra: Partial<MetricRow> = {}, lastEnd = today): MetricRow[] {
  return values.map((value, i) => {
    const end = lastEnd - (values.length - 1 - i) * day;
    return { windowStart: end - day, windowEnd: end, granularity: '1 day', column, sliceKey: null, sliceValue: null, driftType: 'CONSECUTIVE', metric, value, ...extra };
  });
}

const settings = { now, lookbackWindows: 1, maxWindowAgeHours: 48 };

function statuses(evaluation: DriftEvaluation): string[] {
  return evaluation.checks.map((check) => `${check.rule.metric}(${check.column}) ${check.status}`);
}

describe('drift evaluation', () => {
  const jsRule = rules('  - metric: js_distance\n    max: 0.2\n');

  it('finds no drift when every column is within bounds', () => {
    const evaluation = evaluateDrift(jsRule, [...series('js_distance', 'age', [0.05, 0.1]), ...series('js_distance', 'income', [0.02, 0.03])], settings);
    assert.deepEqual(statuses(evaluation), ['js_distance(age) ok', 'js_distance(income) ok']);
    assert.equal(evaluation.driftDetected, false);
    assert.equal(evaluation.noData, false);
    assert.equal(formatWindow(evaluation.window!), '2026-12-04T00:00Z/2026-12-05T00:00Z');
    assert.deepEqual(evaluation.checks[0].trend.map((p) => p.value), [0.05, 0.1]);
  });

  it('finds drift on one feature and names it', () => {
    const evaluation = evaluateDrift(jsRule, [...series('js_distance', 'age', [0.05, 0.31]), ...series('js_distance', 'income', [0.02, 0.03])], settings);
    assert.deepEqual(statuses(evaluation), ['js_distance(age) drift', 'js_distance(income) ok']);
    assert.deepEqual(driftedMetrics(evaluation), ['js_distance(age)']);
  });

  it('ignores a window that has not ended yet', () => {
    const rows = series('js_distance', 'age', [0.05, 0.1, 0.9], {}, today + day);
    const evaluation = evaluateDrift(jsRule, rows, settings);
    assert.deepEqual(statuses(evaluation), ['js_distance(age) ok']);
    assert.equal(evaluation.window!.end, today);
  });

  it('alerts only after the threshold is crossed in N windows in a row', () => {
    const consecutive = rules('  - metric: population_stability_index\n    max: 0.25\n    consecutiveWindows: 3\n');
    const twice = evaluateDrift(consecutive, series('population_stability_index', 'age', [0.1, 0.3, 0.4]), settings);
    assert.deepEqual(statuses(twice), ['population_stability_index(age) ok']);
    assert.match(twice.checks[0].detail, /breached in 1 window/);
    const interrupted = evaluateDrift(consecutive, series('population_stability_index', 'age', [0.3, 0.1, 0.3, 0.4]), settings);
    assert.equal(interrupted.driftDetected, false);
    const thrice = evaluateDrift(consecutive, series('population_stability_index', 'age', [0.1, 0.3, 0.4, 0.5]), settings);
    assert.deepEqual(statuses(thrice), ['population_stability_index(age) drift']);
  });

  it('looks back over lookbackWindows windows', () => {
    const rows = series('js_distance', 'age', [0.5, 0.1, 0.1]);
    assert.equal(evaluateDrift(jsRule, rows, { ...settings, lookbackWindows: 2 }).driftDetected, false);
    assert.equal(evaluateDrift(jsRule, rows, { ...settings, lookbackWindows: 3 }).driftDetected, true);
  });

  it('finds a quality-metric drop against a minimum on table-level rows', () => {
    const quality = rules('  - metric: roc_auc\n    column: ":table"\n    min: 0.8\n');
    const rows = series('roc_auc', ':table', [0.86, 0.84, 0.71], { driftType: null });
    const evaluation = evaluateDrift(quality, rows, settings);
    assert.deepEqual(statuses(evaluation), ['roc_auc(:table) drift']);
    assert.equal(evaluation.checks[0].latest?.value, 0.71);
  });

  it('keeps drift types, slices and granularities apart and filters by them', () => {
    const rows = [
      ...series('js_distance', 'age', [0.3], { driftType: 'BASELINE' }),
      ...series('js_distance', 'age', [0.1], { driftType: 'CONSECUTIVE' }),
      ...series('js_distance', 'age', [0.9], { sliceKey: 'region', sliceValue: 'EU' }),
    ];
    assert.deepEqual(statuses(evaluateDrift(jsRule, rows, settings)), ['js_distance(age) drift', 'js_distance(age) ok']);
    assert.equal(evaluateDrift(rules('  - metric: js_distance\n    max: 0.2\n    driftType: CONSECUTIVE\n'), rows, settings).driftDetected, false);
    const eu = evaluateDrift(rules('  - metric: js_distance\n    max: 0.2\n    slice: { key: region, value: EU }\n'), rows, settings);
    assert.deepEqual(statuses(eu), ['js_distance(age) drift']);
  });

  it('reports no data, never "no drift", when nothing matches', () => {
    const evaluation = evaluateDrift(jsRule, series('wasserstein_distance', 'age', [5]), settings);
    assert.equal(evaluation.noData, true);
    assert.equal(evaluation.driftDetected, false);
    assert.deepEqual(statuses(evaluation), ['js_distance(*) noData']);
    assert.equal(evaluation.window, undefined);
  });

  it('treats a stale window as no data', () => {
    const stale = series('js_distance', 'age', [0.9], {}, today - 3 * day);
    const evaluation = evaluateDrift(jsRule, stale, settings);
    assert.deepEqual(statuses(evaluation), ['js_distance(age) noData']);
    assert.equal(evaluation.noData, true);
    assert.equal(evaluation.driftDetected, false);
    assert.match(evaluation.checks[0].detail, /stale/);
    assert.equal(evaluateDrift(jsRule, stale, { ...settings, maxWindowAgeHours: 24 * 5 }).driftDetected, true);
  });

  it('takes the worse value when a window has several rows (several models)', () => {
    const rows = [...series('roc_auc', ':table', [0.9], { driftType: null }), ...series('roc_auc', ':table', [0.7], { driftType: null })];
    const evaluation = evaluateDrift(rules('  - metric: roc_auc\n    min: 0.8\n'), rows, settings);
    assert.deepEqual(statuses(evaluation), ['roc_auc(:table) drift']);
  });
});

describe('drift verdict', () => {
  function result(evaluation: DriftEvaluation, extra: Partial<DriftCheckResult> = {}): DriftCheckResult {
    return { evaluation, driftedMetrics: driftedMetrics(evaluation), window: '', ...extra };
  }
  const rule = rules('  - metric: js_distance\n    max: 0.2\n');
  const drift = evaluateDrift(rule, series('js_distance', 'age', [0.5]), settings);
  const clean = evaluateDrift(rule, series('js_distance', 'age', [0.1]), settings);
  const empty = evaluateDrift(rule, [], settings);
  const policy = (onDrift: DriftPolicy['onDrift'], onNoData: DriftPolicy['onNoData'] = 'fail'): DriftPolicy => ({ onDrift, onNoData });

  it('notify warns and succeeds, fail fails, runJob succeeds unless the waited-for run failed', () => {
    assert.deepEqual(decideDriftVerdict(result(drift), policy('notify')), { result: 'Succeeded', findings: [{ kind: 'drift', action: 'notify', effect: 'warn' }] });
    assert.equal(decideDriftVerdict(result(drift), policy('fail')).result, 'Failed');
    assert.equal(decideDriftVerdict(result(drift, { retrain: { jobId: 1, runId: 2 } }), policy('runJob')).result, 'Succeeded');
    assert.equal(decideDriftVerdict(result(drift, { retrain: { jobId: 1, runId: 2, succeeded: false, outcome: 'ended FAILED' } }), policy('runJob')).result, 'Failed');
    assert.deepEqual(decideDriftVerdict(result(clean), policy('fail')), { result: 'Succeeded', findings: [] });
  });

  it('applies onNoData', () => {
    assert.equal(decideDriftVerdict(result(empty), policy('notify', 'fail')).result, 'Failed');
    const warn = decideDriftVerdict(result(empty), policy('notify', 'warn'));
    assert.deepEqual(warn, { result: 'Succeeded', findings: [{ kind: 'noData', policy: 'warn', checks: 1, everything: true, effect: 'warn' }] });
    assert.equal(decideDriftVerdict(result(empty), policy('notify', 'pass')).findings[0].effect, 'info');
  });
});
