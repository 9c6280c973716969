/**
 * Checks the JSON schema cannot express (it accepts any `mode`, has no notion of files on disk or of
 * variables): the subset of `databricks bundle validate` that needs no workspace.
 */
import * as path from 'node:path';
import type { BundleFileSystem } from './ports';
import { asMap, child, childAt, formatKeyPath, stringValue, walkScalars, type ConfigNode, type Location } from './config-tree';
import { displayPath, type LoadedBundle, type ResolvedTarget } from './bundle-config';
import type { Finding } from './findings';

const modes = ['development', 'production'];
/** Extensions the workspace drops from notebook paths; a reference may omit them. */
const notebookExtensions = ['.py', '.ipynb', '.sql', '.scala', '.r', '.R'];

/** Runs the per-target semantic checks. */
export async function checkTarget(fs: BundleFileSystem, bundle: LoadedBundle, target: ResolvedTarget): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (severity: Finding['severity'], check: Finding['check'], loc: Location, keys: readonly string[], message: string): void => {
    findings.push({ severity, check, file: displayPath(bundle.root, loc.file), line: loc.line, key: formatKeyPath(keys), message, ...(target.name !== undefined ? { target: target.name } : {}) });
  };
  const targetKeys = target.name === undefined ? [] : ['targets', target.name];
  const modeNode = childAt(target.merged, ['bundle', 'mode']);
  if (modeNode && !(modeNode.kind === 'scalar' && modes.includes(String(modeNode.value)))) {
    add('error', 'invalid-mode', modeNode.loc, [...targetKeys, 'mode'], `mode must be 'development' or 'production', not '${modeNode.kind === 'scalar' ? String(modeNode.value) : modeNode.kind}'`);
  }

  for (const reference of localPathReferences(target.resolved)) {
    const value = reference.value;
    if (!isLocalPath(value)) continue;
    const base = path.dirname(reference.node.loc.file);
    const full = path.resolve(base, value);
    const found = await existsAs(fs, full, reference.kind);
    if (!found) {
      add('error', 'missing-path', reference.node.loc, reference.keys, `${reference.kind === 'notebook' ? 'notebook' : reference.kind === 'directory' ? 'folder' : 'file'} '${value}' does not exist (resolved to ${displayPath(bundle.root, full)})`);
    }
  }

  if (target.mode === 'production') {
    const where = childAt(target.merged, ['bundle', 'mode'])?.loc ?? target.merged.loc;
    if (!childAt(target.resolved, ['workspace', 'root_path'])) {
      add('warning', 'production-without-root-path', where, [...targetKeys, 'workspace', 'root_path'], "a production target should set 'workspace.root_path' so that only one copy is deployed");
    }
    if (!child(target.resolved, 'run_as')) {
      add('warning', 'production-without-run-as', where, [...targetKeys, 'run_as'], "a production target should set 'run_as' (a service principal) so jobs do not run as the deploying user");
    }
    walkScalars(target.resolved, (scalar, keys) => {
      if (typeof scalar.value !== 'string' || keys[0] === 'permissions' || keys[0] === 'run_as' || keys.includes('permissions') || keys.includes('run_as')) return;
      if (/^(\/Workspace)?\/Users\//.test(scalar.value) || scalar.value.startsWith('~/')) {
        add('warning', 'personal-path-in-production', scalar.loc, keys, `personal workspace path '${scalar.value}' in a production target`);
      }
    });
  }
  return findings;
}

interface PathReference {
  node: ConfigNode;
  value: string;
  keys: string[];
  kind: 'notebook' | 'file' | 'directory';
}

/** The configuration values that name local notebooks, files and folders the deploy uploads. */
export function localPathReferences(tree: ConfigNode): PathReference[] {
  const out: PathReference[] = [];
  const push = (node: ConfigNode | undefined, keys: string[], kind: PathReference['kind']): void => {
    const value = stringValue(node);
    if (node && value !== undefined) out.push({ node, value, keys, kind });
  };
  for (const [name, job] of asMap(childAt(tree, ['resources', 'jobs']))?.entries ?? []) {
    const fromGit = child(job, 'git_source') !== undefined;
    const tasks = child(job, 'tasks');
    if (tasks?.kind !== 'seq') continue;
    const visitTask = (task: ConfigNode, keys: string[]): void => {
      const notebook = child(task, 'notebook_task');
      if (notebook && !isRemoteSource(child(notebook, 'source'), fromGit)) push(child(notebook, 'notebook_path'), [...keys, 'notebook_task', 'notebook_path'], 'notebook');
      const python = child(task, 'spark_python_task');
      if (python && !isRemoteSource(child(python, 'source'), fromGit)) push(child(python, 'python_file'), [...keys, 'spark_python_task', 'python_file'], 'file');
      const sqlFile = childAt(task, ['sql_task', 'file']);
      if (sqlFile && !isRemoteSource(child(sqlFile, 'source'), fromGit)) push(child(sqlFile, 'path'), [...keys, 'sql_task', 'file', 'path'], 'file');
      const nested = childAt(task, ['for_each_task', 'task']);
      if (nested) visitTask(nested, [...keys, 'for_each_task', 'task']);
    };
    tasks.items.forEach((task, index) => visitTask(task, ['resources', 'jobs', name, 'tasks', String(index)]));
  }
  for (const [name, pipeline] of asMap(childAt(tree, ['resources', 'pipelines']))?.entries ?? []) {
    const libraries = child(pipeline, 'libraries');
    if (libraries?.kind !== 'seq') continue;
    libraries.items.forEach((library, index) => {
      const keys = ['resources', 'pipelines', name, 'libraries', String(index)];
      push(childAt(library, ['notebook', 'path']), [...keys, 'notebook', 'path'], 'notebook');
      push(childAt(library, ['file', 'path']), [...keys, 'file', 'path'], 'file');
    });
  }
  for (const [name, dashboard] of asMap(childAt(tree, ['resources', 'dashboards']))?.entries ?? []) {
    push(child(dashboard, 'file_path'), ['resources', 'dashboards', name, 'file_path'], 'file');
  }
  for (const [name, app] of asMap(childAt(tree, ['resources', 'apps']))?.entries ?? []) {
    push(child(app, 'source_code_path'), ['resources', 'apps', name, 'source_code_path'], 'directory');
  }
  for (const [name, artifact] of asMap(child(tree, 'artifacts'))?.entries ?? []) {
    push(child(artifact, 'path'), ['artifacts', name, 'path'], 'directory');
  }
  const syncPaths = childAt(tree, ['sync', 'paths']);
  if (syncPaths?.kind === 'seq') syncPaths.items.forEach((item, index) => push(item, ['sync', 'paths', String(index)], 'directory'));
  return out;
}

function isRemoteSource(source: ConfigNode | undefined, jobFromGit: boolean): boolean {
  const value = stringValue(source)?.toUpperCase();
  return value === 'GIT' || (jobFromGit && value !== 'WORKSPACE');
}

/** A path the deploy reads from the bundle: relative, no URL, no unresolved reference. */
function isLocalPath(value: string): boolean {
  return value !== '' && !value.startsWith('/') && !/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.includes('${') && !/[*?[\]]/.test(value);
}

async function existsAs(fs: BundleFileSystem, full: string, kind: PathReference['kind']): Promise<boolean> {
  const info = await fs.stat(full);
  if (kind === 'directory') return info?.kind === 'directory';
  if (info?.kind === 'file') return true;
  if (kind !== 'notebook') return false;
  for (const extension of notebookExtensions) if ((await fs.stat(full + extension))?.kind === 'file') return true;
  return false;
}
