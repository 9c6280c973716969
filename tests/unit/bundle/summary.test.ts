import { strict as assert } from 'node:assert';
import { renderBuildSummary, renderVerifySummary } from '../../../tasks/common/bundle/summary';
import type { BuildResult } from '../../../tasks/common/bundle/release-bundle';
import { computeContentDigest, type BundleManifest } from '../../../tasks/common/bundle/manifest';

const files = [{ path: 'databricks.yml', size: 2048, sha256: 'a'.repeat(64) }];
const manifest: BundleManifest = {
  schemaVersion: 1,
  bundle: { name: 'churn', root: '.' },
  version: '1.0.7',
  contentDigest: computeContentDigest(files),
  source: { commit: 'abc123' },
  build: {},
  targets: { prod: { mode: 'production', config: {}, variables: {} } },
  artifacts: { wheel: { type: 'whl', path: '.', build: 'uv build', mode: 'prebuilt', files: ['dist/w.whl'] } },
  secretScan: { enabled: true, allowed: [] },
  files,
};

describe('release bundle summaries', () => {
  it('shows targets, files, size, digest, artifacts and every finding', () => {
    const result: BuildResult = {
      succeeded: true,
      findings: [{ severity: 'warning', check: 'include-no-match', file: 'databricks.yml', line: 4, key: 'include[0]', message: "include pattern 'x/*.yml' matches no file | really" }],
      targets: ['prod'],
      bundleName: 'churn',
      manifest,
      fileCount: 1,
      totalSize: 2048,
      zipSize: 1500,
      schemaChecked: true,
    };
    const markdown = renderBuildSummary(result, '/schemas/bundle.json');
    assert.ok(markdown.includes(manifest.contentDigest));
    assert.ok(markdown.includes('| Files | 1 |'));
    assert.ok(markdown.includes('2.0 KiB (zip 1.5 KiB)'));
    assert.ok(markdown.includes('wheel: prebuilt (1 file(s))'));
    assert.ok(markdown.includes('databricks.yml:4 include[0]'));
    assert.ok(markdown.includes('\\| really'), 'pipes in findings are escaped for the table');
    assert.ok(markdown.includes('bundle JSON schema and semantic checks'));
  });

  it('says when only the semantic checks ran and when nothing was built', () => {
    const markdown = renderBuildSummary({ succeeded: false, findings: [], targets: [], fileCount: 0, totalSize: 0, zipSize: 0, schemaChecked: false }, undefined);
    assert.ok(markdown.includes('Not built'));
    assert.ok(markdown.includes('semantic checks only'));
  });

  it('shows what verify checked', () => {
    const markdown = renderVerifySummary('/drop/churn-1.0.7.zip', { manifest, contentDigest: manifest.contentDigest, fileCount: 1, totalSize: 2048 }, manifest.contentDigest);
    assert.ok(markdown.includes('matches the expected digest'));
    assert.ok(markdown.includes('every SHA-256 recomputed'));
  });
});
