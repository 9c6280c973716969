import assert from 'node:assert/strict';
import { bumpSemver, bumpTaskVersion, changedTaskFolders, releaseChangelog } from '../../scripts/bump-version';

describe('npm run bump', () => {
  it('raises the extension version by kind', () => {
    assert.deepEqual(['major', 'minor', 'patch'].map((kind) => bumpSemver('1.4.2', kind as 'major')), ['2.0.0', '1.5.0', '1.4.3']);
    assert.throws(() => bumpSemver('1.4', 'patch'), /not <major>\.<minor>\.<patch>/);
  });

  it('keeps a task major (the Name@1 contract) and raises its minor or patch', () => {
    assert.deepEqual(bumpTaskVersion({ Major: 1, Minor: 2, Patch: 3 }, 'major'), { Major: 1, Minor: 3, Patch: 0 });
    assert.deepEqual(bumpTaskVersion({ Major: 1, Minor: 2, Patch: 3 }, 'minor'), { Major: 1, Minor: 3, Patch: 0 });
    assert.deepEqual(bumpTaskVersion({ Major: 1, Minor: 2, Patch: 3 }, 'patch'), { Major: 1, Minor: 2, Patch: 4 });
  });

  it('bumps only the tasks whose folder changed, or all when shared code changed', () => {
    const folders = ['AV1', 'BV1', 'CV1'];
    assert.deepEqual(changedTaskFolders(['tasks/BV1/run.ts', 'README.md'], folders), ['BV1']);
    assert.deepEqual(changedTaskFolders(['tasks/common/http/errors.ts'], folders), folders);
    assert.deepEqual(changedTaskFolders([], folders), []);
  });

  it("releases the changelog's Unreleased section under the new version", () => {
    assert.equal(releaseChangelog('# Changelog\n\n## Unreleased\n\n- x\n\n## 1.0.0\n', '1.1.0'), '# Changelog\n\n## Unreleased\n\n## 1.1.0\n\n- x\n\n## 1.0.0\n');
    assert.throws(() => releaseChangelog('# Changelog\n', '1.1.0'), /Unreleased/);
  });
});
