import assert from 'node:assert/strict';
import { compareVersions, parseCliVersionOutput, parseVersion } from '../../../../tasks/common/bundle/deploy/cli-version';

describe('bundle deploy: CLI versions', () => {
  it('parses the version the CLI prints, and not the legacy Python CLI', () => {
    assert.deepEqual(parseCliVersionOutput('Databricks CLI v0.250.0\n'), { major: 0, minor: 250, patch: 0 });
    assert.equal(parseCliVersionOutput('Version 0.18.0'), undefined);
  });

  it('accepts exact releases only and orders them numerically', () => {
    assert.equal(parseVersion('0.250'), undefined);
    assert.equal(parseVersion('latest'), undefined);
    const a = parseVersion('v0.218.0');
    const b = parseVersion('0.99.9');
    assert.ok(a && b && compareVersions(a, b) > 0);
  });
});
