import assert from 'node:assert/strict';
import { deployArguments, runArguments, validateArguments } from '../../../../tasks/common/bundle/deploy/cli-arguments';

describe('bundle deploy: CLI arguments', () => {
  it('passes the target and every variable as separate --var arguments', () => {
    const variables = { catalog: 'main', note: 'two words' };
    assert.deepEqual(validateArguments('prod', variables), ['bundle', 'validate', '-t', 'prod', '--var', 'catalog=main', '--var', 'note=two words']);
    assert.deepEqual(runArguments('prod', variables, 'train'), ['bundle', 'run', '-t', 'prod', '--var', 'catalog=main', '--var', 'note=two words', 'train']);
  });

  it('adds --force-lock to deploy only when asked', () => {
    assert.deepEqual(deployArguments('staging', {}, false), ['bundle', 'deploy', '-t', 'staging']);
    assert.deepEqual(deployArguments('staging', {}, true), ['bundle', 'deploy', '-t', 'staging', '--force-lock']);
    assert.deepEqual(deployArguments('staging', {}, false, true), ['bundle', 'deploy', '-t', 'staging', '--auto-approve']);
  });
});
