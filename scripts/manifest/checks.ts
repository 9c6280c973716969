/**
 * Pre-package checks over the extension manifest and every staged task.json. tfx-cli only warns
 * about bad task.json files (and does not look at GUID uniqueness, icon sizes, handler pairs or
 * missing `files` entries at all), so these run first and fail the package step.
 *
 * Everything here is pure: it works on parsed data (see load.ts for the file-reading layer), so a
 * test can break one fact in memory and watch exactly one check fail.
 */
import Ajv from 'ajv-draft-04';
import type { ImageInfo } from './png';

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** One task as it will be packaged. */
export interface TaskUnderCheck {
  /** Folder name under tasks/ (`DatabricksModelCompareV1`). */
  folder: string;
  /** Where the task is staged, relative to the staging root (`tasks/<Task>`). */
  stagedPath: string;
  /** The staged task.json. */
  manifest: JsonObject;
  /** The staged icon.png. */
  icon: ImageInfo;
  /** Files present in the staged task folder, relative to it, with forward slashes. */
  stagedFiles: ReadonlySet<string>;
}

/** The extension as it will be packaged. */
export interface ExtensionUnderCheck {
  /** The (variant-adjusted) vss-extension.json. */
  manifest: JsonObject;
  /** The image `icons.default` points at. */
  icon: ImageInfo;
  tasks: TaskUnderCheck[];
  /** Files and folders present in the staging root, relative to it, with forward slashes. */
  stagedPaths: ReadonlySet<string>;
}

export type CheckName =
  | 'extension-manifest'
  | 'task-schema'
  | 'unique-ids'
  | 'unique-names'
  | 'friendly-name'
  | 'instance-name-format'
  | 'contributions'
  | 'files'
  | 'icons'
  | 'handlers'
  | 'minimum-agent-version'
  | 'input-help'
  | 'input-groups'
  | 'restrictions'
  | 'connection-inputs'
  | 'connection-schemes';

/** One failed check. */
export interface Problem {
  check: CheckName;
  /** The task folder or manifest part the problem is about. */
  subject: string;
  message: string;
}

export const taskContributionType = 'ms.vss-distributed-task.task';
export const taskContributionTarget = 'ms.vss-distributed-task.tasks';
export const requiredMinimumAgentVersion = '3.232.1';
/** The handler pair every agent task declares: Node20_1 for agents >= 3.232.1, Node24 for >= 4.265.1. */
export const requiredHandlers = ['Node20_1', 'Node24'] as const;
export const extensionIconSize = 128;
export const taskIconSize = 32;
export const maxFriendlyNameLength = 40;
export const maxDescriptionLength = 200;
/** Execution kinds the server runs; the published task schema only knows agent handlers. */
export const serverExecutionKinds = ['HttpRequest', 'HttpRequestChain', 'ServiceBus'] as const;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** The folder a task lives in inside the VSIX, as contributions and `files` entries name it. */
export function packagedTaskPath(folder: string): string {
  return `tasks/${folder}`;
}

/** A server (agentless or gate) task: it runs on the server only and has no agent handlers. */
export function isServerTask(task: JsonObject): boolean {
  const runsOn = asArray(task.runsOn);
  return runsOn.length > 0 && runsOn.every((target) => target === 'Server' || target === 'ServerGate');
}

function inputsOf(task: JsonObject): JsonObject[] {
  return asArray(task.inputs).filter(isObject);
}

function inputName(input: JsonObject, index: number): string {
  return text(input.name) ?? `#${index}`;
}

// ---------------------------------------------------------------------------------------------
// task.json schema

/**
 * The task schema widened for server tasks: the published schema's `execution` only allows agent
 * handlers, and server tasks use HttpRequest / HttpRequestChain / ServiceBus instead. Built in
 * memory so the shared schema file stays an unmodified copy.
 */
