/**
 * Loads `databricks.yml` with its `include` files and resolves each target the way the Databricks
 * CLI does (bundle/config/root.go: includes merged into the root, then target overrides, then
 * variables), without a workspace.
 */
import * as path from 'node:path';
import type { BundleFileSystem } from './ports';
import {
  asMap,
  child,
  childAt,
  cloneNode,
  ConfigSyntaxError,
  fromPlain,
  mergeNodes,
  parseConfigFile,
  setAt,
  stringValue,
  toPlain,
  formatKeyPath,
  type ConfigNode,
  type Location,
  type MapNode,
} from './config-tree';
import type { Finding } from './findings';
import { globFiles } from './file-glob';

/** File names the CLI accepts for the bundle root configuration, in its order of preference. */
export const rootConfigNames = ['databricks.yml', 'databricks.yaml', 'bundle.yml', 'bundle.yaml'];

/** The bundle's configuration files merged into one tree (before any target is applied). */
export interface LoadedBundle {
  /** Absolute bundle root. */
  root: string;
  /** Absolute path of `databricks.yml`. */
  rootFile: string;
  /** The root file and the included files, absolute, in merge order. */
  configFiles: string[];
  merged: MapNode;
  /** Syntax and include findings. */
  findings: Finding[];
}

/** Where variable values come from besides the configuration. */
export interface VariableSources {
  /** The task's `variables` input (highest precedence). */
  overrides: Readonly<Record<string, string>>;
  /** The process environment, for `BUNDLE_VAR_<name>`. */
  env: Readonly<Record<string, string | undefined>>;
}

/** One target with overrides applied and `${var.*}` / `${bundle.*}` resolved. */
export interface ResolvedTarget {
  /** The target name; undefined for a bundle that declares no targets. */
  name: string | undefined;
  mode: string | undefined;
  /** Merged configuration before interpolation (for path checks, lines and the schema). */
  merged: MapNode;
  /** Merged configuration after interpolation, without `targets` and `variables`. */
  resolved: MapNode;
  /** Variable values for this target; a lookup variable stays as its `${var.x}` reference. */
  variables: Record<string, unknown>;
  findings: Finding[];
}

/** Path of `file` relative to the bundle root, `/`-separated, for findings. */
export function displayPath(bundleRoot: string, file: string): string {
  if (!path.isAbsolute(file)) return file;
  return path.relative(bundleRoot, file).split(path.sep).join('/') || '.';
}

function finding(bundleRoot: string, severity: Finding['severity'], check: Finding['check'], loc: Location, keys: readonly string[] | string, message: string, target?: string): Finding {
  return {
    severity,
    check,
    file: displayPath(bundleRoot, loc.file),
    line: loc.line,
    key: typeof keys === 'string' ? keys : formatKeyPath(keys),
    message,
    ...(target !== undefined ? { target } : {}),
  };
}

const globCharacters = /[*?[\]{}]/;

/** Reads the root configuration and its includes; problems become findings, not exceptions. */
export async function loadBundleConfig(fs: BundleFileSystem, bundleRoot: string): Promise<LoadedBundle> {
  const root = path.resolve(bundleRoot);
  let rootFile: string | undefined;
  for (const name of rootConfigNames) {
    const candidate = path.join(root, name);
    if ((await fs.stat(candidate))?.kind === 'file') {
      rootFile = candidate;
      break;
    }
  }
  if (!rootFile) throw new Error(`No databricks.yml in bundle root ${root}`);
  const findings: Finding[] = [];
  const parse = async (file: string): Promise<MapNode | undefined> => {
    try {
      const node = parseConfigFile(await fs.readText(file), file);
      if (node.kind !== 'map') {
        findings.push(finding(root, 'error', 'syntax', node.loc, '', 'the file must contain a YAML mapping'));
        return undefined;
      }
      return node;
    } catch (error) {
      if (error instanceof ConfigSyntaxError) {
        findings.push(finding(root, 'error', 'syntax', error.loc, '', `YAML syntax error: ${error.message}`));
        return undefined;
      }
      throw error;
    }
  };
  let merged = (await parse(rootFile)) ?? { kind: 'map', entries: new Map(), loc: { file: rootFile, line: 1 } };
  const configFiles = [rootFile];
  const includes = child(merged, 'include');
  const seen = new Set([rootFile]);
  if (includes?.kind === 'seq') {
    for (const [index, item] of includes.items.entries()) {
      const pattern = stringValue(item);
      if (!pattern) continue;
      const keys = ['include', String(index)];
      let matches: string[];
      if (globCharacters.test(pattern)) {
        matches = await globFiles(fs, root, pattern);
        if (matches.length === 0) findings.push(finding(root, 'warning', 'include-no-match', item.loc, keys, `include pattern '${pattern}' matches no file`));
      } else {
        const file = path.resolve(root, pattern);
        if ((await fs.stat(file))?.kind !== 'file') {
          findings.push(finding(root, 'error', 'missing-include', item.loc, keys, `included file '${pattern}' does not exist`));
          matches = [];
        } else {
          matches = [file];
        }
      }
      for (const file of matches) {
        if (seen.has(file)) continue;
        seen.add(file);
        const included = await parse(file);
        if (!included) continue;
        configFiles.push(file);
        merged = mergeNodes(merged, included) as MapNode;
      }
    }
  }
  return { root, rootFile, configFiles, merged, findings };
}

