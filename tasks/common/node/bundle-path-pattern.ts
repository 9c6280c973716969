/**
 * The `bundlePath` input of both bundle tasks (`verify` and the deploy): an exact path, or a
 * pattern into a downloaded artifact. One finder, so a path that verifies also deploys.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

const globCharacters = /[*?[\]{}]/;

/** Files under `folder` whose path relative to it matches `isMatch`, descending at most `depth` levels (Infinity for `**`). */
async function walk(folder: string, relative: string, depth: number, isMatch: (relativePath: string) => boolean, found: string[]): Promise<void> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(path.join(folder, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (depth > 1) await walk(folder, child, depth - 1, isMatch, found);
    } else if (isMatch(child)) {
      found.push(path.join(folder, ...child.split('/')));
    }
  }
}

/**
 * The one file an absolute `bundlePath` names. A pattern (`*`, `?`, `[...]`, `{a,b}`, `**`) lets a
 * pipeline point into a downloaded artifact without knowing the zip's versioned name; it must match
 * exactly one file, because deploying "whichever zip came first" would defeat the release bundle.
 */
export async function resolveBundlePath(inputName: string, absolutePattern: string): Promise<string> {
  if (!globCharacters.test(absolutePattern)) return absolutePattern;
  const segments = absolutePattern.split(/[\\/]+/);
  const firstGlob = segments.findIndex((segment) => globCharacters.test(segment));
  const base = segments.slice(0, firstGlob).join(path.sep) || path.sep;
  const rest = segments.slice(firstGlob);
  const isMatch = picomatch(rest.join('/'), { dot: true });
  const found: string[] = [];
  await walk(base, '', rest.includes('**') ? Infinity : rest.length, isMatch, found);
  found.sort();
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new Error(`Invalid '${inputName}' '${absolutePattern}': the pattern matches no file.`);
  const shown = found.slice(0, 10).join(', ');
  throw new Error(
    `Invalid '${inputName}' '${absolutePattern}': the pattern matches ${found.length} files (${shown}${found.length > 10 ? ', ...' : ''}); it must match exactly one release bundle.`,
  );
}