export function relaxedServerTaskSchema(schema: JsonObject): JsonObject {
  const copy = structuredClone(schema);
  const properties = copy.properties as JsonObject | undefined;
  const execution = properties?.execution as JsonObject | undefined;
  const executionProperties = execution?.properties as JsonObject | undefined;
  if (!executionProperties) throw new Error('Task schema has no properties.execution.properties to relax');
  for (const kind of serverExecutionKinds) executionProperties[kind] = { type: 'object' };
  return copy;
}

/** Compiles the agent and server validators once per schema. */
export function taskSchemaValidators(schema: JsonObject): { agent: (task: unknown) => string[]; server: (task: unknown) => string[] } {
  // unicodeRegExp: false because the schema's `^connectedService\:.+$` is not a valid unicode-mode pattern.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  const compile = (source: JsonObject) => {
    const validate = ajv.compile(source);
    return (task: unknown): string[] =>
      validate(task)
        ? []
        : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`);
  };
  const relaxed = relaxedServerTaskSchema(schema);
  // Both copies share the schema's `id`; give the relaxed one its own so Ajv keeps them apart.
  relaxed.id = `${String(schema.id ?? 'tasks.schema.json')}#server`;
  return { agent: compile(schema), server: compile(relaxed) };
}

/** Every task.json validates against the task schema (server tasks against the relaxed copy). */
export function checkTaskSchemas(tasks: readonly TaskUnderCheck[], schema: JsonObject): Problem[] {
  const validators = taskSchemaValidators(schema);
  return tasks.flatMap((task) => {
    const validate = isServerTask(task.manifest) ? validators.server : validators.agent;
    return validate(task.manifest).map((message) => ({ check: 'task-schema' as const, subject: task.folder, message: `task.json ${message}` }));
  });
}

// ---------------------------------------------------------------------------------------------
// Per-task facts the schema does not enforce

function duplicates(tasks: readonly TaskUnderCheck[], key: (task: TaskUnderCheck) => string | undefined): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const task of tasks) {
    const value = key(task);
    if (value === undefined) continue;
    seen.set(value, [...(seen.get(value) ?? []), task.folder]);
  }
  return new Map([...seen].filter(([, folders]) => folders.length > 1));
}

/** Task GUIDs are unique (compared case-insensitively, as the service does). */
export function checkUniqueIds(tasks: readonly TaskUnderCheck[]): Problem[] {
  const problems: Problem[] = [];
  for (const task of tasks) {
    if (!text(task.manifest.id)) problems.push({ check: 'unique-ids', subject: task.folder, message: 'task.json has no id' });
  }
  for (const [id, folders] of duplicates(tasks, (task) => text(task.manifest.id)?.toLowerCase())) {
    problems.push({ check: 'unique-ids', subject: folders.join(', '), message: `task id ${id} is used by ${folders.length} tasks` });
  }
  return problems;
}

/** Task names are unique (YAML resolves `Name@1` case-insensitively) and match their folder. */
export function checkUniqueNames(tasks: readonly TaskUnderCheck[]): Problem[] {
  const problems: Problem[] = [];
  for (const task of tasks) {
    const name = text(task.manifest.name);
    const major = (task.manifest.version as JsonObject | undefined)?.Major;
    if (!name) {
      problems.push({ check: 'unique-names', subject: task.folder, message: 'task.json has no name' });
    } else if (`${name}V${String(major)}` !== task.folder) {
      problems.push({ check: 'unique-names', subject: task.folder, message: `folder should be name + major version: '${name}V${String(major)}'` });
    }
  }
  for (const [name, folders] of duplicates(tasks, (task) => text(task.manifest.name)?.toLowerCase())) {
    problems.push({ check: 'unique-names', subject: folders.join(', '), message: `task name '${name}' is used by ${folders.length} tasks` });
  }
  return problems;
}

