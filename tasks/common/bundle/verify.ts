/**
 * Verifies a release bundle from the zip itself (every file's hash and the content digest) and
 * extracts it. This is the one gate between a built bundle and a deployment: the build task's
 * `verify` command and the deploy task both go through it.
 */
import { toError } from '../http/errors';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as yauzl from 'yauzl';
import type { BundleFileSystem } from './ports';
import {
  computeContentDigest,
  manifestEntryName,
  parseManifest,
  unsafeEntryReason,
  type BundleManifest,
  type ManifestFile,
} from './manifest';
import { parseDigestInput } from './shared-inputs';

/** One difference between a zip and its manifest (or the expected digest). */
export interface VerificationProblem {
  kind: 'tampered' | 'removed' | 'added' | 'duplicate' | 'unsafe-name' | 'digest-mismatch' | 'expected-digest-mismatch' | 'no-manifest' | 'too-large';
  /** The entry concerned, when the problem is about one file. */
  path?: string;
  detail: string;
}

/** Thrown when a bundle does not match its manifest or the expected digest. */
export class BundleVerificationError extends Error {
  constructor(
    readonly bundlePath: string,
    readonly problems: VerificationProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => `  - ${p.detail}`);
    if (problems.length > shown.length) shown.push(`  - ... and ${problems.length - shown.length} more`);
    super(`Release bundle ${bundlePath} failed verification (${problems.length} problem(s)):\n${shown.join('\n')}`);
    this.name = 'BundleVerificationError';
  }
}

/** What a successful verification found. */
export interface VerifiedBundle {
  manifest: BundleManifest;
  /** `sha256:<hex>` recomputed from the zip's contents (equal to the manifest's). */
  contentDigest: string;
  fileCount: number;
  /** Uncompressed bytes of the packed files (manifest excluded). */
  totalSize: number;
}

/** Bounds on what verification reads and extraction writes, checked before any entry is read. */
export interface ExtractionLimits {
  /** Largest total of the entries' declared uncompressed sizes, manifest included. */
  maxTotalBytes: number;
  /**
   * Largest ratio of declared uncompressed to compressed size of one entry (of at least
   * {@link ratioCheckedFromBytes}): a real bundle's files (code, wheels, configuration) stay far
   * below it, a zip bomb far above.
   */
  maxCompressionRatio: number;
}

/** 4 GiB in total, 200:1 per entry. */
export const defaultExtractionLimits: ExtractionLimits = { maxTotalBytes: 4 * 1024 ** 3, maxCompressionRatio: 200 };

/** Entries smaller than this are not held to the ratio: they cannot exhaust anything, and tiny repetitive files compress far. */
export const ratioCheckedFromBytes = 1024 * 1024;

/** The pipeline variable that raises (or lowers) {@link ExtractionLimits.maxTotalBytes}, in MB. */
export const maxBundleSizeVariable = 'DatabricksBundle.MaxUncompressedMB';

/**
 * The limits with `maxTotalBytes` from the pipeline variable {@link maxBundleSizeVariable} (a
 * whole number of megabytes), or the defaults when it is not set.
 */
export function extractionLimitsFrom(variable: string | undefined): ExtractionLimits {
  if (variable === undefined || variable.trim() === '') return defaultExtractionLimits;
  if (!/^[1-9]\d{0,6}$/.test(variable.trim())) {
    throw new Error(`Invalid pipeline variable '${maxBundleSizeVariable}' '${variable}': expected a whole number of megabytes (e.g. 8192)`);
  }
  return { ...defaultExtractionLimits, maxTotalBytes: Number(variable.trim()) * 1024 * 1024 };
}

/**
 * Checks the zip's names and declared sizes and its `manifest.json` (against `expectedDigest`, the
 * build's `bundleDigest`, when given) first, then recomputes every file's SHA-256 from the zip,
 * stopping at the first that differs. Throws {@link BundleVerificationError} listing what is wrong.
 */
export async function verifyBundle(
  fs: BundleFileSystem,
  zipPath: string,
  expectedDigest?: string,
  limits: ExtractionLimits = defaultExtractionLimits,
): Promise<VerifiedBundle> {
  return readBundle(fs, zipPath, expectedDigest, undefined, limits);
}

