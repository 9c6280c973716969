import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRules, parseInputs, parseJobParameters } from '../../../tasks/DatabricksModelCompareV1/run';
import * as names from '../../../tasks/DatabricksModelCompareV1/names';
import { agentInputs as inputs, checkDecidingTaskManifest, readTaskManifest } from '../audit/deciding-task';
import { RulesError } from '../../../tasks/common/compare/rules';

const rules = 'metrics:\n  roc_auc: { greater_is_better: true, threshold: 0.8 }\n';
const base = { connectionType: 'databricks', databricksConnection: 'conn', modelName: 'main.ml.churn', candidateVersion: '5', rules };

describe('DatabricksModelCompare inputs', () => {
  const manifest = readTaskManifest('DatabricksModelCompareV1');

  it('declares every input and output the code reads, with the code defaults and the common inputs', () => checkDecidingTaskManifest(manifest, names));

  it('offers exactly the choices the code accepts', () => {
    const declared = new Map(manifest.inputs.map((input) => [input.name, input]));
    assert.deepEqual(Object.keys(declared.get('metricsSource')?.options ?? {}), ['runs', 'validationRun', 'evaluationJob']);
    assert.deepEqual(Object.keys(declared.get('noChampion')?.options ?? {}), ['auto', 'promote', 'fail']);
    assert.deepEqual(Object.keys(declared.get('runMode')?.options ?? {}), ['enabled', 'dryRun']);
  });

  it('keeps the contract input names of issue 5', () => {
    const contract = [
      'modelName', 'candidateVersion', 'candidateAlias', 'championAlias', 'rules', 'rulesFile', 'metricsSource', 'validationRunId',
      'evaluationJobName', 'evaluationJobParameters', 'noChampion', 'runMode', 'setAliasOnPass', 'requireSignificance',
      'auditTable', 'sqlWarehouseId', 'auditRequired',
    ];
    const declared = manifest.inputs.map((input) => input.name);
    for (const name of contract) assert.ok(declared.includes(name), name);
  });

  it('takes the input the rulesSource and candidateBy selectors point at when the classic editor kept both', () => {
    const settings = parseInputs(inputs({ ...base, rulesSource: 'file', rulesFile: 'rules.yml', candidateBy: 'alias', candidateAlias: 'challenger' }));
    assert.deepEqual(settings.rules, { kind: 'file', path: 'rules.yml' });
    assert.deepEqual(settings.candidate, { alias: 'challenger' });
    assert.throws(() => parseInputs(inputs({ ...base, rulesFile: 'rules.yml' })), /Set either 'rules' or 'rulesFile', not both/);
  });

  it('parses the defaults', () => {
    const settings = parseInputs(inputs(base));
    assert.deepEqual(settings.model.fullName, 'main.ml.churn');
    assert.deepEqual(settings.candidate, { version: 5 });
    assert.equal(settings.championAlias, 'champion');
    assert.deepEqual(settings.metricsSource, { kind: 'runs' });
    assert.equal(settings.noChampion, undefined);
    assert.equal(parseInputs(inputs({ ...base, noChampion: 'auto' })).noChampion, undefined, "'auto' leaves the policy to the rules");
    assert.equal(settings.requireSameDataset, false);
    assert.equal(settings.runMode, 'enabled');
    assert.equal(settings.requireSignificance, false);
    assert.equal(settings.bootstrapSeed, 20240601);
    assert.equal(settings.evaluationTimeoutMs, 60 * 60_000);
    assert.deepEqual(settings.audit, { enabled: false });
    assert.equal(settings.rules.kind, 'inline');
  });

  it('parses every option', () => {
    const settings = parseInputs(
      inputs({
        ...base,
        candidateVersion: '',
        candidateAlias: 'challenger',
        championAlias: 'prod',
        metricsSource: 'evaluationJob',
        evaluationJobName: 'evaluate',
        evaluationJobParameters: 'a=1\n# comment\n\nb = x=y\n',
        evaluationTimeoutMinutes: '15',
        noChampion: 'fail',
        runMode: 'dryRun',
        setAliasOnPass: 'validated',
        requireSignificance: 'true',
        pairedScoresTable: 'main.ml.paired',
        sqlWarehouseId: 'abc123',
        bootstrapSeed: '4294967295',
      }),
    );
    assert.deepEqual(settings.candidate, { alias: 'challenger' });
    assert.equal(settings.championAlias, 'prod');
    assert.deepEqual(settings.metricsSource, { kind: 'evaluationJob', jobName: 'evaluate', parameters: { a: '1', b: 'x=y' } });
    assert.equal(settings.evaluationTimeoutMs, 15 * 60_000);
    assert.equal(settings.noChampion, 'fail');
    assert.equal(settings.runMode, 'dryRun');
    assert.equal(settings.setAliasOnPass, 'validated');
    assert.equal(settings.requireSignificance, true);
    assert.equal(settings.pairedScores?.table.quoted, '`main`.`ml`.`paired`');
    assert.equal(settings.pairedScores?.warehouseId, 'abc123');
    // The warehouse serves the paired table; without an audit table no record is written.
    assert.deepEqual(settings.audit, { enabled: false });
    assert.equal(settings.bootstrapSeed, 4294967295);
  });

  it('enables the audit record with table and warehouse', () => {
    const settings = parseInputs(inputs({ ...base, auditTable: 'main.mlops.decisions', sqlWarehouseId: 'wh1' }));
    assert.equal(settings.audit.enabled, true);
    assert.equal(settings.audit.enabled && settings.audit.required, true);
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    ['no model', { modelName: '' }, /'modelName' is required/],
    ['a two-part model name', { modelName: 'ml.churn' }, /Invalid 'modelName' 'ml.churn': expected <catalog>\.<schema>\.<model>/],
    ['both candidate inputs', { candidateAlias: 'challenger' }, /not both/],
    ['no candidate', { candidateVersion: '' }, /'candidateVersion' or 'candidateAlias' is required/],
    ['a bad version', { candidateVersion: 'v5' }, /Invalid 'candidateVersion' 'v5'/],
    ['the champion alias as candidate', { candidateVersion: '', candidateAlias: 'champion' }, /it is the champion alias/],
    ['both rules inputs', { rulesFile: 'rules.yml' }, /either 'rules' or 'rulesFile'/],
    ['no rules', { rules: '' }, /'rules' or 'rulesFile' is required/],
    ['invalid rules', { rules: 'metrics:\n  m: { threshold: 1.0 }\n' }, /greater_is_better: must be defined/],
    ['an unknown metrics source', { metricsSource: 'table' }, /Invalid 'metricsSource' 'table': expected one of runs, validationRun, evaluationJob/],
    ['a validation run without id', { metricsSource: 'validationRun' }, /'validationRunId' is required/],
    ['a bad run id', { metricsSource: 'validationRun', validationRunId: 'a b' }, /Invalid 'validationRunId'/],
    ['an evaluation job without name', { metricsSource: 'evaluationJob' }, /'evaluationJobName' is required/],
    ['a reserved job parameter', { metricsSource: 'evaluationJob', evaluationJobName: 'e', evaluationJobParameters: 'candidate_version=1' }, /Invalid 'evaluationJobParameters' 'candidate_version=1'/],
    ['a bad noChampion', { noChampion: 'maybe' }, /Invalid 'noChampion' 'maybe': expected one of auto, promote, fail/],
    ['a bad runMode', { runMode: 'disabled' }, /Invalid 'runMode' 'disabled'/],
    ['setAliasOnPass = champion', { setAliasOnPass: 'champion' }, /DatabricksModelPromote@1/],
    ['a bad requireSignificance', { requireSignificance: 'yes' }, /expected true or false/],
    ['a paired table without warehouse', { pairedScoresTable: 'main.ml.p' }, /'sqlWarehouseId' is required/],
    ['a paired table with a bad name', { pairedScoresTable: 'main.ml.p;DROP', sqlWarehouseId: 'wh1' }, /Invalid 'pairedScoresTable'/],
    ['a bad seed', { bootstrapSeed: '-1' }, /Invalid 'bootstrapSeed'/],
    ['a bad timeout', { evaluationTimeoutMinutes: '0' }, /Invalid 'evaluationTimeoutMinutes'/],
    ['an audit table without warehouse', { auditTable: 'main.mlops.decisions' }, /'sqlWarehouseId' is required/],
  ];
  for (const [name, overrides, pattern] of invalid) {
    it(`refuses ${name}`, () => assert.throws(() => parseInputs(inputs({ ...base, ...overrides })), pattern));
  }

  it('parses job parameters strictly', () => {
    assert.deepEqual(parseJobParameters('p', undefined), {});
    assert.throws(() => parseJobParameters('p', 'novalue'), /Invalid 'p' line 1: no '='/);
    assert.throws(() => parseJobParameters('p', 'a=1\na=2'), /Invalid 'p' line 2/);
    for (const reserved of ['model_name', 'candidate_version', 'champion_version']) {
      assert.throws(() => parseJobParameters('p', `x=1\n${reserved}=7`), new RegExp(`Invalid 'p' '${reserved}=7'`));
    }
  });

  describe('rules file', () => {
    let folder: string;
    before(() => {
      folder = fs.mkdtempSync(path.join(os.tmpdir(), 'compare-rules-'));
    });
    after(() => fs.rmSync(folder, { recursive: true, force: true }));

    it('reads YAML from the file and names the file in errors', () => {
      const good = path.join(folder, 'rules.yml');
      fs.writeFileSync(good, rules);
      assert.equal(loadRules({ kind: 'file', path: good }).metrics[0].metric, 'roc_auc');
      const bad = path.join(folder, 'bad.yml');
      fs.writeFileSync(bad, 'metrics:\n  m: { greater_is_better: true }\n');
      assert.throws(() => loadRules({ kind: 'file', path: bad }), (error: RulesError) => error.message.includes(bad));
      assert.throws(() => loadRules({ kind: 'file', path: path.join(folder, 'missing.yml') }), /Cannot read 'rulesFile'/);
    });
  });
});
