import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeBundleFileSystem as nfs } from '../../../tasks/common/node/bundle-file-system';
import { removeTree, tempDir } from './helpers';

describe('release bundle file-system port: whole small files and folder listings', () => {
  let tmp: string;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => removeTree(tmp));

  it('reads small files whole and says what the others are', async () => {
    const small = path.join(tmp, 'small.txt');
    const large = path.join(tmp, 'large.txt');
    fs.writeFileSync(small, 'print("hi")\n');
    fs.writeFileSync(large, 'x'.repeat(4096));
    fs.mkdirSync(path.join(tmp, 'folder'));
    assert.deepEqual(await nfs.readSmall(small, 4096), { info: { kind: 'file', size: 12 }, data: Buffer.from('print("hi")\n') });
    assert.deepEqual(await nfs.readSmall(large, 4096), { info: { kind: 'file', size: 4096 }, data: Buffer.from('x'.repeat(4096)) });
    assert.deepEqual(await nfs.readSmall(large, 4095), { info: { kind: 'file', size: 4096 } });
    assert.deepEqual(await nfs.readSmall(path.join(tmp, 'folder'), 4096), { info: { kind: 'directory', size: 0 } });
    assert.equal(await nfs.readSmall(path.join(tmp, 'missing.txt'), 4096), undefined);
    const empty = path.join(tmp, 'empty.txt');
    fs.writeFileSync(empty, '');
    assert.deepEqual(await nfs.readSmall(empty, 4096), { info: { kind: 'file', size: 0 }, data: Buffer.alloc(0) });
  });

  it('says a named pipe is not a file instead of waiting for a writer', async function () {
    if (process.platform === 'win32') this.skip();
    const pipe = path.join(tmp, 'pipe');
    execFileSync('mkfifo', [pipe]);
    assert.deepEqual(await nfs.readSmall(pipe, 4096), { info: { kind: 'other', size: 0 } });
  });

  it('lists a folder with the kind of each entry, symlinks as symlinks', async () => {
    fs.writeFileSync(path.join(tmp, 'a.txt'), 'a');
    fs.mkdirSync(path.join(tmp, 'b'));
    fs.symlinkSync(path.join(tmp, 'a.txt'), path.join(tmp, 'c'));
    const listed = (await nfs.list(tmp)).sort((x, y) => x.name.localeCompare(y.name));
    assert.deepEqual(listed, [
      { name: 'a.txt', kind: 'file' },
      { name: 'b', kind: 'directory' },
      { name: 'c', kind: 'symlink' },
    ]);
  });
});
