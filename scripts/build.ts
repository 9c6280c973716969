/**
 * `npm run build`: one esbuild bundle per agent task, staged with its task.json and icon under
 * dist/tasks/<Task>V<n>/. Server (gate) tasks have no code and are staged as they are.
 * `npm run build -- DatabricksModelCompareV1 [...]` builds only the named task folders, so one
 * teammate's half-written task does not block another's bundle tests. `BUILD_NO_MINIFY=1` keeps the
 * bundles readable, for profiling.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { buildModelReportTab } from './build-tab';

const root = path.resolve(__dirname, '..');
const tasksDir = path.join(root, 'tasks');
const outRoot = path.join(root, 'dist', 'tasks');
const extensionVersion: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

/** The most any JavaScript file of a built task may weigh: the goal of issue 14 ("every task under 1 MB"). */
export const maxBundleBytes = 1_000_000;

/**
 * Packages (and subpaths) a task loads on first use rather than when it starts. Each is needed by
 * only some runs (YAML rules, bundle schemas, JUnit files, OIDC through azure-devops-node-api, zip
 * reading), and reading and evaluating them at start-up made a task exiting on a missing input take
 * 2x bare `node` (issue 14). They are built into `lazy/<package>.js` beside `index.js`, so the
 * entry file stays small too. A package qualifies when its exports are an object (or an
 * `__esModule` namespace), so that a getter per export can stand in for it.
 */
export const lazyPackages: readonly RegExp[] = [/^yaml$/, /^ajv$/, /^fast-xml-parser$/, /^azure-devops-node-api(\/.*)?$/, /^yauzl$/];

/**
 * Node's own network, process and compression modules: task-lib and the HTTP transport import them
 * at the top, but a run needs them only once it calls out. They stay `require`s of Node, behind the
 * same getters. The getters are those of the Node that builds: an export only a newer agent Node
 * has reads as undefined, as feature tests (`zlib.crc32`) already expect.
 */
export const lazyBuiltins: readonly RegExp[] = [/^(node:)?(child_process|http|https|tls|net|zlib)$/];

/** The package a bare specifier names: `azure-devops-node-api/TaskApi` -> `azure-devops-node-api`. */
export function packageOf(specifier: string): string {
  return /^(@[^/]+\/)?[^/]+/.exec(specifier)![0];
}

/** Where a lazily loaded package's code goes, relative to the task's index.js. */
export function lazyChunkPath(packageName: string): string {
  return `./lazy/${packageName.replace(/\//g, '+')}.js`;
}

/**
 * Source of the module that stands in for `specifier`: one enumerable getter per export, each
 * loading the real module (`load`, a JavaScript expression) the first time any export is read.
 * esbuild reads named imports of a CommonJS module as properties at the point of use
 * (`import_yaml.parseDocument(...)`), so nothing is read or evaluated until the code that needs it
 * runs. The export names are the real module's (`real`), loaded here in the build process.
 */
export function lazyModuleSource(specifier: string, real: unknown, load: string): string {
  const isNamespace = real !== null && typeof real === 'object';
  const esModule = (real as { __esModule?: unknown } | null)?.__esModule === true;
  if (!isNamespace && !esModule) {
    throw new Error(`'${specifier}' exports a ${typeof real}, not an object: it cannot be loaded lazily (remove it from the lazy lists in scripts/build.ts)`);
  }
  const names = Object.keys(real as object).filter((name) => name !== '__esModule');
  return [
    'let real;',
    `const load = () => (real ??= ${load});`,
    esModule ? "Object.defineProperty(exports, '__esModule', { value: true });" : '',
    ...names.map((name) => `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => load()[${JSON.stringify(name)}] });`),
  ].join('\n');
}

/** Source of a lazy chunk: the package's used specifiers, each evaluated on first access. */
export function lazyChunkSource(specifiers: readonly string[]): string {
  return [...specifiers]
    .sort()
    .map((specifier) => `Object.defineProperty(exports, ${JSON.stringify(specifier)}, { enumerable: true, get: () => require(${JSON.stringify(specifier)}) });`)
    .join('\n');
}

/**
 * Redirects imports of {@link lazyPackages} and {@link lazyBuiltins} to stand-ins, and records in
 * `used` the package specifiers whose chunks the task needs.
 */