/** friendlyName is present and at most 40 characters (tfx's limit; the schema only mentions it). */
export function checkFriendlyNames(tasks: readonly TaskUnderCheck[]): Problem[] {
  return tasks.flatMap((task) => {
    const friendlyName = text(task.manifest.friendlyName);
    if (!friendlyName) return [{ check: 'friendly-name' as const, subject: task.folder, message: 'friendlyName is missing' }];
    if (friendlyName.length > maxFriendlyNameLength) {
      return [{ check: 'friendly-name' as const, subject: task.folder, message: `friendlyName '${friendlyName}' has ${friendlyName.length} characters; at most ${maxFriendlyNameLength}` }];
    }
    return [];
  });
}

/** instanceNameFormat is present (tfx requires it; the schema does not). */
export function checkInstanceNameFormat(tasks: readonly TaskUnderCheck[]): Problem[] {
  return tasks
    .filter((task) => !text(task.manifest.instanceNameFormat))
    .map((task) => ({ check: 'instance-name-format' as const, subject: task.folder, message: 'instanceNameFormat is missing' }));
}

/**
 * Agent tasks declare both Node20_1 and Node24 with the same target, and every handler's target is
 * in the staged folder. Server tasks declare server executions only.
 */
export function checkHandlers(tasks: readonly TaskUnderCheck[]): Problem[] {
  const problems: Problem[] = [];
  const add = (task: TaskUnderCheck, message: string) => problems.push({ check: 'handlers', subject: task.folder, message });
  for (const task of tasks) {
    const execution = isObject(task.manifest.execution) ? task.manifest.execution : {};
    if (isServerTask(task.manifest)) {
      const kinds = Object.keys(execution);
      if (!kinds.some((kind) => (serverExecutionKinds as readonly string[]).includes(kind))) {
        add(task, `server task declares no server execution (${serverExecutionKinds.join(', ')})`);
      }
      continue;
    }
    const targets = requiredHandlers.map((handler) => {
      const entry = execution[handler];
      const target = isObject(entry) ? text(entry.target) : undefined;
      if (!target) add(task, `execution.${handler}.target is missing`);
      return target;
    });
    if (targets[0] && targets[1] && targets[0] !== targets[1]) {
      add(task, `execution.Node20_1.target '${targets[0]}' and execution.Node24.target '${targets[1]}' differ`);
    }
    for (const [handler, entry] of Object.entries(execution)) {
      const target = isObject(entry) ? text(entry.target) : undefined;
      // The agent expands $(...) at run time, so such targets cannot be checked here (tfx skips them too).
      if (!target || target.includes('$(')) continue;
      const normalised = target.replace(/\\/g, '/').replace(/^\.\//, '');
      if (!task.stagedFiles.has(normalised)) add(task, `execution.${handler}.target '${target}' is not in the staged task folder`);
    }
  }
  return problems;
}

/** Agent tasks require agent 3.232.1, the first with the Node20_1 handler. */
export function checkMinimumAgentVersion(tasks: readonly TaskUnderCheck[]): Problem[] {
  return tasks
    .filter((task) => !isServerTask(task.manifest) && task.manifest.minimumAgentVersion !== requiredMinimumAgentVersion)
    .map((task) => ({
      check: 'minimum-agent-version' as const,
      subject: task.folder,
      message: `minimumAgentVersion is ${JSON.stringify(task.manifest.minimumAgentVersion)}; expected '${requiredMinimumAgentVersion}'`,
    }));
}

/** Every input explains itself in the UI. */
export function checkInputHelp(tasks: readonly TaskUnderCheck[]): Problem[] {
  return tasks.flatMap((task) =>
    inputsOf(task.manifest)
      .map((input, index) => ({ input, index }))
      .filter(({ input }) => !text(input.helpMarkDown))
      .map(({ input, index }) => ({ check: 'input-help' as const, subject: task.folder, message: `input '${inputName(input, index)}' has no helpMarkDown` })),
  );
}

/** Every input sits in a declared group, so the classic editor shows a tidy form. */
export function checkInputGroups(tasks: readonly TaskUnderCheck[]): Problem[] {
  return tasks.flatMap((task) => {
    const groups = new Set(asArray(task.manifest.groups).filter(isObject).map((group) => text(group.name)).filter(Boolean));
    return inputsOf(task.manifest).flatMap((input, index) => {
      const group = text(input.groupName);
      if (!group) return [{ check: 'input-groups' as const, subject: task.folder, message: `input '${inputName(input, index)}' has no groupName` }];
      if (!groups.has(group)) {
        return [{ check: 'input-groups' as const, subject: task.folder, message: `input '${inputName(input, index)}' names group '${group}', which is not in groups` }];
      }
      return [];
    });
  });
}

/**
 * Every agent task declares `restrictions` as defence in depth against logging commands smuggled
 * into its output: a command mode, and settable variables that cover exactly what it may set, its
 * output variables (a later step reads nothing else from it).
 */
export function checkRestrictions(tasks: readonly TaskUnderCheck[]): Problem[] {
  return tasks
    .filter((task) => !isServerTask(task.manifest))
    .flatMap((task) => {
      const problem = (message: string): Problem => ({ check: 'restrictions', subject: task.folder, message });
      const restrictions = task.manifest.restrictions;
      if (!isObject(restrictions)) return [problem('declares no restrictions; expected commands.mode and settableVariables.allowed')];
      const problems: Problem[] = [];
      const mode = isObject(restrictions.commands) ? restrictions.commands.mode : undefined;
      if (mode !== 'any' && mode !== 'restricted') problems.push(problem(`restrictions.commands.mode is ${JSON.stringify(mode)}; expected 'any' or 'restricted'`));
      const allowedValue = isObject(restrictions.settableVariables) ? restrictions.settableVariables.allowed : undefined;
      if (!Array.isArray(allowedValue)) return [...problems, problem('restrictions.settableVariables.allowed is missing; list the output variables')];
      const allowed = new Set(allowedValue.map(text));
      const outputs = asArray(task.manifest.outputVariables).filter(isObject).map((output) => text(output.name)).filter((name): name is string => !!name);
      const missing = outputs.filter((name) => !allowed.has(name));
      if (missing.length > 0) problems.push(problem(`restrictions.settableVariables.allowed lacks output variable(s) ${missing.join(', ')}`));
      return problems;
    });
}

// ---------------------------------------------------------------------------------------------
// Extension manifest

function contributionsOf(manifest: JsonObject): JsonObject[] {
  return asArray(manifest.contributions).filter(isObject);
}

/** The extension manifest's own fields: the ones the Marketplace rejects or tfx only partly checks. */
export function checkExtensionManifest(extension: ExtensionUnderCheck): Problem[] {
  const manifest = extension.manifest;
  const problems: Problem[] = [];
  const add = (message: string) => problems.push({ check: 'extension-manifest', subject: 'vss-extension.json', message });
  if (manifest.manifestVersion !== 1) add('manifestVersion must be 1');
  for (const field of ['publisher', 'id', 'version', 'name']) {
    if (!text(manifest[field])) add(`${field} is missing`);
  }
  for (const field of ['publisher', 'id']) {
    const value = text(manifest[field]);
    if (value && !/^[A-Za-z0-9_-]+$/.test(value)) add(`${field} '${value}' may only contain letters, digits, '-' and '_'`);
  }
  const description = typeof manifest.description === 'string' ? manifest.description : '';
  if (!description.trim()) add('description is missing');
  if (description.length > maxDescriptionLength) add(`description has ${description.length} characters; at most ${maxDescriptionLength}`);
  const targets = asArray(manifest.targets).filter(isObject).map((target) => target.id);
  if (!targets.includes('Microsoft.VisualStudio.Services')) add('targets must include Microsoft.VisualStudio.Services');
  const ids = contributionsOf(manifest).map((contribution) => text(contribution.id));
  if (ids.some((id) => !id)) add('every contribution needs an id');
  const repeated = ids.filter((id, index) => id && ids.indexOf(id) !== index);
  if (repeated.length > 0) add(`contribution ids are not unique: ${[...new Set(repeated)].join(', ')}`);
  return problems;
}

/** Every task has exactly one task contribution, and every task contribution names a task folder. */
export function checkContributions(extension: ExtensionUnderCheck): Problem[] {
  const problems: Problem[] = [];
  const taskContributions = contributionsOf(extension.manifest).filter((contribution) => contribution.type === taskContributionType);
  const byPath = new Map<string, JsonObject[]>();
  for (const contribution of taskContributions) {
    const name = text((contribution.properties as JsonObject | undefined)?.name);
    const id = text(contribution.id) ?? '(no id)';
    if (!name) {
      problems.push({ check: 'contributions', subject: id, message: 'task contribution has no properties.name' });
      continue;
    }
    if (!asArray(contribution.targets).includes(taskContributionTarget)) {
      problems.push({ check: 'contributions', subject: id, message: `task contribution must target ${taskContributionTarget}` });
    }
    byPath.set(name, [...(byPath.get(name) ?? []), contribution]);
  }
  const known = new Set(extension.tasks.map((task) => packagedTaskPath(task.folder)));
  for (const task of extension.tasks) {
    const found = byPath.get(packagedTaskPath(task.folder)) ?? [];
    if (found.length === 0) problems.push({ check: 'contributions', subject: task.folder, message: `no ${taskContributionType} contribution with properties.name '${packagedTaskPath(task.folder)}'` });
    if (found.length > 1) problems.push({ check: 'contributions', subject: task.folder, message: `${found.length} contributions point at '${packagedTaskPath(task.folder)}'` });
  }
  for (const name of byPath.keys()) {
    if (!known.has(name)) problems.push({ check: 'contributions', subject: name, message: `task contribution points at '${name}', which is not a task folder (no task.json there)` });
  }
  return problems;
}

/**
 * Every task folder is packaged: a `files` entry maps it to tasks/<Task> (tfx silently drops a task
 * whose folder is not listed), and every listed path exists in the staging folder.
 */
export function checkFilesEntries(extension: ExtensionUnderCheck): Problem[] {
  const problems: Problem[] = [];
  const entries = asArray(extension.manifest.files).filter(isObject);
  for (const entry of entries) {
    const entryPath = text(entry.path);
    if (!entryPath) {
      problems.push({ check: 'files', subject: 'vss-extension.json', message: 'a files entry has no path' });
    } else if (!extension.stagedPaths.has(entryPath.replace(/\/+$/, ''))) {
      problems.push({ check: 'files', subject: entryPath, message: `files entry '${entryPath}' does not exist in the staging folder` });
    }
  }
  for (const task of extension.tasks) {
    const wanted = packagedTaskPath(task.folder);
    const matching = entries.filter((entry) => (text(entry.packagePath) ?? text(entry.path))?.replace(/\/+$/, '') === wanted);
    if (matching.length === 0) {
      problems.push({ check: 'files', subject: task.folder, message: `no files entry packages '${wanted}'` });
    } else if (!matching.some((entry) => text(entry.path)?.replace(/\/+$/, '') === task.stagedPath)) {
      problems.push({ check: 'files', subject: task.folder, message: `the files entry for '${wanted}' must take its content from '${task.stagedPath}'` });
    }
  }
  return problems;
}

function describeImage(image: ImageInfo): string {
  switch (image.kind) {
    case 'missing':
      return 'is missing';
    case 'invalid':
      return `is not a valid PNG (${image.reason})`;
    case 'png':
      return `is ${image.width}x${image.height}`;
  }
}

/** The extension icon is a 128x128 PNG; every task has a 32x32 icon.png. */
export function checkIcons(extension: ExtensionUnderCheck): Problem[] {
  const problems: Problem[] = [];
  const wrong = (image: ImageInfo, size: number) => image.kind !== 'png' || image.width !== size || image.height !== size;
  const iconPath = text((extension.manifest.icons as JsonObject | undefined)?.default);
  if (!iconPath) {
    problems.push({ check: 'icons', subject: 'vss-extension.json', message: 'icons.default is missing' });
  } else if (wrong(extension.icon, extensionIconSize)) {
    problems.push({ check: 'icons', subject: iconPath, message: `extension icon ${describeImage(extension.icon)}; expected a ${extensionIconSize}x${extensionIconSize} PNG` });
  }
  for (const task of extension.tasks) {
    if (wrong(task.icon, taskIconSize)) {
      problems.push({ check: 'icons', subject: task.folder, message: `icon.png ${describeImage(task.icon)}; expected a ${taskIconSize}x${taskIconSize} PNG` });
    }
  }
  return problems;
}

/** The common connection inputs every Databricks agent task carries (connection-inputs.json). */
export interface ConnectionInputs {
  group: JsonObject;
  inputs: JsonObject[];
}

function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : isObject(value)
        ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]))
        : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * An agent task that takes any of the common connection inputs takes all of them, exactly as
 * defined once, with their group: every task then connects the same way in YAML and in the editor.
 * Server tasks are exempt: the server can only use a service connection's own headers.
 */