/** Targets declared under `targets:` (or the deprecated `environments:`), in file order. */
export function declaredTargets(bundle: LoadedBundle): string[] {
  const targets = asMap(child(bundle.merged, 'targets')) ?? asMap(child(bundle.merged, 'environments'));
  return targets ? [...targets.entries.keys()] : [];
}

/** The bundle's name from `bundle.name`. */
export function bundleName(bundle: LoadedBundle): string | undefined {
  return stringValue(childAt(bundle.merged, ['bundle', 'name']));
}

/** Top-level fields of a resolved bundle (config.Root), without `include`, `targets` and `environments`. */
const rootFields = new Set(['bundle', 'variables', 'resources', 'artifacts', 'sync', 'workspace', 'presets', 'permissions', 'run_as', 'experimental', 'scripts', 'python']);

/** Fields a target merges 1:1 into the root (root.go `MergeTargetOverrides`). */
const mergedTargetFields = ['bundle', 'workspace', 'artifacts', 'resources', 'sync', 'permissions', 'presets'];

/** Lists merged by a key field after target overrides (the CLI's MergeJobTasks and friends). */
const keyedLists: Array<{ kind: string; list: string; key: string }> = [
  { kind: 'jobs', list: 'tasks', key: 'task_key' },
  { kind: 'jobs', list: 'job_clusters', key: 'job_cluster_key' },
  { kind: 'jobs', list: 'parameters', key: 'name' },
  { kind: 'jobs', list: 'environments', key: 'environment_key' },
  { kind: 'pipelines', list: 'clusters', key: 'label' },
];

/**
 * Applies one target (or none) and resolves variables. Phases: keep the root fields, apply the
 * target's overrides, merge keyed lists, assign variables, interpolate references.
 */
export function resolveTarget(bundle: LoadedBundle, targetName: string | undefined, sources: VariableSources): ResolvedTarget {
  const findings: Finding[] = [];
  const tree = cloneNode(bundle.merged) as MapNode;
  // Like the CLI, keep only known top-level fields: anything else (often a YAML anchor holder such
  // as `job-config: &job`) is not configuration and is never resolved.
  for (const key of [...tree.entries.keys()]) if (!rootFields.has(key)) tree.entries.delete(key);
  const declared = asMap(child(tree, 'variables'));
  const target = targetName === undefined ? undefined : (asMap(childAt(bundle.merged, ['targets', targetName])) ?? asMap(childAt(bundle.merged, ['environments', targetName])));

  if (target && targetName !== undefined) applyTargetOverrides(bundle, tree, { node: target, name: targetName }, declared, findings);
  if (targetName !== undefined) setAt(tree, ['bundle', 'target'], { kind: 'scalar', value: targetName, loc: target?.loc ?? tree.loc });
  mergeKeyedLists(tree);

  const modeNode = childAt(tree, ['bundle', 'mode']);
  const mode = stringValue(modeNode);
  const variables = assignVariables(tree, targetName, sources);
  const resolved = cloneNode(tree) as MapNode;
  resolved.entries.delete('variables');
  const interpolated = interpolateReferences(bundle, resolved, { tree, targetName, declared, variables: variables.values }, findings);
  return {
    name: targetName,
    mode,
    merged: tree,
    resolved: interpolated as MapNode,
    variables: Object.fromEntries([...variables.values].map(([name, entry]) => [name, entry.lookup ? `\${var.${name}}` : entry.value])),
    findings,
  };
}

/** Merges a target's fields into the root as the CLI does (root.go `MergeTargetOverrides`). */
function applyTargetOverrides(bundle: LoadedBundle, tree: MapNode, target: { node: MapNode; name: string }, declared: MapNode | undefined, findings: Finding[]): void {
  for (const field of mergedTargetFields) {
    const override = child(target.node, field);
    if (override) tree.entries.set(field, mergeNodes(child(tree, field), override));
  }
  const runAs = child(target.node, 'run_as');
  if (runAs) tree.entries.set('run_as', cloneNode(runAs));
  applyTargetVariables(bundle, tree, target, declared, findings);
  const mode = child(target.node, 'mode');
  if (mode) setAt(tree, ['bundle', 'mode'], cloneNode(mode));
  for (const field of ['cluster_id', 'compute_id']) {
    const value = child(target.node, field);
    if (value) setAt(tree, ['bundle', field], cloneNode(value));
  }
  const git = child(target.node, 'git');
  if (git) setAt(tree, ['bundle', 'git'], mergeNodes(childAt(tree, ['bundle', 'git']), git));
}

