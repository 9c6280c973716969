/**
 * Compile-time expansion of Azure Pipelines YAML templates, as the service does before a run: template
 * references (`- template: path[@alias]` in stages, jobs and steps lists, and `extends`), typed
 * parameters with defaults and `values`, `${{ }}` expressions in values and keys, `${{ if }}` /
 * `${{ elseif }}` / `${{ else }}` and `${{ each }}`. Runtime expressions (`$[ ]`) and macros (`$( )`)
 * are left as they are. Errors name the file, the template and the parameter, like the service's.
 *
 * Follows the documented template semantics (learn.microsoft.com/azure/devops/pipelines/process/
 * templates and .../expressions); only the expression functions the templates of this repository
 * can meet are implemented, and an unknown one is an error rather than a guess.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';

type Value = unknown;
type Mapping = Record<string, Value>;

/** Where `template: x@alias` references resolve: alias → repository root folder. */
export type RepositoryRoots = Readonly<Record<string, string>>;

/** A problem found while expanding; the message names the file. */
export class TemplateError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TemplateError';
  }
}

const parameterTypes = new Set(['string', 'number', 'boolean', 'object', 'step', 'stepList', 'job', 'jobList', 'deployment', 'deploymentList', 'stage', 'stageList']);

interface ParameterDeclaration {
  name: string;
  type?: string;
  default?: Value;
  values?: Value[];
}

/** Reads and checks the parameters a template declares, then binds the passed values to them. */
export function bindParameters(file: string, declarations: unknown, passed: Mapping): Mapping {
  const declared = Array.isArray(declarations) ? (declarations as ParameterDeclaration[]) : [];
  const bound: Mapping = {};
  for (const declaration of declared) {
    const type = declaration.type ?? 'string';
    if (!parameterTypes.has(type)) throw new TemplateError(file, `parameter '${declaration.name}' has unknown type '${type}'`);
    const given = Object.prototype.hasOwnProperty.call(passed, declaration.name);
    if (!given && declaration.default === undefined) throw new TemplateError(file, `a value for parameter '${declaration.name}' is required`);
    const value = given ? passed[declaration.name] : declaration.default;
    bound[declaration.name] = coerceParameter(file, declaration, type, value);
  }
  const names = new Set(declared.map((d) => d.name));
  for (const name of Object.keys(passed)) {
    if (!names.has(name)) throw new TemplateError(file, `unexpected parameter '${name}' (the template declares ${[...names].join(', ') || 'none'})`);
  }
  return bound;
}

function isExpressionText(value: Value): boolean {
  return typeof value === 'string' && /\$\[|\$\(/.test(value);
}

function coerceParameter(file: string, declaration: ParameterDeclaration, type: string, value: Value): Value {
  const fail = (expected: string): never => {
    throw new TemplateError(file, `parameter '${declaration.name}' of type ${type} got ${JSON.stringify(value)}; expected ${expected}`);
  };
  let coerced = value;
  switch (type) {
    case 'string':
      if (value !== null && typeof value === 'object') fail('a string');
      coerced = value === null || value === undefined ? '' : String(value);
      break;
    case 'number':
      if (typeof value === 'number') break;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) coerced = Number(value);
      else if (!isExpressionText(value)) fail('a number');
      break;
    case 'boolean':
      if (typeof value === 'boolean') break;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) coerced = value.toLowerCase() === 'true';
      else if (!isExpressionText(value)) fail('true or false');
      break;
    case 'stepList':
    case 'jobList':
    case 'stageList':
    case 'deploymentList':
      if (!Array.isArray(value)) fail('a list');
      break;
    case 'step':
    case 'job':
    case 'stage':
    case 'deployment':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('a mapping');
      break;
    default:
      break;
  }
  if (declaration.values !== undefined && !declaration.values.some((allowed) => String(allowed) === String(coerced))) {
    fail(`one of ${declaration.values.map(String).join(', ')}`);
  }
  return coerced;
}

// ---------------------------------------------------------------------------------------------
// Expressions

