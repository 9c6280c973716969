/**
 * The release-bundle manifest (`manifest.json` at the root of the zip and beside it) and the
 * content digest that identifies a bundle independently of the build that produced it.
 */
import { createHash } from 'node:crypto';

/** Bumped when a reader of older manifests could misread a newer one. */
export const manifestSchemaVersion = 1;

/** Name of the manifest entry inside the zip. */
export const manifestEntryName = 'manifest.json';

/** One packed file. */
export interface ManifestFile {
  /** Zip entry name: relative, `/`-separated. */
  path: string;
  size: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

/** How an `artifacts:` entry reaches the workspace. */
export interface ManifestArtifact {
  type?: string;
  /** The artifact's folder, relative to the zip root. */
  path: string;
  build?: string;
  /**
   * `source`: the sources are packed and the deploy builds them (as the CLI does).
   * `prebuilt`: the build ran once when the bundle was made; `files` are its packed outputs and the
   * deploy must use them without rebuilding.
   */
  mode: 'source' | 'prebuilt';
  /** Packed outputs (zip entry names), for `prebuilt`. */
  files: string[];
}

/** A resolved deployment target. */
export interface ManifestTarget {
  mode?: string;
  /** The merged configuration for this target with `${var.*}` and `${bundle.*}` resolved. */
  config: Record<string, unknown>;
  /** Variable values used for this target (lookup variables are resolved at deploy time). */
  variables: Record<string, unknown>;
}

/** A secret-scan finding that was allowed through `secretScanAllow`. */
export interface AllowedSecretFinding {
  path: string;
  rule: string;
}

/** Everything `manifest.json` holds. */
export interface BundleManifest {
  schemaVersion: number;
  bundle: {
    name: string;
    /** The folder holding `databricks.yml`, relative to the zip root (`.` when at the root). */
    root: string;
  };
  version: string;
  /** `sha256:<hex>` over the sorted (path, file hash) list; see {@link computeContentDigest}. */
  contentDigest: string;
  source: { repository?: string; branch?: string; commit?: string };
  build: { id?: string; number?: string; url?: string };
  targets: Record<string, ManifestTarget>;
  artifacts: Record<string, ManifestArtifact>;
  secretScan: { enabled: boolean; allowed: AllowedSecretFinding[] };
  files: ManifestFile[];
}

/** Byte-wise (UTF-8) order, so the order does not depend on the platform's collation. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * `sha256:<hex>` of the lines `<sha256>  <path>\n` sorted by path: the same text `sha256sum`
 * prints, so the digest can be checked by hand. Build facts are not part of it on purpose: the same
 * sources give the same digest whichever build packed them.
 */
export function computeContentDigest(files: ReadonlyArray<Pick<ManifestFile, 'path' | 'sha256'>>): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => comparePaths(a.path, b.path))) hash.update(`${file.sha256}  ${file.path}\n`, 'utf8');
  return `sha256:${hash.digest('hex')}`;
}

/** Why a zip entry name is unsafe to extract, or undefined when it is a plain relative path. */
export function unsafeEntryReason(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is absolute';
  if (name.split('/').some((part) => part === '..')) return "contains '..'";
  if (name.split('/').some((part) => part === '' || part === '.')) return 'has an empty or "." segment';
  return windowsUnsafeReason(name);
}

// Windows device names: a file called `CON`, `nul.txt` or `COM1.py` opens the device instead.
const reservedWindowsName = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(\.|$)/i;

/**
 * Why `name` cannot be written on a Windows agent, which may deploy the same bundle: a character
 * Windows forbids (`< > : " | ? *`, control characters; `:` would also open an NTFS alternate
 * stream), a segment ending in a dot or space (Windows drops it, so two entries become one), or a
 * reserved device name. Checked at build and at verify.
 */
function windowsUnsafeReason(name: string): string | undefined {
  for (const part of name.split('/')) {
    const bad = /[<>:"|?*\u0000-\u001f]/.exec(part);
    if (bad) return `contains ${JSON.stringify(bad[0])}, which Windows does not allow in a file name`;
    if (/[. ]$/.test(part)) return `has a segment ending in a dot or space ('${part}'), which Windows drops`;
    if (reservedWindowsName.test(part)) return `has the reserved Windows device name '${part}'`;
  }
  return undefined;
}

/** The manifest as written: stable key order, two-space indent, trailing newline. */
export function serializeManifest(manifest: BundleManifest): string {
  return `${JSON.stringify(sortKeys(manifest), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) out[key] = sortKeys(child);
    }
    return out;
  }
  return value;
}

/** Parses and shape-checks a manifest read from a bundle. */
export function parseManifest(text: string): BundleManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`manifest.json is not valid JSON: ${(error as Error).message}`);
  }
  const manifest = data as BundleManifest;
  if (manifest === null || typeof manifest !== 'object') throw new Error('manifest.json is not an object');
  if (manifest.schemaVersion !== manifestSchemaVersion) {
    throw new Error(`manifest.json has schemaVersion ${String(manifest.schemaVersion)}; this task reads ${manifestSchemaVersion}`);
  }
  if (typeof manifest.contentDigest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(manifest.contentDigest)) {
    throw new Error('manifest.json has no valid contentDigest');
  }
  if (!Array.isArray(manifest.files)) throw new Error('manifest.json has no files list');
  for (const file of manifest.files) {
    if (typeof file?.path !== 'string' || typeof file.size !== 'number' || typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) {
      throw new Error(`manifest.json has a malformed file entry: ${JSON.stringify(file)}`);
    }
  }
  return manifest;
}
