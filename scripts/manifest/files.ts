/**
 * The file-system side of packaging: stage the extension (manifest, overview, images, built tasks)
 * into one folder, and read a staged folder back into the plain data the checks work on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConnectionInputs, ExtensionUnderCheck, JsonObject, TaskUnderCheck } from './checks';
import { resjsonPath, taskLocJson, taskLocPath, taskResources } from './loc';
import { readPngSize, type ImageInfo } from './png';
import { applyVariantToInputs, applyVariantToManifest, applyVariantToTask, endpointTypeNames, type Variant, type VariantSettings } from './variants';

export const repoRoot = path.resolve(__dirname, '..', '..');
/** Where `npm run build` puts each task, relative to the repo root. */
export const builtTasksPath = 'dist/tasks';
/** Where a task sits in the staging folder and in the VSIX. */
export const packagedTasksPath = 'tasks';
/** Where `npm run build` puts the web contributions (the Model promotion tab), and where they sit in the VSIX. */
export const builtWebPath = 'dist/web';
export const packagedWebPath = 'web';
export const taskSchemaFile = 'azure-pipelines-task.schema.json';
/** The schema files CI needs; they are reference data outside the repo, never copied into it. */
export const requiredSchemaFiles = [taskSchemaFile, 'azure-pipelines-service-schema.json', 'databricks-bundle.schema.json'] as const;

/** `MLOPS_SCHEMA_DIR`, or `../shared/schemas` next to the repo. */
export function schemaDirectory(env: Record<string, string | undefined> = process.env, root = repoRoot): string {
  return path.resolve(root, env.MLOPS_SCHEMA_DIR ?? '../shared/schemas');
}

