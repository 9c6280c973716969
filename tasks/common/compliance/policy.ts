/**
 * The compliance policy (`policyFile`): YAML validated against `policy-schema.json`, the schema that
 * ships with the task and that the README documents. Every problem names the file, the line and the
 * key, and all of them are found before the task makes any request.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import schema from './policy-schema.json';

/** Tag keys that must be present: a list of allowed values, or null for any value. */
export type RequiredTags = Record<string, string[] | null>;

/** One rule of the policy; `id` is unique and names the JUnit test case. */
export type PolicyRule =
  | { id: string; kind: 'versionStatus'; status?: string }
  | { id: string; kind: 'versionDescription'; minLength?: number }
  | { id: string; kind: 'versionTags'; required: RequiredTags }
  | { id: string; kind: 'modelOwner'; allowed?: string[] }
  | { id: string; kind: 'modelTags'; required: RequiredTags }
  | { id: string; kind: 'sourceRun'; status?: string; requireGitCommit?: boolean; requireDatasets?: boolean; allowedDatasetSources?: string[] }
  | { id: string; kind: 'signature'; outputs?: boolean }
  | { id: string; kind: 'metricBounds'; metrics: Record<string, { min?: number; max?: number }> }
  | { id: string; kind: 'comparisonDecision' }
  | { id: string; kind: 'lineage' };

/** Every rule kind, in the order the README documents them. */
export const ruleKinds = [
  'versionStatus',
  'versionDescription',
  'versionTags',
  'modelOwner',
  'modelTags',
  'sourceRun',
  'signature',
  'metricBounds',
  'comparisonDecision',
  'lineage',
] as const satisfies ReadonlyArray<PolicyRule['kind']>;

/** A validated policy. */
export interface Policy {
  version: 1;
  rules: PolicyRule[];
}

/** The JSON schema of the policy format. */
export const policySchema: object = schema;

/** One problem in a policy file. */
export interface PolicyProblem {
  line: number;
  /** Dotted key path, e.g. `rules[2].minLength`; empty for the document. */
  key: string;
  message: string;
}

/** Thrown for an invalid policy; the message lists every problem as `file:line key: message`. */
export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly problems: PolicyProblem[],
  ) {
    super(`Invalid policy '${file}':\n${problems.map((p) => `  - ${file}:${p.line}${p.key ? ` ${p.key}` : ''}: ${p.message}`).join('\n')}`);
    this.name = 'PolicyError';
  }
}

let compiled: ValidateFunction | undefined;

/** The policy schema's validator, compiled on first use: tasks that only import this module's types or report helpers do not pay for Ajv at start-up. */
function policyValidator(): ValidateFunction {
  return (compiled ??= new Ajv({ allErrors: true, discriminator: true, strict: false }).compile(schema));
}

function keyPath(path: ReadonlyArray<string | number>): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/** The node at `path`, or the deepest ancestor that exists. */
function nodeAt(document: Document, path: ReadonlyArray<string | number>): Node | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return undefined;
}

/** The key node of `key` in the mapping at `path` (for unknown keys, point at the key itself). */
function keyNodeAt(document: Document, path: ReadonlyArray<string | number>, key: string): Node | undefined {
  const parent = path.length === 0 ? document.contents : document.getIn(path, true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
  return pair && isScalar(pair.key) ? pair.key : undefined;
}

function lineOf(lines: LineCounter, node: Node | undefined): number {
  return node?.range ? lines.linePos(node.range[0]).line : 1;
}

function describeError(error: ErrorObject): { path: Array<string | number>; message: string; unknownKey?: string } {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return { path: [...path, key], unknownKey: key, message: `unknown key '${key}'` };
    }
    case 'required':
      return { path: [...path, String(params.missingProperty)], message: `missing required key '${String(params.missingProperty)}'` };
    case 'discriminator':
      return {
        path: [...path, 'kind'],
        message:
          params.error === 'mapping'
            ? `unknown rule kind ${JSON.stringify(params.tagValue)} (expected ${ruleKinds.join(', ')})`
            : `'kind' must be a string (one of ${ruleKinds.join(', ')})`,
      };
    case 'enum':
      return { path, message: `must be one of ${((params.allowedValues as unknown[]) ?? []).map(String).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/** Ajv reports a `oneOf` failure next to the branch errors; keep the specific ones. */
function specificErrors(errors: ErrorObject[]): ErrorObject[] {
  return errors.filter((error) => error.keyword !== 'oneOf' || !errors.some((other) => other !== error && other.instancePath.startsWith(error.instancePath) && other.keyword !== 'oneOf'));
}

function duplicateIds(document: Document, lines: LineCounter, rules: unknown): PolicyProblem[] {
  if (!Array.isArray(rules)) return [];
  const seen = new Map<string, number>();
  const problems: PolicyProblem[] = [];
  rules.forEach((rule, index) => {
    const id = rule && typeof rule === 'object' ? (rule as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return;
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, index);
      return;
    }
    const path = ['rules', index, 'id'];
    problems.push({ line: lineOf(lines, nodeAt(document, path)), key: keyPath(path), message: `duplicate id '${id}' (first used by rules[${first}])` });
  });
  return problems;
}

/**
 * Parses and validates a policy. Throws {@link PolicyError} listing every problem with its line:
 * YAML syntax, unknown rule kinds, unknown keys, wrong types and duplicate ids.
 * @param file the path shown in messages.
 */
export function parsePolicy(text: string, file: string): Policy {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new PolicyError(
      file,
      document.errors.map((error) => ({ line: lines.linePos(error.pos[0]).line, key: '', message: error.message.split('\n')[0] })),
    );
  }
  const value = document.toJS() as unknown;
  const problems: PolicyProblem[] = [];
  const validate = policyValidator();
  if (!validate(value)) {
    for (const error of specificErrors(validate.errors ?? [])) {
      const { path, message, unknownKey } = describeError(error);
      const node = unknownKey !== undefined ? keyNodeAt(document, path.slice(0, -1), unknownKey) : nodeAt(document, path);
      problems.push({ line: lineOf(lines, node), key: keyPath(path), message });
    }
  }
  problems.push(...duplicateIds(document, lines, (value as { rules?: unknown } | null)?.rules));
  if (problems.length > 0) {
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
      const id = `${p.line}|${p.key}|${p.message}`;
      return seen.has(id) ? false : (seen.add(id), true);
    });
    throw new PolicyError(file, unique.sort((a, b) => a.line - b.line));
  }
  return value as Policy;
}

