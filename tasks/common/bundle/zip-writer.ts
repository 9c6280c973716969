/**
 * Writes a deterministic zip in one streaming pass: every byte is read once, hashed, scanned and
 * compressed on the way through, so memory stays flat whatever the size of the tree.
 *
 * Deflate is the slow part, and zlib runs it on libuv's thread pool: files are cut into 1 MiB
 * blocks, each compressed on its own (as `pigz -i` does) with a few blocks in flight, so the
 * agent's cores compress in parallel while the writes stay in order. A block ends with a sync flush
 * unless it is the file's last, so the blocks concatenate into one valid deflate stream; the block
 * size is fixed, so the bytes depend only on the contents.
 *
 * Entry order: the files sorted by name (UTF-8 bytes), then the manifest. The manifest holds every
 * file's hash, so writing it first would mean reading the tree twice, and a file changed between
 * the two reads would be packed with a manifest that does not describe it. Zip readers (and
 * `verify`) find entries through the central directory, so the manifest's position costs nothing.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import type { BundleFileSystem } from './ports';
import { comparePaths, unsafeEntryReason, type ManifestFile } from './manifest';
import { centralDirectoryEntry, dataDescriptor, endOfCentralDirectory, localHeader, needsZip64, type ZipEntryRecord } from './zip-format';

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
  /** Builds the last entry from the hashes of all others (the manifest), after every file was read. */
  finalEntry?: { name: string; content: (files: ManifestFile[]) => Buffer };
  /** Deflate level; 6 matches `zip -6` and zlib's default. */
  compressionLevel?: number;
  /** Bytes per independently compressed block (default 1 MiB); part of what determines the bytes. */
  blockBytes?: number;
  /** Blocks compressed at the same time (default 4). */
  parallelBlocks?: number;
  /** ZIP64 records for every entry and the end, as for a tree past 4 GiB (only large entries otherwise). */
  forceZip64?: boolean;
  /** Stops packing (the write rejects with the signal's reason) when the pipeline cancels the step. */
  signal?: AbortSignal;
}

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
  const writer = new OrderedWriter(fs.openWrite(outputPath), Math.max(1, options.parallelBlocks ?? 4));
  const level = options.compressionLevel ?? 6;
  const blockBytes = options.blockBytes ?? 1024 * 1024;
  const records: ZipEntryRecord[] = [];
  const files: ManifestFile[] = [];
  try {
    for (const entry of sorted) {
      options.signal?.throwIfAborted();
      const info = await fs.stat(entry.sourcePath);
      if (!info || info.kind !== 'file') throw new Error(`Reading ${entry.sourcePath}: not a file any more`);
      let source: Readable;
      try {
        source = fs.openRead(entry.sourcePath);
      } catch (error) {
        throw new Error(`Reading ${entry.sourcePath}: ${(error as Error).message}`);
      }
      const packed = await packEntry(writer, entry, source, {
        level,
        blockBytes,
        zip64: options.forceZip64 === true || needsZip64(info.size),
        observer: options.observe?.(entry),
        signal: options.signal,
      });
      records.push(packed.record);
      files.push(packed.file);
    }
    if (options.finalEntry) {
      const { name, content } = options.finalEntry;
      const entry = { name, sourcePath: name };
      records.push((await packEntry(writer, entry, Readable.from([content(files)]), { level, blockBytes, zip64: options.forceZip64 === true })).record);
    }
    await writer.drain();
    const directoryOffset = writer.offset;
    for (const record of records) await writer.write(centralDirectoryEntry(record));
    await writer.write(endOfCentralDirectory(records.length, directoryOffset, writer.offset - directoryOffset, options.forceZip64 === true));
    await writer.close();
  } catch (error) {
    // Wait for the file to be closed, so the caller can delete the partial zip right away (an
    // open handle keeps it, or lets the pending open re-create it after the delete).
    await writer.abort();
    throw error;
  }
  return files;
}

/** Tunables and observers of one entry. */
interface EntryOptions {
  level: number;
  blockBytes: number;
  zip64: boolean;
  observer?: ChunkObserver;
  signal?: AbortSignal;
}

