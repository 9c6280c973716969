/**
 * Selects the files a bundle deploys, as the CLI's sync does: everything under the sync paths that
 * git would not ignore, plus `sync.include` matches, minus `sync.exclude` matches. Nothing outside
 * the repository is selected, and a symlink leaving the repository is refused.
 */
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { BundleFileSystem } from './ports';
import { comparePaths } from './manifest';

/** What to select. All paths are absolute. */
export interface SelectionOptions {
  bundleRoot: string;
  /** The repository (folder holding `.git`); nothing outside it is selected. */
  repositoryRoot: string;
  /**
   * Folder the entry names are relative to; used when it contains the sync paths' common root (the
   * build widens it to hold configuration files outside the sync paths).
   */
  root?: string;
  /** `sync.paths`, resolved (the bundle root when not set). */
  syncPaths: string[];
  /** `sync.include` patterns (gitignore syntax, relative to the bundle root). */
  include: string[];
  /** `sync.exclude` patterns (gitignore syntax, relative to the bundle root). */
  exclude: string[];
  /** Files packed whatever the rules say (the configuration files, built artifacts). */
  alwaysInclude?: string[];
  /** Folders never packed (the output folder when it lies inside the sources). */
  skip?: string[];
}

/** One selected file. */
export interface SelectedFile {
  /** Zip entry name: relative to the sync root, `/`-separated. */
  entry: string;
  /** Where to read it (may pass through a symlink that stays inside the repository). */
  source: string;
}

/** A path that was refused. */
export interface RefusedPath {
  reason: 'symlink-escape' | 'outside-repository';
  path: string;
  detail: string;
}

/** The files to pack and the paths refused (outside the repository, escaping symlinks). */
export interface Selection {
  /** Common root of the bundle root and the sync paths; entry names are relative to it. */
  syncRoot: string;
  files: SelectedFile[];
  refused: RefusedPath[];
}

