import picomatch from 'picomatch';
import { isNotFound } from '../databricks/not-found';
import type { FilesClient } from '../databricks/files';

const globCharacters = /[*?[\]{}!()]/;

/** Splits `/Volumes/c/s/v/results/**\/*.xml` into the folder to list and the pattern to match. */
export function splitGlob(pattern: string): { base: string; glob: boolean } {
  const segments = pattern.split('/');
  const first = segments.findIndex((segment) => globCharacters.test(segment));
  if (first < 0) return { base: pattern.replace(/\/+$/, ''), glob: false };
  return { base: segments.slice(0, first).join('/'), glob: true };
}


/** A result file as listed, with its modification time (ms epoch) when the listing gave one. */
export interface ResultFile {
  path: string;
  lastModified?: number;
}

/**
 * How far the storage clock may trail the jobs clock: a file is this run's when it was modified no
 * earlier than this before the run's `start_time`. Both are workspace clocks, so a minute is ample,
 * and far shorter than the gap between two runs that share a results folder.
 */
export const resultClockSkewMs = 60_000;

/**
 * Splits result files into those this run can have written (modified at or after `runStartTime`
 * less {@link resultClockSkewMs}) and older ones, which belong to an earlier run (a fixed path, a
 * retried step, a re-run job, two steps in one build). A file without a modification time is not
 * proven to be this run's: it is ignored too.
 */
export function partitionByRunStart(files: readonly ResultFile[], runStartTime: number): { fresh: ResultFile[]; stale: ResultFile[] } {
  const since = runStartTime - resultClockSkewMs;
  const fresh = files.filter((file) => file.lastModified !== undefined && file.lastModified >= since);
  return { fresh, stale: files.filter((file) => !fresh.includes(file)) };
}

/**
 * The JUnit files `testResultsPath` names, sorted: a file ending in `.xml`; a folder (every `.xml`
 * below it); or a glob (`*`, `**`, `?`, `[...]`, `{a,b}`) matched against full paths. Folders are
 * listed with the Files API. A missing folder gives no files rather than an error, so the caller
 * decides what an absent report means.
 */
export async function findResultFiles(files: FilesClient, testResultsPath: string, signal?: AbortSignal): Promise<ResultFile[]> {
  const { base, glob } = splitGlob(testResultsPath);
  if (!glob && /\.xml$/i.test(base)) {
    // A single named file: download decides whether it exists, so list its folder to check cheaply.
    const folder = base.slice(0, base.lastIndexOf('/'));
    try {
      const entries = await files.listDirectory(folder, signal);
      const entry = entries.find((candidate) => !candidate.is_directory && (candidate.path ?? `${folder}/${candidate.name}`) === base);
      return entry ? [{ path: base, lastModified: entry.last_modified }] : [];
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
      .map((entry) => ({ path: entry.path as string, lastModified: entry.last_modified }))
      .filter((file) => matches(file.path))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
