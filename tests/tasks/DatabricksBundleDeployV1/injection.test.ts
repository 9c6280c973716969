/**
 * Logging-command injection through the Databricks CLI's output, which DatabricksBundleDeploy@1
 * relays line by line: validate and deploy errors and a failed job run's message. Only the task's own
 * commands may reach the agent.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { assertOnlyOwnCommands, injectionPayload } from '../../support/injection';
import { outputNames } from '../../../tasks/DatabricksBundleDeployV1/names';
import { useDeployFolder } from './deploy-folder';

const pat = `dapi${'0f1e2d3c'.repeat(4)}`;
const endpoints = { DBX: { url: 'https://adb-1234567890123456.7.azuredatabricks.net', scheme: 'Token', parameters: { apitoken: pat } } };
const outputs = Object.values(outputNames);
const bundleFiles = {
  'databricks.yml': 'bundle:\n  name: churn\ninclude:\n  - resources/*.yml\ntargets:\n  prod:\n    mode: production\n',
  'resources/train.yml': 'resources:\n  jobs:\n    train_job:\n      name: train\n',
};

describe('DatabricksBundleDeploy@1 bundle: logging-command injection through CLI output', function () {
  this.timeout(60_000);
  const folder = useDeployFolder(bundleFiles);

  async function deploy(inputs: Record<string, string>, env: Record<string, string>): Promise<TaskRun> {
    const { zipPath } = await folder.zip({}, 'churn.zip');
    const run = await runTaskBundle('DatabricksBundleDeployV1', {
      inputs: { connectionType: 'databricks', databricksConnection: 'DBX', target: 'prod', bundlePath: zipPath, ...inputs },
      endpoints,
      cwd: folder.temp,
      timeoutMs: 45_000,
      variables: folder.variables(folder.temp),
      env: { ...folder.environment(), ...env },
    });
    fs.rmSync(run.tempDirectory, { recursive: true, force: true });
    return run;
  }

  for (const [what, env, inputs] of [
    ['a validate error', { FAKE_DATABRICKS_VALIDATE_ERROR: injectionPayload }, {}],
    ['a deploy error', { FAKE_DATABRICKS_DEPLOY_ERROR: injectionPayload }, {}],
    ['a failed job run', { FAKE_DATABRICKS_RUN_FAIL: injectionPayload }, { runJob: 'train_job' }],
  ] as const) {
    it(`relays ${what} as data`, async () => {
      const run = await deploy(inputs, env);
      assert.equal(run.result, 'Failed', run.resultMessage);
      assert.match(run.stdout + run.stderr, /##_vso\[task\.prependpath\]/, 'the CLI output was relayed');
      assertOnlyOwnCommands(run, { outputs });
    });
  }
});
