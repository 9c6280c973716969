import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeBundleFileSystem as nfs } from '../../../tasks/common/node/bundle-file-system';
import { findRepositoryRoot, selectFiles, type SelectionOptions } from '../../../tasks/common/bundle/file-selection';
import { removeTree, tempDir, writeTree } from './helpers';

describe('bundle file selection (sync rules, .gitignore, symlinks)', () => {
  let tmp: string;
  let repo: string;
  beforeEach(() => {
    tmp = tempDir();
    repo = path.join(tmp, 'repo');
  });
  afterEach(() => removeTree(tmp));

  const select = async (options: Partial<SelectionOptions> = {}) => {
    const bundleRoot = options.bundleRoot ?? path.join(repo, 'bundle');
    const selection = await selectFiles(nfs, { bundleRoot, repositoryRoot: repo, syncPaths: [], include: [], exclude: [], ...options });
    return { ...selection, entries: selection.files.map((f) => f.entry) };
  };

  it('finds the repository root from a nested folder', async () => {
    writeTree(repo, { 'a/b/file.txt': 'x' });
    assert.equal(await findRepositoryRoot(nfs, path.join(repo, 'a', 'b')), repo);
    assert.equal(await findRepositoryRoot(nfs, path.parse(tmp).root), undefined);
  });

  it('honours .gitignore files of the bundle folder and of its parents inside the repository, with git precedence', async () => {
    writeTree(repo, {
      '.gitignore': '*.log\n__pycache__/\nsecret-notes.txt\n',
      'bundle/.gitignore': 'dist/\n!keep.log\nscratch/*\n!scratch/keep.md\n',
      'bundle/src/.gitignore': 'generated.py\n',
      'bundle/databricks.yml': 'bundle: {name: b}\n',
      'bundle/run.log': 'ignored by the repository .gitignore',
      'bundle/keep.log': 're-included by the bundle .gitignore',
      'bundle/dist/b-0.1-py3-none-any.whl': 'ignored folder',
      'bundle/src/__pycache__/x.pyc': 'ignored folder from the parent',
      'bundle/src/app.py': 'kept',
      'bundle/src/generated.py': 'ignored by the nested .gitignore',
      'bundle/scratch/tmp.txt': 'ignored',
      'bundle/scratch/keep.md': 'negated',
      'bundle/.databricks/bundle/dev/state.json': 'never packed',
      'bundle/secret-notes.txt': 'ignored',
    });
    const { entries, syncRoot } = await select();
    assert.equal(syncRoot, path.join(repo, 'bundle'));
    assert.deepEqual(entries, ['.gitignore', 'databricks.yml', 'keep.log', 'scratch/keep.md', 'src/.gitignore', 'src/app.py']);
  });

  it('applies sync.include over .gitignore and sync.exclude over both', async () => {
    writeTree(repo, {
      'bundle/.gitignore': 'generated/\n',
      'bundle/databricks.yml': 'x',
      'bundle/generated/model.json': 'included back',
      'bundle/generated/big.bin': 'still ignored',
      'bundle/tests/test_a.py': 'excluded',
      'bundle/src/a.py': 'kept',
      'bundle/src/a_test.py': 'excluded by glob',
    });
    const { entries } = await select({ include: ['generated/*.json'], exclude: ['tests/', '*_test.py'] });
    assert.deepEqual(entries, ['.gitignore', 'databricks.yml', 'generated/model.json', 'src/a.py']);
  });

  it('packs sync.paths outside the bundle root relative to their common root', async () => {
    writeTree(repo, {
      'bundle/databricks.yml': 'x',
      'bundle/src/a.py': 'a',
      'shared/lib/util.py': 'shared',
      'other/unrelated.py': 'not synced',
    });
    const { entries, syncRoot } = await select({ syncPaths: [path.join(repo, 'shared'), path.join(repo, 'bundle')] });
    assert.equal(syncRoot, repo);
    assert.deepEqual(entries, ['bundle/databricks.yml', 'bundle/src/a.py', 'shared/lib/util.py']);
  });

  it('joins sync.include/exclude to the bundle folder when sync.paths widen the sync root, as the CLI does', async () => {
    writeTree(repo, {
      'bundle/.gitignore': 'dist/\n',
      'bundle/databricks.yml': 'x',
      'bundle/top.pyc': 'excluded: <bundle>/*.pyc',
      'bundle/src/deep.pyc': 'kept: the joined pattern is anchored',
      'bundle/tests/t.py': 'excluded: <bundle>/tests',
      'bundle/src/tests/u.py': 'kept',
      'bundle/dist/w.whl': 'included back: <bundle>/dist/*.whl',
      'shared/lib/s.pyc': 'kept: outside the bundle folder',
      'shared/dist/x.whl': 'not included: outside the bundle folder',
      'shared/.gitignore': 'dist/\n',
    });
    const { entries } = await select({ syncPaths: [path.join(repo, 'shared'), path.join(repo, 'bundle')], include: ['dist/*.whl'], exclude: ['*.pyc', 'tests/'] });
    assert.deepEqual(entries, [
      'bundle/.gitignore',
      'bundle/databricks.yml',
      'bundle/dist/w.whl',
      'bundle/src/deep.pyc',
      'bundle/src/tests/u.py',
      'shared/.gitignore',
      'shared/lib/s.pyc',
    ]);
  });

  it('refuses sync paths outside the repository', async () => {
    writeTree(repo, { 'bundle/databricks.yml': 'x' });
    writeTree(tmp, { 'outside/leak.py': 'x' }, { git: false });
    const { entries, refused } = await select({ syncPaths: [path.join(tmp, 'outside'), path.join(repo, 'bundle')] });
    assert.deepEqual(entries, ['databricks.yml']);
    assert.deepEqual(refused.map((r) => r.reason), ['outside-repository']);
  });

  it('follows symlinks that stay inside the repository', async () => {
    writeTree(repo, { 'bundle/databricks.yml': 'x', 'shared/util.py': 'u', 'shared/pkg/m.py': 'm' });
    fs.symlinkSync(path.join(repo, 'shared', 'util.py'), path.join(repo, 'bundle', 'util.py'));
    fs.symlinkSync(path.join('..', 'shared', 'pkg'), path.join(repo, 'bundle', 'pkg'));
    const { entries, refused, files } = await select();
    assert.deepEqual(entries, ['databricks.yml', 'pkg/m.py', 'util.py']);
    assert.deepEqual(refused, []);
    assert.equal(fs.readFileSync(files.find((f) => f.entry === 'pkg/m.py')!.source, 'utf8'), 'm');
  });

  it('refuses a symlink that leaves the repository, but not one that is ignored anyway', async () => {
    writeTree(repo, { 'bundle/databricks.yml': 'x', 'bundle/.gitignore': 'ignored-link\n' });
    writeTree(tmp, { 'outside/id_rsa': 'private' }, { git: false });
    fs.symlinkSync(path.join(tmp, 'outside', 'id_rsa'), path.join(repo, 'bundle', 'key'));
    fs.symlinkSync(path.join(tmp, 'outside'), path.join(repo, 'bundle', 'outside-dir'));
    fs.symlinkSync(path.join(tmp, 'outside'), path.join(repo, 'bundle', 'ignored-link'));
    const { entries, refused } = await select();
    assert.deepEqual(entries, ['.gitignore', 'databricks.yml']);
    assert.deepEqual(refused.map((r) => [r.reason, path.basename(r.path)]).sort(), [['symlink-escape', 'key'], ['symlink-escape', 'outside-dir']]);
  });

  it('refuses a sync path or bundle root reached through a symlink that leaves the repository', async () => {
    writeTree(repo, { 'bundle/databricks.yml': 'x' });
    writeTree(tmp, { 'outside/id_rsa': 'private', 'outside/bundle/databricks.yml': 'x' }, { git: false });
    fs.symlinkSync(path.join(tmp, 'outside'), path.join(repo, 'shared'));
    const viaLink = await select({ syncPaths: [path.join(repo, 'shared'), path.join(repo, 'bundle')] });
    assert.deepEqual(viaLink.entries, ['databricks.yml']);
    assert.deepEqual(viaLink.refused.map((r) => [r.reason, path.basename(r.path)]), [['symlink-escape', 'shared']]);
    const linkedRoot = await select({ bundleRoot: path.join(repo, 'shared', 'bundle') });
    assert.deepEqual(linkedRoot.entries, []);
    assert.deepEqual(linkedRoot.refused.map((r) => r.reason), ['symlink-escape']);
  });

  it('does not loop on a symlink cycle', async () => {
    writeTree(repo, { 'bundle/databricks.yml': 'x', 'bundle/a/f.txt': 'f' });
    fs.symlinkSync('..', path.join(repo, 'bundle', 'a', 'up'));
    const { entries } = await select();
    assert.deepEqual(entries, ['a/f.txt', 'databricks.yml']);
  });

  it('never packs the output folder when it lies inside the sources', async () => {
    writeTree(repo, { 'bundle/databricks.yml': 'x', 'bundle/out/old.zip': 'z' });
    const { entries } = await select({ skip: [path.join(repo, 'bundle', 'out')] });
    assert.deepEqual(entries, ['databricks.yml']);
  });
});
