import assert from 'node:assert/strict';
import {
  chooseEitherInput,
  parseBooleanInput,
  parseChoiceInput,
  parseKeyValueLines,
  parseListInput,
  parseNumberInput,
} from '../../../tasks/common/task/input-parsing';

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
