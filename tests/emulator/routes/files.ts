/**
 * Files API for Unity Catalog volumes (`/api/2.0/fs/files{path}`, `/api/2.0/fs/directories{path}`)
 * and the read side of the workspace API (`get-status`, `list`). The path is multi-segment: each
 * segment is percent-encoded but the `/` separators are not, so a client that encodes the whole path
 * (`%2F`) gets a 400 here instead of silently writing somewhere else.
 */
import type { DirectoryEntry, ListDirectoryResponse } from '@databricks/sdk-experimental/dist/apis/files/model';
import type { ListResponse, ObjectInfo } from '@databricks/sdk-experimental/dist/apis/workspace/model';
import {
  decodePageToken,
  EmulatorApiError,
  encodePageToken,
  invalidParameter,
  notFound,
  ok,
  parseInteger,
  requiredQuery,
  type EmulatorRequest,
  type Reply,
  type Route,
} from '../http-kit';
import type { EmulatorContext } from '../server';
import type { WorkspaceObjectRecord } from '../state';
import { settleAllRuns } from './jobs';

const fileNotFound = (): EmulatorApiError => new EmulatorApiError(404, 'NOT_FOUND', 'The file being accessed is not found.');
const directoryNotFound = (): EmulatorApiError => new EmulatorApiError(404, 'NOT_FOUND', 'The directory being accessed is not found.');

/**
 * Segments (with the leading empty one) of the deepest directory that always exists: a volume root
 * `/Volumes/<catalog>/<schema>/<volume>` or the workspace root `/Workspace`.
 */
function rootDepth(path: string): number {
  return path.startsWith('/Volumes/') ? 5 : 2;
}

/** Decodes `/Volumes/a/b%20c/...` segment by segment; rejects encoded separators and relative parts. */
export function decodeFilesPath(encoded: string): string {
  const segments = encoded.split('/').filter((s) => s !== '');
  const decoded = segments.map((segment) => {
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      throw invalidParameter(`Invalid path segment '${segment}'.`);
    }
    if (value.includes('/')) throw invalidParameter(`Invalid path: segment '${segment}' contains an encoded '/'; encode each segment, not the separators.`);
    if (value === '.' || value === '..') throw invalidParameter('Invalid path: relative segments are not allowed.');
    return value;
  });
  const volume = decoded[0] === 'Volumes' && decoded.length >= 4;
  if (!volume && decoded[0] !== 'Workspace') {
    throw invalidParameter(`Invalid path '/${decoded.join('/')}': expected /Volumes/<catalog>/<schema>/<volume>/... or /Workspace/...`);
  }
  return `/${decoded.join('/')}`;
}

