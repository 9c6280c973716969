/**
 * Checks the YAML examples of a Markdown file against the tasks' manifests, so a copied example
 * does not fail on its first run: every `task: Name@N` exists, every input it sets is one the task
 * declares, and every input the task needs is given (task.json `required` inputs that are visible
 * for the values given, and each task's `requiredOneOf` groups from its names.ts).
 *
 * A fence preceded by `<!-- snippet: partial -->` is an excerpt: its inputs must exist, but missing
 * required inputs are not reported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** An input of a task.json, as far as the check needs it. */
interface TaskInput {
  name: string;
  aliases?: string[];
  required?: boolean;
  defaultValue?: string;
  visibleRule?: string;
}

/** A group of inputs of which at least one must be given, when `when` (a visibleRule) holds. */
export interface RequiredOneOf {
  inputs: readonly string[];
  when?: string;
}

/** What the check knows about one task. */
export interface KnownTask {
  folder: string;
  inputs: TaskInput[];
  requiredOneOf: readonly RequiredOneOf[];
}

/** One fenced YAML block. */
export interface Snippet {
  file: string;
  line: number;
  partial: boolean;
  text: string;
}

/** Tasks of the repository by `Name@Major`, discovered from `tasks/*V<n>/task.json`. */
export function loadTasks(root: string): Map<string, KnownTask> {
  const tasks = new Map<string, KnownTask>();
  const tasksDir = path.join(root, 'tasks');
  for (const folder of fs.readdirSync(tasksDir)) {
    const file = path.join(tasksDir, folder, 'task.json');
    if (!/V\d+$/.test(folder) || !fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name: string; version: { Major: number }; inputs?: TaskInput[] };
    const namesFile = path.join(tasksDir, folder, 'names.ts');
    // names.ts is optional (a server task has no code); `requiredOneOf` is optional in it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const names = fs.existsSync(namesFile) ? (require(namesFile) as { requiredOneOf?: readonly RequiredOneOf[] }) : {};
    tasks.set(`${manifest.name}@${manifest.version.Major}`, { folder, inputs: manifest.inputs ?? [], requiredOneOf: names.requiredOneOf ?? [] });
  }
  return tasks;
}

/** The ```yaml fences of a Markdown text. */
export function extractYamlSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^(\s*)```ya?ml\s*$/.exec(lines[index]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) body.push(lines[end++].slice(indent));
    const before = lines.slice(Math.max(0, index - 2), index).join('\n');
    snippets.push({ file, line: index + 1, partial: /<!--\s*snippet:\s*partial\s*-->/.test(before), text: body.join('\n') });
    index = end;
  }
  return snippets;
}

/** Evaluates a task.json visibleRule (`a = b`, `a != b`, joined by `&&` or `||`) on input values. */
export function evaluateVisibleRule(rule: string, values: ReadonlyMap<string, string>): boolean {
  const term = (text: string): boolean => {
    const match = /^\s*(\w+)\s*(!=|==|=)\s*(.*?)\s*$/.exec(text);
    if (!match) throw new Error(`Unsupported visibleRule term '${text}'`);
    const actual = (values.get(match[1]) ?? '').toLowerCase();
    const equal = actual === match[3].toLowerCase();
    return match[2] === '!=' ? !equal : equal;
  };
  if (rule.includes('||')) return rule.split('||').some(term);
  return rule.split('&&').every(term);
}

function collectTaskSteps(node: unknown, found: Record<string, unknown>[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectTaskSteps(item, found);
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (typeof record.task === 'string') found.push(record);
    for (const value of Object.values(record)) collectTaskSteps(value, found);
  }
}

/** Problems of one step, or none. */
export function checkTaskStep(step: Record<string, unknown>, tasks: ReadonlyMap<string, KnownTask>, partial: boolean): string[] {
  const reference = String(step.task);
  // Only this extension's tasks are checked (Bash@3, ManualValidation@1 and the like are not ours).
  if (!/^Databricks/.test(reference)) return [];
  const task = tasks.get(reference.replace(/^[\w.-]+\.(?=Databricks)/, ''));
  if (!task) return [`task '${reference}' does not exist (known: ${[...tasks.keys()].join(', ')})`];
  const given = (step.inputs ?? {}) as Record<string, unknown>;
  const byName = new Map<string, TaskInput>();
  for (const input of task.inputs) for (const name of [input.name, ...(input.aliases ?? [])]) byName.set(name.toLowerCase(), input);
  const problems: string[] = [];
  const values = new Map<string, string>();
  for (const input of task.inputs) if (input.defaultValue !== undefined) values.set(input.name, input.defaultValue);
  for (const [key, value] of Object.entries(given)) {
    const input = byName.get(key.toLowerCase());
    if (!input) problems.push(`${reference}: input '${key}' does not exist`);
    else values.set(input.name, value === null || value === undefined ? '' : String(value));
  }
  if (partial) return problems;
  const isGiven = (name: string) => (values.get(name) ?? '') !== '';
  for (const input of task.inputs) {
    if (!input.required || isGiven(input.name)) continue;
    if (input.visibleRule && !evaluateVisibleRule(input.visibleRule, values)) continue;
    problems.push(`${reference}: required input '${input.name}' is not given`);
  }
  for (const group of task.requiredOneOf) {
    if (group.when && !evaluateVisibleRule(group.when, values)) continue;
    if (!group.inputs.some(isGiven)) problems.push(`${reference}: one of ${group.inputs.map((name) => `'${name}'`).join(', ')} is required`);
  }
  return problems;
}

/** Every problem of one snippet, prefixed with where it is. */
export function checkSnippet(snippet: Snippet, tasks: ReadonlyMap<string, KnownTask>): string[] {
  const where = `${snippet.file}:${snippet.line}`;
  const documents = parseAllDocuments(snippet.text);
  const problems: string[] = [];
  const steps: Record<string, unknown>[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    for (const error of document.errors) problems.push(`${where}: YAML does not parse: ${error.message.split('\n')[0]}`);
    if (document.errors.length === 0) collectTaskSteps(document.toJS(), steps);
  }
  for (const step of steps) for (const problem of checkTaskStep(step, tasks, snippet.partial)) problems.push(`${where}: ${problem}`);
  return problems;
}
