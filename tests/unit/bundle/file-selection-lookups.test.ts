import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { nodeBundleFileSystem as nfs } from '../../../tasks/common/node/bundle-file-system';
import { selectFiles } from '../../../tasks/common/bundle/file-selection';
import type { BundleFileSystem } from '../../../tasks/common/bundle/ports';
import { removeTree, tempDir, writeTree } from './helpers';

describe('bundle file selection: file-system calls per folder', () => {
  let tmp: string;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => removeTree(tmp));

  it('walks a tree with one listing per folder, looking up only the .gitignore files that exist', async () => {
    const repo = path.join(tmp, 'repo');
    const files: Record<string, string> = { 'bundle/databricks.yml': 'bundle: {name: b}\n', 'bundle/src/.gitignore': '*.tmp\n' };
    for (let p = 0; p < 5; p++) for (let m = 0; m < 4; m++) for (let f = 0; f < 3; f++) files[`bundle/src/pkg${p}/mod${m}/file${f}.py`] = `x = ${f}\n`;
    files['bundle/src/pkg0/mod0/scratch.tmp'] = 'ignored';
    writeTree(repo, files);
    const calls: string[] = [];
    const counting: BundleFileSystem = {
      ...nfs,
      list: (directory) => (calls.push(`list ${directory}`), nfs.list(directory)),
      lstat: (target) => (calls.push(`lstat ${target}`), nfs.lstat(target)),
      stat: (target) => (calls.push(`stat ${target}`), nfs.stat(target)),
      realpath: (target) => (calls.push(`realpath ${target}`), nfs.realpath(target)),
    };
    const bundleRoot = path.join(repo, 'bundle');
    const selection = await selectFiles(counting, { bundleRoot, repositoryRoot: repo, syncPaths: [], include: [], exclude: [] });
    assert.equal(selection.files.length, 5 * 4 * 3 + 2);
    assert.ok(!selection.files.some((f) => f.entry.endsWith('.tmp')), 'the nested .gitignore still applies');
    const inside = calls.filter((c) => c.includes(`${path.sep}src${path.sep}pkg`));
    // 5 + 20 folders under src: one listing each, and nothing else (no lstat per file, no realpath or .gitignore lookup per folder).
    assert.equal(inside.filter((c) => c.startsWith('list ')).length, 25);
    assert.deepEqual(inside.filter((c) => !c.startsWith('list ')), []);
  });
});
