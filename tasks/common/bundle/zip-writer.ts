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
 * A tree of many small source files is one block per file, and there the main thread is what
 * keeps the pool busy (issue 14): a compression counts as running until it finishes, not until its
 * turn to be written, so a slow block at the head does not hold back the small files behind it;
 * and small files are read whole ahead of their turn through one open descriptor each, instead of
 * a lookup and a stream (five round trips and a stream's bookkeeping on the main thread).
 *
 * A block that looks incompressible (models, parquet, images: near-uniform bytes without short
 * repeats) is written as stored deflate blocks (level 0) instead: deflating random bytes at level 6
 * costs about 30 ms per MiB to gain nothing, and on a tree of mostly such files it was most of the
 * time (issue 14). The test reads only the block, so the bytes still depend only on the contents.
 *
 * Entry order: the files sorted by name (UTF-8 bytes), then the manifest. The manifest holds every
 * file's hash, so writing it first would mean reading the tree twice, and a file changed between
 * the two reads would be packed with a manifest that does not describe it. Zip readers (and
 * `verify`) find entries through the central directory, so the manifest's position costs nothing.
 */
import { toError } from '../http/errors';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
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
  /**
   * Files looked up and, when small (256 KiB at most), read ahead of the one being packed (default
   * 16): a tree of many small files otherwise waits on a file-system round trip per file between
   * compressions. Memory stays bounded by this many small files.
   */
  readAhead?: number;
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
  const parallel = Math.max(1, options.parallelBlocks ?? 4);
  const blockBytes = options.blockBytes ?? 1024 * 1024;
  // Twice the blocks that run: a slow block at the head does not stop the ones behind it.
  const writer = new OrderedWriter(fs.openWrite(outputPath), parallel, 2 * parallel * blockBytes);
  const level = options.compressionLevel ?? 6;
  const records: ZipEntryRecord[] = [];
  const files: ManifestFile[] = [];
  try {
    const ahead = new ReadAhead(fs, sorted, blockBytes, Math.max(1, options.readAhead ?? 16));
    for (let index = 0; index < sorted.length; index++) {
      options.signal?.throwIfAborted();
      const entry = sorted[index];
      const { info, source } = await ahead.take(index);
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
      records.push((await packEntry(writer, entry, [content(files)], { level, blockBytes, zip64: options.forceZip64 === true })).record);
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

/** Files up to this size are read whole ahead of their turn; larger ones, where a round trip weighs little, stream. */
const readAheadFileBytes = 256 * 1024;

/** A file about to be packed: what `stat` said, and its bytes (all of them when small, else a stream). */
interface OpenedEntry {
  info: { size: number };
  source: AsyncIterable<Buffer> | Iterable<Buffer>;
}

/**
 * Reads the small files (up to 256 KiB) whole up to `depth` entries ahead of the one being packed,
 * so their file-system round trips overlap the compression of earlier blocks; memory stays within
 * `depth` times 256 KiB. A larger file is only looked up, and streams through when its turn comes.
 */
class ReadAhead {
  private readonly started = new Map<number, Promise<OpenedEntry>>();
  private next = 0;

  constructor(
    private readonly fs: BundleFileSystem,
    private readonly entries: readonly PackEntry[],
    private readonly blockBytes: number,
    private readonly depth: number,
  ) {}

  async take(index: number): Promise<OpenedEntry> {
    while (this.next < this.entries.length && this.next <= index + this.depth) {
      const opened = this.open(this.entries[this.next]);
      // Failures surface when their entry's turn comes; until then they must not count as unhandled.
      opened.catch(() => undefined);
      this.started.set(this.next, opened);
      this.next += 1;
    }
    const opened = this.started.get(index)!;
    this.started.delete(index);
    return opened;
  }

  private async open(entry: PackEntry): Promise<OpenedEntry> {
    let small;
    try {
      small = await this.fs.readSmall(entry.sourcePath, Math.min(this.blockBytes, readAheadFileBytes));
    } catch (error) {
      throw new Error(`Reading ${entry.sourcePath}: ${toError(error).message}`);
    }
    if (!small || small.info.kind !== 'file') throw new Error(`Reading ${entry.sourcePath}: not a file any more`);
    // Whatever the file holds now is what is packed (and hashed); it may have changed since it was looked up.
    if (small.data) return { info: small.info, source: [small.data] };
    try {
      return { info: small.info, source: this.fs.openRead(entry.sourcePath) };
    } catch (error) {
      throw new Error(`Reading ${entry.sourcePath}: ${toError(error).message}`);
    }
  }
}

/** Streams one entry: local header, compressed blocks, data descriptor. */
async function packEntry(writer: OrderedWriter, entry: PackEntry, source: AsyncIterable<Buffer> | Iterable<Buffer>, options: EntryOptions): Promise<{ record: ZipEntryRecord; file: ManifestFile }> {
  const record: ZipEntryRecord = { name: Buffer.from(entry.name, 'utf8'), crc32: 0, compressedSize: 0, uncompressedSize: 0, offset: 0, zip64: options.zip64 };
  await writer.push({ data: localHeader(record.name, record.zip64), written: (offset) => (record.offset = offset) });
  const hash = createHash('sha256');
  const compress = (block: Buffer, last: boolean): Promise<void> =>
    writer.push({
      data: deflate(block, looksIncompressible(block) ? 0 : options.level, last),
      holds: block.length,
      written: (_offset, length) => (record.compressedSize += length),
    });
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
    throw new Error(`Reading ${entry.sourcePath}: ${toError(error).message}`);
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
async function* blocks(source: AsyncIterable<Buffer> | Iterable<Buffer>, size: number): AsyncGenerator<Buffer> {
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
  if (length > 0) yield parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** Blocks smaller than this are always deflated: the test would cost more than it saves. */
const minimumTestedBlock = 64 * 1024;
const sampleBytes = 8 * 1024;
const samples = 4;
/** Bits per byte above which a sample counts as random (uniform bytes measure about 7.994 on 32 KiB). */
const randomEntropyBits = 7.97;

/**
 * True when deflating `block` would gain (next to) nothing: the byte histogram of four 8 KiB
 * samples spread over the block is near uniform, and a fast deflate of the first sample does not
 * shrink it (which catches repeated random-looking runs the histogram cannot see). A wrong "yes"
 * costs only zip size, never correctness.
 */
export function looksIncompressible(block: Buffer): boolean {
  if (block.length < minimumTestedBlock) return false;
  const counts = new Uint32Array(256);
  const stride = Math.floor((block.length - sampleBytes) / (samples - 1));
  for (let s = 0; s < samples; s++) {
    const start = s * stride;
    for (let i = start; i < start + sampleBytes; i++) counts[block[i]] += 1;
  }
  const total = samples * sampleBytes;
  let entropy = 0;
  for (const count of counts) {
    if (count > 0) entropy -= (count / total) * Math.log2(count / total);
  }
  if (entropy < randomEntropyBits) return false;
  return zlib.deflateRawSync(block.subarray(0, sampleBytes), { level: 1 }).length >= sampleBytes * 0.99;
}

function deflate(block: Buffer, level: number, last: boolean): Promise<Buffer> {
  // Room for the whole output (zlib's deflateBound, plus the flush marker): with the default 16 KiB
  // output buffer a 1 MiB block took up to 65 trips between the thread pool and the main thread.
  // The bytes do not depend on the buffer size.
  const chunkSize = Math.max(zlib.constants.Z_MIN_CHUNK, block.length + (block.length >> 12) + (block.length >> 14) + 1024);
  return new Promise((resolve, reject) =>
    zlib.deflateRaw(block, { level, chunkSize, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }, (error, output) =>
      error ? reject(error) : resolve(output),
    ),
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
export interface Piece {
  data: Buffer | Promise<Buffer> | (() => Buffer);
  /** Input bytes the piece holds until it is written (a block being compressed); bounds memory. */
  holds?: number;
  /** Called with the piece's offset and length once it is written. */
  written?: (offset: number, length: number) => void;
}

/** A pushed piece waiting for its turn; a compression is `done` once it settled. */
interface Queued {
  piece: Piece;
  done: boolean;
  output?: Buffer;
  failure?: unknown;
}

/** Output is handed to the file in writes of at least this much (headers and small files add up). */
const writeBatchBytes = 1024 * 1024;

/** Pieces waiting to be written at most (headers and descriptors of small files count too). */
const maxQueuedPieces = 1024;

/**
 * Writes pieces in the order they are pushed while `parallel` compressions run at all times:
 * pushing waits when that many are running, or when the pieces not yet written hold
 * `windowBytes` of input, which bounds memory. A compression counts as running until it finishes,
 * not until its turn to be written comes: counted by turn, one slow 1 MiB block at the head let
 * the many small files behind it finish and leave the thread pool half idle (issue 14).
 * Small pieces (a 30-byte header, a 16-byte descriptor, a compressed 40 KiB file) are gathered
 * into writes of about 1 MiB: one write each cost a file-system round trip.
 */
export class OrderedWriter {
  offset = 0;
  private readonly pending: Queued[] = [];
  private running = 0;
  private held = 0;
  private settled: (() => void) | undefined;
  private failure: Error | undefined;
  private batch: Buffer[] = [];
  private batchBytes = 0;

  constructor(
    private readonly output: NodeJS.WritableStream & { destroy(error?: Error): void },
    private readonly parallel: number,
    private readonly windowBytes: number,
  ) {
    output.on('error', (error: Error) => (this.failure ??= error));
  }

  async push(piece: Piece): Promise<void> {
    const queued: Queued = { piece, done: !(piece.data instanceof Promise) };
    if (piece.data instanceof Promise) {
      this.running += 1;
      // Rejections surface when the piece's turn comes; until then they must not count as unhandled.
      piece.data.then(
        (output) => this.finished(queued, output, undefined),
        (error: unknown) => this.finished(queued, undefined, error ?? new Error('compression failed')),
      );
    }
    this.held += piece.holds ?? 0;
    this.pending.push(queued);
    await this.writeFinished();
    while (this.running >= this.parallel || this.held > this.windowBytes || this.pending.length > maxQueuedPieces) {
      await this.settlement();
      await this.writeFinished();
    }
  }

  async drain(): Promise<void> {
    await this.writeFinished();
    while (this.pending.length > 0) {
      await this.settlement();
      await this.writeFinished();
    }
  }

  async write(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.batch.push(data);
    this.batchBytes += data.length;
    this.offset += data.length;
    if (this.batchBytes >= writeBatchBytes) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batchBytes === 0) return;
    const pieces = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    // Corked, the pieces leave in one vectored write, without being copied together first.
    const output = this.output as unknown as NodeJS.WritableStream & { cork(): void; uncork(): void };
    output.cork();
    let ready = true;
    for (const piece of pieces) ready = output.write(piece);
    output.uncork();
    if (!ready) await once(this.output as unknown as NodeJS.EventEmitter, 'drain');
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    await this.flush();
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

  private finished(queued: Queued, output: Buffer | undefined, failure: unknown): void {
    queued.done = true;
    queued.output = output;
    queued.failure = failure;
    this.running -= 1;
    const settled = this.settled;
    this.settled = undefined;
    settled?.();
  }

  /**
   * Waits until a compression finishes, unless the head is ready already: one may have finished
   * while the head was being written, after the last look at it.
   */
  private async settlement(): Promise<void> {
    if (this.pending.length === 0 || this.pending[0].done) return;
    await new Promise<void>((resolve) => (this.settled = resolve));
  }

  /** Writes the pieces at the head that are ready, in order. */
  private async writeFinished(): Promise<void> {
    while (this.pending.length > 0 && this.pending[0].done) {
      const { piece, output, failure } = this.pending.shift() as Queued;
      if (failure !== undefined) throw failure;
      const data = output ?? (typeof piece.data === 'function' ? piece.data() : (piece.data as Buffer));
      this.held -= piece.holds ?? 0;
      const offset = this.offset;
      await this.write(data);
      piece.written?.(offset, data.length);
    }
  }
}
