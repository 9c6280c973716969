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

/** Resolves the sync paths; those outside the repository, or reached through a link leaving it, are refused. */
async function checkSyncPaths(fs: BundleFileSystem, repository: { root: string; realRoot: string }, candidates: string[], refused: RefusedPath[]): Promise<string[]> {
  const syncPaths: string[] = [];
  for (const syncPath of candidates) {
    const resolved = path.resolve(syncPath);
    if (!isInside(repository.root, resolved)) {
      refused.push({ reason: 'outside-repository', path: resolved, detail: `sync path ${resolved} is outside the repository ${repository.root}` });
      continue;
    }
    // The walk checks the symlinks it meets below a sync path, not the ones on the way to it: a sync
    // path (or the bundle root) reached through a link that leaves the repository is refused here.
    if ((await fs.stat(resolved)) && !isInside(repository.realRoot, await fs.realpath(resolved))) {
      refused.push({ reason: 'symlink-escape', path: resolved, detail: `sync path ${resolved} resolves outside the repository ${repository.root}` });
      continue;
    }
    syncPaths.push(resolved);
  }
  return syncPaths;
}

/** Whether git ignores a path: the deepest .gitignore with a matching rule decides. Each .gitignore is read once. */
type GitIgnored = ((full: string, isDirectory: boolean) => Promise<boolean>) & {
  /** Records that a listed folder has no `.gitignore`, which saves looking it up. */
  absentIn(directory: string): void;
};