/** A target's `variables:` values: an explicit `default`/`lookup` mapping, or the value itself as the default. */
function applyTargetVariables(bundle: LoadedBundle, tree: MapNode, target: { node: MapNode; name: string }, declared: MapNode | undefined, findings: Finding[]): void {
  const variables = asMap(child(target.node, 'variables'));
  for (const [name, value] of variables?.entries ?? []) {
    const declaration = asMap(child(declared, name));
    if (!child(declared, name)) {
      findings.push(finding(bundle.root, 'error', 'undeclared-variable', value.loc, ['targets', target.name, 'variables', name], `variable '${name}' is assigned a value but never declared under 'variables'`, target.name));
      continue;
    }
    const complex = stringValue(child(declaration, 'type')) === 'complex';
    const explicit =
      value.kind === 'map' &&
      (value.entries.has('default') || value.entries.has('lookup')) &&
      (!complex || [...value.entries.keys()].every((k) => ['default', 'lookup', 'description', 'type'].includes(k)));
    if (explicit) {
      for (const field of ['default', 'lookup']) {
        const v = child(value, field);
        if (v) setAt(tree, ['variables', name, field], cloneNode(v));
      }
    } else {
      setAt(tree, ['variables', name, 'default'], cloneNode(value));
    }
  }
}

/** Replaces `${bundle.name}`, `${bundle.target}` and `${var.*}` references; each unresolvable one is a finding, once per place. */
function interpolateReferences(
  bundle: LoadedBundle,
  resolved: MapNode,
  scope: { tree: MapNode; targetName: string | undefined; declared: MapNode | undefined; variables: Map<string, VariableValue> },
  findings: Finding[],
): ConfigNode {
  const { targetName, declared, variables } = scope;
  const bundleFacts = new Map<string, unknown>([
    ['name', stringValue(childAt(scope.tree, ['bundle', 'name']))],
    ['target', targetName],
  ]);
  const reported = new Set<string>();
  return interpolate(resolved, [], (reference, loc, keys) => {
    const parts = splitReference(reference);
    if (parts[0] === 'bundle' && parts.length === 2 && bundleFacts.get(parts[1]) !== undefined) return { value: bundleFacts.get(parts[1]) };
    if (parts[0] !== 'var') return undefined;
    const name = parts[1];
    const id = `${name}|${loc.file}|${loc.line}`;
    if (!name) return undefined;
    if (!child(declared, name)) {
      if (!reported.has(id)) findings.push(finding(bundle.root, 'error', 'undeclared-variable', loc, keys, `\${var.${name}} is used but variable '${name}' is not declared`, targetName));
      reported.add(id);
      return undefined;
    }
    const entry = variables.get(name);
    if (!entry) {
      if (!reported.has(id)) {
        findings.push(finding(bundle.root, 'error', 'missing-variable-value', loc, keys, `variable '${name}' has no value for this target (no 'variables' input, BUNDLE_VAR_${name}, target value or default)`, targetName));
      }
      reported.add(id);
      return undefined;
    }
    if (entry.lookup) return undefined;
    const value = selectPath(entry.value, parts.slice(2));
    return value === undefined ? undefined : { value };
  });
}

function mergeKeyedLists(tree: MapNode): void {
  for (const { kind, list, key } of keyedLists) {
    for (const resource of asMap(childAt(tree, ['resources', kind]))?.entries.values() ?? []) {
      const items = child(resource, list);
      if (resource.kind !== 'map' || items?.kind !== 'seq') continue;
      const byKey = new Map<string, ConfigNode>();
      const out: ConfigNode[] = [];
      for (const item of items.items) {
        const id = stringValue(child(item, key));
        if (id === undefined) {
          out.push(item);
          continue;
        }
        const existing = byKey.get(id);
        if (existing) {
          const mergedItem = mergeNodes(existing, item);
          out[out.indexOf(existing)] = mergedItem;
          byKey.set(id, mergedItem);
        } else {
          byKey.set(id, item);
          out.push(item);
        }
      }
      resource.entries.set(list, { kind: 'seq', items: out, loc: items.loc });
    }
  }
}

interface VariableValue {
  value: unknown;
  lookup: boolean;
  source: 'input' | 'env' | 'config';
}

