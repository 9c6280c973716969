/**
 * Verifies a release bundle from the zip itself (every file's hash and the content digest) and
 * extracts it. This is the one gate between a built bundle and a deployment: the build task's
 * `verify` command and the deploy task both go through it.
 */
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
  kind: 'tampered' | 'removed' | 'added' | 'duplicate' | 'unsafe-name' | 'digest-mismatch' | 'expected-digest-mismatch' | 'no-manifest';
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

/**
 * Recomputes every file's SHA-256 and the content digest from the zip and compares them with the
 * zip's `manifest.json` and, when given, `expectedDigest` (the build's `bundleDigest`). Throws
 * {@link BundleVerificationError} listing every difference.
 */
export async function verifyBundle(fs: BundleFileSystem, zipPath: string, expectedDigest?: string): Promise<VerifiedBundle> {
  return readBundle(fs, zipPath, expectedDigest, undefined);
}

/**
 * Verifies the bundle exactly as {@link verifyBundle} does while writing its files under
 * `destination` (which must be missing or empty), so what is extracted is exactly what was
 * verified. On any problem the extracted files are removed before the error is thrown.
 */
export async function extractBundle(
  fs: BundleFileSystem,
  zipPath: string,
  destination: string,
  options: { expectedDigest?: string } = {},
): Promise<VerifiedBundle> {
  const existing = await fs.lstat(destination);
  if (existing) {
    if (existing.kind !== 'directory' || (await fs.readdir(destination)).length > 0) {
      throw new Error(`Cannot extract ${zipPath} into ${destination}: the folder must be missing or empty`);
    }
  }
  await fs.mkdir(destination);
  try {
    return await readBundle(fs, zipPath, options.expectedDigest, destination);
  } catch (error) {
    await fs.remove(destination);
    throw error;
  }
}

/** A yauzl reader over the file-system port, so the zip is read by ranges through the port. */
class PortReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly fs: BundleFileSystem,
    private readonly zipPath: string,
  ) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return this.fs.openRead(this.zipPath, { start, end });
  }
}

const maxManifestBytes = 256 * 1024 * 1024;

async function readBundle(
  fs: BundleFileSystem,
  zipPath: string,
  expectedDigest: string | undefined,
  destination: string | undefined,
): Promise<VerifiedBundle> {
  const expected = expectedDigest ? parseDigestInput('expectedDigest', expectedDigest) : undefined;
  const info = await fs.stat(zipPath);
  if (!info || info.kind !== 'file') throw new Error(`Release bundle ${zipPath} does not exist`);
  const reader = new PortReader(fs, zipPath);
  const zip = await yauzl.fromRandomAccessReaderPromise(reader, info.size, {
    lazyEntries: true,
    autoClose: false,
    // Names are decoded and checked below, so a bad name becomes a listed problem, not a crash.
    decodeStrings: false,
    validateEntrySizes: true,
  });
  const problems: VerificationProblem[] = [];
  const actual = new Map<string, ManifestFile>();
  /** Entries that could not be read back: reported once as tampered, not compared further. */
  const damaged = new Set<string>();
  let manifestText: string | undefined;
  let manifestCount = 0;
  try {
    for await (const entry of iterateEntries(zip)) {
      // Without decodeStrings yauzl hands over the raw bytes; bundles are written with UTF-8 names.
      const name = Buffer.from(entry.fileName as unknown as Uint8Array).toString('utf8');
      const reason = unsafeEntryReason(name.endsWith('/') ? name.slice(0, -1) : name);
      if (reason) {
        problems.push({ kind: 'unsafe-name', path: name, detail: `entry '${name}' ${reason}` });
        continue;
      }
      if (name.endsWith('/')) {
        problems.push({ kind: 'added', path: name, detail: `unexpected folder entry '${name}'` });
        continue;
      }
      if (name === manifestEntryName) {
        manifestCount += 1;
        if (entry.uncompressedSize > maxManifestBytes) throw new Error(`${zipPath}: manifest.json is too large`);
        const chunks: Buffer[] = [];
        const stream = await zip.openReadStreamPromise(entry);
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        manifestText = Buffer.concat(chunks).toString('utf8');
        if (destination) {
          if (await collides(fs, destination, name)) problems.push(collision(name));
          else await fs.writeText(path.join(destination, manifestEntryName), manifestText);
        }
        continue;
      }
      if (actual.has(name) || damaged.has(name)) {
        problems.push({ kind: 'duplicate', path: name, detail: `entry '${name}' appears more than once` });
        continue;
      }
      if (destination && (await collides(fs, destination, name))) {
        // Names that differ only in letter case (or Unicode normalisation) are one file on Windows and
        // macOS: writing the second would replace the first, and what is deployed would differ from
        // what was verified.
        problems.push(collision(name));
        damaged.add(name);
        continue;
      }
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
        problems.push({ kind: 'tampered', path: name, detail: `'${name}' cannot be read from the zip (${unreadable.message}): it was altered or damaged` });
        damaged.add(name);
        continue;
      }
      actual.set(name, { path: name, size, sha256: hash.digest('hex') });
    }
  } finally {
    zip.close();
  }

  if (manifestText === undefined || manifestCount !== 1) {
    problems.push({ kind: 'no-manifest', detail: manifestCount > 1 ? 'manifest.json appears more than once' : 'the zip has no manifest.json at its root' });
    throw new BundleVerificationError(zipPath, problems);
  }
  const manifest = parseManifest(manifestText);
  const listed = new Map<string, ManifestFile>();
  for (const file of manifest.files) {
    if (listed.has(file.path)) problems.push({ kind: 'duplicate', path: file.path, detail: `manifest lists '${file.path}' twice` });
    listed.set(file.path, file);
    const found = actual.get(file.path);
    if (damaged.has(file.path)) continue;
    if (!found) {
      problems.push({ kind: 'removed', path: file.path, detail: `'${file.path}' is in the manifest but not in the zip` });
    } else if (found.sha256 !== file.sha256 || found.size !== file.size) {
      problems.push({ kind: 'tampered', path: file.path, detail: `'${file.path}' does not match its manifest hash (sha256 ${found.sha256}, manifest ${file.sha256})` });
    }
  }
  for (const name of [...actual.keys(), ...damaged]) {
    if (!listed.has(name)) problems.push({ kind: 'added', path: name, detail: `'${name}' is in the zip but not in the manifest` });
  }
  const recomputed = computeContentDigest([...actual.values()]);
  if (recomputed !== manifest.contentDigest) {
    problems.push({ kind: 'digest-mismatch', detail: `content digest ${recomputed} differs from the manifest's ${manifest.contentDigest}` });
  }
  if (expected && recomputed !== expected) {
    problems.push({ kind: 'expected-digest-mismatch', detail: `content digest ${recomputed} differs from the expected ${expected}` });
  }
  if (problems.length > 0) throw new BundleVerificationError(zipPath, problems);
  let totalSize = 0;
  for (const file of actual.values()) totalSize += file.size;
  return { manifest, contentDigest: recomputed, fileCount: actual.size, totalSize };
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
