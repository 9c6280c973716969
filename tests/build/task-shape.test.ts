/**
 * Every agent task has the same shape (CONTRIBUTING.md): index.ts (the few-line entry), inputs.ts
 * (inputs parsed into a typed settings object), names.ts (the contract's names), run.ts (wiring),
 * task.json and icon.png, and its names.ts says exactly what its task.json declares.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/task-bundle';

interface Manifest {
  name: string;
  inputs?: Array<{ name: string; defaultValue?: string; groupName?: string }>;
  outputVariables?: Array<{ name: string }>;
  execution?: Record<string, unknown>;
}

const tasksDir = path.join(repoRoot, 'tasks');
const shape = ['icon.png', 'index.ts', 'inputs.ts', 'names.ts', 'run.ts', 'task.json'];
const sharedInputFiles = ['tasks/common/azure-devops/connection-inputs.json', 'tasks/common/audit/audit-inputs.json'];

const agentTasks = fs
  .readdirSync(tasksDir)
  .filter((folder) => /V\d+$/.test(folder))
  .filter((folder) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(tasksDir, folder, 'task.json'), 'utf8')) as Manifest;
    return Object.keys(manifest.execution ?? {}).some((handler) => handler.startsWith('Node'));
  });

/** Input names a task copies from a shared inputs file (the connection, the audit record). */
function sharedInputNames(): Set<string> {
  const names = new Set<string>();
  for (const file of sharedInputFiles) {
    const shared = JSON.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8')) as { inputs: Array<{ name: string }> };
    for (const input of shared.inputs) names.add(input.name);
  }
  return names;
}

describe('task shape', () => {
  it('finds the agent tasks', () => {
    assert.ok(agentTasks.length >= 9, agentTasks.join(', '));
  });

  for (const folder of agentTasks) {
    describe(folder, () => {
      it('has exactly the files of the shape', () => {
        assert.deepEqual(fs.readdirSync(path.join(tasksDir, folder)).sort(), shape);
      });

      it('has an entry of a few lines that hands its run to runTask', () => {
        const entry = fs.readFileSync(path.join(tasksDir, folder, 'index.ts'), 'utf8');
        const lines = entry.split('\n').filter((line) => line.trim() !== '');
        assert.ok(lines.length <= 5, entry);
        assert.match(entry, /runTask\(manifest, run\)/);
      });

      it('names in names.ts exactly the inputs and outputs of its task.json', () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(tasksDir, folder, 'task.json'), 'utf8')) as Manifest;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const names = require(path.join(tasksDir, folder, 'names.ts')) as { inputNames: Record<string, string>; outputNames: Record<string, string> };
        const shared = sharedInputNames();
        const own = (manifest.inputs ?? []).map((input) => input.name).filter((name) => !shared.has(name));
        assert.deepEqual([...new Set(Object.values(names.inputNames))].filter((name) => !shared.has(name)).sort(), own.sort());
        assert.deepEqual(Object.values(names.outputNames).sort(), (manifest.outputVariables ?? []).map((output) => output.name).sort());
        for (const [key, value] of Object.entries({ ...names.inputNames, ...names.outputNames })) assert.equal(key, value, 'each constant is named as its value');
      });
    });
  }
});
