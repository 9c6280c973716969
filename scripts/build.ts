/**
 * `npm run build`: one esbuild bundle per agent task, staged with its task.json and icon under
 * dist/tasks/<Task>V<n>/. Server (gate) tasks have no code and are staged as they are.
 * `npm run build -- DatabricksModelCompareV1 [...]` builds only the named task folders, so one
 * teammate's half-written task does not block another's bundle tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { buildModelReportTab } from './build-tab';

const root = path.resolve(__dirname, '..');
const tasksDir = path.join(root, 'tasks');
const outRoot = path.join(root, 'dist', 'tasks');
const extensionVersion: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

/** Task folders: `tasks/<Name>V<major>/task.json`. */
export function taskFolders(): string[] {
  return fs
    .readdirSync(tasksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /V\d+$/.test(entry.name) && fs.existsSync(path.join(tasksDir, entry.name, 'task.json')))
    .map((entry) => entry.name)
    .sort();
}

/** Package names found more than once (different folders) among a bundle's inputs. */
export function duplicatePackages(metafile: esbuild.Metafile): Map<string, string[]> {
  const locations = new Map<string, Set<string>>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/)((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match) continue;
    const [, prefix, name] = match;
    const set = locations.get(name) ?? new Set<string>();
    set.add(prefix + name);
    locations.set(name, set);
  }
  return new Map([...locations].filter(([, set]) => set.size > 1).map(([name, set]) => [name, [...set]]));
}

/**
 * The folders a build filter selects. A filter names a folder exactly or without its version suffix
 * (`DatabricksModelCompare`), case-insensitively; an unknown name is an error, not an empty build.
 */
export function selectTaskFolders(all: readonly string[], filters: readonly string[]): string[] {
  if (filters.length === 0) return [...all];
  const selected = new Set<string>();
  for (const filter of filters) {
    const wanted = filter.replace(/[\\/]+$/, '').split(/[\\/]/).pop()!.toLowerCase();
    const matches = all.filter((folder) => folder.toLowerCase() === wanted || folder.replace(/V\d+$/, '').toLowerCase() === wanted);
    if (matches.length === 0) {
      throw new Error(`No task folder matches '${filter}'. Task folders: ${all.join(', ') || '(none)'}`);
    }
    for (const match of matches) selected.add(match);
  }
  return all.filter((folder) => selected.has(folder));
}

/**
 * Replaces dist/tasks/<Task> with a freshly built folder by two renames, so bundle tests running
 * at the same time (several people share a checkout) never find the task missing or half-written.
 */
function publish(staging: string, out: string): void {
  const previous = `${out}.previous-${process.pid}-${Date.now()}`;
  if (fs.existsSync(out)) fs.renameSync(out, previous);
  fs.renameSync(staging, out);
  fs.rmSync(previous, { recursive: true, force: true });
}

async function buildTask(folder: string): Promise<void> {
  const source = path.join(tasksDir, folder);
  const out = path.join(outRoot, folder);
  const staging = fs.mkdtempSync(path.join(outRoot, `.${folder}-`));
  try {
    for (const file of ['task.json', 'icon.png']) {
      if (fs.existsSync(path.join(source, file))) fs.copyFileSync(path.join(source, file), path.join(staging, file));
    }
    const entry = path.join(source, 'index.ts');
    if (!fs.existsSync(entry)) {
      publish(staging, out);
      console.log(`staged ${folder} (server task: task.json and icon only)`);
      return;
    }
    const result = await esbuild.build({
      entryPoints: [entry],
      outfile: path.join(staging, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      keepNames: true,
      legalComments: 'eof',
      metafile: true,
      sourcemap: false,
      logLevel: 'warning',
      define: { __EXTENSION_VERSION__: JSON.stringify(extensionVersion) },
    });
    fs.writeFileSync(path.join(root, 'dist', `${folder}.meta.json`), JSON.stringify(result.metafile));
    const duplicates = duplicatePackages(result.metafile);
    const taskLib = duplicates.get('azure-pipelines-task-lib');
    if (taskLib) {
      throw new Error(`${folder}: two copies of azure-pipelines-task-lib in one bundle: ${taskLib.join(', ')}`);
    }
    for (const [name, copies] of duplicates) console.warn(`${folder}: ${name} is bundled ${copies.length} times: ${copies.join(', ')}`);
    const size = fs.statSync(path.join(staging, 'index.js')).size;
    publish(staging, out);
    console.log(`built ${folder}/index.js (${Math.round(size / 1024)} KiB)`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Builds the given task folders (all by default). Every task is attempted so one broken task does
 * not hide the state of the others; the error lists each failure.
 */
export async function buildTasks(folders: readonly string[] = taskFolders()): Promise<void> {
  fs.mkdirSync(outRoot, { recursive: true });
  const results = await Promise.allSettled(folders.map(buildTask));
  const failures = results
    .map((result, index) => (result.status === 'rejected' ? prefixed(folders[index], (result.reason as Error).message) : undefined))
    .filter((message): message is string => message !== undefined);
  if (failures.length > 0) throw new Error(`Build failed for ${failures.length} task(s):\n${failures.join('\n')}`);
}

function prefixed(folder: string, message: string): string {
  return message.startsWith(folder) ? message : `${folder}: ${message}`;
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  await buildTasks(selectTaskFolders(taskFolders(), filters));
  // The Model promotion tab is part of a full build only; `npx tsx scripts/build-tab.ts` builds it alone.
  if (filters.length === 0) await buildModelReportTab();
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
