import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parse } from 'yaml';
import { addInclude, prebuiltOverlay } from '../../../../tasks/common/bundle/deploy/prebuilt-artifacts';
import { prebuiltArtifactsOf } from '../../../../tasks/common/bundle/deploy/prepare';
import type { BundleManifest } from '../../../../tasks/common/bundle/manifest';

describe('bundle deploy: prebuilt artifacts', () => {
  const root = path.resolve('/agent/_temp/bundle');

  it('empties the build command and points files at the packed outputs only where none were configured', () => {
    const text = prebuiltOverlay(
      [
        { name: 'wheel', files: ['dist/a-1.0-py3-none-any.whl'], configuredFiles: false },
        { name: 'jar', files: ['target/app.jar'], configuredFiles: true },
      ],
      'prod',
      root,
      true,
    );
    assert.deepEqual(parse(text ?? ''), {
      artifacts: {
        jar: { build: '' },
        wheel: { build: '', files: [{ source: path.join(root, 'dist', 'a-1.0-py3-none-any.whl') }] },
      },
      targets: { prod: { artifacts: { jar: { build: '' }, wheel: { build: '' } } } },
    });
  });

  it('never declares a target the bundle does not, and writes nothing without prebuilt artifacts', () => {
    const text = prebuiltOverlay([{ name: 'wheel', files: [], configuredFiles: true }], 'adhoc', root, false);
    assert.equal((parse(text ?? '') as { targets?: unknown }).targets, undefined);
    assert.equal(prebuiltOverlay([], 'prod', root, true), undefined);
  });

  it('appends to the include list keeping comments, creates it when missing, and refuses a non-list', () => {
    const withList = addInclude('# churn bundle\nbundle:\n  name: churn\ninclude:\n  - resources/*.yml # jobs\n', 'extra.yml');
    assert.match(withList, /# churn bundle/);
    assert.match(withList, /# jobs/);
    assert.deepEqual((parse(withList) as { include: string[] }).include, ['resources/*.yml', 'extra.yml']);
    assert.deepEqual((parse(addInclude('bundle:\n  name: churn\n', 'extra.yml')) as { include: string[] }).include, ['extra.yml']);
    assert.equal(addInclude('include:\n  - extra.yml\n', 'extra.yml'), 'include:\n  - extra.yml\n');
    assert.throws(() => addInclude('include: resources/*.yml\n', 'extra.yml'), /not a list/);
  });

  it('reads which artifacts are prebuilt and whether the target configures their files', () => {
    const manifest = {
      targets: { prod: { config: { artifacts: { wheel: { files: [{ source: 'dist/*.whl' }] } } }, variables: {} } },
      artifacts: {
        wheel: { path: '.', mode: 'prebuilt', files: ['dist/a.whl'] },
        jar: { path: 'java', mode: 'prebuilt', files: ['java/app.jar'] },
        src: { path: 'lib', mode: 'source', files: [] },
      },
    } as unknown as BundleManifest;
    assert.deepEqual(prebuiltArtifactsOf(manifest, 'prod'), [
      { name: 'wheel', files: ['dist/a.whl'], configuredFiles: true },
      { name: 'jar', files: ['java/app.jar'], configuredFiles: false },
    ]);
  });
});
