/**
 * `npm run bench`: packs a generated tree (1 GiB by default; BENCH_SIZE_MB for quick runs) with the
 * release-bundle builder and with `zip -r -X -6`, and prints time, throughput, peak RSS and zip
 * size. Memory should stay flat as the tree grows, so the builder also runs on an eighth of the
 * tree. The tree is generated in a temporary folder and deleted afterwards.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MiB = 1024 * 1024;
const repoRoot = path.resolve(__dirname, '..');

interface Measurement {
  tool: string;
  treeBytes: number;
  ms: number;
  maxRssBytes: number;
  zipBytes: number;
}

/** Deterministic pseudo-random generator, so every bench run packs the same tree. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state;
  };
}

const words = ['feature', 'model', 'churn', 'select', 'from', 'where', 'table', 'spark', 'mlflow', 'metric', 'value', 'train', 'score', 'customer', 'window', 'partition', '0.125', '42', 'None', 'return'];

/** A block of source-like text: compresses roughly like code and notebooks do. */
function textBlock(bytes: number, next: () => number): Buffer {
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    const line = `${' '.repeat((next() % 4) * 4)}${Array.from({ length: 3 + (next() % 8) }, () => words[next() % words.length]).join(' ')} = ${next() % 100000}\n`;
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/**
 * Writes about `totalBytes` under `root`: a bundle with many small source files, medium data
 * files, and a few large ones; about half the bytes text-like, half random (compressed data).
 */
export function generateTree(root: string, totalBytes: number): number {
  const next = generator(20261128);
  fs.mkdirSync(path.join(root, '.git'), { recursive: true });
  fs.writeFileSync(path.join(root, 'databricks.yml'), 'bundle:\n  name: bench\n');
  let written = 0;
  let index = 0;
  const text = textBlock(4 * MiB, next);
  while (written < totalBytes) {
    const kind = index % 10;
    const size = kind < 6 ? 4096 + (next() % 60000) : kind < 9 ? 256 * 1024 + (next() % (2 * MiB)) : 8 * MiB + (next() % (16 * MiB));
    const bytes = Math.min(size, totalBytes - written);
    const folder = path.join(root, 'src', `pkg${index % 37}`, `mod${index % 11}`);
    fs.mkdirSync(folder, { recursive: true });
    // Half of the large files are incompressible (models, parquet); the rest is text-like.
    const random = index % 20 === 19;
    const file = path.join(folder, `file${index}.${random ? 'bin' : 'py'}`);
    const fd = fs.openSync(file, 'w');
    let left = bytes;
    let offset = next() % MiB;
    while (left > 0) {
      const chunk = Math.min(left, MiB);
      const data = random ? randomBytes(chunk) : text.subarray(offset % (3 * MiB), (offset % (3 * MiB)) + chunk);
      fs.writeSync(fd, data);
      left -= chunk;
      offset += 7919;
    }
    fs.closeSync(fd);
    written += bytes;
    index += 1;
  }
  return written;
}

/** Peak resident set of a running process (VmHWM), polled until it exits. */
async function runMeasured(command: string, args: string[], cwd: string): Promise<{ ms: number; maxRssBytes: number; stdout: string }> {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      if (match) peak = Math.max(peak, Number(match[1]) * 1024);
    } catch {
      // exited between polls
    }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`${command} exited with ${code}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, maxRssBytes: peak, stdout };
}

async function measureBuilder(tree: string, treeBytes: number, out: string, label: string): Promise<Measurement> {
  fs.rmSync(out, { recursive: true, force: true });
  const run = await runMeasured(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'pack.ts'), tree, out], repoRoot);
  const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { ms: number; maxRssBytes: number; zipBytes: number };
  // The builder's own timer leaves out Node and tsx start-up; its RSS is its own peak.
  return { tool: label, treeBytes, ms: report.ms, maxRssBytes: Math.max(report.maxRssBytes, run.maxRssBytes), zipBytes: report.zipBytes };
}

async function measureZip(tree: string, treeBytes: number, out: string): Promise<Measurement> {
  const zipPath = path.join(out, 'tree.zip');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const run = await runMeasured('zip', ['-r', '-X', '-6', '-q', zipPath, '.', '-x', '.git/*'], tree);
  return { tool: 'zip -r -X -6', treeBytes, ms: run.ms, maxRssBytes: run.maxRssBytes, zipBytes: fs.statSync(zipPath).size };
}

/** `zip` from PATH, installing Debian's package when it is missing and apt-get can; else undefined. */
function ensureZip(): boolean {
  if (spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0) return true;
  console.log('zip is not installed; trying apt-get install zip ...');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const install = (args: string[]): boolean => spawnSync(sudo[0] ?? args[0], [...sudo.slice(1), ...(sudo.length ? args : args.slice(1))], { stdio: 'inherit' }).status === 0;
  if (install(['apt-get', 'install', '-y', '-q', 'zip']) || (install(['apt-get', 'update', '-q']) && install(['apt-get', 'install', '-y', '-q', 'zip']))) {
    return spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
  }
  return false;
}

function table(rows: Measurement[]): string {
  const header = ['tool', 'tree MiB', 'time s', 'MiB/s', 'peak RSS MiB', 'zip MiB'];
  const body = rows.map((r) => [
    r.tool,
    (r.treeBytes / MiB).toFixed(0),
    (r.ms / 1000).toFixed(2),
    (r.treeBytes / MiB / (r.ms / 1000)).toFixed(1),
    (r.maxRssBytes / MiB).toFixed(1),
    (r.zipBytes / MiB).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const sizeMb = Number(process.env.BENCH_SIZE_MB ?? 1024);
  if (!Number.isFinite(sizeMb) || sizeMb < 8) throw new Error(`Invalid BENCH_SIZE_MB '${process.env.BENCH_SIZE_MB}': expected a number of MiB >= 8`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'release-bundle-bench-'));
  // Ctrl+C must not leave a gigabyte behind in the temp folder.
  const interrupted = (): void => {
    fs.rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const small = path.join(work, 'small');
    const large = path.join(work, 'large');
    console.log(`Generating ${sizeMb} MiB and ${Math.round(sizeMb / 8)} MiB trees in ${work} ...`);
    const smallBytes = generateTree(small, Math.round((sizeMb * MiB) / 8));
    const largeBytes = generateTree(large, sizeMb * MiB);
    const rows: Measurement[] = [];
    rows.push(await measureBuilder(small, smallBytes, path.join(work, 'out-small'), 'release bundle (1/8 tree)'));
    rows.push(await measureBuilder(large, largeBytes, path.join(work, 'out-large'), 'release bundle'));
    if (ensureZip()) {
      rows.push(await measureZip(large, largeBytes, path.join(work, 'out-zip')));
    } else {
      console.log('Skipping the zip comparison: zip is not installed and could not be installed with apt-get.');
    }
    console.log('');
    console.log(table(rows));
    const ours = rows[1];
    const zip = rows[2];
    console.log('');
    const growth = (ours.maxRssBytes - rows[0].maxRssBytes) / MiB;
    console.log(
      `Memory: peak RSS ${(rows[0].maxRssBytes / MiB).toFixed(1)} MiB for ${(rows[0].treeBytes / MiB).toFixed(0)} MiB, ` +
        `${(ours.maxRssBytes / MiB).toFixed(1)} MiB for ${(ours.treeBytes / MiB).toFixed(0)} MiB: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB for 8x the data ` +
        `(${growth < 32 ? 'flat' : 'NOT flat'}).`,
    );
    if (zip) {
      const ratio = zip.ms / ours.ms;
      console.log(
        `Speed: release bundle ${(ours.ms / 1000).toFixed(1)} s, zip -r -X -6 ${(zip.ms / 1000).toFixed(1)} s: ` +
          `${ratio >= 1 ? 'as fast or faster' : 'SLOWER'} (${ratio.toFixed(2)}x zip's speed; the release bundle also hashes every file and scans it for secrets).`,
      );
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