type Token = { kind: 'string' | 'number' | 'ident' | 'punct'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new Error(`unterminated string in '${source}'`);
        if (source[i] === "'" && source[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (source[i] === "'") {
          i++;
          break;
        } else text += source[i++];
      }
      tokens.push({ kind: 'string', text });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', text: match[0] });
      i += match[0].length;
    } else if ('(),.[]'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw new Error(`unexpected '${c}' in '${source}'`);
    }
  }
  return tokens;
}

function truthy(value: Value): boolean {
  if (value === null || value === undefined || value === false || value === '' || value === 0) return false;
  return true;
}

function asText(value: Value): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Comparison as the service does it: case-insensitive for strings, the right side converted to the left's type. */
function equal(left: Value, right: Value): boolean {
  if (typeof left === 'number') return left === Number(right);
  if (typeof left === 'boolean') return left === (typeof right === 'boolean' ? right : String(right).toLowerCase() === 'true');
  if (left === null || left === undefined) return right === null || right === undefined || right === '';
  return asText(left).toLowerCase() === asText(right).toLowerCase();
}

const functions: Record<string, (args: Value[]) => Value> = {
  eq: ([a, b]) => equal(a, b),
  ne: ([a, b]) => !equal(a, b),
  and: (args) => args.every(truthy),
  or: (args) => args.some(truthy),
  not: ([a]) => !truthy(a),
  in: ([a, ...rest]) => rest.some((b) => equal(a, b)),
  notin: ([a, ...rest]) => !rest.some((b) => equal(a, b)),
  coalesce: (args) => args.find((a) => a !== null && a !== undefined && a !== '') ?? '',
  contains: ([a, b]) => asText(a).toLowerCase().includes(asText(b).toLowerCase()),
  startswith: ([a, b]) => asText(a).toLowerCase().startsWith(asText(b).toLowerCase()),
  endswith: ([a, b]) => asText(a).toLowerCase().endsWith(asText(b).toLowerCase()),
  lower: ([a]) => asText(a).toLowerCase(),
  upper: ([a]) => asText(a).toUpperCase(),
  length: ([a]) => (Array.isArray(a) ? a.length : a && typeof a === 'object' ? Object.keys(a).length : asText(a).length),
  join: ([separator, list]) => (Array.isArray(list) ? list.map(asText).join(asText(separator)) : asText(list)),
  replace: ([a, from, to]) => asText(a).split(asText(from)).join(asText(to)),
  format: ([pattern, ...args]) => asText(pattern).replace(/\{(\d+)\}/g, (_, index: string) => asText(args[Number(index)])),
};

/** Evaluates a compile-time expression against the bound parameters (and loop variables). */
export function evaluate(source: string, scope: Mapping): Value {
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const expect = (text: string): void => {
    const token = tokens[position++];
    if (token?.text !== text) throw new Error(`expected '${text}' in '${source}'`);
  };
  const primary = (): Value => {
    const token = tokens[position++];
    if (!token) throw new Error(`unexpected end of '${source}'`);
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind !== 'ident') throw new Error(`unexpected '${token.text}' in '${source}'`);
    const name = token.text;
    if (peek()?.text === '(') {
      position++;
      const args: Value[] = [];
      while (peek()?.text !== ')') {
        args.push(expression());
        if (peek()?.text === ',') position++;
      }
      expect(')');
      const fn = functions[name.toLowerCase()];
      if (!fn) throw new Error(`unknown function '${name}' in '${source}'`);
      return fn(args);
    }
    if (name === 'true') return true;
    if (name === 'false') return false;
    if (name === 'null') return null;
    if (!Object.prototype.hasOwnProperty.call(scope, name)) throw new Error(`unknown name '${name}' in '${source}'`);
    let value: Value = scope[name];
    for (let depth = 0; ; depth++) {
      let key: string;
      if (peek()?.text === '.') {
        position++;
        key = tokens[position++]?.text ?? '';
      } else if (peek()?.text === '[') {
        position++;
        key = asText(expression());
        expect(']');
      } else break;
      // Reading an undeclared parameter is an error at expansion, not an empty value.
      if (name === 'parameters' && depth === 0 && !Object.prototype.hasOwnProperty.call(value as Mapping, key)) {
        throw new Error(`parameter '${key}' is not declared`);
      }
      value = value !== null && typeof value === 'object' ? (value as Mapping)[key] : undefined;
    }
    return value;
  };
  const expression = (): Value => primary();
  const result = expression();
  if (position !== tokens.length) throw new Error(`unexpected '${tokens[position].text}' in '${source}'`);
  return result;
}

