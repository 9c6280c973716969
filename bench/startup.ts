/**
 * Task bundle sizes against the 1 MB goal, and cold start: the ModelCompare bundle exiting on a
 * missing input, whole process, against bare `node -e ''`, run alternately so both see the same load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleFiles, maxBundleBytes, taskFolders } from '../scripts/build';
import { median, timeProcess } from './measure';

const repoRoot = path.resolve(__dirname, '..');
const builtTasks = path.join(repoRoot, 'dist', 'tasks');

/** One task's built JavaScript. */
export interface BundleSize {
  task: string;
  /** index.js, what the agent loads at start. */
  entryBytes: number;
  /** lazy/*.js, loaded when a run needs them. */
  lazyBytes: number;
  /** The largest single file: the one the goal applies to. */
  largestBytes: number;
  goalBytes: number;
  withinGoal: boolean;
}

/** Sizes of every built agent task (run `npm run build` first). */
export function bundleSizes(): BundleSize[] {
  return taskFolders()
    .filter((task) => fs.existsSync(path.join(builtTasks, task, 'index.js')))
    .map((task) => {
      const files = bundleFiles(path.join(builtTasks, task));
      const entryBytes = files.find((f) => f.file === 'index.js')?.bytes ?? 0;
      const largestBytes = Math.max(...files.map((f) => f.bytes));
      return {
        task,
        entryBytes,
        lazyBytes: files.reduce((sum, f) => sum + f.bytes, 0) - entryBytes,
        largestBytes,
        goalBytes: maxBundleBytes,
        withinGoal: largestBytes < maxBundleBytes,
      };
    });
}

/** Cold start of a task bundle against bare node, medians of alternating runs. */
export interface ColdStart {
  task: string;
  runs: number;
  bareNodeMs: number;
  taskMs: number;
  /** Median of the per-pair ratios (each pair ran back to back), the figure the goal applies to. */
  ratio: number;
  goalRatio: number;
}

/** Times `runs` pairs of (bare node, task bundle with no inputs). */
export async function coldStart(task = 'DatabricksModelCompareV1', runs = 21): Promise<ColdStart> {
  const entry = path.join(builtTasks, task, 'index.js');
  // No INPUT_* variables: the task fails on its first required input, as on a misconfigured step.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('INPUT_') && !key.startsWith('ENDPOINT_')));
  const bare: number[] = [];
  const bundle: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const a = await timeProcess(process.execPath, ['-e', ''], { env, allowFailure: true });
    const b = await timeProcess(process.execPath, [entry], { env, allowFailure: true });
    // The first two pairs warm the file cache.
    if (i < 2) continue;
    bare.push(a.ms);
    bundle.push(b.ms);
    ratios.push(b.ms / a.ms);
  }
  return { task, runs, bareNodeMs: median(bare), taskMs: median(bundle), ratio: median(ratios), goalRatio: 1.5 };
}
