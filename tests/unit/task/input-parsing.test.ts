import assert from 'node:assert/strict';
import {
  agentFilledFilePathInputs,
  chooseEitherInput,
  parseBooleanInput,
  parseChoiceInput,
  parseKeyValueLines,
  parseListInput,
  parseNumberInput,
  withUnsuppliedFilePaths,
} from '../../../tasks/common/task/input-parsing';
import type { TaskInputs } from '../../../tasks/common/task/task-context';
import { parseInputs as parseCompareInputs } from '../../../tasks/DatabricksModelCompareV1/inputs';
import { parseInputs as parseBundleDeployInputs } from '../../../tasks/DatabricksBundleDeployV1/inputs';

describe('input parsing', () => {
  it('reads booleans strictly, with a default', () => {
    assert.equal(parseBooleanInput('strict', undefined, true), true);
    assert.equal(parseBooleanInput('strict', ' TRUE ', false), true);
    assert.equal(parseBooleanInput('strict', 'false', true), false);
    assert.throws(() => parseBooleanInput('strict', 'yes', false), { message: "Invalid 'strict' 'yes': expected true or false" });
  });

  it('reads choices case-insensitively and returns the canonical spelling', () => {
    assert.equal(parseChoiceInput('runMode', 'DRYRUN', ['enabled', 'dryRun'], 'enabled'), 'dryRun');
    assert.equal(parseChoiceInput('runMode', undefined, ['enabled', 'dryRun'], 'enabled'), 'enabled');
    assert.throws(() => parseChoiceInput('runMode', 'off', ['enabled', 'dryRun'], 'enabled'), /'runMode' 'off': expected one of enabled, dryRun/);
  });

  it('reads numbers within limits', () => {
    assert.equal(parseNumberInput('timeoutMinutes', '0.5', { min: 0, exclusiveMin: true }, 60), 0.5);
    assert.equal(parseNumberInput('timeoutMinutes', undefined, { min: 0 }, 60), 60);
    assert.equal(parseNumberInput('timeoutMinutes', undefined, { min: 0 }), undefined);
    assert.throws(() => parseNumberInput('timeoutMinutes', '0', { min: 0, exclusiveMin: true, unit: 'minutes' }), /expected a number of minutes greater than 0/);
    assert.throws(() => parseNumberInput('jobId', '1.5', { integer: true, min: 1 }), /expected a whole number at least 1/);
    assert.throws(() => parseNumberInput('n', '1e3', {}), /expected a number/);
    assert.throws(() => parseNumberInput('n', '11', { max: 10 }), /at most 10/);
    assert.throws(() => parseNumberInput('n', '99999999999999999999', { integer: true }), /whole number/);
  });

  it('reads lists separated by commas or new lines, without repeats', () => {
    assert.deepEqual(parseListInput('targets', 'staging, prod\nprod\n\n qa '), ['staging', 'prod', 'qa']);
    assert.deepEqual(parseListInput('targets', undefined), []);
    assert.throws(() => parseListInput('targets', 'ok, bad name', { pattern: /^\w+$/, description: 'target names' }), /'targets' 'bad name': expected target names/);
  });

  it('reads key=value lines, skipping blanks and comments, refusing repeats and malformed lines', () => {
    assert.deepEqual(parseKeyValueLines('jobParameters', 'a=1\n# note\n\nb = x=y \n'), { a: '1', b: 'x=y' });
    assert.throws(() => parseKeyValueLines('jobParameters', 'a=1\nnot a pair'), /'jobParameters' line 2: no '='/);
    assert.throws(
      () => parseKeyValueLines('variables', 'bad key=dapi0123456789abcdef0123456789abcdef', { pattern: /^\w+$/, description: 'variable name' }),
      (error: Error) => /line 1: key 'bad key'/.test(error.message) && !error.message.includes('dapi'),
      'the value (possibly a secret) is never quoted',
    );
    assert.throws(() => parseKeyValueLines('jobParameters', 'a=1\na=2'), /line 2: 'a' is set twice/);
    assert.throws(() => parseKeyValueLines('variables', 'bad-name!=1', { pattern: /^\w+$/, description: 'variable name' }), /<variable name>=<value>/);
    assert.deepEqual(parseKeyValueLines('p', '__proto__=x'), JSON.parse('{"__proto__":"x"}'));
  });
});

describe('chooseEitherInput (selector pick lists in front of either/or inputs)', () => {
  const selector = (value?: string) => ({ name: 'rulesSource', value, defaultChoice: 'inline' });
  const pair = (rules?: string, rulesFile?: string) => [{ choice: 'inline', name: 'rules', value: rules }, { choice: 'file', name: 'rulesFile', value: rulesFile }] as const;

  it('uses the one input given, whatever the selector says (YAML sets only the pair)', () => {
    assert.equal(chooseEitherInput(selector(), pair(undefined, 'r.yml'))?.name, 'rulesFile');
    assert.equal(chooseEitherInput(selector('file'), pair('metrics: {}'))?.name, 'rules');
    assert.equal(chooseEitherInput(selector(), pair()), undefined);
  });

  it('lets a non-default selector pick when the classic editor kept a hidden value; refuses both at the default', () => {
    assert.equal(chooseEitherInput(selector('file'), pair('metrics: {}', 'r.yml'))?.name, 'rulesFile');
    assert.throws(() => chooseEitherInput(selector(), pair('metrics: {}', 'r.yml')), /Set either 'rules' or 'rulesFile', not both/);
    assert.throws(() => chooseEitherInput(selector('url'), pair('x')), /Invalid 'rulesSource' 'url': expected one of inline, file/);
  });
});

