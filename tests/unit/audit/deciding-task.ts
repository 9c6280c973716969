/**
 * Test helpers shared by the deciding tasks (DatabricksModelCompare@1, DatabricksModelPromote@1):
 * agent-like inputs, and the checks that keep each task.json in step with its names module and with
 * the common connection and audit input snippets.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServiceEndpoint, TaskInputs } from '../../../tasks/common/task/task-context';

const root = path.join(__dirname, '../../..');

/** One input of a task.json. */
export interface ManifestInput {
  name: string;
  type?: string;
  label?: string;
  defaultValue?: string;
  groupName?: string;
  helpMarkDown?: string;
  options?: Record<string, string>;
}

/** The parts of a task.json these checks read. */
export interface TaskManifest {
  inputs: ManifestInput[];
  groups: { name: string }[];
  outputVariables: { name: string }[];
  friendlyName: string;
}

/** Inputs as the agent gives them: an empty or blank value is no value. */
export function agentInputs(values: Record<string, string>, variables: Record<string, string> = {}): TaskInputs {
  return {
    get: (name) => (values[name]?.trim() ? values[name].trim() : undefined),
    variable: (name) => variables[name],
    endpoint: (): ServiceEndpoint | undefined => undefined,
  };
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as T;
}

/** Reads `tasks/<folder>/task.json`. */
export function readTaskManifest(folder: string): TaskManifest {
  return readJson<TaskManifest>(`tasks/${folder}/task.json`);
}

/**
 * Checks a task.json against the task's names module: every input the
 * code reads is declared with the code's default, the outputs match, every input has help and a
 * declared group, the friendly name fits, and the common connection and audit inputs and groups
 * are there verbatim.
 */
export function checkDecidingTaskManifest(
  manifest: TaskManifest,
  names: { inputNames: Record<string, string>; outputNames: Record<string, string>; defaults: Record<string, string | number | boolean> },
): void {
  const declared = new Map(manifest.inputs.map((input) => [input.name, input]));
  for (const name of Object.values(names.inputNames)) assert.ok(declared.has(name), `task.json lacks input ${name}`);
  for (const [name, value] of Object.entries(names.defaults)) assert.equal(declared.get(name)?.defaultValue, String(value), `default of ${name}`);
  assert.deepEqual(manifest.outputVariables.map((o) => o.name).sort(), Object.values(names.outputNames).sort());
  for (const input of manifest.inputs) {
    assert.ok(input.helpMarkDown, `${input.name} has no help`);
    assert.ok(manifest.groups.some((g) => g.name === input.groupName), `${input.name} group`);
  }
  assert.ok(manifest.friendlyName.length <= 40);
  for (const file of ['tasks/common/azure-devops/connection-inputs.json', 'tasks/common/audit/audit-inputs.json']) {
    const snippet = readJson<{ group: { name: string }; inputs: ManifestInput[]; regroupable?: string[] }>(file);
    assert.ok(manifest.groups.some((group) => JSON.stringify(group) === JSON.stringify(snippet.group)), `${file} group`);
    for (const input of snippet.inputs) {
      const actual = declared.get(input.name);
      if (snippet.regroupable?.includes(input.name)) {
        // A task that also uses the input for its own work may declare it where it is used, with its own help.
        assert.deepEqual([actual?.name, actual?.type, actual?.label], [input.name, input.type, input.label], `${file}: ${input.name}`);
        continue;
      }
      assert.deepEqual(actual, input, `${file}: ${input.name}`);
    }
  }
}