function lazyLoading(used: Set<string>): esbuild.Plugin {
  return {
    name: 'lazy-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        // The stand-in's own require resolves normally, to Node's module.
        if (args.namespace === 'lazy') return undefined;
        if (lazyBuiltins.some((pattern) => pattern.test(args.path))) {
          // `http` and `node:http` share one stand-in.
          return { path: args.path.replace(/^node:/, ''), namespace: 'lazy', pluginData: { builtin: true } };
        }
        if (!lazyPackages.some((pattern) => pattern.test(args.path))) return undefined;
        used.add(args.path);
        return { path: args.path, namespace: 'lazy' };
      });
      build.onResolve({ filter: /^\.\/lazy\//, namespace: 'lazy' }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => {
        const builtin = (args.pluginData as { builtin?: boolean } | undefined)?.builtin === true;
        const load = builtin
          ? `require(${JSON.stringify(`node:${args.path}`)})`
          : `require(${JSON.stringify(lazyChunkPath(packageOf(args.path)))})[${JSON.stringify(args.path)}]`;
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the export names of the module being stood in for
        const real: unknown = require(builtin ? `node:${args.path}` : require.resolve(args.path, { paths: [root] }));
        return { contents: lazyModuleSource(args.path, real, load), loader: 'js', resolveDir: root };
      });
    },
  };
}

/** esbuild options shared by a task's entry and its lazy chunks. */
const commonOptions: esbuild.BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Names survive minification: error messages and stack traces name classes and functions.
  keepNames: true,
  minify: process.env.BUILD_NO_MINIFY !== '1',
  legalComments: 'eof',
  metafile: true,
  sourcemap: false,
  logLevel: 'warning',
  define: { __EXTENSION_VERSION__: JSON.stringify(extensionVersion) },
};

/** JavaScript files of a built task folder, relative to it, with their sizes. */
export function bundleFiles(folder: string): { file: string; bytes: number }[] {
  const found: { file: string; bytes: number }[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js')) found.push({ file: path.relative(folder, full).split(path.sep).join('/'), bytes: fs.statSync(full).size });
    }
  };
  walk(folder);
  return found.sort((a, b) => a.file.localeCompare(b.file));
}

/** Files at or over {@link maxBundleBytes}, as messages; empty when the task is within the goal. */
export function oversizedBundles(task: string, files: readonly { file: string; bytes: number }[], limit = maxBundleBytes): string[] {
  return files
    .filter(({ bytes }) => bytes >= limit)
    .map(({ file, bytes }) => `${task}/${file} is ${bytes.toLocaleString('en-US')} bytes: every task bundle must stay under ${limit.toLocaleString('en-US')} bytes (load rarely used packages lazily, see lazyPackages in scripts/build.ts)`);
}

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
    const used = new Set<string>();
    const result = await esbuild.build({ ...commonOptions, entryPoints: [entry], outfile: path.join(staging, 'index.js'), plugins: [lazyLoading(used)] });
    const metafiles = [result.metafile!];
    const byPackage = new Map<string, string[]>();
    for (const specifier of used) byPackage.set(packageOf(specifier), [...(byPackage.get(packageOf(specifier)) ?? []), specifier]);
    for (const [name, specifiers] of byPackage) {
      const chunk = await esbuild.build({
        ...commonOptions,
        stdin: { contents: lazyChunkSource(specifiers), resolveDir: root, sourcefile: `lazy-${name}.js`, loader: 'js' },
        outfile: path.join(staging, lazyChunkPath(name)),
      });
      metafiles.push(chunk.metafile!);
    }
    const metafile: esbuild.Metafile = {
      inputs: Object.assign({}, ...metafiles.map((meta) => meta.inputs)),
      outputs: Object.assign({}, ...metafiles.map((meta) => meta.outputs)),
    };
    fs.writeFileSync(path.join(root, 'dist', `${folder}.meta.json`), JSON.stringify(metafile));
    const duplicates = duplicatePackages(metafile);
    const taskLib = duplicates.get('azure-pipelines-task-lib');
    if (taskLib) {
      throw new Error(`${folder}: two copies of azure-pipelines-task-lib in one bundle: ${taskLib.join(', ')}`);
    }
    for (const [name, copies] of duplicates) console.warn(`${folder}: ${name} is bundled ${copies.length} times: ${copies.join(', ')}`);
    const files = bundleFiles(staging);
    const oversized = oversizedBundles(folder, files);
    if (oversized.length > 0) throw new Error(oversized.join('\n'));
    const size = files.find(({ file }) => file === 'index.js')!.bytes;
    const lazy = files.filter(({ file }) => file !== 'index.js').reduce((sum, { bytes }) => sum + bytes, 0);
    publish(staging, out);
    console.log(`built ${folder}/index.js (${Math.round(size / 1024)} KiB${lazy > 0 ? `, ${Math.round(lazy / 1024)} KiB loaded when needed` : ''})`);
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
