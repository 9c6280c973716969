import assert from 'node:assert/strict';
import { isThresholdOnly, parseRules, RulesError } from '../../../tasks/common/compare/rules';

function problems(text: string): string[] {
  try {
    parseRules(text);
  } catch (error) {
    assert.ok(error instanceof RulesError, String(error));
    return error.problems;
  }
  assert.fail('expected the rules to be rejected');
}

describe('compare/rules: parsing and MetricThreshold constructor checks', () => {
  it('parses the documented example', () => {
    const rules = parseRules(`
metrics:
  roc_auc: { greater_is_better: true, threshold: 0.80, min_absolute_change: 0.005 }
  rmse: { greater_is_better: false, min_relative_change: 0.02 }
guardrails:
  latency_p95_ms: { greater_is_better: false, tolerance: 0.10 }
`);
    assert.deepEqual(rules, {
      metrics: [
        { metric: 'roc_auc', greaterIsBetter: true, threshold: 0.8, minAbsoluteChange: 0.005 },
        { metric: 'rmse', greaterIsBetter: false, minRelativeChange: 0.02 },
      ],
      guardrails: [{ metric: 'latency_p95_ms', greaterIsBetter: false, tolerance: 0.1 }],
    });
    assert.equal(isThresholdOnly(rules), false);
  });

  it('keeps integers apart from floats, as Python does', () => {
    const rules = parseRules('metrics:\n  max_error: { greater_is_better: false, threshold: 500, min_absolute_change: 1 }\n');
    assert.equal(rules.metrics[0].threshold, 500n);
    assert.equal(rules.metrics[0].minAbsoluteChange, 1n);
  });

  it('accepts JSON and the deprecated higher_is_better', () => {
    const rules = parseRules('{"metrics": {"f1": {"higher_is_better": true, "threshold": 0.5}}}');
    assert.deepEqual(rules.metrics, [{ metric: 'f1', greaterIsBetter: true, threshold: 0.5 }]);
    assert.equal(isThresholdOnly(rules), true);
  });

  it('keeps metric order, including numeric-looking names', () => {
    const rules = parseRules('metrics:\n  z: { greater_is_better: true, threshold: 1.0 }\n  "2": { greater_is_better: true, threshold: 1.0 }\n  a: { greater_is_better: true, threshold: 1.0 }\n');
    assert.deepEqual(rules.metrics.map((m) => m.metric), ['z', '2', 'a']);
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['min_absolute_change 0', 'm: { greater_is_better: true, min_absolute_change: 0 }', /min_absolute_change: must be a positive number/],
    ['min_absolute_change negative', 'm: { greater_is_better: true, min_absolute_change: -0.1 }', /positive number/],
    ['min_absolute_change a boolean', 'm: { greater_is_better: true, min_absolute_change: true }', /positive number/],
    ['min_absolute_change a string', 'm: { greater_is_better: true, min_absolute_change: "0.1" }', /positive number/],
    ['min_relative_change an int', 'm: { greater_is_better: true, min_relative_change: 1 }', /floating point number/],
    ['min_relative_change above 1', 'm: { greater_is_better: true, min_relative_change: 1.5 }', /between 0 and 1/],
    ['min_relative_change below 0', 'm: { greater_is_better: true, min_relative_change: -0.1 }', /between 0 and 1/],
    ['min_relative_change NaN', 'm: { greater_is_better: true, min_relative_change: .nan }', /between 0 and 1/],
    ['threshold a boolean', 'm: { greater_is_better: true, threshold: true }', /threshold: must be a number/],
    ['threshold NaN', 'm: { greater_is_better: true, threshold: .nan }', /threshold: must be a number/],
    ['greater_is_better missing', 'm: { threshold: 0.5 }', /greater_is_better: must be defined/],
    ['greater_is_better a string', 'm: { greater_is_better: "yes", threshold: 0.5 }', /must be a boolean/],
    ['greater_is_better yes (YAML 1.2 string)', 'm: { greater_is_better: yes, threshold: 0.5 }', /must be a boolean/],
    ['both greater_is_better and higher_is_better', 'm: { greater_is_better: true, higher_is_better: true, threshold: 0.5 }', /deprecated name/],
    ['no threshold', 'm: { greater_is_better: true }', /no threshold was specified/],
    ['unknown key', 'm: { greater_is_better: true, threshold: 0.5, min_absolut_change: 0.1 }', /unknown key 'min_absolut_change'/],
    ['rule not a mapping', 'm: 0.5', /expected a mapping/],
  ];
  for (const [name, metric, pattern] of invalid) {
    it(`rejects ${name}`, () => {
      const found = problems(`metrics:\n  ${metric}\n`);
      assert.ok(found.some((p) => pattern.test(p)), found.join('\n'));
    });
  }

  it('rejects bad guardrails', () => {
    assert.ok(problems('guardrails:\n  lat: { greater_is_better: false, tolerance: -0.1 }\n').some((p) => /tolerance: must be a number >= 0/.test(p)));
    assert.ok(problems('guardrails:\n  lat: { tolerance: 0.1 }\n').some((p) => /greater_is_better: must be a boolean/.test(p)));
    assert.ok(problems('guardrails:\n  lat: { greater_is_better: false, tolerance: 0.1, max: 3 }\n').some((p) => /unknown key 'max'/.test(p)));
    assert.ok(problems('guardrails:\n  "": { greater_is_better: false, tolerance: 0.1 }\n').some((p) => /^guardrails: metric names must be non-empty/.test(p)));
    assert.ok(problems('guardrails:\n  lat: 0.1\n').some((p) => /^guardrails\.lat: expected a mapping/.test(p)));
  });

  it('accepts an integer tolerance', () => {
    assert.equal(parseRules('guardrails:\n  lat: { greater_is_better: false, tolerance: 0 }\n').guardrails[0].tolerance, 0);
  });

  it('rejects documents without rules, unknown sections, duplicates and bad YAML', () => {
    assert.ok(problems('metrics: {}\n').some((p) => /no rules/.test(p)));
    assert.ok(problems('metric:\n  m: { greater_is_better: true, threshold: 0.5 }\n').some((p) => /unknown top-level key 'metric'/.test(p)));
    assert.ok(problems('metrics:\n  m: { greater_is_better: true, threshold: 0.5 }\n  m: { greater_is_better: true, threshold: 0.6 }\n').length > 0);
    assert.ok(problems('metrics: [\n').length > 0);
    assert.ok(problems('').some((p) => /empty document/.test(p)));
    assert.ok(problems('metrics: [1, 2]\n').some((p) => /expected a mapping/.test(p)));
  });

  it('lists every problem at once, naming the source', () => {
    assert.throws(
      () => parseRules('metrics:\n  a: { threshold: 1.0 }\n  b: { greater_is_better: true }\n', "rulesFile 'rules.yml'"),
      (error: RulesError) => error.problems.length === 2 && /rulesFile 'rules.yml'/.test(error.message),
    );
  });
});
