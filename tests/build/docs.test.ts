import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { markers, readDocBlocks, readmePath, renderInputsTable, renderTaskDocs, updateReadme } from '../../scripts/docs';
import { agentTaskJson } from './fixtures';

describe('docs: README tables generated from task.json', () => {
  it('renders name, label, type, default, required and help, one row per input', () => {
    const table = renderInputsTable([
      { name: 'mode', label: 'Mode', type: 'pickList', options: { enabled: 'On', dryRun: 'Dry run' }, defaultValue: 'enabled', required: true, helpMarkDown: 'How to run.\nSecond line | with a pipe.', visibleRule: 'x = y' },
      { name: 'conn', label: 'Connection', type: 'connectedService:databricks-workspace', helpMarkDown: 'The workspace.' },
    ]);
    assert.deepEqual(table.split('\n'), [
      '| Input | Label | Type | Default | Required | Help |',
      '|---|---|---|---|---|---|',
      '| `mode` | Mode | pickList: `enabled`, `dryRun` | `enabled` | yes | How to run.<br>Second line \\| with a pipe. _(when `x = y`)_ |',
      '| `conn` | Connection | service connection (`databricks-workspace`) |  | no | The workspace. |',
    ]);
  });

  it('points to the shared connection inputs instead of repeating them, and lists outputs', () => {
    const task = agentTaskJson();
    (task.inputs as Record<string, unknown>[]).push({ name: 'connectionType', label: 'Connect with', type: 'pickList', groupName: 'connection', helpMarkDown: 'h' });
    const docs = renderTaskDocs(task);
    assert.match(docs, /^Connection inputs \(`connectionType`\): see \[the Databricks service connection\]/);
    assert.ok(!/\| `connectionType` \|/.test(docs));
    assert.match(docs, /\| `message` \| Message \|/);
    assert.match(docs, /\| `said` \| What was said\. \|/);
    assert.match(renderTaskDocs({ inputs: [] }), /sets no output variables/);
  });

  it('replaces only the text between markers and reports changed and missing blocks', () => {
    const { start, end } = markers('AV1');
    const readme = `intro\n${start}\nold\n${end}\noutro\n`;
    const update = updateReadme(readme, new Map([['AV1', 'new'], ['BV1', 'b']]));
    assert.equal(update.text, `intro\n${start}\nnew\n${end}\noutro\n`);
    assert.deepEqual(update.changed, ['AV1']);
    assert.deepEqual(update.missing, ['BV1']);
    const again = updateReadme(update.text, new Map([['AV1', 'new']]));
    assert.deepEqual([again.changed, again.text], [[], update.text]);
  });

  it('README.md has up-to-date tables for every task and the connection (run `npm run docs`)', () => {
    const readme = fs.readFileSync(readmePath, 'utf8');
    const update = updateReadme(readme, readDocBlocks());
    assert.deepEqual(update.missing, [], 'README sections lack <!-- inputs:<Task> --> markers; add them and run `npm run docs`');
    assert.deepEqual(update.changed, [], 'README tables are stale; run `npm run docs`');
  });
});