/** Streams one entry: local header, compressed blocks, data descriptor. */
async function packEntry(writer: OrderedWriter, entry: PackEntry, source: Readable, options: EntryOptions): Promise<{ record: ZipEntryRecord; file: ManifestFile }> {
  const record: ZipEntryRecord = { name: Buffer.from(entry.name, 'utf8'), crc32: 0, compressedSize: 0, uncompressedSize: 0, offset: 0, zip64: options.zip64 };
  await writer.push({ data: localHeader(record.name, record.zip64), written: (offset) => (record.offset = offset) });
  const hash = createHash('sha256');
  const compress = (block: Buffer, last: boolean): Promise<void> =>
    writer.push({ data: deflate(block, options.level, last), written: (_offset, length) => (record.compressedSize += length) });
  // One block is held back: only the next one (or the end) tells whether it is the last.
  let held: Buffer | undefined;
  try {
    for await (const block of blocks(source, options.blockBytes)) {
      // One large file can take minutes: a cancelled step must not wait for it.
      if (options.signal?.aborted) throw options.signal.reason;
      hash.update(block);
      record.crc32 = crc32(block, record.crc32);
      record.uncompressedSize += block.length;
      options.observer?.chunk(block);
      if (held) await compress(held, false);
      held = block;
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new Error(`Reading ${entry.sourcePath}: ${(error as Error).message}`);
  }
  await compress(held ?? Buffer.alloc(0), true);
  options.observer?.end();
  await writer.push({
    data: () => {
      if (!record.zip64 && (record.uncompressedSize >= 0xffffffff || record.compressedSize >= 0xffffffff)) {
        throw new Error(`Reading ${entry.sourcePath}: the file grew past 4 GiB while it was packed`);
      }
      return dataDescriptor(record);
    },
  });
  return { record, file: { path: entry.name, size: record.uncompressedSize, sha256: hash.digest('hex') } };
}

/** The stream's bytes in blocks of exactly `size` bytes (the last may be shorter); nothing for an empty stream. */
async function* blocks(source: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    let data = chunk as Buffer;
    while (length + data.length >= size) {
      const take = size - length;
      parts.push(data.subarray(0, take));
      yield parts.length === 1 ? parts[0] : Buffer.concat(parts);
      parts = [];
      length = 0;
      data = data.subarray(take);
    }
    if (data.length > 0) {
      parts.push(data);
      length += data.length;
    }
  }
  if (length > 0) yield Buffer.concat(parts);
}

function deflate(block: Buffer, level: number, last: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    zlib.deflateRaw(block, { level, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }, (error, output) => (error ? reject(error) : resolve(output))),
  );
}

/** zlib's CRC-32 (Node 20.15 and later), else the same sum in JavaScript. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let crcTable: Int32Array | undefined;

/** CRC-32 of `data`, continuing from `value` (0 to start). Exported for the fallback's test. */
export function crc32(data: Uint8Array, value: number, useNative = true): number {
  if (useNative && nativeCrc32) return nativeCrc32(data, value);
  crcTable ??= Int32Array.from({ length: 256 }, (_unused, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** A piece of output: bytes now, bytes being compressed, or bytes only known once everything before is written. */
interface Piece {
  data: Buffer | Promise<Buffer> | (() => Buffer);
  /** Called with the piece's offset and length once it is written. */
  written?: (offset: number, length: number) => void;
}

/**
 * Writes pieces in the order they are pushed while up to `parallel` of them are still being
 * compressed; pushing waits (and writes) when that many are in flight, which bounds memory.
 */
class OrderedWriter {
  offset = 0;
  private readonly pending: Piece[] = [];
  private inFlight = 0;
  private failure: Error | undefined;

  constructor(
    private readonly output: NodeJS.WritableStream & { destroy(error?: Error): void },
    private readonly parallel: number,
  ) {
    output.on('error', (error: Error) => (this.failure ??= error));
  }

  async push(piece: Piece): Promise<void> {
    if (piece.data instanceof Promise) {
      // Rejections surface when the piece is written; until then the promise must not count as unhandled.
      piece.data.catch(() => undefined);
      this.inFlight += 1;
    }
    this.pending.push(piece);
    while (this.inFlight >= this.parallel) await this.writeNext();
  }

  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.writeNext();
  }

  async write(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.output.write(data)) await once(this.output as unknown as NodeJS.EventEmitter, 'drain');
    this.offset += data.length;
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    const finished = once(this.output as unknown as NodeJS.EventEmitter, 'close');
    this.output.end();
    await finished;
    if (this.failure) throw this.failure;
  }

  async abort(): Promise<void> {
    const output = this.output as unknown as NodeJS.EventEmitter & { closed?: boolean };
    // Not `once`: it would settle on an 'error' that comes before the 'close' this waits for.
    const closed = output.closed ? Promise.resolve() : new Promise<void>((resolve) => output.once('close', () => resolve()));
    this.output.destroy();
    await closed;
  }

  private async writeNext(): Promise<void> {
    const piece = this.pending.shift() as Piece;
    let data: Buffer;
    if (piece.data instanceof Promise) {
      this.inFlight -= 1;
      data = await piece.data;
    } else {
      data = typeof piece.data === 'function' ? piece.data() : piece.data;
    }
    const offset = this.offset;
    await this.write(data);
    piece.written?.(offset, data.length);
  }
}
