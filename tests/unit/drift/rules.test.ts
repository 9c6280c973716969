import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DriftRulesError, defaultMetricTable, describeThreshold, parseDriftRules } from '../../../tasks/common/drift/rules';

function problems(text: string): string[] {
  try {
    parseDriftRules(text, 'rules.yml');
  } catch (error) {
    assert.ok(error instanceof DriftRulesError, String(error));
    return error.problems;
  }
  assert.fail('the rules were accepted');
}

describe('drift rules', () => {
  it('reads rules with their defaults and lines', () => {
    const rules = parseDriftRules(
      [
        'rules:',
        '  - metric: js_distance',
        '    max: 0.2',
        '  - metric: ks_test.pvalue',
        '    column: age',
        '    min: 0.05',
        '    driftType: BASELINE',
        '    granularity: 1 day',
        '    slice: { key: region, value: EU }',
        '    consecutiveWindows: 3',
        '  - metric: roc_auc',
        '    column: ":table"',
        '    min: 0.8',
      ].join('\n'),
      'rules.yml',
    );
    assert.deepEqual(rules[0], { metric: 'js_distance', column: '*', table: 'drift', consecutiveWindows: 1, line: 2, max: 0.2 });
    assert.deepEqual(rules[1], {
      metric: 'ks_test.pvalue',
      column: 'age',
      table: 'drift',
      consecutiveWindows: 3,
      line: 4,
      min: 0.05,
      driftType: 'BASELINE',
      granularity: '1 day',
      slice: { key: 'region', value: 'EU' },
    });
    assert.equal(rules[2].table, 'profile');
    assert.equal(rules[2].column, ':table');
  });

  it('says which table a metric lives in', () => {
    assert.equal(defaultMetricTable('population_stability_index'), 'drift');
    assert.equal(defaultMetricTable('chi_squared_test.statistic'), 'drift');
    assert.equal(defaultMetricTable('avg_delta'), 'drift');
    assert.equal(defaultMetricTable('f1_score.macro'), 'profile');
    assert.equal(defaultMetricTable('mean_squared_error'), 'profile');
  });

  it('rejects an unknown key with its line and key path', () => {
    const found = problems('rules:\n  - metric: js_distance\n    max: 0.2\n  - metric: psi\n    maximum: 0.3\n    max: 1\n');
    assert.deepEqual(found, ['line 5: rules[1].maximum: unknown key']);
  });

  it('rejects a rule without max or min, a wrong type and a bad drift type, each with its line', () => {
    const found = problems('rules:\n  - metric: js_distance\n  - metric: psi\n    max: high\n  - metric: js_distance\n    max: 1\n    driftType: consecutive\n');
    assert.ok(found.includes('line 2: rules[0]: set max, min or both'), found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('line 4: rules[1].max: must be number')), found.join('\n'));
    assert.ok(found.includes('line 7: rules[2].driftType: must be one of CONSECUTIVE, BASELINE'), found.join('\n'));
  });

  it('rejects YAML that does not parse, with the line', () => {
    const found = problems('rules:\n  - metric: js_distance\n    max: [0.2\n');
    assert.equal(found.length, 1);
    assert.match(found[0], /^line \d+: /);
  });

  it('rejects an empty file, a missing list and an injected metric name', () => {
    assert.deepEqual(problems(''), ['line 1: rules: is required']);
    assert.deepEqual(problems('- metric: js_distance\n'), ['line 1: (document): must be object']);
    assert.deepEqual(problems('thresholds: {}\n'), ['line 1: rules: is required', 'line 1: thresholds: unknown key']);
    assert.ok(problems('rules:\n  - metric: "js_distance`; DROP TABLE x; --"\n    max: 1\n')[0].startsWith('line 2: rules[0].metric: must match pattern'));
  });

  it('rejects contradictions the schema cannot see', () => {
    assert.deepEqual(problems('rules:\n  - metric: js_distance\n    min: 0.5\n    max: 0.1\n'), ['line 2: rules[0]: min 0.5 is greater than max 0.1, so every value breaches it']);
    assert.match(problems('rules:\n  - metric: roc_auc\n    min: 0.8\n    driftType: BASELINE\n')[0], /line 2: rules\[0\]\.driftType: 'roc_auc' is a profile metric/);
  });

  it('accepts the example rules file shipped with the retrain-on-drift example', () => {
    const file = path.join(__dirname, '../../../pipelines-templates/examples/drift-rules.yml');
    const rules = parseDriftRules(fs.readFileSync(file, 'utf8'), file);
    assert.deepEqual(rules.map((rule) => `${rule.table}:${rule.metric}`), ['drift:js_distance', 'drift:population_stability_index', 'drift:ks_test.pvalue', 'profile:roc_auc']);
  });

  it('describes thresholds', () => {
    assert.equal(describeThreshold({ max: 0.2 }), '≤ 0.2');
    assert.equal(describeThreshold({ min: 0.8 }), '≥ 0.8');
    assert.equal(describeThreshold({ min: 0.1, max: 0.9 }), '0.1 – 0.9');
  });
});
