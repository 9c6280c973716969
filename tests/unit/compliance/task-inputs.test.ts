import assert from 'node:assert/strict';
import { parseInputs } from '../../../tasks/DatabricksModelComplianceV1/inputs';
import * as names from '../../../tasks/DatabricksModelComplianceV1/names';
import { agentInputs as inputs, checkDecidingTaskManifest, readTaskManifest } from '../audit/deciding-task';

const base = { connectionType: 'databricks', databricksConnection: 'conn', modelName: 'main.ml.churn', modelVersion: '7', policyFile: 'policies/model.yml' };

describe('DatabricksModelCompliance inputs', () => {
  it('declares every input and output the code reads, with the code defaults and the common inputs', () => {
    checkDecidingTaskManifest(readTaskManifest('DatabricksModelComplianceV1'), names);
  });

  it('parses a version check with the defaults', () => {
    const settings = parseInputs(inputs(base));
    assert.deepEqual(settings.target, { version: 7 });
    assert.equal(settings.mode, 'enforce');
    assert.equal(settings.writeTags, true);
    assert.equal(settings.comparisonDecision, undefined);
    assert.deepEqual(settings.audit, { enabled: false });
  });

  it('parses an alias, audit mode and a warehouse for lineage without an audit table', () => {
    const settings = parseInputs(inputs({ ...base, modelVersion: '', modelAlias: 'challenger', mode: 'audit', writeTags: 'false', sqlWarehouseId: 'wh1', comparisonDecision: 'promote' }));
    assert.deepEqual(settings.target, { alias: 'challenger' });
    assert.equal(settings.mode, 'audit');
    assert.equal(settings.writeTags, false);
    assert.equal(settings.sqlWarehouseId, 'wh1');
    assert.equal(settings.comparisonDecision, 'promote');
    assert.deepEqual(settings.audit, { enabled: false });
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ modelName: 'churn' }, /Invalid 'modelName' 'churn'/],
    [{ modelVersion: '' }, /'modelVersion' or 'modelAlias' is required/],
    [{ modelAlias: 'challenger' }, /either 'modelVersion' or 'modelAlias', not both/],
    [{ modelVersion: 'latest' }, /Invalid 'modelVersion' 'latest'/],
    [{ policyFile: '' }, /'policyFile' is required/],
    [{ mode: 'strict' }, /Invalid 'mode' 'strict': expected one of enforce, audit/],
    [{ writeTags: 'yes' }, /Invalid 'writeTags'/],
    [{ sqlWarehouseId: 'wh 1;' }, /Invalid 'sqlWarehouseId'/],
    [{ auditTable: 'main.audit' }, /'sqlWarehouseId' is required|Invalid 'auditTable'/],
  ];
  for (const [override, expected] of bad) {
    it(`refuses ${JSON.stringify(override)}`, () => {
      assert.throws(() => parseInputs(inputs({ ...base, ...override })), expected);
    });
  }
});
