import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { run as deployTask } from '../../../tasks/DatabricksBundleDeployV1/run';
import { run as releaseBundleTask } from '../../../tasks/DatabricksReleaseBundleV1/run';
import { FakeClock } from '../../fakes/clock';
import { runRecorded } from '../../support/in-process-models';
import { cliOnPath } from './deploy-folder';

/**
 * Built once, deployed as built: DatabricksReleaseBundle@1 builds a bundle with `buildArtifacts: true`
 * (its artifact build runs once, there), and DatabricksBundleDeploy@1 deploys that zip, checked
 * against the build's `bundleDigest` output, with the artifact's build switched off. Both run in
 * process; the build command and the (fake) CLI are child processes, as on the agent.
 */
describe('DatabricksReleaseBundle@1 build -> DatabricksBundleDeploy@1 in process', function () {
  this.timeout(30_000);
  let temp: string;
  afterEach(() => fs.rmSync(temp, { recursive: true, force: true }));

  it('deploys the packed wheel of the release build without building it again', async () => {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'release-to-deploy-'));
    const bundleRoot = path.join(temp, 'repo', 'app');
    fs.mkdirSync(path.join(bundleRoot, 'src'), { recursive: true });
    // The build writes a marker each time it runs: the release build must have run it exactly once.
    const buildCommand = 'mkdir -p dist && printf wheel > dist/app-1.0-py3-none-any.whl && echo built >> ../builds.log';
    fs.writeFileSync(
      path.join(bundleRoot, 'databricks.yml'),
      [
        'bundle:',
        '  name: app',
        'artifacts:',
        '  app_wheel:',
        '    type: whl',
        `    build: ${buildCommand}`,
        '    files:',
        '      - source: dist/*.whl',
        'resources:',
        '  jobs:',
        '    train_job:',
        '      name: train',
        '      tasks:',
        '        - task_key: train',
        '          notebook_task:',
        '            notebook_path: ./src/train.py',
        'targets:',
        '  staging:',
        '    mode: production',
        '    workspace:',
        '      root_path: /Workspace/Shared/.bundle/app/staging',
        '    run_as:',
        '      service_principal_name: 5b1f7a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(bundleRoot, 'src', 'train.py'), '# Databricks notebook source\nprint(1)\n');
    fs.writeFileSync(path.join(bundleRoot, '.gitignore'), 'dist/\n');

    const repo = path.join(temp, 'repo');
    const build = await runRecorded(releaseBundleTask, {
      inputs: { command: 'build', bundleRoot, outputDirectory: path.join(temp, 'out'), buildArtifacts: 'true', publishArtifact: 'false', version: '1.0.0' },
      variables: { 'Build.BuildNumber': '1.0.0', 'System.DefaultWorkingDirectory': repo },
      clock: new FakeClock(),
      host: { environment: { PATH: process.env.PATH ?? '' }, workingDirectory: repo },
    });
    assert.ok(build.result === 'Succeeded' || build.result === 'SucceededWithIssues', build.message);
    assert.equal(fs.readFileSync(path.join(temp, 'repo', 'builds.log'), 'utf8'), 'built\n');

    const record = path.join(temp, 'calls.json');
    const deploy = await runRecorded(deployTask, {
      inputs: {
        connectionType: 'databricks',
        databricksConnection: 'DBX',
        bundlePath: path.join(temp, 'out', '*', '*.zip'),
        expectedDigest: build.outputs.bundleDigest,
        target: 'staging',
        runJob: 'train_job',
      },
      endpoints: { DBX: { url: 'https://adb-2222222222222222.2.azuredatabricks.net', scheme: 'Token', parameters: { apitoken: `dapi${'1f'.repeat(16)}` } } },
      variables: { 'Agent.ToolsDirectory': path.join(temp, 'tools') },
      clock: new FakeClock(),
      host: { environment: { PATH: cliOnPath, FAKE_DATABRICKS_RECORD: record }, workingDirectory: temp },
    });
    assert.equal(deploy.result, 'Succeeded', deploy.message);
    assert.deepEqual(deploy.outputs, { deployedTarget: 'staging', runId: '4242' });

    const calls = JSON.parse(fs.readFileSync(record, 'utf8')) as Array<{ args: string[]; cwd: string; files: string[]; yaml: Record<string, string> }>;
    const deployed = calls.find((call) => call.args[1] === 'deploy');
    assert.ok(deployed);
    assert.ok(deployed.files.includes('dist'), 'the packed wheel is in the deployed folder');
    const overlay = parse(deployed.yaml['release-bundle.prebuilt-artifacts.yml']) as { artifacts: Record<string, Record<string, unknown>> };
    assert.deepEqual(overlay.artifacts.app_wheel, { build: '' }, 'the build is off; the configured dist/*.whl finds the packed wheel');
    assert.ok((parse(deployed.yaml['databricks.yml']) as { include: string[] }).include.includes('release-bundle.prebuilt-artifacts.yml'));
  });
});
