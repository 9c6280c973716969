/**
 * Bundle configuration as a tree whose every node remembers the file and line it came from, so a
 * finding on the merged configuration can point at the YAML line a user has to change.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';

/** Where a configuration value was written. */
export interface Location {
  /** Absolute path of the YAML file. */
  file: string;
  /** 1-based line. */
  line: number;
}

/** A parsed YAML value that remembers the file and line it came from, so findings can point at it. */
export type ConfigNode = MapNode | SeqNode | ScalarNode;

/** A YAML mapping; insertion order is kept. */
export interface MapNode {
  kind: 'map';
  entries: Map<string, ConfigNode>;
  loc: Location;
}

/** A YAML sequence. */
export interface SeqNode {
  kind: 'seq';
  items: ConfigNode[];
  loc: Location;
}

/** A YAML scalar (string, number, boolean or null). */
export interface ScalarNode {
  kind: 'scalar';
  value: string | number | boolean | null;
  loc: Location;
}

/** A YAML file that could not be parsed. */
export class ConfigSyntaxError extends Error {
  constructor(
    readonly loc: Location,
    detail: string,
  ) {
    super(detail);
    this.name = 'ConfigSyntaxError';
  }
}

/** Parses one YAML file (with `<<` merge keys and anchors, as the CLI accepts them). */
export function parseConfigFile(text: string, file: string): ConfigNode {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): Location => ({ file, line: offset === undefined ? 1 : lineCounter.linePos(offset).line });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new ConfigSyntaxError(at(first.pos[0]), first.message.split('\n')[0]);
  }
  if (doc.contents === null) return { kind: 'map', entries: new Map(), loc: at(0) };
  return convert(doc, doc.contents as YamlNode, at, at(doc.contents.range?.[0]), 0);
}

function convert(doc: Document, node: unknown, at: (offset: number | undefined) => Location, loc: Location, depth: number): ConfigNode {
  if (depth > 200) throw new ConfigSyntaxError(loc, 'the YAML nests too deeply (an alias cycle?)');
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) throw new ConfigSyntaxError(loc, `unresolved alias *${node.source}`);
    // The aliased content keeps its own lines: that is where the values were written.
    return convert(doc, target, at, at(target.range?.[0]), depth + 1);
  }
  if (isMap(node)) {
    const explicit = new Map<string, ConfigNode>();
    const merged = new Map<string, ConfigNode>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      const keyLoc = at((pair.key as YamlNode | null)?.range?.[0]);
      // With merge keys enabled the parser gives `<<` a symbol as its value.
      if (key === '<<' || typeof key === 'symbol') {
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const source of sources) {
          const converted = convert(doc, source, at, keyLoc, depth + 1);
          if (converted.kind !== 'map') throw new ConfigSyntaxError(keyLoc, 'a << merge key must refer to a mapping');
          for (const [k, v] of converted.entries) if (!merged.has(k)) merged.set(k, v);
        }
        continue;
      }
      const name = key === null || key === undefined ? '' : String(key);
      explicit.set(name, convert(doc, pair.value, at, keyLoc, depth + 1));
    }
    const entries = new Map<string, ConfigNode>();
    for (const [k, v] of merged) if (!explicit.has(k)) entries.set(k, v);
    for (const [k, v] of explicit) entries.set(k, v);
    return { kind: 'map', entries, loc };
  }
  if (isSeq(node)) {
    return { kind: 'seq', items: node.items.map((item) => convert(doc, item, at, at((item as YamlNode | null)?.range?.[0] ?? undefined), depth + 1)), loc };
  }
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || value === undefined) return { kind: 'scalar', value: null, loc };
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return { kind: 'scalar', value, loc };
    if (typeof value === 'bigint') return { kind: 'scalar', value: Number(value), loc };
    return { kind: 'scalar', value: String(value), loc };
  }
  return { kind: 'scalar', value: null, loc };
}

/** A map node, or undefined. */
export function asMap(node: ConfigNode | undefined): MapNode | undefined {
  return node?.kind === 'map' ? node : undefined;
}

