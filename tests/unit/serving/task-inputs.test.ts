import assert from 'node:assert/strict';
import { parseInputs, parseSmokeTestBody } from '../../../tasks/DatabricksServingRolloutV1/inputs';
import * as names from '../../../tasks/DatabricksServingRolloutV1/names';
import { agentInputs as inputs, checkDecidingTaskManifest, readTaskManifest } from '../audit/deciding-task';

const base = { connectionType: 'databricks', databricksConnection: 'conn', endpointName: 'churn', modelName: 'main.ml.churn' };

describe('DatabricksServingRollout inputs', () => {
  it('declares every input and output the code reads, with the code defaults and the common inputs', () => {
    checkDecidingTaskManifest(readTaskManifest('DatabricksServingRolloutV1'), names);
  });

  it('parses the defaults: the champion alias, replace, 30 minutes, rollback on', () => {
    const settings = parseInputs(inputs(base));
    assert.deepEqual(settings.request, {
      endpointName: 'churn',
      modelName: 'main.ml.churn',
      source: { kind: 'alias', alias: 'champion' },
      strategy: 'replace',
      canaryPercent: 10,
      createIfMissing: false,
      creation: { workload_size: 'Small', scale_to_zero_enabled: true },
      rollbackOnFailure: true,
      timeoutMs: 30 * 60_000,
    });
    assert.equal(settings.smokeTestFile, undefined);
  });

  it('prefers modelVersion over modelAlias and reads the expectation with its tolerance', () => {
    const settings = parseInputs(inputs({ ...base, modelVersion: '7', smokeTestFile: 'req.json', smokeTestExpect: '{"predictions": [0.5], "tolerance": 0.1}', strategy: 'PromoteCanary' }));
    assert.deepEqual(settings.request.source, { kind: 'version', version: 7 });
    assert.equal(settings.request.strategy, 'promoteCanary');
    assert.deepEqual(settings.smokeTestExpect, { predictions: [0.5], tolerance: 0.1 });
  });

  for (const [input, value, pattern] of [
    ['canaryPercent', '0', /'canaryPercent' '0'.*at least 1 and at most 99/],
    ['canaryPercent', '100', /'canaryPercent' '100'/],
    ['canaryPercent', '12.5', /'canaryPercent' '12.5'/],
    ['strategy', 'blue-green', /'strategy' 'blue-green'.*replace, canary, promoteCanary/],
    ['endpointName', 'churn endpoint', /'endpointName' 'churn endpoint'/],
    ['modelName', 'churn', /'modelName' 'churn'.*<catalog>\.<schema>\.<model>/],
    ['modelVersion', 'latest', /'modelVersion' 'latest'/],
    ['timeoutMinutes', '0', /'timeoutMinutes' '0'/],
    ['smokeTestExpect', '[0,', /'smokeTestExpect'/],
  ] as const) {
    it(`refuses ${input} = ${value}`, () => {
      assert.throws(() => parseInputs(inputs({ ...base, smokeTestFile: 'req.json', [input]: value })), pattern);
    });
  }

  it('refuses an unreadable or non-object smoke-test file, naming the input', () => {
    const missing = (): string => {
      throw new Error('ENOENT: no such file or directory');
    };
    assert.throws(() => parseSmokeTestBody('req.json', missing), /'smokeTestFile' 'req.json'.*cannot be read.*ENOENT/);
    assert.throws(() => parseSmokeTestBody('req.json', () => '{"dataframe_split": '), /'smokeTestFile' 'req.json'.*not valid JSON/);
    assert.throws(() => parseSmokeTestBody('req.json', () => '[1, 2]'), /'smokeTestFile' 'req.json'.*JSON object/);
    assert.deepEqual(parseSmokeTestBody('req.json', () => '{"inputs": [1]}'), { inputs: [1] });
  });
});
