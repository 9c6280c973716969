/**
 * Writes a deterministic zip in one streaming pass: every byte is read once, hashed and compressed
 * on the way through, so memory stays flat whatever the size of the tree.
 *
 * Entry order: the files sorted by name (UTF-8 bytes), then the manifest. The manifest holds every
 * file's hash, so writing it first would mean reading the tree twice, and a file changed between
 * the two reads would be packed with a manifest that does not describe it. Zip readers (and
 * `verify`) find entries through the central directory, so the manifest's position costs nothing.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import { ZipFile } from 'yazl';
import type { BundleFileSystem } from './ports';
import { comparePaths, unsafeEntryReason, type ManifestFile } from './manifest';

/** A file to pack: its entry name in the zip and where its bytes come from. */
export interface PackEntry {
  name: string;
  sourcePath: string;
}

/** Sees every chunk of a packed file as it streams past (the secret scanner). */
export interface ChunkObserver {
  chunk(data: Buffer): void;
  end(): void;
}

/** Options for {@link writeDeterministicZip}. */
export interface ZipWriteOptions {
  /** Observes each packed file's bytes; called once per entry, when that entry starts. */
  observe?: (entry: PackEntry) => ChunkObserver | undefined;
  /**
   * Builds the last entry from the hashes of all others (the manifest). Called only after every
   * file entry has been fully read, which is why the manifest is the zip's last entry.
   */
  finalEntry?: { name: string; content: (files: ManifestFile[]) => Buffer };
  /** Deflate level; 6 matches `zip -6` and zlib's default. */
  compressionLevel?: number;
}

/**
 * 1980-01-01 00:00, the smallest DOS timestamp. Built from local-time parts because yazl encodes
 * DOS times from local-time getters; with `forceDosTimestamp` no UTC extra field is written, so
 * the bytes do not depend on the agent's time zone.
 */
const fixedTime = new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r--: file modes on agents differ (umask, Windows), so they are not kept. */
const fixedMode = 0o100644;

/**
 * Packs `entries` into `outputPath` sorted by name, with fixed timestamps and modes, so the bytes
 * depend only on names and contents (not on the order the caller found the files in), and returns
 * each file's size and SHA-256 in that order. `finalEntry` follows the files.
 */
export async function writeDeterministicZip(
  fs: BundleFileSystem,
  outputPath: string,
  entries: readonly PackEntry[],
  options: ZipWriteOptions = {},
): Promise<ManifestFile[]> {
  const seen = new Set<string>();
  for (const entry of entries) {
    const reason = unsafeEntryReason(entry.name);
    if (reason) throw new Error(`Refusing to pack '${entry.name}': the entry name ${reason}`);
    if (seen.has(entry.name)) throw new Error(`Refusing to pack '${entry.name}' twice`);
    seen.add(entry.name);
  }
  const sorted = [...entries].sort((a, b) => comparePaths(a.name, b.name));
  const zip = new ZipFile();
  const files: ManifestFile[] = [];
  const entryOptions = {
    mtime: fixedTime,
    mode: fixedMode,
    forceDosTimestamp: true,
    compress: true,
    compressionLevel: options.compressionLevel ?? 6,
  };
  let failure: Error | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
    zip.emit('error', error);
  };

  for (const entry of sorted) {
    zip.addReadStreamLazy(entry.name, entryOptions, (callback) => {
      const hash = createHash('sha256');
      const observer = options.observe?.(entry);
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          observer?.chunk(chunk);
          done(null, chunk);
        },
        flush(done) {
          observer?.end();
          files.push({ path: entry.name, size, sha256: hash.digest('hex') });
          done();
        },
      });
      let source: Readable;
      try {
        source = fs.openRead(entry.sourcePath);
      } catch (error) {
        callback(error, new Readable({ read() {} }));
        return;
      }
      callback(null, pipeline(source, meter, (error) => error && fail(new Error(`Reading ${entry.sourcePath}: ${error.message}`))));
    });
  }
  if (options.finalEntry) {
    const { name, content } = options.finalEntry;
    zip.addReadStreamLazy(name, entryOptions, (callback) => {
      try {
        callback(null, Readable.from([content(files)]));
      } catch (error) {
        callback(error, new Readable({ read() {} }));
      }
    });
  }
  zip.end();

  const output = fs.openWrite(outputPath);
  await new Promise<void>((resolve, reject) => {
    zip.on('error', (error: Error) => reject(failure ?? error));
    pipeline(zip.outputStream as unknown as Readable, output, (error) => (error ? reject(failure ?? error) : resolve()));
  });
  if (failure) throw failure;
  return files;
}