/** CLI precedence: `--var` (our input), `BUNDLE_VAR_<name>`, the target's value, the default; else lookup. */
function assignVariables(tree: MapNode, targetName: string | undefined, sources: VariableSources): { values: Map<string, VariableValue> } {
  const values = new Map<string, VariableValue>();
  const declared = asMap(child(tree, 'variables'));
  const raw = new Map<string, { node: ConfigNode; source: VariableValue['source'] }>();
  for (const [name, declaration] of declared?.entries ?? []) {
    const complex = stringValue(child(declaration, 'type')) === 'complex';
    const override = sources.overrides[name];
    const env = sources.env[`BUNDLE_VAR_${name}`] ?? sources.env[`BUNDLE_VAR_${name}`.toUpperCase()];
    const inputLoc: Location = { file: '(variables input)', line: 0 };
    if (override !== undefined) {
      raw.set(name, { node: fromPlain(override, inputLoc), source: 'input' });
    } else if (env !== undefined && !complex) {
      // The CLI ignores BUNDLE_VAR_ for complex variables: a string cannot carry their structure.
      raw.set(name, { node: fromPlain(env, { file: `(BUNDLE_VAR_${name})`, line: 0 }), source: 'env' });
    } else if (declaration.kind !== 'map') {
      // `variables: {name: value}` at the top level is not valid; the schema reports it.
    } else if (child(declaration, 'default')) {
      raw.set(name, { node: child(declaration, 'default')!, source: 'config' });
    } else if (child(declaration, 'lookup')) {
      values.set(name, { value: undefined, lookup: true, source: 'config' });
    }
  }
  // Variable values may refer to other variables and to bundle facts; resolve them in rounds.
  const resolving = new Set<string>();
  const resolveOne = (name: string): VariableValue | undefined => {
    const done = values.get(name);
    if (done) return done;
    const entry = raw.get(name);
    if (!entry || resolving.has(name)) return undefined;
    resolving.add(name);
    const resolvedNode = interpolate(entry.node, ['variables', name], (reference) => {
      const parts = splitReference(reference);
      if (parts[0] === 'bundle' && parts[1] === 'target' && parts.length === 2 && targetName !== undefined) return { value: targetName };
      if (parts[0] === 'bundle' && parts[1] === 'name' && parts.length === 2) {
        const name = stringValue(childAt(tree, ['bundle', 'name']));
        return name === undefined ? undefined : { value: name };
      }
      if (parts[0] !== 'var' || !parts[1]) return undefined;
      const other = resolveOne(parts[1]);
      if (!other || other.lookup) return undefined;
      const value = selectPath(other.value, parts.slice(2));
      return value === undefined ? undefined : { value };
    });
    resolving.delete(name);
    const result: VariableValue = { value: toPlain(resolvedNode), lookup: false, source: entry.source };
    values.set(name, result);
    return result;
  };
  for (const name of raw.keys()) resolveOne(name);
  return { values };
}

/** `var.a.b[0]` → ['var', 'a', 'b', '0']. */
function splitReference(reference: string): string[] {
  return reference.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== '');
}

function selectPath(value: unknown, keys: readonly string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (current !== null && typeof current === 'object') current = (current as Record<string, unknown>)[key];
    else return undefined;
  }
  return current;
}

const referencePattern = /\$\{([A-Za-z][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*)\}/g;

/**
 * Replaces `${...}` references that `lookup` can answer. A string that is exactly one reference
 * takes the referenced value with its type (how complex variables reach structured fields); inside
 * a longer string a value is formatted as text. Unanswered references stay as written, for the
 * CLI to resolve at deploy time (`${workspace.*}`, `${resources.*}`, lookups).
 */
export function interpolate(
  node: ConfigNode,
  keys: string[],
  lookup: (reference: string, loc: Location, keys: string[]) => { value: unknown } | undefined,
): ConfigNode {
  if (node.kind === 'map') {
    return { kind: 'map', entries: new Map([...node.entries].map(([k, v]) => [k, interpolate(v, [...keys, k], lookup)])), loc: node.loc };
  }
  if (node.kind === 'seq') return { kind: 'seq', items: node.items.map((v, i) => interpolate(v, [...keys, String(i)], lookup)), loc: node.loc };
  if (typeof node.value !== 'string' || !node.value.includes('${')) return node;
  const text = node.value;
  const whole = /^\$\{([^}]*)\}$/.exec(text);
  if (whole && new RegExp(`^${referencePattern.source}$`).test(text)) {
    const answer = lookup(whole[1], node.loc, keys);
    return answer ? fromPlain(answer.value, node.loc) : node;
  }
  const replaced = text.replace(referencePattern, (match, reference: string) => {
    const answer = lookup(reference, node.loc, keys);
    if (!answer) return match;
    return typeof answer.value === 'string' ? answer.value : JSON.stringify(answer.value);
  });
  return { kind: 'scalar', value: replaced, loc: node.loc };
}