/**
 * Verifies the bundle exactly as {@link verifyBundle} does while writing its files under
 * `destination` (which must be missing or empty), so what is extracted is exactly what was
 * verified. Nothing is written before the names, the declared sizes (within `limits`) and the
 * manifest have passed; each file is hashed as it is written and extraction stops at the first
 * that differs from the manifest. On any problem the extracted files are removed before the error
 * is thrown.
 */
export async function extractBundle(
  fs: BundleFileSystem,
  zipPath: string,
  destination: string,
  options: { expectedDigest?: string; limits?: ExtractionLimits } = {},
): Promise<VerifiedBundle> {
  const existing = await fs.lstat(destination);
  if (existing) {
    if (existing.kind !== 'directory' || (await fs.readdir(destination)).length > 0) {
      throw new Error(`Cannot extract ${zipPath} into ${destination}: the folder must be missing or empty`);
    }
  }
  await fs.mkdir(destination);
  try {
    return await readBundle(fs, zipPath, options.expectedDigest, destination, options.limits ?? defaultExtractionLimits);
  } catch (error) {
    await fs.remove(destination);
    throw error;
  }
}

/**
 * A yauzl reader over the file-system port, so the zip is read by ranges through the port. The
 * class is made on first use: extending yauzl's at module load would load yauzl when the task
 * starts, before it knows whether it will read a zip at all.
 */
function portReader(fs: BundleFileSystem, zipPath: string): yauzl.RandomAccessReader {
  portReaderClass ??= class PortReader extends yauzl.RandomAccessReader {
    constructor(
      private readonly files: BundleFileSystem,
      private readonly path: string,
    ) {
      super();
    }
    override _readStreamForRange(start: number, end: number): Readable {
      return this.files.openRead(this.path, { start, end });
    }
  };
  return new portReaderClass(fs, zipPath);
}

let portReaderClass: (new (fs: BundleFileSystem, zipPath: string) => yauzl.RandomAccessReader) | undefined;

const maxManifestBytes = 256 * 1024 * 1024;

/** One zip entry as the central directory declares it; nothing of its data is read yet. */
interface DeclaredEntry {
  name: string;
  entry: yauzl.Entry;
}

async function readBundle(
  fs: BundleFileSystem,
  zipPath: string,
  expectedDigest: string | undefined,
  destination: string | undefined,
  limits: ExtractionLimits,
): Promise<VerifiedBundle> {
  const expected = expectedDigest ? parseDigestInput('expectedDigest', expectedDigest) : undefined;
  const info = await fs.stat(zipPath);
  if (!info || info.kind !== 'file') throw new Error(`Release bundle ${zipPath} does not exist`);
  const reader = portReader(fs, zipPath);
  const zip = await yauzl.fromRandomAccessReaderPromise(reader, info.size, {
    lazyEntries: true,
    autoClose: false,
    // Names are decoded and checked below, so a bad name becomes a listed problem, not a crash.
    decodeStrings: false,
    // The inflated bytes must match the declared size, so the declared sizes checked first bound what is written.
    validateEntrySizes: true,
  });
  try {
    const { files, manifestEntry } = await checkDeclaredEntries(zip, zipPath, limits);
    const manifest = await readManifest(zip, zipPath, manifestEntry);
    checkManifest(zipPath, manifest, files, expected);
    // Everything declared is consistent: only now is anything written.
    if (destination) await fs.writeText(path.join(destination, manifestEntryName), manifest.text);
    for (const file of files) await readEntry(fs, zip, zipPath, file, manifest.byPath.get(file.name) as ManifestFile, destination);
    let totalSize = 0;
    for (const file of manifest.parsed.files) totalSize += file.size;
    return { manifest: manifest.parsed, contentDigest: manifest.parsed.contentDigest, fileCount: files.length, totalSize };
  } finally {
    zip.close();
  }
}

/**
 * Phase 1, from the central directory alone: names (unsafe, folders, duplicates, names one file on
 * a case-insensitive system), exactly one manifest, and the declared sizes within `limits`.
 */
