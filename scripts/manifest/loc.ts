/**
 * Localization files of a task, generated the way microsoft/azure-pipelines-tasks does
 * (`make-util.js` createResjson / createTaskLocJson): `Strings/resources.resjson/en-US/resources.resjson`
 * holds every user-facing string under a `loc.*` key, and `task.loc.json` is the task.json with
 * those strings replaced by `ms-resource:loc.*` references. Translations are added as more
 * cultures next to `en-US`; the shipped task.json keeps its English strings.
 */
import type { JsonObject } from './checks';

/** Where the English resources go, relative to the task folder. */
export const resjsonPath = 'Strings/resources.resjson/en-US/resources.resjson';
/** The task.json with resource references, relative to the task folder. */
export const taskLocPath = 'task.loc.json';

type Entry = [key: string, value: string];

function entries(task: JsonObject): Entry[] {
  const found: Entry[] = [];
  for (const field of ['friendlyName', 'helpMarkDown', 'description', 'instanceNameFormat', 'releaseNotes']) {
    if (typeof task[field] === 'string') found.push([`loc.${field}`, task[field] as string]);
  }
  for (const group of (task.groups ?? []) as JsonObject[]) {
    if (typeof group.displayName === 'string') found.push([`loc.group.displayName.${String(group.name)}`, group.displayName]);
  }
  for (const input of (task.inputs ?? []) as JsonObject[]) {
    if (typeof input.label === 'string') found.push([`loc.input.label.${String(input.name)}`, input.label]);
    if (typeof input.helpMarkDown === 'string') found.push([`loc.input.help.${String(input.name)}`, input.helpMarkDown]);
  }
  for (const [key, value] of Object.entries((task.messages ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') found.push([`loc.messages.${key}`, value]);
  }
  return found;
}

/** The en-US resources: every user-facing string of the task by its `loc.*` key. */
export function taskResources(task: JsonObject): Record<string, string> {
  return Object.fromEntries(entries(task));
}

/** The task.json with each user-facing string replaced by `ms-resource:<key>`. */
export function taskLocJson(task: JsonObject): JsonObject {
  const result = structuredClone(task);
  const reference = (key: string) => `ms-resource:${key}`;
  for (const field of ['friendlyName', 'helpMarkDown', 'description', 'instanceNameFormat', 'releaseNotes']) {
    if (typeof result[field] === 'string') result[field] = reference(`loc.${field}`);
  }
  for (const group of (result.groups ?? []) as JsonObject[]) {
    if (typeof group.displayName === 'string') group.displayName = reference(`loc.group.displayName.${String(group.name)}`);
  }
  for (const input of (result.inputs ?? []) as JsonObject[]) {
    if (typeof input.label === 'string') input.label = reference(`loc.input.label.${String(input.name)}`);
    if (typeof input.helpMarkDown === 'string') input.helpMarkDown = reference(`loc.input.help.${String(input.name)}`);
  }
  const messages = result.messages as Record<string, unknown> | undefined;
  if (messages) for (const key of Object.keys(messages)) if (typeof messages[key] === 'string') messages[key] = reference(`loc.messages.${key}`);
  return result;
}
