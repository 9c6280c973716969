import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseInputs } from '../../../tasks/DatabricksModelPromoteV1/run';
import { defaults, inputNames, outputNames } from '../../../tasks/DatabricksModelPromoteV1/names';
import type { ServiceEndpoint, TaskInputs } from '../../../tasks/common/azure-devops/task-context';

const root = path.join(__dirname, '../../..');
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

interface TaskInput {
  name: string;
  defaultValue?: string;
  groupName?: string;
  helpMarkDown?: string;
}

function inputs(values: Record<string, string>): TaskInputs {
  return {
    get: (name) => (values[name]?.trim() ? values[name].trim() : undefined),
    variable: () => undefined,
    endpoint: (): ServiceEndpoint | undefined => undefined,
  };
}

const base = { connectionType: 'databricks', databricksConnection: 'conn', modelName: 'main.ml.churn', version: '5' };

describe('DatabricksModelPromote inputs', () => {
  const manifest = readJson('tasks/DatabricksModelPromoteV1/task.json') as {
    inputs: TaskInput[];
    groups: { name: string }[];
    outputVariables: { name: string }[];
    friendlyName: string;
  };

  it('declares every input and output the code reads, with the code defaults', () => {
    const declared = new Map(manifest.inputs.map((input) => [input.name, input]));
    for (const name of Object.values(inputNames)) assert.ok(declared.has(name), `task.json lacks input ${name}`);
    for (const [name, value] of Object.entries(defaults)) assert.equal(declared.get(name)?.defaultValue, value, `default of ${name}`);
    assert.deepEqual(manifest.outputVariables.map((o) => o.name).sort(), Object.values(outputNames).sort());
    for (const input of manifest.inputs) assert.ok(input.helpMarkDown, `${input.name} has no help`);
    assert.ok(manifest.friendlyName.length <= 40);
  });

  it('contains the common connection and audit inputs verbatim, with their groups', () => {
    for (const file of ['tasks/common/azure-devops/connection-inputs.json', 'tasks/common/audit/audit-inputs.json']) {
      const snippet = readJson(file) as { group: { name: string }; inputs: TaskInput[] };
      assert.ok(manifest.groups.some((group) => JSON.stringify(group) === JSON.stringify(snippet.group)), `${file} group`);
      for (const input of snippet.inputs) {
        assert.deepEqual(manifest.inputs.find((candidate) => candidate.name === input.name), input, `${file}: ${input.name}`);
      }
    }
  });

  it('parses a promotion with the defaults', () => {
    const settings = parseInputs(inputs({ ...base, expectedCurrentVersion: '4' }));
    assert.deepEqual(settings.request, {
      modelName: 'main.ml.churn',
      action: 'promote',
      version: 5,
      alias: 'champion',
      expected: { kind: 'version', version: 4 },
      previousAlias: 'previous_champion',
      removeAliases: ['challenger'],
    });
    assert.deepEqual(settings.audit, { enabled: false });
    assert.deepEqual(settings.connection, { type: 'databricks', connectionId: 'conn' });
  });

  it("reads 'none', an empty expectation and alias lists", () => {
    assert.deepEqual(parseInputs(inputs({ ...base, expectedCurrentVersion: 'None' })).request.expected, { kind: 'none' });
    assert.deepEqual(parseInputs(inputs(base)).request.expected, { kind: 'unchecked' });
    assert.deepEqual(parseInputs(inputs({ ...base, removeAliases: 'challenger, candidate\nshadow\n\nchallenger' })).request.removeAliases, ['challenger', 'candidate', 'shadow']);
    assert.deepEqual(parseInputs(inputs({ ...base, removeAliases: 'none' })).request.removeAliases, []);
  });

  it('parses a rollback without a version', () => {
    const settings = parseInputs(inputs({ ...base, version: '', action: 'rollback' }));
    assert.equal(settings.request.action, 'rollback');
    assert.equal(settings.request.version, undefined);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ modelName: 'churn' }, /Invalid 'modelName' 'churn': expected <catalog>\.<schema>\.<model>/],
    [{ modelName: '' }, /'modelName' is required/],
    [{ version: '' }, /'version' is required when 'action' is promote/],
    [{ version: 'latest' }, /Invalid 'version' 'latest'/],
    [{ action: 'demote' }, /Invalid 'action' 'demote': expected promote or rollback/],
    [{ expectedCurrentVersion: 'four' }, /Invalid 'expectedCurrentVersion' 'four': expected a version number or 'none'/],
    [{ alias: 'champ ion' }, /Invalid 'alias'/],
    [{ removeAliases: 'challenger;drop' }, /Invalid 'removeAliases'/],
    [{ auditTable: 'main.audit', sqlWarehouseId: 'w1' }, /Invalid 'auditTable'/],
  ];
  for (const [values, expected] of bad) {
    it(`refuses ${JSON.stringify(values)}`, () => {
      assert.throws(() => parseInputs(inputs({ ...base, ...values })), expected);
    });
  }
});
