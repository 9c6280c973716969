/**
 * Generated trees for the release-bundle benchmark and its tests. Deterministic (a seeded generator
 * picks sizes, names and text; random-byte files come from the same generator), so two runs pack
 * the same bytes and a zip written at one degree of parallelism can be compared with another.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The kinds of tree the benchmark packs. */
export type TreeKind = 'source-heavy' | 'data-heavy' | 'mixed';

/** Deterministic pseudo-random generator (LCG), so every run generates the same tree. */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state;
  };
}

const words = ['feature', 'model', 'churn', 'select', 'from', 'where', 'table', 'spark', 'mlflow', 'metric', 'value', 'train', 'score', 'customer', 'window', 'partition', '0.125', '42', 'None', 'return'];

/** Source-like text: compresses roughly like code and notebooks do (about 4:1 at level 6). */
export function textBlock(bytes: number, next: () => number): Buffer {
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    const line = `${' '.repeat((next() % 4) * 4)}${Array.from({ length: 3 + (next() % 8) }, () => words[next() % words.length]).join(' ')} = ${next() % 100000}\n`;
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** Incompressible bytes (models, parquet, images), from the seeded generator. */
function randomBlock(bytes: number, next: () => number): Buffer {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) data.writeUInt32LE(next(), i);
  for (let i = bytes - (bytes % 4); i < bytes; i++) data[i] = next() & 0xff;
  return data;
}

/** One file of a tree: its size and whether its bytes are random or text. */
interface FilePlan {
  bytes: number;
  random: boolean;
}

/**
 * What each kind holds, file by file, until the total is reached:
 * - source-heavy: many 4-64 KiB text files and a few 256 KiB-2 MiB text files (a code repository);
 * - data-heavy: mostly 1-24 MiB random files (models, data), a tenth of the bytes text;
 * - mixed: 60% of the bytes in random 1 MiB files, 40% in highly compressible ~40 KiB text files
 *   (issue 14's tree, where per-file overhead showed).
 */
function plan(kind: TreeKind, index: number, next: () => number, randomShare: number): FilePlan {
  switch (kind) {
    case 'source-heavy':
      return index % 25 === 24 ? { bytes: 256 * KiB + (next() % (2 * MiB)), random: false } : { bytes: 4 * KiB + (next() % (60 * KiB)), random: false };
    case 'data-heavy':
      return index % 4 === 3 ? { bytes: 16 * KiB + (next() % (400 * KiB)), random: false } : { bytes: MiB + (next() % (23 * MiB)), random: true };
    case 'mixed':
      // Whichever kind is behind its share of the bytes so far comes next.
      return randomShare < 0.6 ? { bytes: MiB, random: true } : { bytes: 36 * KiB + (next() % (8 * KiB)), random: false };
  }
}

/** Writes about `totalBytes` of the given kind under `root` (a bundle root); returns the bytes written. */
export function generateTree(root: string, kind: TreeKind, totalBytes: number, seed = 20261128): number {
  const next = generator(seed);
  fs.mkdirSync(path.join(root, '.git'), { recursive: true });
  fs.writeFileSync(path.join(root, 'databricks.yml'), 'bundle:\n  name: bench\n');
  const text = textBlock(4 * MiB, next);
  let written = 0;
  let randomWritten = 0;
  for (let index = 0; written < totalBytes; index++) {
    const file = plan(kind, index, next, written === 0 ? 0 : randomWritten / written);
    const bytes = Math.min(file.bytes, totalBytes - written);
    const folder = path.join(root, 'src', `pkg${index % 37}`, `mod${index % 11}`);
    fs.mkdirSync(folder, { recursive: true });
    const fd = fs.openSync(path.join(folder, `file${index}.${file.random ? 'bin' : 'py'}`), 'w');
    let left = bytes;
    let offset = next() % MiB;
    while (left > 0) {
      const chunk = Math.min(left, MiB);
      fs.writeSync(fd, file.random ? randomBlock(chunk, next) : text.subarray(offset % (3 * MiB), (offset % (3 * MiB)) + chunk));
      left -= chunk;
      offset += 7919;
    }
    fs.closeSync(fd);
    written += bytes;
    if (file.random) randomWritten += bytes;
  }
  return written;
}
