import { strict as assert } from 'node:assert';
import { parseBundleVariables, parseDigestInput } from '../../../tasks/common/bundle/shared-inputs';
import { parseInputs as parseBuildInputs } from '../../../tasks/DatabricksReleaseBundleV1/inputs';
import { parseInputs as parseDeployInputs } from '../../../tasks/DatabricksBundleDeployV1/inputs';
import type { TaskInputs } from '../../../tasks/common/task/task-context';

function inputs(values: Record<string, string>): TaskInputs {
  return { get: (name) => values[name], variable: () => undefined, endpoint: () => undefined };
}

describe('bundle tasks: inputs both tasks take', () => {
  it('parses name=value lines, keeping "=" inside values and skipping blanks and comments, in input order', () => {
    const variables = parseBundleVariables('variables', 'catalog=main\n\n# a comment\r\nfilter = a=b \nempty=');
    assert.deepEqual(Object.entries(variables), [
      ['catalog', 'main'],
      ['filter', 'a=b'],
      ['empty', ''],
    ]);
  });

  it('rejects a line without a name, a bad name and a name given twice, naming the line', () => {
    assert.throws(() => parseBundleVariables('variables', 'catalog'), /Invalid 'variables' line 1: no '='/);
    assert.throws(() => parseBundleVariables('variables', 'ok=1\n=x'), /Invalid 'variables' line 2: key ''/);
    assert.throws(() => parseBundleVariables('variables', 'has space=1'), /Invalid 'variables' line 1: key 'has space'/);
    assert.throws(() => parseBundleVariables('variables', 'a=1\na=2'), /Invalid 'variables' line 2: 'a' is set twice/);
  });

  it('gives the build and the deploy the same variables from the same text', () => {
    const text = 'catalog=main\nfilter = a=b\n';
    const built = parseBuildInputs(inputs({ variables: text }), '/w');
    const deployed = parseDeployInputs(inputs({ connectionType: 'databricks', databricksConnection: 'conn', bundlePath: 'b.zip', target: 'prod', variables: text }), '/w');
    assert.ok(built.command === 'build');
    assert.deepEqual(deployed.variables, built.variables);
  });

  it('accepts a digest with or without sha256: in any case, and nothing else', () => {
    const hex = 'ab'.repeat(32);
    assert.equal(parseDigestInput('expectedDigest', `SHA256:${hex.toUpperCase()}`), `sha256:${hex}`);
    assert.equal(parseDigestInput('expectedDigest', ` ${hex} `), `sha256:${hex}`);
    assert.throws(() => parseDigestInput('expectedDigest', 'md5:abc'), { message: "Invalid 'expectedDigest' 'md5:abc': expected sha256:<64 hex digits> (the build's bundleDigest output)" });
  });
});