function gitignoreMatcher(fs: BundleFileSystem, repositoryRoot: string): GitIgnored {
  const gitignores = new Map<string, Ignore | null>();
  const gitignoreOf = async (directory: string): Promise<Ignore | null> => {
    const known = gitignores.get(directory);
    if (known !== undefined) return known;
    const file = path.join(directory, '.gitignore');
    const rules = (await fs.stat(file))?.kind === 'file' ? ignore().add(await fs.readText(file)) : null;
    gitignores.set(directory, rules);
    return rules;
  };
  const ignored = async (full: string, isDirectory: boolean): Promise<boolean> => {
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
  const absentIn = (directory: string): void => {
    if (!gitignores.has(directory)) gitignores.set(directory, null);
  };
  return Object.assign(ignored, { absentIn });
}

/** `sync.include` and `sync.exclude`, matched as the CLI matches them. */
interface SyncRules {
  include?: Ignore;
  exclude?: Ignore;
  /** Whether `rules` (one of the two) match the path. */
  matches(rules: Ignore | undefined, full: string, isDirectory: boolean): boolean;
}

function syncRules(common: string, bundleRoot: string, include: string[], exclude: string[]): SyncRules {
  // The CLI matches sync.include/exclude against paths from its sync root (the common root of the
  // bundle folder and the sync paths). When that root is above the bundle folder it first joins
  // every pattern to the bundle folder's path (Go's filepath.Join, which also cleans it), so there
  // `*.pyc` means `<bundle>/*.pyc`: the top of the bundle folder only, and nothing in shared code.
  const bundleFromSyncRoot = toPosix(path.relative(common, bundleRoot));
  const rewrite = (patterns: string[]): string[] =>
    bundleFromSyncRoot === '' ? patterns : patterns.map((pattern) => path.posix.join(bundleFromSyncRoot, pattern).replace(/\/+$/, ''));
  const patternPath = (full: string, isDirectory: boolean): string => toPosix(path.relative(common, full)) + (isDirectory ? '/' : '');
  return {
    include: include.length > 0 ? ignore().add(rewrite(include)) : undefined,
    exclude: exclude.length > 0 ? ignore().add(rewrite(exclude)) : undefined,
    matches: (rules, full, isDirectory) => {
      if (!rules || full === bundleRoot || full === common || !isInside(common, full)) return false;
      const relative = patternPath(full, isDirectory);
      return relative !== '' && relative !== '/' && rules.ignores(relative);
    },
  };
}

/** What a walk of the sources needs, and where it puts what it finds. */
interface SelectionWalk {
  fs: BundleFileSystem;
  realRepositoryRoot: string;
  syncRoot: string;
  /** Folders never packed. */
  skip: string[];
  gitIgnored: GitIgnored;
  rules: SyncRules;
  /** Selects a file (the first source of an entry name wins). */
  add(full: string): void;
  refused: RefusedPath[];
}

/**
 * Walks `directory`. With `honourGitignore` false (the `sync.include` pass) every file is offered
 * to `accept`; symlinks are checked either way.
 */
async function walk(w: SelectionWalk, directory: string, honourGitignore: boolean, accept: (full: string) => boolean, visited: Set<string>, real: string): Promise<void> {
  const entries = (await w.fs.list(directory)).sort((a, b) => comparePaths(a.name, b.name));
  if (!entries.some((entry) => entry.name === '.gitignore' && entry.kind !== 'directory')) w.gitIgnored.absentIn(directory);
  for (const info of entries) {
    if (alwaysSkipped.has(info.name)) continue;
    const full = path.join(directory, info.name);
    if (w.skip.some((s) => isInside(s, full))) continue;
    if (info.kind === 'symlink') {
      await walkSymlink(w, full, honourGitignore, accept, visited);
    } else if (info.kind === 'directory') {
      if (honourGitignore && (await w.gitIgnored(full, true))) continue;
      if (w.rules.matches(w.rules.exclude, full, true) && !w.rules.include) continue;
      // A folder that is no symlink resolves to its parent's real path and its own name: no lookup.
      const childReal = path.join(real, info.name);
      await walk(w, full, honourGitignore, accept, new Set([...visited, childReal]), childReal);
    } else if (info.kind === 'file') {
      if (honourGitignore && (await w.gitIgnored(full, false))) continue;
      if (w.rules.matches(w.rules.exclude, full, false)) continue;
      if (accept(full)) w.add(full);
    }
  }
}

/** A symlink met by {@link walk}: followed only while it stays inside the repository. */
async function walkSymlink(w: SelectionWalk, full: string, honourGitignore: boolean, accept: (full: string) => boolean, visited: Set<string>): Promise<void> {
  const target = await w.fs.stat(full);
  if (!target) return; // dangling: nothing to pack
  const isDirectory = target.kind === 'directory';
  if ((honourGitignore && (await w.gitIgnored(full, isDirectory))) || w.rules.matches(w.rules.exclude, full, isDirectory)) return;
  if (!honourGitignore && !isDirectory && !accept(full)) return;
  const real = await w.fs.realpath(full);
  if (!isInside(w.realRepositoryRoot, real)) {
    w.refused.push({ reason: 'symlink-escape', path: full, detail: `symlink ${toPosix(path.relative(w.syncRoot, full))} points outside the repository` });
    return;
  }
  if (isDirectory) {
    if (visited.has(real)) return; // a loop back into a folder already being walked
    await walk(w, full, honourGitignore, accept, new Set([...visited, real]), real);
  } else if (target.kind === 'file') {
    w.add(full);
  }
}

/** Everything under the sync paths that git would not ignore, then the `sync.include` matches. */
async function walkSyncPaths(w: SelectionWalk, syncPaths: string[]): Promise<void> {
  for (const syncPath of syncPaths) {
    const info = await w.fs.stat(syncPath);
    if (info?.kind === 'directory') {
      const real = await w.fs.realpath(syncPath);
      await walk(w, syncPath, true, () => true, new Set([real]), real);
    } else if (info?.kind === 'file' && !(await w.gitIgnored(syncPath, false))) w.add(syncPath);
  }
  const include = w.rules.include;
  if (!include) return;
  for (const syncPath of syncPaths) {
    const info = await w.fs.stat(syncPath);
    if (info?.kind === 'directory') {
      const real = await w.fs.realpath(syncPath);
      await walk(w, syncPath, false, (full) => w.rules.matches(include, full, false), new Set([real]), real);
    }
  }
}

/** The files packed whatever the rules say, when inside the sync root and not escaping the repository. */
async function addAlwaysIncluded(w: SelectionWalk, files: string[]): Promise<void> {
  for (const file of files) {
    const full = path.resolve(file);
    if (!isInside(w.syncRoot, full)) continue;
    const real = await w.fs.realpath(full);
    if (!isInside(w.realRepositoryRoot, real)) {
      w.refused.push({ reason: 'symlink-escape', path: full, detail: `${toPosix(path.relative(w.syncRoot, full))} resolves outside the repository` });
      continue;
    }
    w.add(full);
  }
}

/**
 * Selects the files to pack; see the module comment for the rules. Phases: check the sync paths,
 * fix the roots, walk the sync paths (gitignore, then `sync.include`), add the always-included
 * files, sort.
 */
export async function selectFiles(fs: BundleFileSystem, options: SelectionOptions): Promise<Selection> {
  const repositoryRoot = path.resolve(options.repositoryRoot);
  const realRepositoryRoot = await fs.realpath(repositoryRoot);
  const bundleRoot = path.resolve(options.bundleRoot);
  const refused: RefusedPath[] = [];
  const syncPaths = await checkSyncPaths(fs, { root: repositoryRoot, realRoot: realRepositoryRoot }, options.syncPaths.length > 0 ? options.syncPaths : [bundleRoot], refused);
  const common = commonRoot([bundleRoot, ...syncPaths]);
  const syncRoot = options.root && isInside(path.resolve(options.root), common) ? path.resolve(options.root) : common;

  const selected = new Map<string, SelectedFile>();
  const w: SelectionWalk = {
    fs,
    realRepositoryRoot,
    syncRoot,
    skip: (options.skip ?? []).map((p) => path.resolve(p)),
    gitIgnored: gitignoreMatcher(fs, repositoryRoot),
    rules: syncRules(common, bundleRoot, options.include, options.exclude),
    add: (full) => {
      const entry = toPosix(path.relative(syncRoot, full));
      if (!selected.has(entry)) selected.set(entry, { entry, source: full });
    },
    refused,
  };
  await walkSyncPaths(w, syncPaths);
  await addAlwaysIncluded(w, options.alwaysInclude ?? []);

  const files = [...selected.values()].sort((a, b) => comparePaths(a.entry, b.entry));
  // Refusals can repeat across the two walks.
  const unique = [...new Map(refused.map((r) => [`${r.reason}|${r.path}`, r])).values()];
  return { syncRoot, files, refused: unique };
}