export function checkConnectionInputs(tasks: readonly TaskUnderCheck[], common: ConnectionInputs): Problem[] {
  const problems: Problem[] = [];
  const names = common.inputs.map((input) => String(input.name));
  for (const task of tasks) {
    if (isServerTask(task.manifest)) continue;
    const inputs = inputsOf(task.manifest);
    if (!inputs.some((input) => names.includes(String(input.name)))) continue;
    const add = (message: string) => problems.push({ check: 'connection-inputs', subject: task.folder, message });
    for (const expected of common.inputs) {
      const actual = inputs.find((input) => input.name === expected.name);
      if (!actual) add(`input '${String(expected.name)}' of the common connection inputs is missing`);
      else if (!sameJson(actual, expected)) add(`input '${String(expected.name)}' differs from tasks/common/azure-devops/connection-inputs.json; copy it verbatim`);
    }
    const group = asArray(task.manifest.groups).filter(isObject).find((candidate) => candidate.name === common.group.name);
    if (!group || !sameJson(group, common.group)) add(`group '${String(common.group.name)}' differs from tasks/common/azure-devops/connection-inputs.json`);
  }
  return problems;
}

/**
 * The name an endpoint's `authorization.scheme` carries for each built-in scheme type: what
 * `ENDPOINT_AUTH_SCHEME_<id>` holds on the agent and what an input type `connectedService:<type>:<names>`
 * lists (MicrosoftDocs azure-devops-docs `extend/develop/auth-schemes.md`).
 */
