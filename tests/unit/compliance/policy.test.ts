import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PolicyError, parsePolicy, ruleKinds } from '../../../tasks/common/compliance/policy';
import { repoRoot } from '../../support/task-bundle';

function problems(text: string): string[] {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error));
    return error.problems.map((p) => `${p.line} ${p.key}: ${p.message}`);
  }
  assert.fail('the policy was accepted');
}

describe('compliance policy', () => {
  it('accepts the example policy, which uses every rule kind', () => {
    const file = path.join(repoRoot, 'pipelines-templates', 'examples', 'model-policy.yml');
    const policy = parsePolicy(fs.readFileSync(file, 'utf8'), file);
    assert.deepEqual([...new Set(policy.rules.map((r) => r.kind))].sort(), [...ruleKinds].sort());
  });

  it('accepts the README example, which documents every rule kind', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('#### Compliance policy format'));
    const example = /```yaml\n(version: 1\n[\s\S]*?)```/.exec(section)?.[1];
    assert.ok(example, 'the README has a policy example');
    const policy = parsePolicy(example, 'README.md');
    assert.deepEqual([...new Set(policy.rules.map((r) => r.kind))].sort(), [...ruleKinds].sort());
    for (const kind of ruleKinds) assert.match(section, new RegExp(`\\| \`${kind}\` \\|`), `the README table documents ${kind}`);
  });

  it('keeps values as written: null tags, lists, bounds', () => {
    const policy = parsePolicy(
      'version: 1\nrules:\n  - { id: t, kind: versionTags, required: { a: null, b: [x, y] } }\n  - { id: m, kind: metricBounds, metrics: { auc: { min: 0.8 } } }\n',
      'p.yml',
    );
    assert.deepEqual(policy.rules, [
      { id: 't', kind: 'versionTags', required: { a: null, b: ['x', 'y'] } },
      { id: 'm', kind: 'metricBounds', metrics: { auc: { min: 0.8 } } },
    ]);
  });

  it('names the line and key of an unknown kind, an unknown key, a wrong type and a duplicate id', () => {
    const text = [
      'version: 1',
      'rules:',
      '  - id: ready',
      '    kind: versionStatus',
      '    colour: red',
      '  - id: ready',
      '    kind: versionSigned',
      '  - id: doc',
      '    kind: versionDescription',
      "    minLength: 'twenty'",
      '  - id: bounds',
      '    kind: metricBounds',
      '    metrics: { auc: { least: 0.8 } }',
    ].join('\n');
    assert.deepEqual(problems(text), [
      "5 rules[0].colour: unknown key 'colour'",
      "6 rules[1].id: duplicate id 'ready' (first used by rules[0])",
      `7 rules[1].kind: unknown rule kind "versionSigned" (expected ${ruleKinds.join(', ')})`,
      '10 rules[2].minLength: must be integer',
      "13 rules[3].metrics.auc.least: unknown key 'least'",
    ]);
  });

  it('reports YAML syntax errors, a missing version and an empty rule list', () => {
    assert.match(problems('version: 1\nrules: [ { id: a\n')[0], /^[23] : Flow map/);
    assert.deepEqual(problems('rules: []\n').sort(), ["1 rules: must NOT have fewer than 1 items", "1 version: missing required key 'version'"]);
    assert.deepEqual(problems('version: 2\nrules:\n  - { id: a, kind: lineage }\n'), ['1 version: must be 1']);
  });

  it('prints file:line key in the message', () => {
    assert.throws(() => parsePolicy('version: 1\nrules:\n  - id: a\n    kind: nope\n', 'policies/p.yml'), /policies\/p\.yml:4 rules\[0\]\.kind: unknown rule kind/);
  });
});
