/**
 * `npm run docs`: regenerates the README's input and output tables from each tasks/<Task>/task.json
 * (and the common connection inputs from tasks/common/azure-devops/connection-inputs.json), between
 * `<!-- inputs:<TaskFolder> -->` and `<!-- /inputs:<TaskFolder> -->`. A test fails when they are
 * stale, so the manifest stays the one source of truth for what a task accepts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

type JsonObject = Record<string, unknown>;

const root = path.resolve(__dirname, '..');
export const readmePath = path.join(root, 'README.md');
/** Marker name for the shared connection inputs. */
export const connectionDocName = 'connection';
export const connectionGroup = 'connection';
const connectionAnchor = '#the-databricks-service-connection';

/** The marker pair around a generated block. */
export function markers(name: string): { start: string; end: string } {
  return { start: `<!-- inputs:${name} -->`, end: `<!-- /inputs:${name} -->` };
}

/** Makes text safe inside one Markdown table cell. */
export function cell(value: string): string {
  return value.replace(/\r?\n/g, '<br>').replace(/\|/g, '\\|').trim();
}

function code(value: string): string {
  return value === '' ? '' : `\`${value.replace(/`/g, "'")}\``;
}

function describeType(input: JsonObject): string {
  const type = String(input.type ?? '');
  const options = input.options && typeof input.options === 'object' ? Object.keys(input.options as JsonObject) : [];
  if ((type === 'pickList' || type === 'radio') && options.length > 0) return `${type}: ${options.map(code).join(', ')}`;
  const service = /^connectedService:([^:]+)(?::(.+))?$/.exec(type);
  if (service) return `service connection (${code(service[1])}${service[2] ? `, scheme ${service[2].split(',').map(code).join(', ')}` : ''})`;
  return type;
}

function describeDefault(input: JsonObject): string {
  const value = input.defaultValue;
  if (value === undefined || value === null || value === '') return '';
  return code(String(value));
}

function describeHelp(input: JsonObject): string {
  const help = typeof input.helpMarkDown === 'string' ? input.helpMarkDown : '';
  const rule = typeof input.visibleRule === 'string' && input.visibleRule ? ` _(when ${code(input.visibleRule)})_` : '';
  return cell(help + rule);
}

/** The inputs table for a list of task.json inputs. */
export function renderInputsTable(inputs: readonly JsonObject[]): string {
  const rows = inputs.map((input) =>
    `| ${code(String(input.name ?? ''))} | ${cell(String(input.label ?? ''))} | ${cell(describeType(input))} | ${cell(describeDefault(input))} | ${input.required === true ? 'yes' : 'no'} | ${describeHelp(input)} |`,
  );
  return ['| Input | Label | Type | Default | Required | Help |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/**
 * The generated block for one task: its own inputs, a pointer to the shared connection inputs, and
 * its output variables.
 */
export function renderTaskDocs(task: JsonObject): string {
  const inputs = (Array.isArray(task.inputs) ? task.inputs : []) as JsonObject[];
  const own = inputs.filter((input) => input.groupName !== connectionGroup);
  const shared = inputs.filter((input) => input.groupName === connectionGroup);
  const parts: string[] = [];
  if (shared.length > 0) {
    parts.push(`Connection inputs (${shared.map((input) => code(String(input.name))).join(', ')}): see [the Databricks service connection](${connectionAnchor}).`);
  }
  parts.push(own.length > 0 ? renderInputsTable(own) : 'No other inputs.');
  const outputs = (Array.isArray(task.outputVariables) ? task.outputVariables : []) as JsonObject[];
  if (outputs.length > 0) {
    parts.push(
      ['| Output variable | Description |', '|---|---|', ...outputs.map((output) => `| ${code(String(output.name ?? ''))} | ${cell(String(output.description ?? ''))} |`)].join('\n'),
    );
  } else {
    parts.push('This task sets no output variables.');
  }
  return parts.join('\n\n');
}

/** Result of {@link updateReadme}. */
export interface ReadmeUpdate {
  text: string;
  /** Blocks whose content changed. */
  changed: string[];
  /** Blocks with no marker pair in the README. */
  missing: string[];
}

/** Replaces each named block between its markers; text outside the markers is never touched. */
export function updateReadme(readme: string, blocks: ReadonlyMap<string, string>): ReadmeUpdate {
  let text = readme;
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [name, content] of blocks) {
    const { start, end } = markers(name);
    const from = text.indexOf(start);
    const to = text.indexOf(end, from + start.length);
    if (from < 0 || to < 0) {
      missing.push(name);
      continue;
    }
    const replacement = `${start}\n${content}\n${end}`;
    const current = text.slice(from, to + end.length);
    if (current !== replacement) {
      changed.push(name);
      text = text.slice(0, from) + replacement + text.slice(to + end.length);
    }
  }
  return { text, changed, missing };
}

/** The generated blocks for the repo: one per task folder, plus the shared connection inputs. */
export function readDocBlocks(repoRoot = root): Map<string, string> {
  const blocks = new Map<string, string>();
  const connection = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tasks', 'common', 'azure-devops', 'connection-inputs.json'), 'utf8')) as JsonObject;
  blocks.set(connectionDocName, renderInputsTable(connection.inputs as JsonObject[]));
  const tasksDir = path.join(repoRoot, 'tasks');
  for (const folder of fs.readdirSync(tasksDir).sort()) {
    const file = path.join(tasksDir, folder, 'task.json');
    if (/V\d+$/.test(folder) && fs.existsSync(file)) blocks.set(folder, renderTaskDocs(JSON.parse(fs.readFileSync(file, 'utf8')) as JsonObject));
  }
  return blocks;
}

function main(): void {
  const update = updateReadme(fs.readFileSync(readmePath, 'utf8'), readDocBlocks());
  if (update.changed.length > 0) fs.writeFileSync(readmePath, update.text);
  console.log(update.changed.length > 0 ? `README.md: regenerated ${update.changed.join(', ')}` : 'README.md: tables are up to date');
  if (update.missing.length > 0) {
    console.error(`README.md has no markers for: ${update.missing.map((name) => `${markers(name).start}...${markers(name).end}`).join(', ')}`);
    process.exit(1);
  }
}

if (require.main === module) main();
