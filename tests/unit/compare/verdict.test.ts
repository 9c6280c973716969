import assert from 'node:assert/strict';
import { pairedBootstrap } from '../../../tasks/common/compare/bootstrap';
import { parseRules } from '../../../tasks/common/compare/rules';
import { decide, defaultNoChampionPolicy, type VerdictInput } from '../../../tasks/common/compare/verdict';

const rules = parseRules(`
metrics:
  roc_auc: { greater_is_better: true, threshold: 0.80, min_absolute_change: 0.005 }
  rmse: { greater_is_better: false, min_relative_change: 0.02 }
guardrails:
  latency_p95_ms: { greater_is_better: false, tolerance: 0.10 }
`);
const thresholdOnly = parseRules('metrics:\n  roc_auc: { greater_is_better: true, threshold: 0.80 }\n');

function input(overrides: Partial<VerdictInput> = {}): VerdictInput {
  return {
    rules,
    candidate: new Map([['roc_auc', 0.9], ['rmse', 1.0], ['latency_p95_ms', 105]]),
    champion: new Map([['roc_auc', 0.85], ['rmse', 1.1], ['latency_p95_ms', 100]]),
    championAlias: 'champion',
    requireSignificance: false,
    intervals: new Map(),
    ...overrides,
  };
}

describe('compare/verdict', () => {
  it('promotes when every check passes, with one check per metric and rule kind', () => {
    const verdict = decide(input());
    assert.equal(verdict.decision, 'promote');
    assert.deepEqual(verdict.checks.map((c) => `${c.metric}.${c.kind}:${c.status}`), [
      'roc_auc.threshold:passed',
      'roc_auc.min_absolute_change:passed',
      'rmse.min_relative_change:passed',
      'latency_p95_ms.guardrail:passed',
    ]);
    assert.deepEqual(verdict.preconditions, []);
  });

  it('rejects when one check fails', () => {
    assert.equal(decide(input({ candidate: new Map([['roc_auc', 0.9], ['rmse', 1.0], ['latency_p95_ms', 111]]) })).decision, 'reject');
    assert.equal(decide(input({ candidate: new Map([['roc_auc', 0.852], ['rmse', 1.0], ['latency_p95_ms', 100]]) })).decision, 'reject');
  });

  it('rejects when a metric is missing from the candidate', () => {
    const verdict = decide(input({ candidate: new Map([['roc_auc', 0.9], ['latency_p95_ms', 100]]) }));
    assert.equal(verdict.decision, 'reject');
    assert.equal(verdict.checks.find((c) => c.metric === 'rmse')?.status, 'failed');
  });

  it('lists the metrics that exist when one is missing, so a typo in the rules shows', () => {
    const verdict = decide(input({ candidate: new Map([['roc_auc', 0.9], ['val_rmse', 1.0], ['latency_p95_ms', 100]]) }));
    assert.match(verdict.checks.find((c) => c.metric === 'rmse')?.detail ?? '', /the candidate has: latency_p95_ms, roc_auc, val_rmse/);
    const noBaseline = decide(input({ champion: new Map([['roc_auc', 0.85], ['latency_p95_ms', 100]]) }));
    assert.match(noBaseline.checks.find((c) => c.metric === 'rmse')?.detail ?? '', /the champion has: latency_p95_ms, roc_auc/);
  });

  it('defaults noChampion to promote only for threshold-only rules', () => {
    assert.equal(defaultNoChampionPolicy(thresholdOnly), 'promote');
    assert.equal(defaultNoChampionPolicy(rules), 'fail');
  });

  it('no champion, threshold-only rules: promotes by default', () => {
    const verdict = decide(input({ rules: thresholdOnly, champion: undefined }));
    assert.equal(verdict.decision, 'promote');
    assert.equal(verdict.noChampion, 'promote');
    assert.deepEqual(verdict.preconditions.map((p) => p.passed), [true]);
  });

  it('no champion, threshold-only rules, noChampion fail: rejects', () => {
    const verdict = decide(input({ rules: thresholdOnly, champion: undefined, noChampion: 'fail' }));
    assert.equal(verdict.decision, 'reject');
    assert.deepEqual(verdict.preconditions.map((p) => p.passed), [false]);
  });

  it('no champion, change rules: rejects by default and fails the change checks', () => {
    const verdict = decide(input({ champion: undefined }));
    assert.equal(verdict.decision, 'reject');
    assert.equal(verdict.noChampion, 'fail');
    assert.deepEqual(verdict.checks.filter((c) => c.status === 'failed').map((c) => `${c.metric}.${c.kind}`), [
      'roc_auc.min_absolute_change',
      'rmse.min_relative_change',
      'latency_p95_ms.guardrail',
    ]);
  });

  it('no champion, change rules, noChampion promote: thresholds decide, the rest is skipped', () => {
    const verdict = decide(input({ champion: undefined, noChampion: 'promote', requireSignificance: true }));
    assert.equal(verdict.decision, 'promote');
    assert.deepEqual(verdict.checks.map((c) => `${c.metric}.${c.kind}:${c.status}`), [
      'roc_auc.threshold:passed',
      'roc_auc.min_absolute_change:skipped',
      'roc_auc.significance:skipped',
      'rmse.min_relative_change:skipped',
      'rmse.significance:skipped',
      'latency_p95_ms.guardrail:skipped',
    ]);
    const failing = decide(input({ champion: undefined, noChampion: 'promote', candidate: new Map([['roc_auc', 0.7]]) }));
    assert.equal(failing.decision, 'reject');
  });

  it('no champion, noChampion promote: a guardrail metric missing from the candidate or not finite still fails', () => {
    for (const latency of [undefined, NaN, Infinity]) {
      const candidate = new Map([['roc_auc', 0.9], ['rmse', 1.0]]);
      if (latency !== undefined) candidate.set('latency_p95_ms', latency);
      const verdict = decide(input({ champion: undefined, noChampion: 'promote', candidate }));
      assert.equal(verdict.decision, 'reject', `latency ${latency}`);
      assert.equal(verdict.checks.find((c) => c.kind === 'guardrail')?.status, 'failed');
    }
  });

  it('no champion, noChampion promote: a NaN candidate value fails its change rules instead of skipping them', () => {
    const verdict = decide(input({ champion: undefined, noChampion: 'promote', candidate: new Map([['roc_auc', 0.9], ['rmse', NaN], ['latency_p95_ms', 105]]) }));
    assert.equal(verdict.decision, 'reject');
    assert.equal(verdict.checks.find((c) => c.metric === 'rmse' && c.kind === 'min_relative_change')?.status, 'failed');
    assert.equal(verdict.checks.find((c) => c.metric === 'roc_auc' && c.kind === 'min_absolute_change')?.status, 'skipped');
  });

  describe('requireSignificance', () => {
    const champion = Array.from({ length: 100 }, (_, i) => (i % 10) / 10);
    const better = pairedBootstrap('roc_auc', { candidate: champion.map((v) => v + 0.05), champion }, 1);
    const same = pairedBootstrap('roc_auc', { candidate: champion, champion }, 1);
    const lowerBetter = pairedBootstrap('rmse', { candidate: champion.map((v) => v - 0.05), champion }, 1);

    it('passes when the worse-side bound excludes zero for every change-rule metric', () => {
      const verdict = decide(input({ requireSignificance: true, intervals: new Map([['roc_auc', better], ['rmse', lowerBetter]]) }));
      assert.equal(verdict.decision, 'promote');
      assert.deepEqual(verdict.checks.filter((c) => c.kind === 'significance').map((c) => c.status), ['passed', 'passed']);
    });

    it('rejects when an interval includes zero', () => {
      const verdict = decide(input({ requireSignificance: true, intervals: new Map([['roc_auc', same], ['rmse', lowerBetter]]) }));
      assert.equal(verdict.decision, 'reject');
      assert.equal(verdict.checks.find((c) => c.kind === 'significance' && c.metric === 'roc_auc')?.status, 'failed');
    });

    it('rejects a difference over too few paired examples', () => {
      const tiny = pairedBootstrap('roc_auc', { candidate: [0.9, 0.95], champion: [0.8, 0.85] }, 1);
      const verdict = decide(input({ requireSignificance: true, intervals: new Map([['roc_auc', tiny], ['rmse', lowerBetter]]) }));
      assert.equal(verdict.decision, 'reject');
      assert.equal(verdict.checks.find((c) => c.kind === 'significance' && c.metric === 'roc_auc')?.status, 'failed');
    });

    it('rejects when paired scores are missing for a change-rule metric', () => {
      const verdict = decide(input({ requireSignificance: true, intervals: new Map([['roc_auc', better]]) }));
      assert.equal(verdict.decision, 'reject');
      assert.deepEqual(verdict.checks.filter((c) => c.kind === 'significance').map((c) => `${c.metric}:${c.status}`), ['roc_auc:passed', 'rmse:failed']);
    });

    it('is not checked when not required, and never for threshold-only metrics', () => {
      assert.equal(decide(input({ intervals: new Map([['roc_auc', same]]) })).decision, 'promote');
      const verdict = decide(input({ rules: thresholdOnly, requireSignificance: true }));
      assert.equal(verdict.checks.some((c) => c.kind === 'significance'), false);
    });
  });
});
