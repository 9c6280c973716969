/**
 * Logging-command injection through what DatabricksReleaseBundle@1 reads from the repository and
 * prints: findings that quote configuration and file names, and a build command's output.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { runTaskBundle } from '../../support/task-bundle';
import { assertOnlyOwnCommands, injectionMarker, injectionPayloadLine } from '../../support/injection';
import { removeTree, tempDir, writeTree } from '../../unit/bundle/helpers';
import { outputNames } from '../../../tasks/DatabricksReleaseBundleV1/names';

const outputs = Object.values(outputNames);

describe('DatabricksReleaseBundle@1 (task bundle): logging-command injection', function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(() => (tmp = tempDir('release-bundle-injection-')));
  afterEach(() => removeTree(tmp));

  it('prints findings that quote file names, configuration values and build output as data', async () => {
    const hostileName = `x ##vso[task.setvariable variable=${injectionMarker}]y ##[error]z.py`;
    const bundleRoot = writeTree(path.join(tmp, 'repo'), {
      'databricks.yml': [
        'bundle:',
        `  name: "${injectionPayloadLine}"`,
        'include:',
        `  - "resources/${injectionPayloadLine}.yml"`,
        'artifacts:',
        '  wheel:',
        '    type: whl',
        `    build: node -e "console.log('##vso[task.prependpath]/tmp/${injectionMarker}'); process.exit(3)"`,
        'targets:',
        '  prod:',
        `    mode: "${injectionPayloadLine}"`,
      ].join('\n'),
      [`src/${hostileName}`]: `password = "${injectionPayloadLine}"\n`,
    });
    const run = await runTaskBundle('DatabricksReleaseBundleV1', {
      inputs: { command: 'build', bundleRoot, outputDirectory: path.join(tmp, 'out'), buildArtifacts: 'true', strict: 'true' },
      variables: { 'Build.BuildId': '1', 'Build.BuildNumber': '1' },
    });
    removeTree(run.tempDirectory);
    removeTree(run.cwd);
    assert.equal(run.result, 'Failed', run.resultMessage);
    assertOnlyOwnCommands(run, { outputs });
  });
});