export const authSchemeNames: Readonly<Record<string, string>> = {
  'ms.vss-endpoint.endpoint-auth-scheme-token': 'Token',
  'ms.vss-endpoint.endpoint-auth-scheme-basic': 'UsernamePassword',
};

/** A `connectedService:` input type split into endpoint type and the schemes it accepts (empty: any). */
export function parseConnectedServiceType(type: unknown): { endpointType: string; schemes: string[] } | undefined {
  const match = typeof type === 'string' ? /^connectedService:([^:]+)(?::(.*))?$/.exec(type) : null;
  if (!match) return undefined;
  const schemes = (match[2] ?? '').split(',').map((scheme) => scheme.trim()).filter(Boolean);
  return { endpointType: match[1], schemes };
}

interface EndpointScheme {
  name: string | undefined;
  type: string;
  hasHeaders: boolean;
}

/** The schemes each contributed endpoint type declares, by endpoint type name. */
function endpointSchemes(manifest: JsonObject): Map<string, EndpointScheme[]> {
  const result = new Map<string, EndpointScheme[]>();
  for (const contribution of contributionsOf(manifest).filter((candidate) => candidate.type === 'ms.vss-endpoint.service-endpoint-type')) {
    const properties = isObject(contribution.properties) ? contribution.properties : {};
    const name = text(properties.name);
    if (!name) continue;
    const schemes = asArray(properties.authenticationSchemes)
      .filter(isObject)
      .map((scheme) => ({ name: authSchemeNames[String(scheme.type)], type: String(scheme.type), hasHeaders: asArray(scheme.headers).length > 0 }));
    result.set(name, schemes);
  }
  return result;
}

