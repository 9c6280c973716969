import assert from 'node:assert/strict';
import { evaluateGuardrail } from '../../../tasks/common/compare/guardrails';

const lower = { metric: 'latency_p95_ms', greaterIsBetter: false, tolerance: 0.1 };
const greater = { metric: 'recall_gap', greaterIsBetter: true, tolerance: 0.1 };

describe('compare/guardrails', () => {
  const cases: Array<[string, typeof lower, number | undefined, number | undefined, 'passed' | 'failed']> = [
    ['lower-is-better: better passes', lower, 150, 200, 'passed'],
    ['lower-is-better: within tolerance passes', lower, 210, 200, 'passed'],
    // 200 * 1.1 = 220 exactly in decimal (220.00000000000003 in binary).
    ['lower-is-better: boundary passes', lower, 220, 200, 'passed'],
    ['lower-is-better: just past the boundary fails', lower, 220.00000000000003, 200, 'failed'],
    ['lower-is-better: worse fails', lower, 250, 200, 'failed'],
    // 1.3 * 0.9 = 1.17 exactly in decimal, but 1.1700000000000002 in binary: the boundary still passes.
    ['greater-is-better: boundary passes where binary would fail', { ...greater, metric: 'auc' }, 1.17, 1.3, 'passed'],
    ['greater-is-better: below the boundary fails', greater, 1.1699999, 1.3, 'failed'],
    ['greater-is-better: better passes', greater, 2, 1.3, 'passed'],
    ['zero champion, lower-is-better: equal passes', lower, 0, 0, 'passed'],
    ['zero champion, lower-is-better: any worse fails', lower, 0.001, 0, 'failed'],
    ['zero champion, greater-is-better: equal passes', greater, 0, 0, 'passed'],
    ['zero champion, greater-is-better: any worse fails', greater, -0.001, 0, 'failed'],
    ['zero tolerance: equal passes', { ...lower, tolerance: 0 }, 200, 200, 'passed'],
    ['missing candidate fails', lower, undefined, 200, 'failed'],
    ['missing champion fails', lower, 200, undefined, 'failed'],
    ['NaN fails', lower, NaN, 200, 'failed'],
  ];
  for (const [name, rule, candidate, champion, expected] of cases) {
    it(name, () => {
      const check = evaluateGuardrail(rule, candidate, champion);
      assert.equal(check.status, expected, check.detail);
      assert.equal(check.kind, 'guardrail');
      assert.equal(check.metric, rule.metric);
    });
  }
});
