/** Test helpers for the release-bundle tests: temporary repositories, the fixture and the schema. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileBundleSchema, type BundleSchemaValidator } from '../../../tasks/common/bundle/schema-validation';
import { loadSchema } from '../../support/schemas';
import { silentLogger } from '../../../tasks/common/ports';
import { fakeRunner } from '../../fakes/command-runners';
import type { BuildDependencies, BuildSettings } from '../../../tasks/common/bundle/release-bundle';
import { nodeBundleFileSystem } from '../../../tasks/common/node/bundle-file-system';

export const fixtureRepo = path.resolve(__dirname, '..', '..', 'fixtures', 'bundles', 'churn-repo');

/** A fresh temporary folder; remove it with {@link removeTree}. */
export function tempDir(prefix = 'release-bundle-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTree(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `files` (relative path -> content) under `root`, and a `.git` folder unless `git` is false. */
export function writeTree(root: string, files: Record<string, string>, options: { git?: boolean } = {}): string {
  if (options.git !== false) fs.mkdirSync(path.join(root, '.git'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

/**
 * Copies the churn fixture into `root` as a repository: `.gitignore.fixture` files become
 * `.gitignore` and a `.git` folder is added. Returns the bundle root.
 */
export function copyFixture(root: string): string {
  fs.cpSync(fixtureRepo, root, { recursive: true });
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name === '.gitignore.fixture') {
      fs.renameSync(path.join(entry.parentPath, entry.name), path.join(entry.parentPath, '.gitignore'));
    }
  }
  fs.mkdirSync(path.join(root, '.git'), { recursive: true });
  return path.join(root, 'churn-model');
}

let compiled: BundleSchemaValidator | undefined;

/** The shared bundle schema, compiled once per test process (skips the test when it is missing). */
export function bundleSchema(context: Mocha.Context): BundleSchemaValidator {
  compiled ??= compileBundleSchema(loadSchema('databricks-bundle.schema.json', context));
  return compiled;
}

/** Dependencies for buildReleaseBundle with the real file system. */
export function buildDeps(overrides: Partial<BuildDependencies> = {}): BuildDependencies {
  return { fs: nodeBundleFileSystem, runner: fakeRunner(), logger: silentLogger, env: {}, ...overrides };
}

/** Settings for buildReleaseBundle with sensible test defaults. */
export function buildSettings(bundleRoot: string, outputDirectory: string, overrides: Partial<BuildSettings> = {}): BuildSettings {
  return {
    bundleRoot,
    targets: [],
    variables: {},
    version: '1.2.3',
    outputDirectory,
    strict: false,
    buildArtifacts: false,
    secretScan: true,
    secretScanAllow: [],
    source: { repository: 'https://dev.azure.com/contoso/ml/_git/churn', branch: 'refs/heads/release/1.2', commit: '0123456789abcdef0123456789abcdef01234567' },
    build: { id: '42', number: '1.2.3', url: 'https://dev.azure.com/contoso/ml/_build/results?buildId=42' },
    ...overrides,
  };
}

/** Secret-shaped values, assembled at run time so this source file holds none of them. */
export const fakeSecrets = {
  databricksToken: `dapi${'0a1b2c3d'.repeat(4)}`,
  privateKey: `-----BEGIN ${'RSA PRIVATE'} KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----`,
  storageKey: `DefaultEndpointsProtocol=https;AccountName=churn;AccountKey=${'Zm9vYmFy'.repeat(8)}==;EndpointSuffix=core.windows.net`,
  entraSecret: `abc8Q~${'Xy7_Kq.9'.repeat(4)}`,
};
