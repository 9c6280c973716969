/** Glob matching over the file-system port, for `include` entries and artifact outputs. */
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { BundleFileSystem } from './ports';

const toPosix = (p: string): string => p.split(path.sep).join('/');

/** Folders never searched: version control, CLI state and package caches. */
const skipped = new Set(['.git', '.databricks', 'node_modules']);

/**
 * Absolute paths of the files matching `pattern` (relative to `base`; `..` allowed), sorted. Only
 * the pattern's static prefix is walked, so `../common/*.yml` does not scan the whole tree.
 */
export async function globFiles(fs: BundleFileSystem, base: string, pattern: string): Promise<string[]> {
  const absolute = toPosix(path.resolve(base, pattern));
  const scan = picomatch.scan(absolute);
  const isMatch = picomatch(absolute, { dot: false });
  const start = scan.isGlob ? scan.base || '/' : toPosix(path.dirname(path.resolve(base, pattern)));
  const out: string[] = [];
  const walk = async (directory: string, depth: number): Promise<void> => {
    if (depth > 64) return;
    let names: string[];
    try {
      names = await fs.readdir(directory);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (skipped.has(name)) continue;
      const full = path.join(directory, name);
      const info = await fs.lstat(full);
      if (info?.kind === 'directory') await walk(full, depth + 1);
      else if ((info?.kind === 'file' || info?.kind === 'symlink') && isMatch(toPosix(full)) && (await fs.stat(full))?.kind === 'file') out.push(full);
    }
  };
  await walk(start.split('/').join(path.sep) || path.sep, 0);
  return out.sort();
}
