import assert from 'node:assert/strict';
import { deployArguments, parseVariables, runArguments, validateArguments } from '../../../tasks/common/bundle/deploy/cli-arguments';

describe('bundle deploy: CLI arguments', () => {
  it('parses name=value lines, keeping "=" inside values and skipping blanks and comments', () => {
    const variables = parseVariables('variables', 'catalog=main\n\n# a comment\r\nfilter = a=b \nempty=');
    assert.deepEqual(variables, [
      { name: 'catalog', value: 'main' },
      { name: 'filter', value: 'a=b' },
      { name: 'empty', value: '' },
    ]);
  });

  it('rejects a line without a name, a bad name and a name given twice, naming the line', () => {
    assert.throws(() => parseVariables('variables', 'catalog'), /Invalid 'variables' line 1 'catalog'/);
    assert.throws(() => parseVariables('variables', 'ok=1\n=x'), /line 2/);
    assert.throws(() => parseVariables('variables', 'has space=1'), /line 1/);
    assert.throws(() => parseVariables('variables', 'a=1\na=2'), /'a' is set twice/);
  });

  it('passes the target and every variable as separate --var arguments', () => {
    const variables = [
      { name: 'catalog', value: 'main' },
      { name: 'note', value: 'two words' },
    ];
    assert.deepEqual(validateArguments('prod', variables), ['bundle', 'validate', '-t', 'prod', '--var', 'catalog=main', '--var', 'note=two words']);
    assert.deepEqual(runArguments('prod', variables, 'train'), ['bundle', 'run', '-t', 'prod', '--var', 'catalog=main', '--var', 'note=two words', 'train']);
  });

  it('adds --force-lock to deploy only when asked', () => {
    assert.deepEqual(deployArguments('staging', [], false), ['bundle', 'deploy', '-t', 'staging']);
    assert.deepEqual(deployArguments('staging', [], true), ['bundle', 'deploy', '-t', 'staging', '--force-lock']);
  });
});