/**
 * Connection inputs name schemes their endpoint type has. A server task (gate) must list the schemes
 * it can use, and each must declare the headers the server sends: the server only adds a scheme's
 * headers and cannot run a token exchange, so an OAuth client id and secret would reach the API as a
 * Basic header and come back as a bare 401. The list keeps such connections out of the task's picker.
 */
export function checkConnectionSchemes(extension: ExtensionUnderCheck): Problem[] {
  const declared = endpointSchemes(extension.manifest);
  const problems: Problem[] = [];
  for (const task of extension.tasks) {
    const server = isServerTask(task.manifest);
    inputsOf(task.manifest).forEach((input, index) => {
      const service = parseConnectedServiceType(input.type);
      const schemes = service ? declared.get(service.endpointType) : undefined;
      if (!service || !schemes) return;
      const add = (message: string) => problems.push({ check: 'connection-schemes', subject: task.folder, message: `input '${inputName(input, index)}' ${message}` });
      for (const name of service.schemes) {
        if (!schemes.some((scheme) => scheme.name === name)) {
          const known = schemes.map((scheme) => scheme.name ?? scheme.type).join(', ');
          add(`lists scheme '${name}', which endpoint type '${service.endpointType}' does not declare (it has ${known})`);
        }
      }
      if (!server) return;
      if (service.schemes.length === 0) {
        add(`must list the schemes a server task can use, e.g. 'connectedService:${service.endpointType}:Token'`);
        return;
      }
      for (const scheme of schemes.filter((candidate) => candidate.name && service.schemes.includes(candidate.name) && !candidate.hasHeaders)) {
        add(`lists scheme '${String(scheme.name)}', whose endpoint scheme declares no headers for the server to send`);
      }
    });
  }
  return problems;
}