/** The nearest folder at or above `start` that holds `.git` (a folder, or a file for worktrees). */
export async function findRepositoryRoot(fs: BundleFileSystem, start: string): Promise<string | undefined> {
  let current = path.resolve(start);
  while (true) {
    if (await fs.lstat(path.join(current, '.git'))) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** True when `child` is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

function commonRoot(paths: string[]): string {
  let root = paths[0];
  for (const candidate of paths.slice(1)) while (!isInside(root, candidate)) root = path.dirname(root);
  return root;
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}

/** Folders the CLI never syncs. */
const alwaysSkipped = new Set(['.git', '.databricks']);

/** Selects the files to pack; see the module comment for the rules. */
export async function selectFiles(fs: BundleFileSystem, options: SelectionOptions): Promise<Selection> {
  const repositoryRoot = path.resolve(options.repositoryRoot);
  const realRepositoryRoot = await fs.realpath(repositoryRoot);
  const bundleRoot = path.resolve(options.bundleRoot);
  const refused: RefusedPath[] = [];
  const syncPaths: string[] = [];
  for (const syncPath of options.syncPaths.length > 0 ? options.syncPaths : [bundleRoot]) {
    const resolved = path.resolve(syncPath);
    if (!isInside(repositoryRoot, resolved)) {
      refused.push({ reason: 'outside-repository', path: resolved, detail: `sync path ${resolved} is outside the repository ${repositoryRoot}` });
      continue;
    }
    // The walk checks the symlinks it meets below a sync path, not the ones on the way to it: a sync
    // path (or the bundle root) reached through a link that leaves the repository is refused here.
    if ((await fs.stat(resolved)) && !isInside(realRepositoryRoot, await fs.realpath(resolved))) {
      refused.push({ reason: 'symlink-escape', path: resolved, detail: `sync path ${resolved} resolves outside the repository ${repositoryRoot}` });
      continue;
    }
    syncPaths.push(resolved);
  }
  const common = commonRoot([bundleRoot, ...syncPaths]);
  const syncRoot = options.root && isInside(path.resolve(options.root), common) ? path.resolve(options.root) : common;
  const skip = (options.skip ?? []).map((p) => path.resolve(p));
  const gitignores = new Map<string, Ignore | null>();
  const gitignoreOf = async (directory: string): Promise<Ignore | null> => {
    if (gitignores.has(directory)) return gitignores.get(directory)!;
    const file = path.join(directory, '.gitignore');
    const rules = (await fs.stat(file))?.kind === 'file' ? ignore().add(await fs.readText(file)) : null;
    gitignores.set(directory, rules);
    return rules;
  };
  /** Git semantics: the deepest .gitignore with a matching rule decides. */
  const gitIgnored = async (full: string, isDirectory: boolean): Promise<boolean> => {
    const chain: string[] = [];
    for (let dir = path.dirname(full); isInside(repositoryRoot, dir); dir = path.dirname(dir)) {
      chain.push(dir);
      if (dir === repositoryRoot || path.dirname(dir) === dir) break;
    }
    for (const dir of chain) {
      const rules = await gitignoreOf(dir);
      if (!rules) continue;
      const result = rules.test(toPosix(path.relative(dir, full)) + (isDirectory ? '/' : ''));
      if (result.unignored) return false;
      if (result.ignored) return true;
    }
    return false;
  };
  // The CLI matches sync.include/exclude against paths from its sync root (the common root of the
  // bundle folder and the sync paths). When that root is above the bundle folder it first joins
  // every pattern to the bundle folder's path (Go's filepath.Join, which also cleans it), so there
  // `*.pyc` means `<bundle>/*.pyc`: the top of the bundle folder only, and nothing in shared code.
  const bundleFromSyncRoot = toPosix(path.relative(common, bundleRoot));
  const rewrite = (patterns: string[]): string[] =>
    bundleFromSyncRoot === '' ? patterns : patterns.map((pattern) => path.posix.join(bundleFromSyncRoot, pattern).replace(/\/+$/, ''));
  const patternPath = (full: string, isDirectory: boolean): string => toPosix(path.relative(common, full)) + (isDirectory ? '/' : '');
  const includeRules = options.include.length > 0 ? ignore().add(rewrite(options.include)) : undefined;
  const excludeRules = options.exclude.length > 0 ? ignore().add(rewrite(options.exclude)) : undefined;
  const matches = (rules: Ignore | undefined, full: string, isDirectory: boolean): boolean => {
    if (!rules || full === bundleRoot || full === common || !isInside(common, full)) return false;
    const relative = patternPath(full, isDirectory);
    return relative !== '' && relative !== '/' && rules.ignores(relative);
  };

  const selected = new Map<string, SelectedFile>();
  const add = (full: string): void => {
    const entry = toPosix(path.relative(syncRoot, full));
    if (!selected.has(entry)) selected.set(entry, { entry, source: full });
  };

  /**
   * Walks `directory`. With `honourGitignore` false (the `sync.include` pass) every file is offered
   * to `accept`; symlinks are checked either way.
   */
  const walk = async (directory: string, honourGitignore: boolean, accept: (full: string) => boolean, visited: Set<string>): Promise<void> => {
    const names = (await fs.readdir(directory)).sort(comparePaths);
    for (const name of names) {
      if (alwaysSkipped.has(name)) continue;
      const full = path.join(directory, name);
      if (skip.some((s) => isInside(s, full))) continue;
      const info = await fs.lstat(full);
      if (!info) continue;
      let kind = info.kind;
      if (kind === 'symlink') {
        const target = await fs.stat(full);
        if (!target) continue; // dangling: nothing to pack
        kind = target.kind;
        const isDirectory = kind === 'directory';
        if ((honourGitignore && (await gitIgnored(full, isDirectory))) || matches(excludeRules, full, isDirectory)) continue;
        if (!honourGitignore && !isDirectory && !accept(full)) continue;
        const real = await fs.realpath(full);
        if (!isInside(realRepositoryRoot, real)) {
          refused.push({ reason: 'symlink-escape', path: full, detail: `symlink ${toPosix(path.relative(syncRoot, full))} points outside the repository` });
          continue;
        }
        if (isDirectory) {
          if (visited.has(real)) continue; // a loop back into a folder already being walked
          await walk(full, honourGitignore, accept, new Set([...visited, real]));
        } else if (kind === 'file') {
          add(full);
        }
        continue;
      }
      if (kind === 'directory') {
        if (honourGitignore && (await gitIgnored(full, true))) continue;
        if (matches(excludeRules, full, true) && !includeRules) continue;
        await walk(full, honourGitignore, accept, new Set([...visited, await fs.realpath(full)]));
      } else if (kind === 'file') {
        if (honourGitignore && (await gitIgnored(full, false))) continue;
        if (matches(excludeRules, full, false)) continue;
        if (accept(full)) add(full);
      }
    }
  };

  for (const syncPath of syncPaths) {
    const info = await fs.stat(syncPath);
    if (info?.kind === 'directory') await walk(syncPath, true, () => true, new Set([await fs.realpath(syncPath)]));
    else if (info?.kind === 'file' && !(await gitIgnored(syncPath, false))) add(syncPath);
  }
  if (includeRules) {
    for (const syncPath of syncPaths) {
      const info = await fs.stat(syncPath);
      if (info?.kind === 'directory') {
        await walk(syncPath, false, (full) => matches(includeRules, full, false), new Set([await fs.realpath(syncPath)]));
      }
    }
  }
  for (const file of options.alwaysInclude ?? []) {
    const full = path.resolve(file);
    if (!isInside(syncRoot, full)) continue;
    const real = await fs.realpath(full);
    if (!isInside(realRepositoryRoot, real)) {
      refused.push({ reason: 'symlink-escape', path: full, detail: `${toPosix(path.relative(syncRoot, full))} resolves outside the repository` });
      continue;
    }
    add(full);
  }
  const files = [...selected.values()].sort((a, b) => comparePaths(a.entry, b.entry));
  // Refusals can repeat across the two walks.
  const unique = [...new Map(refused.map((r) => [`${r.reason}|${r.path}`, r])).values()];
  return { syncRoot, files, refused: unique };
}
