/**
 * Release-bundle throughput and peak memory on generated trees (source-heavy, data-heavy, mixed)
 * against `zip -r -X -6` and `tar czf` on the same tree. Each repeat runs the three tools back to
 * back in a rotating order, and ratios are taken within a repeat, so load from other processes
 * weighs on all three alike; the medians are reported.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { generateTree, type TreeKind } from './trees';
import { median, timeProcess, type Timed } from './measure';

const MiB = 1024 * 1024;

/** The medians for one tool on one tree. */
export interface ToolResult {
  tool: string;
  ms: number;
  mibPerSecond: number;
  maxRssMiB: number;
  outputMiB: number;
}

/** One tree's figures. */
export interface TreeResult {
  tree: TreeKind;
  treeMiB: number;
  files: number;
  repeats: number;
  tools: ToolResult[];
  /** zip's time over ours (above 1: faster than zip), median of per-repeat ratios. */
  speedupOverZip?: number;
  speedupOverTar?: number;
}

/** Peak memory of the release bundle on mixed trees of an eighth, half and all of the size. */
export interface MemoryFlatness {
  points: Array<{ treeMiB: number; peakMiB: number }>;
  /** Growth from the eighth to the whole tree (8x the data). */
  growthMiB: number;
  /** Growth over the last doubling (half to whole): what is left once start-up and GC slack settle. */
  lastDoublingMiB: number;
  /** Under 32 MiB over the last doubling: memory does not follow the size of the tree. */
  flat: boolean;
}

/** `zip` from PATH, installing Debian's package when it is missing and apt-get can. */
export function ensureZip(): boolean {
  if (spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0) return true;
  console.log('zip is not installed; trying apt-get install zip ...');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args: string[]): boolean => spawnSync(sudo.length ? sudo[0] : args[0], [...sudo.slice(1), ...(sudo.length ? args : args.slice(1))], { stdio: 'inherit' }).status === 0;
  if (run(['apt-get', 'install', '-y', '-q', 'zip']) || (run(['apt-get', 'update', '-q']) && run(['apt-get', 'install', '-y', '-q', 'zip']))) {
    return spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
  }
  return false;
}

/** Bundles bench/pack.ts as the tasks are bundled, so the release bundle is timed as the agent runs it. */
export async function buildPacker(outfile: string): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'pack.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    keepNames: true,
    logLevel: 'warning',
  });
}

function fileCount(root: string): number {
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !entry.parentPath.includes(`${path.sep}.git`)).length;
}

interface Runner {
  tool: string;
  run(tree: string, out: string): Promise<Timed & { outputBytes: number }>;
}

function runners(packer: string, withZip: boolean): Runner[] {
  const ours: Runner = {
    tool: 'release bundle',
    async run(tree, out) {
      const timed = await timeProcess(process.execPath, [packer, tree, out]);
      const report = JSON.parse(timed.stdout.trim().split('\n').pop() ?? '{}') as { maxRssBytes: number; zipBytes: number };
      return { ...timed, maxRssBytes: Math.max(timed.maxRssBytes, report.maxRssBytes), outputBytes: report.zipBytes };
    },
  };
  const zip: Runner = {
    tool: 'zip -r -X -6',
    async run(tree, out) {
      const target = path.join(out, 'tree.zip');
      const timed = await timeProcess('zip', ['-r', '-X', '-6', '-q', target, '.', '-x', '.git/*'], { cwd: tree });
      return { ...timed, outputBytes: fs.statSync(target).size };
    },
  };
  const tar: Runner = {
    tool: 'tar czf',
    async run(tree, out) {
      const target = path.join(out, 'tree.tar.gz');
      const timed = await timeProcess('tar', ['czf', target, '--exclude=./.git', '.'], { cwd: tree });
      return { ...timed, outputBytes: fs.statSync(target).size };
    },
  };
  return withZip ? [ours, zip, tar] : [ours, tar];
}

/** Generates one tree of `kind` and times every tool on it `repeats` times. */
export async function measureTree(work: string, kind: TreeKind, sizeMiB: number, repeats: number, packer: string, withZip: boolean): Promise<TreeResult> {
  const tree = path.join(work, `tree-${kind}`);
  const treeBytes = generateTree(tree, kind, sizeMiB * MiB);
  const tools = runners(packer, withZip);
  const samples = new Map<string, Array<Timed & { outputBytes: number }>>(tools.map((tool) => [tool.tool, []]));
  for (let repeat = 0; repeat < repeats; repeat++) {
    // Rotate the order so no tool always runs right after generation (a cold page cache) or last.
    for (let i = 0; i < tools.length; i++) {
      const tool = tools[(i + repeat) % tools.length];
      const out = path.join(work, 'out');
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out, { recursive: true });
      samples.get(tool.tool)!.push(await tool.run(tree, out));
      fs.rmSync(out, { recursive: true, force: true });
    }
    process.stdout.write('.');
  }
  const ratioOver = (tool: string): number | undefined => {
    const theirs = samples.get(tool);
    if (!theirs) return undefined;
    return median(theirs.map((sample, i) => sample.ms / samples.get('release bundle')![i].ms));
  };
  const result: TreeResult = {
    tree: kind,
    treeMiB: treeBytes / MiB,
    files: fileCount(tree),
    repeats,
    tools: tools.map(({ tool }) => {
      const list = samples.get(tool)!;
      const ms = median(list.map((s) => s.ms));
      return { tool, ms, mibPerSecond: treeBytes / MiB / (ms / 1000), maxRssMiB: Math.max(...list.map((s) => s.maxRssBytes)) / MiB, outputMiB: list[0].outputBytes / MiB };
    }),
    speedupOverZip: ratioOver('zip -r -X -6'),
    speedupOverTar: ratioOver('tar czf'),
  };
  fs.rmSync(tree, { recursive: true, force: true });
  return result;
}

/** Peak RSS of the release bundle on mixed trees of an eighth, half and all of `sizeMiB`. */
export async function measureMemory(work: string, sizeMiB: number, packer: string): Promise<MemoryFlatness> {
  const peak = async (mib: number): Promise<number> => {
    const tree = path.join(work, `memory-${mib}`);
    generateTree(tree, 'mixed', mib * MiB, 99);
    const out = path.join(work, 'out-memory');
    const result = await runners(packer, false)[0].run(tree, out);
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
    return result.maxRssBytes / MiB;
  };
  const points: Array<{ treeMiB: number; peakMiB: number }> = [];
  for (const treeMiB of [Math.max(8, Math.round(sizeMiB / 8)), Math.max(8, Math.round(sizeMiB / 2)), sizeMiB]) points.push({ treeMiB, peakMiB: await peak(treeMiB) });
  const lastDoublingMiB = points[2].peakMiB - points[1].peakMiB;
  return { points, growthMiB: points[2].peakMiB - points[0].peakMiB, lastDoublingMiB, flat: lastDoublingMiB < 32 };
}