/** Options for {@link checkExtension}. */
export interface CheckOptions {
  /** The parsed task schema; without it the schema check is skipped (the caller decides whether that is allowed). */
  taskSchema?: JsonObject;
  /** The common connection inputs; without them that check is skipped. */
  connectionInputs?: ConnectionInputs;
}

/** Runs every check and returns all problems (empty when the extension may be packaged). */
export function checkExtension(extension: ExtensionUnderCheck, options: CheckOptions = {}): Problem[] {
  const tasks = extension.tasks;
  return [
    ...checkExtensionManifest(extension),
    ...(options.taskSchema ? checkTaskSchemas(tasks, options.taskSchema) : []),
    ...checkUniqueIds(tasks),
    ...checkUniqueNames(tasks),
    ...checkFriendlyNames(tasks),
    ...checkInstanceNameFormat(tasks),
    ...checkContributions(extension),
    ...checkFilesEntries(extension),
    ...checkIcons(extension),
    ...checkHandlers(tasks),
    ...checkMinimumAgentVersion(tasks),
    ...checkInputHelp(tasks),
    ...checkInputGroups(tasks),
    ...checkRestrictions(tasks),
    ...(options.connectionInputs ? checkConnectionInputs(tasks, options.connectionInputs) : []),
    ...checkConnectionSchemes(extension),
  ];
}

/** One line per problem, for the console. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((problem) => `  [${problem.check}] ${problem.subject}: ${problem.message}`).join('\n');
}
