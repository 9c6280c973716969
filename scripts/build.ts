/**
 * `npm run build`: one esbuild bundle per agent task, staged with its task.json and icon under
 * dist/tasks/<Task>V<n>/. Server (gate) tasks have no code and are staged as they are.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

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

async function buildTask(folder: string): Promise<void> {
  const source = path.join(tasksDir, folder);
  const out = path.join(outRoot, folder);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const file of ['task.json', 'icon.png']) {
    if (fs.existsSync(path.join(source, file))) fs.copyFileSync(path.join(source, file), path.join(out, file));
  }
  const entry = path.join(source, 'index.ts');
  if (!fs.existsSync(entry)) return; // server task: manifest only
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: path.join(out, 'index.js'),
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
  const size = fs.statSync(path.join(out, 'index.js')).size;
  console.log(`built ${folder}/index.js (${Math.round(size / 1024)} KiB)`);
}

async function main(): Promise<void> {
  fs.mkdirSync(outRoot, { recursive: true });
  const folders = taskFolders();
  await Promise.all(folders.map(buildTask));
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