const wholeExpression = /^\$\{\{([\s\S]*)\}\}$/;
const embeddedExpression = /\$\{\{([\s\S]*?)\}\}/g;

function substitute(text: string, scope: Mapping): Value {
  const whole = wholeExpression.exec(text.trim());
  if (whole && !whole[1].includes('}}')) return evaluate(whole[1].trim(), scope);
  return text.replace(embeddedExpression, (_, inner: string) => asText(evaluate(inner.trim(), scope)));
}

// ---------------------------------------------------------------------------------------------
// Documents

type Directive = { kind: 'if' | 'elseif'; condition: string } | { kind: 'else' } | { kind: 'each'; variable: string; collection: string };

function directive(key: string): Directive | undefined {
  const match = wholeExpression.exec(key.trim());
  if (!match) return undefined;
  const body = match[1].trim();
  let m: RegExpExecArray | null;
  if ((m = /^if\s+([\s\S]+)$/.exec(body))) return { kind: 'if', condition: m[1] };
  if ((m = /^elseif\s+([\s\S]+)$/.exec(body))) return { kind: 'elseif', condition: m[1] };
  if (body === 'else') return { kind: 'else' };
  if ((m = /^each\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+([\s\S]+)$/.exec(body))) return { kind: 'each', variable: m[1], collection: m[2] };
  return undefined;
}

/** What a list holds, which decides what a `template:` item in it contributes. */
type ListKind = 'stages' | 'jobs' | 'steps' | 'other';

interface Context {
  file: string;
  scope: Mapping;
  repositories: RepositoryRoots;
  depth: number;
}

function listKindOf(key: string): ListKind {
  return key === 'stages' || key === 'jobs' || key === 'steps' ? key : 'other';
}

function expandNode(node: Value, context: Context, listKind: ListKind): Value {
  if (Array.isArray(node)) return expandList(node, context, listKind);
  if (node !== null && typeof node === 'object') return expandMapping(node as Mapping, context);
  if (typeof node === 'string') {
    try {
      return substitute(node, context.scope);
    } catch (error) {
      throw new TemplateError(context.file, (error as Error).message);
    }
  }
  return node;
}

function condition(context: Context, source: string): boolean {
  try {
    return truthy(evaluate(source.trim(), context.scope));
  } catch (error) {
    throw new TemplateError(context.file, (error as Error).message);
  }
}

/** Expands a mapping: plain keys are copied with their values expanded; `${{ if }}` keys merge their body in. */
function expandMapping(mapping: Mapping, context: Context): Mapping {
  const out: Mapping = {};
  let chainTaken: boolean | undefined;
  for (const [key, value] of Object.entries(mapping)) {
    const d = directive(key);
    if (!d) {
      chainTaken = undefined;
      const expandedKey = asText(expandNode(key, context, 'other'));
      out[expandedKey] = expandNode(value, context, listKindOf(expandedKey));
      continue;
    }
    if (d.kind === 'each') throw new TemplateError(context.file, `'each' is used in a mapping; this expander supports it in lists only`);
    const take = selectBranch(d, chainTaken, context);
    chainTaken = d.kind === 'else' ? undefined : (chainTaken ?? false) || take;
    if (!take) continue;
    const expanded = expandNode(value, context, 'other');
    if (expanded === null || typeof expanded !== 'object' || Array.isArray(expanded)) {
      throw new TemplateError(context.file, `the body of '${key}' inside a mapping must be a mapping`);
    }
    Object.assign(out, expanded);
  }
  return out;
}

function selectBranch(d: Directive, chainTaken: boolean | undefined, context: Context): boolean {
  if (d.kind === 'if') return condition(context, d.condition);
  if (chainTaken === undefined) throw new TemplateError(context.file, `'${d.kind}' without a preceding 'if'`);
  if (chainTaken) return false;
  return d.kind === 'else' ? true : condition(context, (d as { condition: string }).condition);
}