async function checkDeclaredEntries(zip: yauzl.ZipFile, zipPath: string, limits: ExtractionLimits): Promise<{ files: DeclaredEntry[]; manifestEntry: yauzl.Entry }> {
  const problems: VerificationProblem[] = [];
  const files: DeclaredEntry[] = [];
  const manifests: yauzl.Entry[] = [];
  const seen = new Set<string>();
  const folded = new Map<string, string>();
  let declaredTotal = 0;
  for await (const entry of iterateEntries(zip)) {
    // Without decodeStrings yauzl hands over the raw bytes; bundles are written with UTF-8 names.
    const name = Buffer.from(entry.fileName as unknown as Uint8Array).toString('utf8');
    declaredTotal += entry.uncompressedSize;
    const reason = unsafeEntryReason(name.endsWith('/') ? name.slice(0, -1) : name);
    if (reason) {
      problems.push({ kind: 'unsafe-name', path: name, detail: `entry '${name}' ${reason}` });
      continue;
    }
    if (name.endsWith('/')) {
      problems.push({ kind: 'added', path: name, detail: `unexpected folder entry '${name}'` });
      continue;
    }
    if (entry.uncompressedSize >= ratioCheckedFromBytes && entry.uncompressedSize > limits.maxCompressionRatio * entry.compressedSize) {
      const ratio = entry.compressedSize > 0 ? `${Math.round(entry.uncompressedSize / entry.compressedSize)}:1` : 'from nothing';
      problems.push({ kind: 'too-large', path: name, detail: `entry '${name}' declares ${entry.uncompressedSize} bytes compressed ${ratio}, beyond ${limits.maxCompressionRatio}:1` });
      continue;
    }
    if (name === manifestEntryName) {
      manifests.push(entry);
      continue;
    }
    if (seen.has(name)) {
      problems.push({ kind: 'duplicate', path: name, detail: `entry '${name}' appears more than once` });
      continue;
    }
    seen.add(name);
    // Names that differ only in letter case (or Unicode normalisation) are one file on Windows and
    // macOS: writing the second would replace the first, and what is deployed would differ from
    // what was verified.
    const key = name.normalize('NFC').toLowerCase();
    const earlier = folded.get(key);
    if (earlier !== undefined) {
      problems.push(collision(name));
      continue;
    }
    folded.set(key, name);
    files.push({ name, entry });
  }
  if (declaredTotal > limits.maxTotalBytes) {
    problems.push({
      kind: 'too-large',
      detail: `the zip declares ${declaredTotal} bytes uncompressed, above the limit of ${limits.maxTotalBytes} (raise it with the pipeline variable ${maxBundleSizeVariable})`,
    });
  }
  if (manifests.length !== 1) {
    problems.push({ kind: 'no-manifest', detail: manifests.length > 1 ? 'manifest.json appears more than once' : 'the zip has no manifest.json at its root' });
  } else if (manifests[0].uncompressedSize > maxManifestBytes) {
    problems.push({ kind: 'too-large', path: manifestEntryName, detail: 'manifest.json is too large' });
  }
  if (problems.length > 0) throw new BundleVerificationError(zipPath, problems);
  return { files, manifestEntry: manifests[0] };
}

interface ReadManifest {
  text: string;
  parsed: BundleManifest;
  byPath: Map<string, ManifestFile>;
}

