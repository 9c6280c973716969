/**
 * Turns the task's bundle input into a folder the CLI can deploy: a release bundle zip is verified
 * and extracted (one pass, so what is deployed is exactly what was verified), and its prebuilt
 * artifacts are pinned; a plain bundle folder is used as it is.
 */
import * as path from 'node:path';
import type { Logger } from '../../ports';
import type { BundleFileSystem } from '../ports';
import { extractBundle, type ExtractionLimits, type VerifiedBundle } from '../verify';
import { unsafeEntryReason, type BundleManifest } from '../manifest';
import { addInclude, prebuiltOverlay, prebuiltOverlayFileName, rootConfigFileNames, type PrebuiltArtifact } from './prebuilt-artifacts';

/**
 * Manifest text for a log line. The content digest does not cover the manifest's name, version or
 * artifact keys, and the agent runs a `##vso[` or `##[` command found in a log line, so a tampered
 * manifest must not be able to smuggle one in (or start a new line for one).
 */
function logSafe(value: unknown): string {
  return String(value ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/##/g, '#\u200b#');
}

/** A folder ready for `databricks bundle deploy`. */
export interface PreparedBundle {
  /** The folder holding the root configuration; the CLI runs here. */
  bundleRoot: string;
  /** Present for a release bundle: what verification found. */
  verified?: VerifiedBundle;
  /** Names of the artifacts deployed from their packed outputs. */
  prebuiltArtifacts: string[];
}

/** The first root configuration file the CLI would pick in `folder`, or undefined. */
async function findRootConfig(fs: BundleFileSystem, folder: string): Promise<string | undefined> {
  for (const name of rootConfigFileNames) {
    const info = await fs.stat(path.join(folder, name));
    if (info?.kind === 'file') return path.join(folder, name);
  }
  return undefined;
}

/** A bundle folder given directly (`bundleRoot`): it must hold a root configuration. */
export async function prepareBundleFolder(fs: BundleFileSystem, folder: string): Promise<PreparedBundle> {
  const info = await fs.stat(folder);
  if (info?.kind !== 'directory') throw new Error(`Bundle folder ${folder} does not exist.`);
  if (!(await findRootConfig(fs, folder))) throw new Error(`Bundle folder ${folder} has no ${rootConfigFileNames.join(' / ')}.`);
  return { bundleRoot: folder, prebuiltArtifacts: [] };
}

/** Prebuilt artifacts of the manifest, with whether the deployed target's configuration lists `files` for them. */
export function prebuiltArtifactsOf(manifest: BundleManifest, target: string): PrebuiltArtifact[] {
  const targetConfig = manifest.targets?.[target]?.config as { artifacts?: Record<string, { files?: unknown }> } | undefined;
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => artifact.mode === 'prebuilt')
    .map(([name, artifact]) => {
      const files = targetConfig?.artifacts?.[name]?.files;
      return { name, files: artifact.files ?? [], configuredFiles: Array.isArray(files) && files.length > 0 };
    });
}

/**
 * Verifies `zipPath` (against `expectedDigest` when given) while extracting it into `destination`
 * (missing or empty), checks the bundle was built for `target`, and pins prebuilt artifacts.
 * Throws before anything is deployed when verification fails.
 */
export async function prepareReleaseBundle(
  fs: BundleFileSystem,
  zipPath: string,
  destination: string,
  options: { expectedDigest?: string; target: string; logger: Logger; limits?: ExtractionLimits },
): Promise<PreparedBundle> {
  // Names, declared sizes (within the limits) and the manifest are checked before anything is written.
  const verified = await extractBundle(fs, zipPath, destination, { expectedDigest: options.expectedDigest, limits: options.limits });
  const { manifest } = verified;
  options.logger.info(
    `Verified release bundle ${logSafe(manifest.bundle?.name)} ${logSafe(manifest.version)}: ${verified.fileCount} files, content digest ${verified.contentDigest}.`,
  );

  const root = manifest.bundle?.root ?? '.';
  if (root !== '.' && unsafeEntryReason(root)) throw new Error(`The manifest's bundle root '${root}' is not a safe relative path.`);
  const bundleRoot = root === '.' ? destination : path.join(destination, ...root.split('/'));
  const rootConfig = await findRootConfig(fs, bundleRoot);
  if (!rootConfig) throw new Error(`The release bundle has no ${rootConfigFileNames.join(' / ')} in its bundle root '${root}'.`);

  const builtTargets = Object.keys(manifest.targets ?? {});
  if (builtTargets.length > 0 && !builtTargets.includes(options.target)) {
    throw new Error(`Target '${options.target}' is not in this release bundle; it was built for: ${builtTargets.join(', ')}.`);
  }

  const prebuilt = prebuiltArtifactsOf(manifest, options.target);
  // The content digest covers the files, not the manifest's other fields: an artifact's file list
  // steers what the CLI uploads, so it may only name files that were verified and extracted.
  const verifiedPaths = new Set(manifest.files.map((file) => file.path));
  for (const artifact of prebuilt) {
    const stray = artifact.files.find((file) => typeof file !== 'string' || !verifiedPaths.has(file));
    if (stray !== undefined) {
      throw new Error(`The manifest's prebuilt artifact '${artifact.name}' lists '${String(stray)}', which is not a verified file of the release bundle.`);
    }
  }
  const overlay = prebuiltOverlay(prebuilt, options.target, destination, builtTargets.includes(options.target));
  if (overlay !== undefined) {
    const overlayPath = path.join(bundleRoot, prebuiltOverlayFileName);
    if (await fs.lstat(overlayPath)) throw new Error(`The release bundle already contains ${prebuiltOverlayFileName}; refusing to overwrite it.`);
    await fs.writeText(overlayPath, overlay);
    await fs.writeText(rootConfig, addInclude(await fs.readText(rootConfig), prebuiltOverlayFileName));
    options.logger.info(`Deploying prebuilt artifacts without rebuilding: ${prebuilt.map((artifact) => logSafe(artifact.name)).join(', ')}.`);
  }
  return { bundleRoot, verified, prebuiltArtifacts: prebuilt.map((artifact) => artifact.name) };
}
