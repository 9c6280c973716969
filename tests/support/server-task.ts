/**
 * Evaluates an agentless `HttpRequest` task (a release gate) the way the Azure DevOps server does, for
 * tests: offers only a connection whose scheme the input type accepts (`connectedService:<type>:<schemes>`,
 * as the connection picker does), expands `$(input)` and `$(endpoint.url)` macros, adds the service
 * connection's headers as its endpoint type declares them (vss-extension.json), sends the request, and applies the task's success
 * `Expression` to the JSON response. The expression language is the task-condition one; this covers
 * the subset gates use (and, or, not, xor, eq, ne, gt, ge, lt, le, isNullOrEmpty, count, root['x'], and
 * jsonpath with member steps and `[?(@.a == 'x' && @.b == 'y')]` filters).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { authSchemeNames, parseConnectedServiceType } from '../../scripts/manifest/checks';
import { repoRoot } from './task-bundle';

interface HttpRequestExecution {
  EndpointId?: string;
  EndpointUrl: string;
  Method?: string;
  Headers?: string;
  Body?: string;
  Expression?: string;
}

interface ServerTaskManifest {
  inputs?: Array<{ name: string; type?: string; defaultValue?: string }>;
  execution: { HttpRequest: { Execute: HttpRequestExecution } };
}

/** A service connection as the server sees it: URL, scheme and authorization parameters. */
export interface ServerEndpoint {
  url: string;
  /** Endpoint type name in vss-extension.json, e.g. `databricks-workspace`. */
  type: string;
  /**
   * The endpoint's `authorization.scheme` name: `Token` (personal access token) or `UsernamePassword`
   * (OAuth M2M). The scheme's type id (`ms.vss-endpoint.endpoint-auth-scheme-token`) is read as its name.
   */
  scheme: string;
  parameters: Record<string, string>;
}

export interface GateEvaluation {
  url: string;
  status: number;
  body: unknown;
  /** The server's verdict: a successful response whose body satisfies the expression. */
  passed: boolean;
}

/** Expands `$(name)` macros: inputs, then `endpoint.url`; unknown names become empty. */
export function expandMacros(text: string, values: Record<string, string>): string {
  return text.replace(/\$\(([^)]+)\)/g, (_, name: string) => values[name] ?? '');
}

function schemeName(endpoint: ServerEndpoint): string {
  return authSchemeNames[endpoint.scheme] ?? endpoint.scheme;
}

/** The headers an endpoint type's authentication scheme adds (`{{endpoint.x}}` substituted). */
function schemeHeaders(endpoint: ServerEndpoint): Record<string, string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'vss-extension.json'), 'utf8')) as {
    contributions: Array<{ type: string; properties: { name?: string; authenticationSchemes?: Array<{ type: string; headers?: Array<{ name: string; value: string }> }> } }>;
  };
  const type = manifest.contributions.find((c) => c.type === 'ms.vss-endpoint.service-endpoint-type' && c.properties.name === endpoint.type);
  if (!type) throw new Error(`vss-extension.json declares no endpoint type '${endpoint.type}'`);
  const scheme = type.properties.authenticationSchemes?.find((s) => authSchemeNames[s.type] === schemeName(endpoint));
  if (!scheme) throw new Error(`endpoint type '${endpoint.type}' has no scheme '${endpoint.scheme}'`);
  const headers: Record<string, string> = {};
  for (const header of scheme.headers ?? []) {
    headers[header.name] = header.value.replace(/\{\{endpoint\.([A-Za-z0-9_]+)\}\}/g, (_, key: string) => endpoint.parameters[key] ?? '');
  }
  return headers;
}

/**
 * Why the connection picker would not offer `endpoint` for the task's connection input, or undefined
 * when it would: the input type names another endpoint type, or schemes that exclude this one.
 */
export function connectionRefusal(task: ServerTaskManifest, endpoint: ServerEndpoint): string | undefined {
  const input = (task.inputs ?? []).find((candidate) => parseConnectedServiceType(candidate.type));
  const service = input && parseConnectedServiceType(input.type);
  if (!input || !service) return undefined;
  if (service.endpointType !== endpoint.type) return `input '${input.name}' takes a '${service.endpointType}' connection, not '${endpoint.type}'`;
  if (service.schemes.length > 0 && !service.schemes.includes(schemeName(endpoint))) {
    return `input '${input.name}' accepts connections with scheme ${service.schemes.join(', ')}, not ${schemeName(endpoint)}`;
  }
  return undefined;
}

/** Runs a server task's HttpRequest against `endpoint` with `inputs`; throws when the task could not be given that connection. */
export async function evaluateGate(task: ServerTaskManifest, inputs: Record<string, string>, endpoint: ServerEndpoint): Promise<GateEvaluation> {
  const refusal = connectionRefusal(task, endpoint);
  if (refusal) throw new Error(`The connection cannot be used with this task: ${refusal}.`);
  const values: Record<string, string> = {};
  for (const input of task.inputs ?? []) values[input.name] = inputs[input.name] ?? input.defaultValue ?? '';
  values['endpoint.url'] = endpoint.url;
  const execute = task.execution.HttpRequest.Execute;
  const url = expandMacros(execute.EndpointUrl, values);
  const headers = { ...(execute.Headers ? (JSON.parse(expandMacros(execute.Headers, values)) as Record<string, string>) : {}), ...schemeHeaders(endpoint) };
  const response = await fetch(url, { method: expandMacros(execute.Method ?? 'GET', values), headers, body: execute.Body ? expandMacros(execute.Body, values) : undefined });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  const expressionHolds = execute.Expression ? Boolean(evaluateExpression(expandMacros(execute.Expression, values), body)) : true;
  return { url, status: response.status, body, passed: response.ok && expressionHolds };
}

