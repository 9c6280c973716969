import type { DirectoryEntry, ListDirectoryResponse } from '@databricks/sdk-experimental/dist/apis/files/model';
import { ApiError } from '../http/errors';
import type { DatabricksApiClient } from './api-client';

/**
 * Encodes each segment of an absolute path but keeps the `/` separators, as the Files API expects
 * (`/Volumes/main/default/my vol/a#b.xml` -> `/Volumes/main/default/my%20vol/a%23b.xml`).
 */
export function encodeFilesPath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Files API (`/api/2.0/fs`) for Unity Catalog volumes and workspace files. */
export class FilesClient {
  constructor(private readonly client: DatabricksApiClient) {}

  /** Downloads a file's bytes. */
  async download(path: string, signal?: AbortSignal): Promise<Uint8Array> {
    const response = await this.client.callBytes('GET', `/api/2.0/fs/files${encodeFilesPath(path)}`, { signal });
    return response.body;
  }

  /** `HEAD` on the file: true when it exists, false on 404; other errors (403, 5xx after retries) are thrown. */
  async exists(path: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.client.callBytes('HEAD', `/api/2.0/fs/files${encodeFilesPath(path)}`, { signal });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** Uploads bytes to a file, replacing it unless `overwrite` is false. */
  async upload(path: string, content: Uint8Array, options: { overwrite?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    await this.client.callBytes('PUT', `/api/2.0/fs/files${encodeFilesPath(path)}`, {
      query: { overwrite: options.overwrite ?? true },
      rawBody: content,
      signal: options.signal,
    });
  }

  /** The direct entries of a directory, across every page. */
  async listDirectory(path: string, signal?: AbortSignal): Promise<DirectoryEntry[]> {
    const entries: DirectoryEntry[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.call<ListDirectoryResponse>('GET', `/api/2.0/fs/directories${encodeFilesPath(path)}`, {
        query: { page_size: 1000, page_token: pageToken },
        signal,
      });
      entries.push(...(page.contents ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return entries;
  }

  /**
   * Every file below `path`, depth first, with absolute paths. `descend` decides whether a
   * subdirectory is worth listing (lets a glob prune the walk).
   */
  async listFilesRecursively(
    path: string,
    options: { descend?: (directoryPath: string) => boolean; signal?: AbortSignal } = {},
  ): Promise<DirectoryEntry[]> {
    const files: DirectoryEntry[] = [];
    const pending = [path.replace(/\/+$/, '')];
    while (pending.length > 0) {
      const directory = pending.shift() as string;
      for (const entry of await this.listDirectory(directory, options.signal)) {
        const entryPath = entry.path ?? `${directory}/${entry.name ?? ''}`;
        if (entry.is_directory) {
          if (options.descend?.(entryPath) ?? true) pending.push(entryPath);
        } else {
          files.push({ ...entry, path: entryPath });
        }
      }
    }
    return files;
  }
}