export function filesRoutes(context: EmulatorContext): Route[] {
  const state = () => context.state;

  function settle(): void {
    if (context.clockDriven) settleAllRuns(context);
  }

  function filePath(request: EmulatorRequest): string {
    const path = decodeFilesPath(request.params.path);
    if (path.split('/').length <= rootDepth(path)) throw invalidParameter(`Invalid path '${path}': a file path needs a name below the volume.`);
    return path;
  }

  function directoryExists(path: string): boolean {
    // A volume root always exists; below it, a directory exists when created or implied by a file.
    if (path.split('/').length <= rootDepth(path)) return true;
    if (state().directories.has(path)) return true;
    const prefix = `${path}/`;
    for (const file of state().files.keys()) if (file.startsWith(prefix)) return true;
    for (const dir of state().directories) if (dir.startsWith(prefix)) return true;
    return false;
  }

  function fileHeaders(path: string): Record<string, string> {
    const file = state().files.get(path)!;
    return {
      'content-type': 'application/octet-stream',
      'content-length': String(file.content.length),
      'last-modified': new Date(file.modifiedAt).toUTCString(),
    };
  }

  function upload(request: EmulatorRequest): Reply {
    const path = filePath(request);
    const overwrite = request.query.get('overwrite') !== 'false';
    if (!overwrite && state().files.has(path)) {
      throw new EmulatorApiError(409, 'ALREADY_EXISTS', 'The file being created already exists.');
    }
    if (!state().files.has(path) && directoryExists(path)) {
      throw new EmulatorApiError(409, 'ALREADY_EXISTS', 'A directory already exists at the path of the file being created.');
    }
    state().files.set(path, { content: Buffer.from(request.raw), modifiedAt: context.now() });
    return { status: 204 };
  }

  function download(request: EmulatorRequest): Reply {
    settle();
    const path = filePath(request);
    const file = state().files.get(path);
    if (!file) throw fileNotFound();
    return { status: 200, headers: fileHeaders(path), body: file.content };
  }

  function head(request: EmulatorRequest): Reply {
    settle();
    const path = filePath(request);
    if (!state().files.has(path)) return { status: 404 };
    return { status: 200, headers: fileHeaders(path) };
  }

  function deleteFile(request: EmulatorRequest): Reply {
    const path = filePath(request);
    if (!state().files.delete(path)) throw fileNotFound();
    return { status: 204 };
  }

  function listDirectory(request: EmulatorRequest): Reply {
    settle();
    const path = decodeFilesPath(request.params.path);
    if (state().files.has(path)) throw invalidParameter(`'${path}' is a file, not a directory.`);
    if (!directoryExists(path)) throw directoryNotFound();
    const pageSizeText = request.query.get('page_size');
    const pageSize = pageSizeText === null ? 1000 : Math.min(1000, Math.max(1, parseInteger('page_size', pageSizeText)));
    const offset = decodePageToken(request.query.get('page_token'));
    const prefix = `${path}/`;
    const entries = new Map<string, DirectoryEntry>();
    for (const [file, record] of state().files) {
      if (!file.startsWith(prefix)) continue;
      const rest = file.slice(prefix.length);
      const name = rest.split('/')[0];
      if (rest.includes('/')) {
        entries.set(name, { path: `${prefix}${name}`, is_directory: true, name });
      } else {
        entries.set(name, { path: file, is_directory: false, file_size: record.content.length, last_modified: record.modifiedAt, name });
      }
    }
    for (const dir of state().directories) {
      if (!dir.startsWith(prefix)) continue;
      const name = dir.slice(prefix.length).split('/')[0];
      if (!entries.has(name)) entries.set(name, { path: `${prefix}${name}`, is_directory: true, name });
    }
    const sorted = [...entries.values()].sort((a, b) => (a.name! < b.name! ? -1 : 1));
    const page = sorted.slice(offset, offset + pageSize);
    const response: ListDirectoryResponse = {
      ...(page.length > 0 ? { contents: page } : {}),
      ...(offset + pageSize < sorted.length ? { next_page_token: encodePageToken(offset + pageSize) } : {}),
    };
    return ok(response);
  }

  function createDirectory(request: EmulatorRequest): Reply {
    const path = decodeFilesPath(request.params.path);
    if (state().files.has(path)) throw new EmulatorApiError(409, 'ALREADY_EXISTS', 'A file already exists at the path of the directory being created.');
    const segments = path.split('/');
    for (let i = rootDepth(path) + 1; i <= segments.length; i++) state().directories.add(segments.slice(0, i).join('/'));
    return { status: 204 };
  }

  function headDirectory(request: EmulatorRequest): Reply {
    settle();
    const path = decodeFilesPath(request.params.path);
    return { status: directoryExists(path) && !state().files.has(path) ? 200 : 404 };
  }

  function deleteDirectory(request: EmulatorRequest): Reply {
    const path = decodeFilesPath(request.params.path);
    if (!directoryExists(path)) throw directoryNotFound();
    const prefix = `${path}/`;
    const hasChildren = [...state().files.keys(), ...state().directories].some((p) => p.startsWith(prefix));
    if (hasChildren) throw new EmulatorApiError(400, 'DIRECTORY_NOT_EMPTY', 'The directory being deleted is not empty.');
    state().directories.delete(path);
    return { status: 204 };
  }

  function objectInfo(object: WorkspaceObjectRecord): ObjectInfo {
    return {
      object_type: object.type,
      path: object.path,
      object_id: object.objectId,
      resource_id: String(object.objectId),
      created_at: object.createdAt,
      modified_at: object.createdAt,
      ...(object.language ? { language: object.language } : {}),
    };
  }

  function getStatus(request: EmulatorRequest): Reply {
    const path = requiredQuery(request, 'path').replace(/\/+$/, '') || '/';
    const object = path === '/' ? { path: '/', type: 'DIRECTORY' as const, objectId: 0, createdAt: 0 } : state().workspaceObjects.get(path);
    if (!object) throw notFound(`Path (${path}) doesn't exist.`);
    return ok(objectInfo(object) satisfies ObjectInfo);
  }

  function listWorkspace(request: EmulatorRequest): Reply {
    const path = requiredQuery(request, 'path').replace(/\/+$/, '') || '/';
    const object = state().workspaceObjects.get(path);
    if (path !== '/' && !object) throw notFound(`Path (${path}) doesn't exist.`);
    if (object && object.type !== 'DIRECTORY' && object.type !== 'REPO') return ok({ objects: [objectInfo(object)] } satisfies ListResponse);
    const prefix = path === '/' ? '/' : `${path}/`;
    const children = [...state().workspaceObjects.values()]
      .filter((o) => o.path.startsWith(prefix) && !o.path.slice(prefix.length).includes('/'))
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map(objectInfo);
    return ok((children.length > 0 ? { objects: children } : {}) satisfies ListResponse);
  }

  const files = /^\/api\/2\.0\/fs\/files(?<path>\/.+)$/;
  const directories = /^\/api\/2\.0\/fs\/directories(?<path>\/.+?)\/?$/;
  return [
    { method: 'PUT', pattern: files, auth: 'workspace', handle: upload },
    { method: 'GET', pattern: files, auth: 'workspace', handle: download },
    { method: 'HEAD', pattern: files, auth: 'workspace', handle: head },
    { method: 'DELETE', pattern: files, auth: 'workspace', handle: deleteFile },
    { method: 'GET', pattern: directories, auth: 'workspace', handle: listDirectory },
    { method: 'PUT', pattern: directories, auth: 'workspace', handle: createDirectory },
    { method: 'HEAD', pattern: directories, auth: 'workspace', handle: headDirectory },
    { method: 'DELETE', pattern: directories, auth: 'workspace', handle: deleteDirectory },
    { method: 'GET', pattern: /^\/api\/2\.0\/workspace\/get-status$/, auth: 'workspace', handle: getStatus },
    { method: 'GET', pattern: /^\/api\/2\.0\/workspace\/list$/, auth: 'workspace', handle: listWorkspace },
  ];
}
