import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resjsonPath, taskLocJson, taskLocPath, taskResources } from '../../scripts/manifest/loc';
import { stageExtension } from '../../scripts/manifest/files';
import { writeFixtureRepo } from './fixtures';

const task = {
  name: 'Thing',
  friendlyName: 'A thing',
  description: 'Does it.',
  helpMarkDown: 'Help.',
  instanceNameFormat: 'Thing $(x)',
  groups: [{ name: 'main', displayName: 'Main' }],
  inputs: [{ name: 'x', label: 'X value', helpMarkDown: 'The x.', type: 'string' }],
  messages: { Done: 'Done %s.' },
};

describe('task localization files (as azure-pipelines-tasks generates them)', () => {
  it('puts every user-facing string in the en-US resources under its loc key', () => {
    assert.deepEqual(taskResources(task), {
      'loc.friendlyName': 'A thing',
      'loc.helpMarkDown': 'Help.',
      'loc.description': 'Does it.',
      'loc.instanceNameFormat': 'Thing $(x)',
      'loc.group.displayName.main': 'Main',
      'loc.input.label.x': 'X value',
      'loc.input.help.x': 'The x.',
      'loc.messages.Done': 'Done %s.',
    });
  });

  it('writes task.loc.json with ms-resource references, leaving names and types alone', () => {
    const loc = taskLocJson(task);
    assert.equal(loc.friendlyName, 'ms-resource:loc.friendlyName');
    assert.deepEqual(loc.inputs, [{ name: 'x', label: 'ms-resource:loc.input.label.x', helpMarkDown: 'ms-resource:loc.input.help.x', type: 'string' }]);
    assert.deepEqual(loc.messages, { Done: 'ms-resource:loc.messages.Done' });
    assert.equal(task.friendlyName, 'A thing', 'the task.json itself is not changed');
  });

  it('stages both next to each task.json of the package', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-loc-'));
    try {
      writeFixtureRepo(root);
      const stageDir = path.join(root, 'stage');
      for (const folder of stageExtension({ root, stageDir, variant: { variant: 'public' } })) {
        const dir = path.join(stageDir, 'tasks', folder);
        const staged = JSON.parse(fs.readFileSync(path.join(dir, 'task.json'), 'utf8'));
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, resjsonPath), 'utf8')), taskResources(staged));
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, taskLocPath), 'utf8')), taskLocJson(staged));
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
