/**
 * Validates bundle configuration against the Databricks bundle JSON schema (the one
 * `databricks bundle schema` prints) and maps each error back to a file and line.
 */
import { toError } from '../http/errors';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { childAt, formatKeyPath, toPlain, type ConfigNode } from './config-tree';
import { displayPath, type LoadedBundle } from './bundle-config';
import type { Finding } from './findings';
import type { Logger } from '../ports';
import type { BundleFileSystem, CommandRunner } from './ports';

/** A schema error at a path of the validated document. */
export interface SchemaError {
  keys: string[];
  /** The Ajv keyword (`type`, `additionalProperties`, `required`, `enum`, ...). */
  keyword: string;
  message: string;
}

/** A compiled schema; compile once and reuse it for every bundle and target. */
export interface BundleSchemaValidator {
  validate(document: unknown): SchemaError[];
}

/**
 * Compiles the bundle schema. Ajv runs with `strict: false` because the schema carries
 * non-standard keywords (`markdownDescription`, `deprecationMessage`, `doNotSuggest`), and with
 * Unicode regular expressions (Ajv's default) for its `\p{L}` patterns.
 */
export function compileBundleSchema(schema: object): BundleSchemaValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: false });
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    validate(document) {
      if (validate(document)) return [];
      return condense(validate.errors ?? []);
    },
  };
}

/** Parses a schema text (a `schemaFile` or the CLI's output). */
export function parseSchemaText(text: string, origin: string): object {
  try {
    const schema = JSON.parse(text) as unknown;
    if (schema === null || typeof schema !== 'object') throw new Error('not an object');
    return schema;
  } catch (error) {
    throw new Error(`The bundle schema from ${origin} is not valid JSON: ${toError(error).message}`);
  }
}

/** True for the schema branches that accept a `${...}` reference instead of a value. */
function isInterpolationBranch(error: ErrorObject): boolean {
  const parent = error.parentSchema as { type?: unknown; pattern?: unknown } | undefined;
  return parent?.type === 'string' && typeof parent.pattern === 'string' && parent.pattern.startsWith('\\$\\{');
}

/**
 * Every value in the schema is `oneOf: [<real schema>, <reference string>]`, so one mistake yields
 * an error per branch plus a `oneOf` summary. Keep the errors of the real branch.
 */
function condense(errors: ErrorObject[]): SchemaError[] {
  const useful = errors.filter((error) => !isInterpolationBranch(error));
  const specific = useful.filter((error) => error.keyword !== 'oneOf' && error.keyword !== 'anyOf');
  const kept = useful.filter(
    (error) =>
      (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') ||
      !specific.some((other) => other.instancePath === error.instancePath || other.instancePath.startsWith(`${error.instancePath}/`)),
  );
  const seen = new Set<string>();
  const out: SchemaError[] = [];
  for (const error of kept) {
    const keys = error.instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    let message = error.message ?? error.keyword;
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      keys.push(extra ?? '');
      message = 'is not a known property';
    } else if (error.keyword === 'enum') {
      message = `${message}: ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(String).join(', ')}`;
    }
    const id = `${keys.join('/')}|${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ keys, keyword: error.keyword, message });
  }
  return out;
}

/**
 * Keywords whose violations the CLI reports as warnings, not errors: unknown fields, required fields
 * (from its OpenAPI annotations) and enum values. Everything else (wrong types, bad patterns) fails.
 */
const warningKeywords = new Set(['additionalProperties', 'required', 'enum']);

/** Schema findings for the merged configuration (root, includes and targets). */
export function schemaFindings(bundle: LoadedBundle, validator: BundleSchemaValidator, tree: ConfigNode = bundle.merged): Finding[] {
  return validator.validate(toPlain(tree, true)).map((error) => {
    const node = deepestNode(tree, error.keys);
    return {
      severity: warningKeywords.has(error.keyword) ? ('warning' as const) : ('error' as const),
      check: 'schema' as const,
      file: displayPath(bundle.root, node.loc.file),
      line: node.loc.line,
      key: formatKeyPath(error.keys),
      message: `does not match the bundle schema: ${error.message}`,
    };
  });
}

function deepestNode(tree: ConfigNode, keys: readonly string[]): ConfigNode {
  for (let length = keys.length; length > 0; length -= 1) {
    const node = childAt(tree, keys.slice(0, length));
    if (node) return node;
  }
  return tree;
}

/** Where the schema came from, for the summary. */
export interface LoadedSchema {
  validator: BundleSchemaValidator;
  origin: string;
}

/**
 * The bundle schema from `schemaFile`, else from `databricks bundle schema` when the CLI is on
 * PATH; undefined when neither is available (only the semantic checks run then).
 */
export async function loadBundleSchema(
  fs: BundleFileSystem,
  runner: CommandRunner,
  schemaFile: string | undefined,
  logger: Logger,
  signal?: AbortSignal,
): Promise<LoadedSchema | undefined> {
  if (schemaFile) {
    if ((await fs.stat(schemaFile))?.kind !== 'file') throw new Error(`Invalid 'schemaFile' '${schemaFile}': the file does not exist`);
    return { validator: compileBundleSchema(parseSchemaText(await fs.readText(schemaFile), schemaFile)), origin: schemaFile };
  }
  const cli = await runner.which('databricks');
  if (!cli) return undefined;
  const result = await runner.capture(cli, ['bundle', 'schema'], { signal });
  if (result.exitCode !== 0) {
    logger.warn(`'databricks bundle schema' exited with code ${result.exitCode}; only the semantic checks run.`);
    return undefined;
  }
  return { validator: compileBundleSchema(parseSchemaText(result.stdout, `${cli} bundle schema`)), origin: `${cli} bundle schema` };
}
