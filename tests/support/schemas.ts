/**
 * Where tests find the reference schemas. They live outside the repo (`../shared/schemas`, or
 * MLOPS_SCHEMA_DIR) and are never copied into it. Under CI a missing schema fails the test; on a
 * developer machine without that folder the test is skipped and says which folder it looked in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

/** MLOPS_SCHEMA_DIR (relative to the repo root when relative), or `<repo>/../shared/schemas`. */
export function schemaDir(): string {
  return path.resolve(repoRoot, process.env.MLOPS_SCHEMA_DIR ?? '../shared/schemas');
}

/**
 * The path of schema `name` (e.g. `azure-pipelines-task.schema.json`). When it is missing: under
 * `CI=true` this throws so the run fails; elsewhere it skips the calling test or hook.
 * Call it as `requireSchema('x.json', this)` from a `function () {}` test or `before` hook.
 */
export function requireSchema(name: string, context: Mocha.Context): string {
  const file = path.join(schemaDir(), name);
  if (fs.existsSync(file)) return file;
  const message = `schema ${name} not found in ${schemaDir()} (set MLOPS_SCHEMA_DIR to the folder holding it)`;
  if (process.env.CI === 'true') throw new Error(message);
  // Mocha's skip() takes no reason, so say it where the developer will see it.
  console.warn(`      skipped: ${message}`);
  context.skip();
}

/** Reads and parses schema `name`, with {@link requireSchema}'s missing-file behaviour. */
export function loadSchema(name: string, context: Mocha.Context): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(requireSchema(name, context), 'utf8')) as Record<string, unknown>;
}
