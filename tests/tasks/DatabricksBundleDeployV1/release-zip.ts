/**
 * Writes small release bundle zips for the deploy tests: the files, then a `manifest.json` built
 * with the release-bundle manifest functions, so verification is the real one. `tamper` changes a
 * file's bytes after its hash went into the manifest.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { ZipFile } from 'yazl';
import { computeContentDigest, manifestSchemaVersion, serializeManifest, type BundleManifest, type ManifestArtifact } from '../../../tasks/common/bundle/manifest';

export interface ReleaseZipOptions {
  files: Record<string, string>;
  /** Folder of databricks.yml inside the zip. */
  root?: string;
  targets?: string[];
  artifacts?: Record<string, ManifestArtifact>;
  /** Entry name whose bytes are changed after hashing. */
  tamper?: string;
  /** Manifest fields the content digest does not cover. */
  bundleName?: string;
  version?: string;
}

/** Writes the zip to `zipPath` and returns the manifest's content digest. */
export async function writeReleaseZip(zipPath: string, options: ReleaseZipOptions): Promise<string> {
  const names = Object.keys(options.files).sort();
  const files = names.map((name) => {
    const data = Buffer.from(options.files[name]);
    return { path: name, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  });
  const contentDigest = computeContentDigest(files);
  const manifest: BundleManifest = {
    schemaVersion: manifestSchemaVersion,
    bundle: { name: options.bundleName ?? 'churn', root: options.root ?? '.' },
    version: options.version ?? '2026.11.1',
    contentDigest,
    source: { repository: 'https://dev.azure.com/contoso/mlops/_git/churn', branch: 'refs/heads/release/1', commit: 'abc123' },
    build: { id: '17', number: '2026.11.1' },
    targets: Object.fromEntries((options.targets ?? ['staging', 'prod']).map((target) => [target, { mode: 'production', config: {}, variables: {} }])),
    artifacts: options.artifacts ?? {},
    secretScan: { enabled: true, allowed: [] },
    files,
  };
  const zip = new ZipFile();
  for (const name of names) {
    const data = name === options.tamper ? Buffer.from(`${options.files[name]}\n# tampered`) : Buffer.from(options.files[name]);
    zip.addBuffer(data, name, { mtime: new Date(1980, 0, 1), mode: 0o100644 });
  }
  zip.addBuffer(Buffer.from(serializeManifest(manifest)), 'manifest.json', { mtime: new Date(1980, 0, 1), mode: 0o100644 });
  zip.end();
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(zipPath)).on('finish', resolve).on('error', reject);
  });
  return contentDigest;
}
