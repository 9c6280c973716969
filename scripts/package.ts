/**
 * `npm run package [-- --variant dev|private|public] [--publisher p] [--extension-id id] [--override '{json}']`
 * (or MLOPS_VARIANT / MLOPS_PUBLISHER / MLOPS_EXTENSION_ID): stages the extension from the build
 * output into dist/package-<variant>/, runs the manifest checks (they fail the step; tfx would only
 * warn), then `tfx extension create` offline into dist/*.vsix.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { checkExtension, formatProblems, type JsonObject, type Problem } from './manifest/checks';
import { loadStagedExtension, readConnectionInputs, readJson, repoRoot, schemaDirectory, stageExtension, taskSchemaFile } from './manifest/files';
import { resolveVariantSettings, type VariantSettings } from './manifest/variants';

const execFileAsync = promisify(execFile);

/** Options for {@link packageExtension}. */
export interface PackageOptions {
  variant: VariantSettings;
  root?: string;
  /** Where the .vsix goes (default dist/). */
  outDir?: string;
  /** Staging folder (default dist/package-<variant>/). */
  stageDir?: string;
  /** Folder holding azure-pipelines-task.schema.json (default MLOPS_SCHEMA_DIR or ../shared/schemas). */
  schemaDir?: string;
  /**
   * Whether a missing task schema fails packaging. Under CI it must; elsewhere the schema check is
   * skipped with a warning so a clone without ../shared can still package.
   */
  requireSchema?: boolean;
  log?: (line: string) => void;
}

/** What tfx wrote. */
export interface PackageResult {
  vsixPath: string;
  publisher: string;
  extensionId: string;
  version: string;
  stageDir: string;
}

/** Thrown when the manifest checks find problems; `problems` has them all. */
export class ManifestCheckError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`Manifest checks failed (${problems.length} problem(s)):\n${formatProblems(problems)}`);
    this.name = 'ManifestCheckError';
  }
}

function loadTaskSchema(schemaDir: string, required: boolean, log: (line: string) => void): JsonObject | undefined {
  const file = path.join(schemaDir, taskSchemaFile);
  if (fs.existsSync(file)) return readJson(file);
  const message = `Task schema not found: ${file} (set MLOPS_SCHEMA_DIR to the folder holding ${taskSchemaFile})`;
  if (required) throw new Error(message);
  log(`warning: ${message}; task.json schema validation skipped`);
  return undefined;
}

/** What `tfx extension create --json` reported, and any lines it printed before the result. */
export interface TfxResult {
  path: string;
  extensionId: string;
  version: string;
  publisher: string;
  messages: string[];
}

/**
 * Reads tfx's `--json` output. Warnings are printed to stdout before the result, and may contain
 * braces themselves, so the result is the last block that starts with a line holding only `{`.
 */
export function parseTfxResult(stdout: string): TfxResult {
  const lines = stdout.split(/\r?\n/);
  const start = lines.map((line) => line.trim()).lastIndexOf('{');
  let parsed: Partial<TfxResult> | undefined;
  try {
    parsed = start >= 0 ? (JSON.parse(lines.slice(start).join('\n')) as Partial<TfxResult>) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed.path !== 'string') throw new Error(`Unexpected tfx output:\n${stdout}`);
  return { path: parsed.path, extensionId: String(parsed.extensionId), version: String(parsed.version), publisher: String(parsed.publisher), messages: lines.slice(0, start) };
}

/** Stages, checks and packages one variant. */
export async function packageExtension(options: PackageOptions): Promise<PackageResult> {
  const root = options.root ?? repoRoot;
  const log = options.log ?? ((line: string) => console.log(line));
  const outDir = options.outDir ?? path.join(root, 'dist');
  const stageDir = options.stageDir ?? path.join(root, 'dist', `package-${options.variant.variant}`);
  const taskSchema = loadTaskSchema(options.schemaDir ?? schemaDirectory(process.env, root), options.requireSchema ?? process.env.CI === 'true', log);

  const folders = stageExtension({ root, stageDir, variant: options.variant });
  const problems = checkExtension(loadStagedExtension(stageDir, folders), { taskSchema, connectionInputs: readConnectionInputs(root, options.variant.variant) });
  if (problems.length > 0) throw new ManifestCheckError(problems);
  log(`manifest checks passed for ${folders.length} task(s)${taskSchema ? '' : ' (without schema validation)'}`);

  fs.mkdirSync(outDir, { recursive: true });
  const tfx = require.resolve('tfx-cli/_build/tfx-cli.js');
  const args = [tfx, 'extension', 'create', '--root', stageDir, '--manifest-globs', 'vss-extension.json', '--output-path', outDir, '--json', '--no-prompt', '--no-color'];
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await execFileAsync(process.execPath, args, { cwd: stageDir, maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`tfx extension create failed: ${failed.stderr || failed.stdout || failed.message}`);
  }
  const result = parseTfxResult(stdout);
  for (const line of [...result.messages, ...stderr.split('\n')].filter((line) => line.trim())) log(`tfx: ${line}`);
  log(`packaged ${path.relative(root, result.path)} (${result.publisher}.${result.extensionId} ${result.version})`);
  return { vsixPath: result.path, publisher: result.publisher, extensionId: result.extensionId, version: result.version, stageDir };
}

async function main(): Promise<void> {
  const variant = resolveVariantSettings(process.env, process.argv.slice(2));
  await packageExtension({ variant });
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}

