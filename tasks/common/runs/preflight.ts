import type { FilesClient } from '../databricks/files';
import type { WorkspaceClient } from '../databricks/workspace';
import { toError } from '../http/errors';
import type { Logger } from '../ports';
import { runMessage } from './messages';
import type { RunSpec } from './submission';

/** The notebook or Python file a one-time run would execute is not there. */
export class RunTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunTargetError';
  }
}

/** The Workspace API names objects without the `/Workspace` prefix that jobs and the Files API accept. */
const workspacePrefix = '/Workspace/';

async function workspaceObjectType(workspace: WorkspaceClient, path: string, signal?: AbortSignal): Promise<string | undefined> {
  const found = await workspace.getStatus(path, signal);
  if (found) return found.object_type ?? 'UNKNOWN';
  if (!path.startsWith(workspacePrefix)) return undefined;
  return (await workspace.getStatus(path.slice(workspacePrefix.length - 1), signal))?.object_type;
}

/**
 * Checks that the notebook or Python file of a one-time run exists before it is submitted, so a
 * mistyped path fails at once, naming the path, instead of after the compute started (minutes for
 * a new cluster) with a less direct error. Fails only on what it can decide: nothing at a
 * workspace or volume path, or a folder where a file belongs. Jobs, DBFS paths and permission
 * errors of the check itself are left to the run, which reports them with the workspace's words.
 * @throws RunTargetError naming the path and the workspace.
 */
export async function checkRunTarget(spec: RunSpec, ports: { workspace: WorkspaceClient; files: FilesClient; logger: Logger }, signal?: AbortSignal): Promise<void> {
  if (spec.kind === 'job') return;
  const { workspace, files } = ports;
  const what = spec.kind === 'notebook' ? 'notebook' : 'Python file';
  const path = spec.kind === 'notebook' ? spec.notebookPath : spec.pythonFile;
  if (path.startsWith('dbfs:')) return;
  try {
    if (path.startsWith('/Volumes/')) {
      if (!(await files.exists(path, signal))) throw new RunTargetError(runMessage('NoRunTarget', what, path, workspace.host));
      return;
    }
    const type = await workspaceObjectType(workspace, path, signal);
    if (type === undefined) throw new RunTargetError(runMessage('NoRunTarget', what, path, workspace.host));
    if (type === 'DIRECTORY' || type === 'REPO') throw new RunTargetError(runMessage('RunTargetIsFolder', path, workspace.host, what));
  } catch (error) {
    if (error instanceof RunTargetError || signal?.aborted) throw error;
    // A check that cannot be made (e.g. 403 on get-status) must not block a run that may well work.
    ports.logger.warn(`Could not check that the ${what} '${path}' exists (${toError(error).message}); submitting the run anyway.`);
  }
}
