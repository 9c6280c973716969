/**
 * `npm run bench`: measures the figures issue 14 sets goals for and prints each beside its
 * reference, measured in the same run:
 * - task bundle sizes against the 1 MB goal (after a fresh `npm run build`);
 * - cold start of the ModelCompare bundle exiting on a missing input against `node -e ''`;
 * - `runs/get` calls and notice delay for 5-minute, 30-minute and 6-hour runs (simulated clock);
 * - release-bundle time, throughput and peak memory on source-heavy, data-heavy and mixed trees
 *   against `zip -r -X -6` and `tar czf`, and whether memory stays flat as the tree grows.
 * Writes everything, with the machine it ran on, to bench/results.json.
 *
 * Environment: BENCH_SIZE_MB (MiB per tree, default 200), BENCH_REPEATS (runs per tool and tree,
 * default 3), BENCH_COLD_RUNS (cold-start pairs, default 21), BENCH_SKIP_BUILD=1 (measure dist/ as it is).
 * On a shared machine timings are noisy: the ratios are medians of back-to-back pairs, and the
 * load average at start and end is recorded.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTasks } from '../scripts/build';
import { describeMachine, table } from './measure';
import { pollingCosts } from './polling';
import { buildPacker, ensureZip, measureMemory, measureTree, type TreeResult } from './release';
import { bundleSizes, coldStart } from './startup';

function positiveNumber(name: string, fallback: number, minimum: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < minimum) throw new Error(`Invalid ${name} '${raw}': expected a number >= ${minimum}`);
  return value;
}

const kib = (bytes: number): string => `${Math.round(bytes / 1024).toLocaleString('en-US')} KiB`;
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');

function printTree(result: TreeResult): void {
  console.log(`\n${result.tree} tree: ${result.treeMiB.toFixed(0)} MiB in ${result.files} files, median of ${result.repeats}`);
  console.log(
    table(
      ['tool', 'time s', 'MiB/s', 'peak RSS MiB', 'output MiB'],
      result.tools.map((t) => [t.tool, (t.ms / 1000).toFixed(2), t.mibPerSecond.toFixed(1), t.maxRssMiB.toFixed(1), t.outputMiB.toFixed(1)]),
    ),
  );
  const parts = [];
  if (result.speedupOverZip !== undefined) parts.push(`${result.speedupOverZip.toFixed(2)}x zip's speed (goal >= 1.0, stretch 1.5: ${verdict(result.speedupOverZip >= 1)})`);
  if (result.speedupOverTar !== undefined) parts.push(`${result.speedupOverTar.toFixed(2)}x tar czf's`);
  console.log(`release bundle: ${parts.join('; ')}`);
}

async function main(): Promise<void> {
  const sizeMiB = positiveNumber('BENCH_SIZE_MB', 200, 8);
  const repeats = Math.round(positiveNumber('BENCH_REPEATS', 3, 1));
  const coldRuns = Math.round(positiveNumber('BENCH_COLD_RUNS', 21, 3));
  const machine = describeMachine();
  console.log(`Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAverage.start.toFixed(2)}`);

  if (process.env.BENCH_SKIP_BUILD !== '1') await buildTasks();
  const bundles = bundleSizes();
  console.log('\nTask bundles (goal: every file under 1,000,000 bytes)');
  console.log(
    table(
      ['task', 'index.js', 'lazy/*.js', 'largest file', 'goal'],
      bundles.map((b) => [b.task, kib(b.entryBytes), kib(b.lazyBytes), `${b.largestBytes.toLocaleString('en-US')} B`, verdict(b.withinGoal)]),
    ),
  );

  const cold = await coldStart('DatabricksModelCompareV1', coldRuns);
  console.log(
    `\nCold start (${cold.task}, missing input, whole process, median of ${cold.runs} pairs): ${cold.taskMs.toFixed(1)} ms against ${cold.bareNodeMs.toFixed(1)} ms for node -e '': ` +
      `${cold.ratio.toFixed(2)}x (goal <= ${cold.goalRatio}x: ${verdict(cold.ratio <= cold.goalRatio)})`,
  );

  const polling = await pollingCosts();
  console.log('\nPolling a run to its end (simulated clock; bounds: <= 200 calls for 6 h, <= 120 s late)');
  console.log(
    table(
      ['run', 'runs/get calls', 'noticed late s', 'bounds'],
      polling.map((p) => [p.runMinutes >= 60 ? `${p.runMinutes / 60} h` : `${p.runMinutes} min`, String(p.calls), p.lateSeconds.toFixed(1), verdict(p.withinBounds)]),
    ),
  );

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'release-bundle-bench-'));
  // Ctrl+C must not leave the generated trees behind in the temp folder.
  const interrupted = (): void => {
    fs.rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const trees: TreeResult[] = [];
  let memory;
  try {
    const packer = path.join(work, 'pack.js');
    await buildPacker(packer);
    const withZip = ensureZip();
    if (!withZip) console.log('\nzip is not installed and could not be installed: comparing with tar czf only.');
    for (const kind of ['source-heavy', 'data-heavy', 'mixed'] as const) {
      process.stdout.write(`\nPacking the ${kind} tree (${sizeMiB} MiB) `);
      const result = await measureTree(work, kind, sizeMiB, repeats, packer, withZip);
      trees.push(result);
      printTree(result);
    }
    memory = await measureMemory(work, sizeMiB, packer);
    console.log(
      `\nMemory: release bundle peak RSS ${memory.points.map((p) => `${p.peakMiB.toFixed(1)} MiB for ${p.treeMiB} MiB`).join(', ')}: ` +
        `${memory.lastDoublingMiB >= 0 ? '+' : ''}${memory.lastDoublingMiB.toFixed(1)} MiB over the last doubling (${memory.flat ? 'flat' : 'NOT flat'}; ` +
        `${memory.growthMiB >= 0 ? '+' : ''}${memory.growthMiB.toFixed(1)} MiB from the eighth)`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  machine.loadAverage.end = os.loadavg()[0];
  const results = { measuredAt: new Date().toISOString(), machine, settings: { sizeMiB, repeats, coldRuns }, bundles, coldStart: cold, polling, releaseBundle: trees, memory };
  fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nLoad average ${machine.loadAverage.start.toFixed(2)} at start, ${machine.loadAverage.end.toFixed(2)} at end (${machine.cores} cores). Wrote bench/results.json.`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  });
}
