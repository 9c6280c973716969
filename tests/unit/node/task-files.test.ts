import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTaskFiles } from '../../../tasks/common/node/task-files';

describe('task files', () => {
  let dir: string;
  beforeEach(() => (dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'task-files-')), 'agent-temp')));
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('writes each file under a name of its own, keeping the extension, creating the folder', () => {
    const files = createTaskFiles(dir);
    const first = files.writeTemp('summary.md', '# one');
    const second = files.writeTemp('summary.md', Buffer.from('# two'));
    assert.notEqual(first, second);
    assert.equal(path.dirname(first), dir);
    assert.match(path.basename(first), /^summary-[0-9a-f]{8}\.md$/);
    assert.equal(fs.readFileSync(first, 'utf8'), '# one');
    assert.equal(fs.readFileSync(second, 'utf8'), '# two');
  });
});
