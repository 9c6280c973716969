import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TaskInputs } from '../../../tasks/common/task/task-context';
import { parseInputs } from '../../../tasks/DatabricksReleaseBundleV1/inputs';
import { defaults } from '../../../tasks/DatabricksReleaseBundleV1/names';

const taskJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../tasks/DatabricksReleaseBundleV1/task.json'), 'utf8')) as {
  inputs: Array<{ name: string; defaultValue?: string }>;
  outputVariables: Array<{ name: string }>;
};

function inputs(values: Record<string, string>, variables: Record<string, string> = {}): TaskInputs {
  return { get: (name) => values[name], variable: (name) => variables[name], endpoint: () => undefined };
}

describe('DatabricksReleaseBundle@1 inputs', () => {
  // The names themselves are checked for every task by tests/build/task-shape.test.ts.
  it('has the defaults of task.json', () => {
    const byName = new Map(taskJson.inputs.map((i) => [i.name, i.defaultValue]));
    for (const [name, value] of Object.entries(defaults)) assert.equal(byName.get(name), String(value), name);
  });

  it('parses a build with defaults, resolving paths against the working directory', () => {
    const settings = parseInputs(inputs({ bundleRoot: 'ml' }, { 'Build.BuildNumber': '20261128.3', 'Build.ArtifactStagingDirectory': '/agent/a' }), '/agent/s');
    assert.deepEqual(settings, {
      command: 'build',
      bundleRoot: path.resolve('/agent/s/ml'),
      targets: [],
      variables: {},
      version: '20261128.3',
      outputDirectory: path.resolve('/agent/a'),
      artifactName: 'release-bundle',
      publishArtifact: true,
      strict: false,
      buildArtifacts: false,
      secretScan: true,
      secretScanAllow: [],
    });
  });

  it('parses targets, variables and allowances', () => {
    const settings = parseInputs(
      inputs({
        targets: 'staging, prod\nprod\n',
        variables: 'catalog=main\n# comment\n\nquery = a=b \n',
        secretScanAllow: 'docs/a.md:databricks-token\n',
        strict: 'TRUE',
        version: '2.0.0',
      }),
      '/w',
    );
    assert.ok(settings.command === 'build');
    assert.deepEqual(settings.targets, ['staging', 'prod']);
    assert.deepEqual(settings.variables, { catalog: 'main', query: 'a=b' });
    assert.equal(settings.strict, true);
    assert.deepEqual(settings.secretScanAllow, [{ path: 'docs/a.md', rule: 'databricks-token' }]);
  });

  it('rejects malformed values, naming the input and the expected form', () => {
    assert.throws(() => parseInputs(inputs({ command: 'deploy' }), '/w'), /Invalid 'command' 'deploy': expected one of build, verify/);
    assert.throws(() => parseInputs(inputs({ strict: 'yes' }), '/w'), /Invalid 'strict' 'yes': expected true or false/);
    assert.throws(() => parseInputs(inputs({ variables: 'no equals sign' }), '/w'), /Invalid 'variables' line 1: no '=' in it; expected one <bundle variable name>=<value> per line/);
    assert.throws(() => parseInputs(inputs({ targets: 'prod; rm -rf' }), '/w'), /Invalid 'targets' 'prod; rm -rf': expected target names, separated by commas or new lines/);
    assert.throws(() => parseInputs(inputs({ secretScanAllow: 'docs/a.md' }), '/w'), /Invalid 'secretScanAllow' 'docs\/a.md'/);
    assert.throws(() => parseInputs(inputs({ command: 'verify' }), '/w'), /'bundlePath' is required/);
    assert.throws(() => parseInputs(inputs({ command: 'verify', bundlePath: 'b.zip', expectedDigest: 'md5:abc' }), '/w'), /Invalid 'expectedDigest' 'md5:abc'/);
  });

  it('treats an unexpanded $(Build.BuildNumber) as unset', () => {
    const settings = parseInputs(inputs({ version: '$(Build.BuildNumber)' }), '/w');
    assert.equal(settings.command === 'build' && settings.version, 'local');
  });

  it('parses verify', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseInputs(inputs({ command: 'verify', bundlePath: 'drop/b.zip', expectedDigest: digest }), '/w'), {
      command: 'verify',
      bundlePath: path.resolve('/w/drop/b.zip'),
      expectedDigest: digest,
    });
  });
});
