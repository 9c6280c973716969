import assert from 'node:assert/strict';
import { parseInputs } from '../../../tasks/DatabricksModelPromoteV1/inputs';
import * as names from '../../../tasks/DatabricksModelPromoteV1/names';
import { agentInputs as inputs, checkDecidingTaskManifest, readTaskManifest } from '../audit/deciding-task';

const base = { connectionType: 'databricks', databricksConnection: 'conn', modelName: 'main.ml.churn', version: '5' };

describe('DatabricksModelPromote inputs', () => {
  it('declares every input and output the code reads, with the code defaults and the common inputs', () => {
    checkDecidingTaskManifest(readTaskManifest('DatabricksModelPromoteV1'), names);
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
    [{ action: 'demote' }, /Invalid 'action' 'demote': expected one of promote, rollback/],
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
