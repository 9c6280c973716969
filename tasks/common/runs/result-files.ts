import picomatch from 'picomatch';
import { ApiError } from '../http/errors';
import type { FilesClient } from '../databricks/files';

const globCharacters = /[*?[\]{}!()]/;

/** Splits `/Volumes/c/s/v/results/**\/*.xml` into the folder to list and the pattern to match. */
export function splitGlob(pattern: string): { base: string; glob: boolean } {
  const segments = pattern.split('/');
  const first = segments.findIndex((segment) => globCharacters.test(segment));
  if (first < 0) return { base: pattern.replace(/\/+$/, ''), glob: false };
  return { base: segments.slice(0, first).join('/'), glob: true };
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.errorCode === 'NOT_FOUND' || error.errorCode === 'RESOURCE_DOES_NOT_EXIST');
}

/**
 * The JUnit files `testResultsPath` names, sorted: a file ending in `.xml`; a folder (every `.xml`
 * below it); or a glob (`*`, `**`, `?`, `[...]`, `{a,b}`) matched against full paths. Folders are
 * listed with the Files API. A missing folder gives no files rather than an error, so the caller
 * decides what an absent report means.
 */
export async function findResultFiles(files: FilesClient, testResultsPath: string, signal?: AbortSignal): Promise<string[]> {
  const { base, glob } = splitGlob(testResultsPath);
  if (!glob && /\.xml$/i.test(base)) {
    // A single named file: download decides whether it exists, so list its folder to check cheaply.
    const folder = base.slice(0, base.lastIndexOf('/'));
    try {
      const entries = await files.listDirectory(folder, signal);
      return entries.some((entry) => !entry.is_directory && (entry.path ?? `${folder}/${entry.name}`) === base) ? [base] : [];
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }
  const matches = glob ? picomatch(testResultsPath, { dot: true }) : (path: string) => /\.xml$/i.test(path);
  const unbounded = !glob || testResultsPath.includes('**');
  const depth = testResultsPath.split('/').length;
  try {
    const found = await files.listFilesRecursively(base, {
      // Without `**`, a pattern cannot match below its own depth, so deeper folders are not listed.
      descend: (directory) => unbounded || directory.split('/').length < depth,
      signal,
    });
    return found
      .map((entry) => entry.path as string)
      .filter((path) => matches(path))
      .sort();
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
