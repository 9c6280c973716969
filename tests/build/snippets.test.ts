import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkSnippet, checkTaskStep, evaluateVisibleRule, extractYamlSnippets, loadTasks, type KnownTask } from '../support/snippets';

const root = path.resolve(__dirname, '..', '..');
const tasks = loadTasks(root);

describe('YAML examples in the documentation', () => {
  for (const file of ['overview.md', 'README.md']) {
    it(`every example in ${file} parses and gives each task the inputs it declares and needs`, () => {
      const snippets = extractYamlSnippets(file, fs.readFileSync(path.join(root, file), 'utf8'));
      assert.ok(snippets.length > 0);
      assert.deepEqual(snippets.flatMap((snippet) => checkSnippet(snippet, tasks)), []);
    });
  }

  it('overview.md shows every task of the extension, discovered from tasks/', () => {
    const text = fs.readFileSync(path.join(root, 'overview.md'), 'utf8');
    const shown = new Set(extractYamlSnippets('overview.md', text).flatMap((snippet) => [...snippet.text.matchAll(/task:\s*(\S+)/g)].map((match) => match[1])));
    assert.deepEqual([...tasks.keys()].filter((name) => !shown.has(name)), []);
  });

  describe('the checker', () => {
    const task: KnownTask = {
      folder: 'DatabricksThingV1',
      inputs: [
        { name: 'mode', required: true, defaultValue: 'a' },
        { name: 'path', required: true, visibleRule: 'mode = b' },
        { name: 'rules' },
        { name: 'rulesFile', aliases: ['rulesPath'] },
      ],
      requiredOneOf: [{ inputs: ['rules', 'rulesFile'] }],
    };
    const known = new Map([['DatabricksThing@1', task]]);

    it('reports an unknown input, a required visible input and an unmet either/or group', () => {
      assert.deepEqual(checkTaskStep({ task: 'DatabricksThing@1', inputs: { mode: 'b', typo: 1 } }, known, false), [
        "DatabricksThing@1: input 'typo' does not exist",
        "DatabricksThing@1: required input 'path' is not given",
        "DatabricksThing@1: one of 'rules', 'rulesFile' is required",
      ]);
    });

    it('accepts aliases, defaults, hidden inputs and qualified names; partial snippets skip requirements', () => {
      assert.deepEqual(checkTaskStep({ task: 'publisher.extension.DatabricksThing@1', inputs: { rulesPath: 'r.yml' } }, known, false), []);
      assert.deepEqual(checkTaskStep({ task: 'DatabricksThing@1', inputs: {} }, known, true), []);
      assert.deepEqual(checkTaskStep({ task: 'DatabricksOther@1' }, known, false).length, 1);
      assert.deepEqual(checkTaskStep({ task: 'Bash@3' }, known, false), []);
    });

    it('evaluates visibleRules with =, != and && or ||', () => {
      const values = new Map([['a', 'x'], ['b', 'y']]);
      assert.equal(evaluateVisibleRule('a = x && b != x', values), true);
      assert.equal(evaluateVisibleRule('a = y || b = y', values), true);
      assert.equal(evaluateVisibleRule('a = y', values), false);
    });

    it('finds fences, their partial marker, and YAML errors', () => {
      const snippets = extractYamlSnippets('x.md', 'text\n<!-- snippet: partial -->\n```yaml\n- task: DatabricksThing@1\n```\n\n```yaml\nkey: [unclosed\n```\n');
      assert.deepEqual(snippets.map((snippet) => [snippet.line, snippet.partial]), [[3, true], [7, false]]);
      assert.deepEqual(checkSnippet(snippets[0], known), []);
      assert.equal(checkSnippet(snippets[1], known).length, 1);
    });
  });
});