/** The child at `key` of a map node. */
export function child(node: ConfigNode | undefined, key: string): ConfigNode | undefined {
  return node?.kind === 'map' ? node.entries.get(key) : undefined;
}

/** Follows `keys` through maps (and numeric keys through sequences). */
export function childAt(node: ConfigNode | undefined, keys: readonly string[]): ConfigNode | undefined {
  let current = node;
  for (const key of keys) {
    if (!current) return undefined;
    if (current.kind === 'seq' && /^\d+$/.test(key)) current = current.items[Number(key)];
    else current = child(current, key);
  }
  return current;
}

/** A string scalar's value, or undefined. */
export function stringValue(node: ConfigNode | undefined): string | undefined {
  return node?.kind === 'scalar' && typeof node.value === 'string' ? node.value : undefined;
}

/** A deep copy. */
export function cloneNode(node: ConfigNode): ConfigNode {
  if (node.kind === 'map') return { kind: 'map', entries: new Map([...node.entries].map(([k, v]) => [k, cloneNode(v)])), loc: node.loc };
  if (node.kind === 'seq') return { kind: 'seq', items: node.items.map(cloneNode), loc: node.loc };
  return { ...node };
}

/**
 * The plain JSON value of a node. With `dropNulls`, keys whose value is null are left out, as the
 * CLI treats `key:` with nothing (or only comments) under it as not set.
 */
export function toPlain(node: ConfigNode, dropNulls = false): unknown {
  if (node.kind === 'map') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of node.entries) {
      if (dropNulls && v.kind === 'scalar' && v.value === null) continue;
      out[k] = toPlain(v, dropNulls);
    }
    return out;
  }
  if (node.kind === 'seq') return node.items.map((item) => toPlain(item, dropNulls));
  return node.value;
}

/** Builds a tree from a plain value, every node at `loc` (values that came from inputs or env). */
export function fromPlain(value: unknown, loc: Location): ConfigNode {
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v) => fromPlain(v, loc)), loc };
  if (value !== null && typeof value === 'object') {
    return { kind: 'map', entries: new Map(Object.entries(value).map(([k, v]) => [k, fromPlain(v, loc)])), loc };
  }
  if (value === undefined) return { kind: 'scalar', value: null, loc };
  return { kind: 'scalar', value: value as string | number | boolean | null, loc };
}

/**
 * Merges `over` into `base` the way the CLI merges configuration: mappings key by key,
 * sequences appended, anything else replaced by `over`.
 */
export function mergeNodes(base: ConfigNode | undefined, over: ConfigNode): ConfigNode {
  if (!base) return cloneNode(over);
  if (base.kind === 'map' && over.kind === 'map') {
    const entries = new Map(base.entries);
    for (const [key, value] of over.entries) entries.set(key, mergeNodes(entries.get(key), value));
    return { kind: 'map', entries, loc: base.loc };
  }
  if (base.kind === 'seq' && over.kind === 'seq') return { kind: 'seq', items: [...base.items, ...over.items.map(cloneNode)], loc: base.loc };
  return cloneNode(over);
}

/** Sets `keys` (creating maps on the way) to `value` in a map tree, replacing what was there. */
export function setAt(root: MapNode, keys: readonly string[], value: ConfigNode): void {
  let current: MapNode = root;
  for (const key of keys.slice(0, -1)) {
    let next = current.entries.get(key);
    if (next?.kind !== 'map') {
      next = { kind: 'map', entries: new Map(), loc: value.loc };
      current.entries.set(key, next);
    }
    current = next;
  }
  current.entries.set(keys[keys.length - 1], value);
}

/** Calls `visit` for every scalar with its key path. */
export function walkScalars(node: ConfigNode, visit: (scalar: ScalarNode, keys: string[]) => void, keys: string[] = []): void {
  if (node.kind === 'map') for (const [k, v] of node.entries) walkScalars(v, visit, [...keys, k]);
  else if (node.kind === 'seq') node.items.forEach((v, i) => walkScalars(v, visit, [...keys, String(i)]));
  else visit(node, keys);
}

/** `resources.jobs.x.tasks[0].task_key` from a key path. */
export function formatKeyPath(keys: readonly string[]): string {
  let out = '';
  for (const key of keys) {
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}