export function readJson(file: string): JsonObject {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as JsonObject;
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`);
  }
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Task folders in the source tree: `tasks/<Name>V<major>/task.json`. */
export function sourceTaskFolders(root = repoRoot): string[] {
  const tasksDir = path.join(root, 'tasks');
  if (!fs.existsSync(tasksDir)) return [];
  return fs
    .readdirSync(tasksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /V\d+$/.test(entry.name) && fs.existsSync(path.join(tasksDir, entry.name, 'task.json')))
    .map((entry) => entry.name)
    .sort();
}

/** The common connection inputs, as every Databricks agent task of `variant` must carry them. */
export function readConnectionInputs(root = repoRoot, variant: Variant = 'public'): ConnectionInputs | undefined {
  const file = path.join(root, 'tasks', 'common', 'azure-devops', 'connection-inputs.json');
  if (!fs.existsSync(file)) return undefined;
  const parsed = readJson(file);
  const endpointTypes = endpointTypeNames(readJson(path.join(root, 'vss-extension.json')));
  return { group: parsed.group as JsonObject, inputs: applyVariantToInputs(parsed.inputs as JsonObject[], variant, endpointTypes) };
}

/** Reads an image file's PNG header; a missing file is reported as such, not thrown. */
export function readImage(file: string): ImageInfo {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return { kind: 'missing' };
  return readPngSize(fs.readFileSync(file));
}

/** Every file and folder under `dir`, relative to it, with forward slashes. */
export function listPaths(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (current: string, prefix: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      found.add(relative);
      if (entry.isDirectory()) walk(path.join(current, entry.name), relative);
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return found;
}

/**
 * The manifest as the staging folder needs it. The committed manifest maps each built folder into
 * the VSIX (`{path: dist/tasks/X, packagePath: tasks/X}`), which works from the repo root; the stage
 * holds each task where the VSIX will, so those entries become `{path: tasks/X}`. That way tfx also
 * finds each contribution's task.json and runs its own validation on top of ours.
 */
export function toStagedLayout(manifest: JsonObject): JsonObject {
  const result = structuredClone(manifest);
  if (!Array.isArray(result.files)) return result;
  result.files = (result.files as unknown[]).map((entry) => {
    if (typeof entry !== 'object' || entry === null) return entry;
    const { path: entryPath, packagePath, ...rest } = entry as JsonObject;
    const built = typeof entryPath === 'string' ? new RegExp(`^${builtTasksPath}/([^/]+)/?$`).exec(entryPath) : null;
    const web = typeof entryPath === 'string' ? new RegExp(`^${builtWebPath}/([^/]+)/?$`).exec(entryPath) : null;
    if (web && packagePath === `${packagedWebPath}/${web[1]}`) return { path: packagePath, ...rest };
    if (!built || packagePath !== `${packagedTasksPath}/${built[1]}`) return entry;
    return { path: packagePath, ...rest };
  });
  return result;
}

/** Files the manifest's `content` names (overview, license, changelog): tfx packs each of them. */
export function contentPaths(manifest: JsonObject): string[] {
  const content = (manifest.content ?? {}) as Record<string, { path?: unknown }>;
  return Object.values(content).flatMap((entry) => (typeof entry?.path === 'string' ? [entry.path] : []));
}

/** Writes the task's `task.loc.json` and en-US resources next to its staged task.json. */
function writeLocalization(taskDir: string, task: JsonObject): void {
  writeJson(path.join(taskDir, taskLocPath), taskLocJson(task));
  fs.mkdirSync(path.dirname(path.join(taskDir, resjsonPath)), { recursive: true });
  writeJson(path.join(taskDir, resjsonPath), taskResources(task));
}

/** What to stage. */
export interface StageOptions {
  /** Repository root (holds vss-extension.json, overview.md, images/ and dist/tasks/). */
  root?: string;
  /** The staging folder; emptied first. */
  stageDir: string;
  variant: VariantSettings;
}

/**
 * Copies what the VSIX is made of into `stageDir`, laid out as in the VSIX, applying the variant to
 * the copies only (the committed manifest and the built task.json files are never rewritten).
 * Returns the task folders staged.
 */
export function stageExtension(options: StageOptions): string[] {
  const root = options.root ?? repoRoot;
  const stageDir = options.stageDir;
  fs.rmSync(stageDir, { recursive: true, force: true });
  fs.mkdirSync(stageDir, { recursive: true });
  const committed = readJson(path.join(root, 'vss-extension.json'));
  const endpointTypes = endpointTypeNames(committed);
  writeJson(path.join(stageDir, 'vss-extension.json'), toStagedLayout(applyVariantToManifest(committed, options.variant)));
  for (const item of ['images', ...contentPaths(committed)]) {
    const source = path.join(root, item);
    if (fs.existsSync(source)) fs.cpSync(source, path.join(stageDir, item), { recursive: true });
  }
  if (fs.existsSync(path.join(root, builtWebPath))) fs.cpSync(path.join(root, builtWebPath), path.join(stageDir, packagedWebPath), { recursive: true });
  const folders = sourceTaskFolders(root);
  const notBuilt = folders.filter((folder) => !fs.existsSync(path.join(root, builtTasksPath, folder, 'task.json')));
  if (notBuilt.length > 0) throw new Error(`Not built: ${notBuilt.join(', ')}. Run 'npm run build' first.`);
  for (const folder of folders) {
    const target = path.join(stageDir, packagedTasksPath, folder);
    fs.cpSync(path.join(root, builtTasksPath, folder), target, { recursive: true });
    const taskJson = path.join(target, 'task.json');
    const task = applyVariantToTask(readJson(taskJson), options.variant.variant, endpointTypes);
    writeJson(taskJson, task);
    writeLocalization(target, task);
  }
  return folders;
}

/** Reads a staged folder back into the data the checks take. */
export function loadStagedExtension(stageDir: string, folders: readonly string[]): ExtensionUnderCheck {
  const manifest = readJson(path.join(stageDir, 'vss-extension.json'));
  const iconPath = (manifest.icons as JsonObject | undefined)?.default;
  const tasks: TaskUnderCheck[] = folders.map((folder) => {
    const stagedPath = `${packagedTasksPath}/${folder}`;
    const dir = path.join(stageDir, stagedPath);
    return {
      folder,
      stagedPath,
      manifest: readJson(path.join(dir, 'task.json')),
      icon: readImage(path.join(dir, 'icon.png')),
      stagedFiles: listPaths(dir),
    };
  });
  return {
    manifest,
    icon: typeof iconPath === 'string' ? readImage(path.join(stageDir, iconPath)) : { kind: 'missing' },
    tasks,
    stagedPaths: listPaths(stageDir),
  };
}
