/**
 * The Azure Pipelines YAML schema knows only built-in tasks. This patches a copy, in memory, with
 * this extension's tasks generated from their task.json, the way an organization's live schema
 * includes the tasks of its installed extensions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './task-bundle';

/** The parts of task.json the schema patch needs. */
export interface TaskManifest {
  name: string;
  description?: string;
  friendlyName?: string;
  runsOn?: string[];
  version: { Major: number };
  inputs?: Array<{
    name: string;
    type: string;
    aliases?: string[];
    label?: string;
    required?: boolean;
    defaultValue?: string;
    visibleRule?: string;
    options?: Record<string, string>;
    properties?: Record<string, string>;
  }>;
  outputVariables?: Array<{ name: string }>;
}

/** Every tasks/<Name>V<n>/task.json of the repository. */
export function loadTaskManifests(): TaskManifest[] {
  const tasksDir = path.join(repoRoot, 'tasks');
  return fs
    .readdirSync(tasksDir)
    .filter((folder) => /V\d+$/.test(folder) && fs.existsSync(path.join(tasksDir, folder, 'task.json')))
    .map((folder) => JSON.parse(fs.readFileSync(path.join(tasksDir, folder, 'task.json'), 'utf8')) as TaskManifest);
}

type Json = Record<string, unknown>;

function inputSchema(input: NonNullable<TaskManifest['inputs']>[number]): Json {
  const description = input.label ?? input.name;
  switch (input.type) {
    case 'boolean':
      return { type: 'boolean', description, ignoreCase: 'key' };
    case 'int':
      return { type: 'integer', description, ignoreCase: 'key' };
    case 'pickList':
    case 'radio':
      if (input.options && input.properties?.EditableOptions !== 'True') {
        // The language service checks enums even where the value is a template expression, which
        // the server expands before validating; the template tests check such parameters' values.
        return { description, anyOf: [{ ignoreCase: 'all', enum: Object.keys(input.options) }, { type: 'string', pattern: '^\\$\\{\\{.*\\}\\}$' }] };
      }
      return { type: 'string', description, ignoreCase: 'key' };
    default:
      return { type: 'string', description, ignoreCase: 'key' };
  }
}

/** Returns a patched deep copy of the service schema with `tasks` added as known tasks. */
export function patchServiceSchema(serviceSchema: Json, tasks: TaskManifest[]): Json {
  const schema = structuredClone(serviceSchema) as { definitions: { task: { anyOf: Json[]; properties: { task: { anyOf: Json[] } } } } };
  for (const task of tasks) {
    const id = `${task.name}@${task.version.Major}`;
    const properties: Json = {};
    const required: string[] = [];
    for (const input of task.inputs ?? []) {
      properties[input.name] = inputSchema(input);
      for (const alias of input.aliases ?? []) properties[alias] = inputSchema(input);
      if (input.required && !input.visibleRule && input.defaultValue === undefined) required.push(input.name);
    }
    schema.definitions.task.anyOf.push({
      properties: {
        task: { description: `${task.friendlyName}\n\n${task.description ?? ''}`, ignoreCase: 'value', pattern: `^${id}$` },
        inputs: { description: `${task.friendlyName} inputs`, properties, additionalProperties: false, required },
      },
      doNotSuggest: false,
      firstProperty: ['task'],
      required: ['task'],
    });
    schema.definitions.task.properties.task.anyOf.push({ description: task.description, doNotSuggest: false, ignoreCase: 'value', enum: [id] });
  }
  return schema as unknown as Json;
}