async function readManifest(zip: yauzl.ZipFile, zipPath: string, entry: yauzl.Entry): Promise<ReadManifest> {
  const chunks: Buffer[] = [];
  try {
    const stream = await zip.openReadStreamPromise(entry);
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (error) {
    throw new BundleVerificationError(zipPath, [{ kind: 'tampered', path: manifestEntryName, detail: `manifest.json cannot be read from the zip (${toError(error).message})` }]);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed = parseManifest(text);
  return { text, parsed, byPath: new Map(parsed.files.map((file) => [file.path, file])) };
}

/**
 * Phase 2, still before anything is written: the manifest lists exactly the zip's files with their
 * declared sizes, and its content digest is its own (and the expected one). After this, a file is
 * right exactly when its bytes hash to what the manifest says.
 */
function checkManifest(zipPath: string, manifest: ReadManifest, files: readonly DeclaredEntry[], expected: string | undefined): void {
  const problems: VerificationProblem[] = [];
  const inZip = new Map(files.map((file) => [file.name, file.entry]));
  const listed = new Set<string>();
  for (const file of manifest.parsed.files) {
    if (listed.has(file.path)) problems.push({ kind: 'duplicate', path: file.path, detail: `manifest lists '${file.path}' twice` });
    listed.add(file.path);
    const entry = inZip.get(file.path);
    if (!entry) {
      problems.push({ kind: 'removed', path: file.path, detail: `'${file.path}' is in the manifest but not in the zip` });
    } else if (entry.uncompressedSize !== file.size) {
      problems.push({ kind: 'tampered', path: file.path, detail: `'${file.path}' declares ${entry.uncompressedSize} bytes in the zip, the manifest ${file.size}` });
    }
  }
  for (const name of inZip.keys()) {
    if (!listed.has(name)) problems.push({ kind: 'added', path: name, detail: `'${name}' is in the zip but not in the manifest` });
  }
  const recomputed = computeContentDigest(manifest.parsed.files);
  if (recomputed !== manifest.parsed.contentDigest) {
    problems.push({ kind: 'digest-mismatch', detail: `content digest ${recomputed} of the listed files differs from the manifest's ${manifest.parsed.contentDigest}` });
  }
  if (expected && recomputed !== expected) {
    problems.push({ kind: 'expected-digest-mismatch', detail: `content digest ${recomputed} differs from the expected ${expected}` });
  }
  if (problems.length > 0) throw new BundleVerificationError(zipPath, problems);
}

/**
 * Phase 3: streams one entry (into `destination` when extracting), hashing as it goes, and throws
 * as soon as it differs from its manifest line, so nothing after the first bad file is read.
 */
async function readEntry(fs: BundleFileSystem, zip: yauzl.ZipFile, zipPath: string, file: DeclaredEntry, listed: ManifestFile, destination: string | undefined): Promise<void> {
  const { name, entry } = file;
  if (destination && (await collides(fs, destination, name))) throw new BundleVerificationError(zipPath, [collision(name)]);
  const hash = createHash('sha256');
  let size = 0;
  const stream = await zip.openReadStreamPromise(entry);
  let unreadable: Error | undefined;
  stream.on('error', (error: Error) => (unreadable ??= error));
  const sink = destination ? await openTarget(fs, destination, name) : new Writable({ write: (_c, _e, done) => done() });
  try {
    await pipeline(
      stream,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      sink,
    );
  } catch (error) {
    // Altered compressed bytes usually break inflation (or the size check) before any hash can
    // differ: that is tampering with this entry, not a failure of the task. Write errors are.
    if (!unreadable) throw error;
    throw new BundleVerificationError(zipPath, [{ kind: 'tampered', path: name, detail: `'${name}' cannot be read from the zip (${unreadable.message}): it was altered or damaged` }]);
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== listed.sha256 || size !== listed.size) {
    throw new BundleVerificationError(zipPath, [{ kind: 'tampered', path: name, detail: `'${name}' does not match its manifest hash (sha256 ${sha256}, manifest ${listed.sha256})` }]);
  }
}

/** True when extracting `name` would land on a file an earlier entry already wrote. */
async function collides(fs: BundleFileSystem, destination: string, name: string): Promise<boolean> {
  return (await fs.lstat(path.join(destination, ...name.split('/')))) !== undefined;
}

function collision(name: string): VerificationProblem {
  return { kind: 'duplicate', path: name, detail: `entry '${name}' would overwrite a file already extracted (names differing only in case?)` };
}

async function openTarget(fs: BundleFileSystem, destination: string, name: string): Promise<Writable> {
  const target = path.join(destination, ...name.split('/'));
  await fs.mkdir(path.dirname(target));
  return fs.openWrite(target);
}

async function* iterateEntries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  while (true) {
    const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry): void => {
        cleanup();
        resolve(e);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(undefined);
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const cleanup = (): void => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}