describe('filePath inputs the agent filled (withUnsuppliedFilePaths)', () => {
  /** Inputs as the agent passes them: each empty filePath input holds the repository folder. */
  function agentInputs(values: Record<string, string>, variables: Record<string, string>, filePaths: readonly string[]): TaskInputs {
    const repository = variables['Build.SourcesDirectory'] ?? variables['System.DefaultWorkingDirectory'];
    const filled = { ...Object.fromEntries(filePaths.map((name) => [name, repository])), ...values };
    return {
      get: (name) => (filled[name]?.trim() ? filled[name].trim() : undefined),
      variable: (name) => variables[name],
      endpoint: () => undefined,
    };
  }
  const build = { 'Build.SourcesDirectory': '/agent/_work/1/s', 'System.DefaultWorkingDirectory': '/agent/_work/1/s' };

  it('reads a filePath input holding a folder the agent substitutes for an empty one as not set, and leaves others alone', () => {
    const inputs = withUnsuppliedFilePaths(agentInputs({ other: '/agent/_work/1/s', policyFile: 'policies/model.yml' }, build, ['rulesFile']), ['rulesFile', 'policyFile']);
    assert.equal(inputs.get('rulesFile'), undefined);
    assert.equal(inputs.get('policyFile'), 'policies/model.yml');
    assert.equal(inputs.get('other'), '/agent/_work/1/s', 'only filePath inputs are affected');
    assert.equal(inputs.variable('Build.SourcesDirectory'), '/agent/_work/1/s');
  });

  it('knows every folder the agent may use (several checkouts, classic releases) and the spellings of Windows paths', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'System.DefaultWorkingDirectory': '/agent/_work/1/s', 'Build.Repository.LocalPath': '/agent/_work/1/s/app' }, '/agent/_work/1/s/app/'],
      [{ 'System.DefaultWorkingDirectory': '/agent/_work/r1/a', 'Release.ArtifactsDirectory': '/agent/_work/r1/a' }, '/agent/_work/r1/a'],
      [{ 'Build.SourcesDirectory': 'D:\\a\\1\\s' }, 'd:/a/1/s/'],
      [{ 'Build.SourcesDirectory': 'D:\\a\\1\\s' }, '"D:\\a\\1\\s\\"'],
    ];
    for (const [variables, value] of cases) {
      assert.equal(withUnsuppliedFilePaths(agentInputs({ rulesFile: value }, variables, []), ['rulesFile']).get('rulesFile'), undefined, value);
    }
    const nested = withUnsuppliedFilePaths(agentInputs({ rulesFile: '/agent/_work/1/s/rules' }, build, []), ['rulesFile']);
    assert.equal(nested.get('rulesFile'), '/agent/_work/1/s/rules');
  });

  it('lists the filePath inputs without a default value: the ones the agent fills', () => {
    const declared = [
      { name: 'rulesFile', type: 'filePath' },
      { name: 'bundleRoot', type: 'filePath', defaultValue: '$(System.DefaultWorkingDirectory)' },
      { name: 'policyFile', type: 'filePath', defaultValue: '' },
      { name: 'rules', type: 'multiLine' },
    ];
    assert.deepEqual(agentFilledFilePathInputs(declared), ['rulesFile', 'policyFile']);
  });

  it('keeps either/or inputs working: inline rules with the filled rulesFile compare with the inline rules', () => {
    const rules = 'metrics:\n  roc_auc: { greater_is_better: true, threshold: 0.8 }\n';
    const base = { connectionType: 'databricks', databricksConnection: 'conn', modelName: 'main.ml.churn', candidateVersion: '5', rules };
    const raw = agentInputs(base, build, ['rulesFile']);
    assert.throws(() => parseCompareInputs(raw), /not both/, 'without it, the agent-filled folder counts as a second rules source');
    assert.equal(parseCompareInputs(withUnsuppliedFilePaths(raw, ['rulesFile'])).rules.kind, 'inline');
  });

  it('keeps bundle path or folder working: a zip path with the filled bundleRoot deploys the zip; the folder selector alone deploys the repository folder', () => {
    const base = { connectionType: 'databricks', databricksConnection: 'conn', target: 'prod' };
    const zip = withUnsuppliedFilePaths(agentInputs({ ...base, bundlePath: 'drop/churn.zip' }, build, ['bundleRoot']), ['bundleRoot']);
    assert.equal(parseBundleDeployInputs(zip, '/agent/_work/1/s').source.kind, 'releaseBundle');
    const folder = withUnsuppliedFilePaths(agentInputs({ ...base, bundleSource: 'folder' }, build, ['bundleRoot']), ['bundleRoot']);
    assert.deepEqual(parseBundleDeployInputs(folder, '/agent/_work/1/s').source, { kind: 'folder', bundleRoot: '/agent/_work/1/s' });
    const neither = withUnsuppliedFilePaths(agentInputs(base, build, ['bundleRoot']), ['bundleRoot']);
    assert.throws(() => parseBundleDeployInputs(neither, '/agent/_work/1/s'), /'bundlePath'.*or 'bundleRoot'.*is required.*bundleSource: folder/);
  });
});