function expandList(list: Value[], context: Context, listKind: ListKind): Value[] {
  const out: Value[] = [];
  let chainTaken: boolean | undefined;
  for (const item of list) {
    const keys = item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.keys(item) : [];
    const d = keys.length === 1 ? directive(keys[0]) : undefined;
    if (d) {
      const body = (item as Mapping)[keys[0]];
      if (d.kind === 'each') {
        chainTaken = undefined;
        const collection = (() => {
          try {
            return evaluate(d.collection.trim(), context.scope);
          } catch (error) {
            throw new TemplateError(context.file, (error as Error).message);
          }
        })();
        const entries = Array.isArray(collection) ? collection : collection && typeof collection === 'object' ? Object.entries(collection).map(([key, value]) => ({ key, value })) : [];
        for (const entry of entries) {
          const inner = expandNode(Array.isArray(body) ? body : [body], { ...context, scope: { ...context.scope, [d.variable]: entry } }, listKind);
          out.push(...(inner as Value[]));
        }
        continue;
      }
      const take = selectBranch(d, chainTaken, context);
      chainTaken = d.kind === 'else' ? undefined : (chainTaken ?? false) || take;
      if (!take) continue;
      const inner = expandNode(Array.isArray(body) ? body : [body], context, listKind);
      out.push(...(inner as Value[]));
      continue;
    }
    chainTaken = undefined;
    if (listKind !== 'other' && keys.includes('template')) {
      out.push(...includeTemplate(item as Mapping, context, listKind));
      continue;
    }
    out.push(expandNode(item, context, 'other'));
  }
  return out;
}

function resolveReference(reference: string, context: Context): string {
  const [relative, alias] = reference.split('@');
  if (alias !== undefined && alias !== 'self') {
    const root = context.repositories[alias];
    if (!root) throw new TemplateError(context.file, `template '${reference}' names repository '${alias}', which resources.repositories does not declare`);
    return path.join(root, relative);
  }
  return path.resolve(path.dirname(context.file), relative);
}

function includeTemplate(item: Mapping, context: Context, listKind: Exclude<ListKind, 'other'>): Value[] {
  if (context.depth > 50) throw new TemplateError(context.file, 'templates nest more than 50 deep');
  const reference = asText(expandNode(item.template, context, 'other'));
  const passed = (expandNode(item.parameters ?? {}, context, 'other') ?? {}) as Mapping;
  const target = resolveReference(reference, context);
  if (!fs.existsSync(target)) throw new TemplateError(context.file, `template '${reference}' does not exist (${target})`);
  const expanded = expandFile(target, passed, context.repositories, context.depth + 1);
  const contributed = expanded[listKind];
  if (!Array.isArray(contributed)) throw new TemplateError(target, `is used in a ${listKind} list but defines no '${listKind}'`);
  return contributed;
}

/** Expands one template file with the given parameter values. */
export function expandFile(file: string, passed: Mapping, repositories: RepositoryRoots, depth = 0): Mapping {
  const document = YAML.parse(fs.readFileSync(file, 'utf8')) as Mapping | null;
  if (!document || typeof document !== 'object') throw new TemplateError(file, 'is empty or not a mapping');
  const { parameters: declarations, ...rest } = document;
  const scope = { parameters: bindParameters(file, declarations, passed) };
  return expandMapping(rest, { file, scope, repositories, depth });
}

/**
 * Expands a pipeline (a file with triggers, `resources` and stages/jobs/steps or `extends`) the way a
 * run would with its parameters' defaults (or `runParameters`). `repositories` maps aliases of
 * `resources.repositories` to local folders.
 */
export function expandPipeline(file: string, repositories: RepositoryRoots, runParameters: Mapping = {}): Mapping {
  const expanded = expandFile(file, runParameters, repositories);
  const extendsTemplate = expanded.extends as Mapping | undefined;
  if (extendsTemplate && typeof extendsTemplate.template === 'string') {
    const target = resolveReference(extendsTemplate.template, { file, scope: {}, repositories, depth: 0 });
    const { extends: _extends, ...pipeline } = expanded;
    return { ...pipeline, ...expandFile(target, (extendsTemplate.parameters ?? {}) as Mapping, repositories, 1) };
  }
  return expanded;
}