type Value = string | number | boolean | null | unknown[] | Record<string, unknown>;

/** Evaluates a condition expression over the response body `root`. */
export function evaluateExpression(expression: string, root: unknown): Value {
  const tokens = expression.match(/'(?:[^']|'')*'|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[()[\],]/g) ?? [];
  let position = 0;
  const next = (): string => {
    const token = tokens[position++];
    if (token === undefined) throw new Error(`unexpected end of expression: ${expression}`);
    return token;
  };
  const expect = (token: string): void => {
    const actual = next();
    if (actual !== token) throw new Error(`expected '${token}' but found '${actual}' in ${expression}`);
  };
  const parse = (): Value => {
    const token = next();
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (/^-?\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    if (token === 'root') {
      let value: unknown = root;
      while (tokens[position] === '[') {
        next();
        const key = parse();
        expect(']');
        value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[String(key)] : undefined;
      }
      return (value ?? null) as Value;
    }
    expect('(');
    const args: Value[] = [];
    while (tokens[position] !== ')') {
      args.push(parse());
      if (tokens[position] === ',') next();
    }
    expect(')');
    return call(token.toLowerCase(), args, root);
  };
  const result = parse();
  if (position !== tokens.length) throw new Error(`unexpected '${tokens[position]}' in ${expression}`);
  return result;
}

/** Casts `right` to the type of `left`, as the expression language does for comparisons. */
function coerce(left: Value, right: Value): [Value, Value] {
  if (typeof left === 'number') return [left, right === null || right === '' ? 0 : Number(right)];
  if (typeof left === 'string') return [left.toLowerCase(), right === null ? '' : String(right).toLowerCase()];
  if (left === null) return [right === null ? null : typeof right === 'number' ? 0 : '', right === null ? null : typeof right === 'string' ? right.toLowerCase() : right];
  return [left, right];
}

function truthy(value: Value): boolean {
  return !(value === null || value === false || value === 0 || value === '');
}

function call(name: string, args: Value[], root: unknown): Value {
  switch (name) {
    case 'and':
      return args.every(truthy);
    case 'or':
      return args.some(truthy);
    case 'not':
      return !truthy(args[0]);
    case 'xor':
      return truthy(args[0]) !== truthy(args[1]);
    case 'eq':
    case 'ne':
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      const [left, right] = coerce(args[0], args[1]);
      const l = left as number | string;
      const r = right as number | string;
      return { eq: l === r, ne: l !== r, gt: l > r, ge: l >= r, lt: l < r, le: l <= r }[name];
    }
    case 'jsonpath':
      return selectJsonPath(root, String(args[0]));
    case 'isnullorempty':
      return args[0] === null || args[0] === '';
    case 'count':
      return Array.isArray(args[0]) ? args[0].length : args[0] && typeof args[0] === 'object' ? Object.keys(args[0]).length : 0;
    default:
      throw new Error(`function '${name}' is not supported by this evaluator`);
  }
}

/**
 * The part of JSONPath (Json.NET `SelectTokens`, which the server uses) gates need: `$`, `.member`,
 * `['member']` and filters `[?(@.key == 'value' && ...)]` over an array's items. Returns the matches.
 */
export function selectJsonPath(root: unknown, path: string): unknown[] {
  if (!path.startsWith('$')) throw new Error(`jsonpath '${path}' must start with '$'`);
  const steps = path.slice(1).match(/\.[A-Za-z_][A-Za-z0-9_]*|\['[^']*'\]|\[\?\((?:[^()'\]]|'[^']*')*\)\]/g) ?? [];
  if (steps.join('') !== path.slice(1)) throw new Error(`jsonpath '${path}' is not supported by this evaluator`);
  let nodes: unknown[] = [root];
  for (const step of steps) {
    if (step.startsWith('[?(')) {
      const conditions = step
        .slice(3, -2)
        .split('&&')
        .map((condition) => {
          const match = /^\s*@\.([A-Za-z_][A-Za-z0-9_.]*)\s*==\s*'([^']*)'\s*$/.exec(condition);
          if (!match) throw new Error(`jsonpath filter '${condition}' is not supported by this evaluator`);
          return { key: match[1], value: match[2] };
        });
      nodes = nodes.flatMap((node) => (Array.isArray(node) ? node : []))
        .filter((item) => conditions.every((c) => item !== null && typeof item === 'object' && (item as Record<string, unknown>)[c.key] === c.value));
    } else {
      const key = step.startsWith('.') ? step.slice(1) : step.slice(2, -2);
      nodes = nodes.flatMap((node) => (node !== null && typeof node === 'object' && !Array.isArray(node) && key in node ? [(node as Record<string, unknown>)[key]] : []));
    }
  }
  return nodes;
}
