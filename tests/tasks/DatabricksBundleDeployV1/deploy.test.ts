/**
 * DatabricksBundleDeploy@1 with a fake databricks CLI (tests/fixtures/fake-databricks-cli, a child
 * process as the real CLI is): verification, extraction, the CLI's arguments, folder and environment,
 * locks, plan, destroy and the CLI install, run in process on a simulated clock (lock retries cost
 * no wall time); and three runs of the built bundle for what only the process shows: the connection
 * and variables read from the environment with nothing of the agent's left in the CLI's, the printed
 * output, the agent's proxy settings, and cancellation by a signal.
 * Build first: `npm run build -- DatabricksBundleDeployV1`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { run as deployTask } from '../../../tasks/DatabricksBundleDeployV1/run';
import { cliAssetName } from '../../../tasks/common/bundle/deploy/cli-install';
import { FakeClock } from '../../fakes/clock';
import { runRecorded, type RecordedRun } from '../../support/in-process-models';
import { runTaskBundle, type TaskRun, type TaskRunOptions } from '../../support/task-bundle';
import { makeCliZip, startReleaseServer, type ReleaseServer } from '../../fakes/cli-release-server';
import { useDeployFolder, type CliCall as Call } from './deploy-folder';
import { warnings } from '../../support/in-process';

const pat = `dapi${'0a1b2c3d'.repeat(4)}`;
const host = 'https://adb-1234567890123456.7.azuredatabricks.net';
const endpoints = { DBX: { url: host, scheme: 'Token', parameters: { apitoken: pat } } };
const nodeDir = path.dirname(process.execPath);

const bundleFiles = {
  'databricks.yml': 'bundle:\n  name: churn\ninclude:\n  - resources/*.yml\ntargets:\n  staging: {}\n  prod:\n    mode: production\n',
  'resources/train.yml': 'resources:\n  jobs:\n    train_job:\n      name: train\n',
  'src/train.py': 'print("train")\n',
};

/** The step's environment besides the fake CLI: stale credentials an earlier step could have left behind, which the CLI must never see. */
const staleCredentials = { ARM_CLIENT_SECRET: 'stale-arm-secret', DATABRICKS_CONFIG_PROFILE: 'SOMEONE_ELSE', DATABRICKS_TOKEN: 'dapi-stale' };

describe('DatabricksBundleDeployV1 in process (with a fake databricks CLI)', function () {
  this.timeout(30_000);
  const folder = useDeployFolder(bundleFiles);

  function deploy(inputs: Record<string, string>, extra: { env?: Record<string, string>; variables?: Record<string, string> } = {}): Promise<RecordedRun> {
    const work = fs.mkdtempSync(path.join(folder.temp, 'work-'));
    return runRecorded(deployTask, {
      inputs: { connectionType: 'databricks', databricksConnection: 'DBX', target: 'prod', ...inputs },
      endpoints,
      variables: { ...folder.variables(work), ...extra.variables },
      clock: new FakeClock(),
      host: { environment: { ...folder.environment(), ...staleCredentials, ...extra.env }, workingDirectory: work },
    });
  }

  function assertTokenKept(run: RecordedRun): void {
    assert.ok(run.secrets.includes(pat), 'the token is registered as a secret');
    const leaked = [...run.log, run.message].filter((line) => line.includes(pat)).map((line) => line.split(pat).join('<TOKEN>'));
    assert.deepEqual(leaked, [], 'the token is never printed');
    folder.assertTokenOnlyInCliEnvironment(pat);
  }

  it('verifies, extracts and deploys with the right target, working directory and auth environment', async () => {
    const { zipPath, digest } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath, expectedDigest: digest, variables: 'catalog=main\nschema=churn' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(folder.verbs(), ['--version', 'bundle validate', 'bundle deploy']);
    const [version, validate, deployed] = folder.calls();
    assert.deepEqual(validate.args, ['bundle', 'validate', '-t', 'prod', '--var', 'catalog=main', '--var', 'schema=churn']);
    assert.deepEqual(deployed.args, ['bundle', 'deploy', '-t', 'prod', '--var', 'catalog=main', '--var', 'schema=churn']);
    for (const call of [validate, deployed]) {
      assert.equal(path.dirname(path.dirname(call.cwd)), path.join(fs.realpathSync(path.dirname(run.tempDirectory)), path.basename(run.tempDirectory)), 'runs in a fresh folder under the agent temp');
      assert.deepEqual(call.files, ['databricks.yml', 'manifest.json', 'resources', 'src']);
      assert.equal(call.yaml['databricks.yml'], bundleFiles['databricks.yml'], 'the verified configuration is deployed unchanged');
      assert.equal(call.env.DATABRICKS_HOST, host);
      assert.equal(call.env.DATABRICKS_TOKEN, pat);
      assert.equal(call.env.DATABRICKS_AUTH_TYPE, 'pat');
      assert.equal(call.env.ARM_CLIENT_SECRET, undefined);
      assert.equal(call.env.DATABRICKS_CONFIG_PROFILE, undefined);
    }
    assert.equal(version.env.DATABRICKS_TOKEN, undefined, '--version gets no credentials');
    assert.ok(!fs.existsSync(deployed.cwd), 'the extracted folder is removed afterwards');
    assert.deepEqual(run.outputs, { deployedTarget: 'prod' });
    assertTokenKept(run);
    assert.equal(run.summaries.length, 1);
  });

  it('runs from the bundle root inside the zip when databricks.yml is in a subfolder', async () => {
    const files = Object.fromEntries(Object.entries(bundleFiles).map(([name, text]) => [`bundles/churn/${name}`, text]));
    const { zipPath } = await folder.zip({ files: { ...files, 'shared/lib.py': 'x = 1\n' }, root: 'bundles/churn' });
    const run = await deploy({ bundlePath: zipPath });
    assert.equal(run.result, 'Succeeded', run.message);
    const deployed = folder.calls().find((call) => call.args[1] === 'deploy');
    assert.ok(deployed?.cwd.endsWith(path.join('bundle', 'bundles', 'churn')));
    assert.equal(deployed?.env.DATABRICKS_BUNDLE_ROOT, deployed?.cwd);
  });

  it('runs the job after deploying and outputs its run id', async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath, runJob: 'train_job' }, { env: { FAKE_DATABRICKS_RUN_ID: '5150' } });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(folder.verbs(), ['--version', 'bundle validate', 'bundle deploy', 'bundle run']);
    assert.deepEqual(folder.calls()[3].args, ['bundle', 'run', '-t', 'prod', 'train_job']);
    assert.deepEqual(run.outputs, { deployedTarget: 'prod', runId: '5150' });
    assertTokenKept(run);
  });

  it('fails when the job run fails, still giving its run id', async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath, runJob: 'train_job' }, { env: { FAKE_DATABRICKS_RUN_ID: '6000', FAKE_DATABRICKS_RUN_FAIL: 'notebook raised' } });
    assert.equal(run.result, 'Failed');
    assert.deepEqual(run.outputs, { deployedTarget: 'prod', runId: '6000' });
  });

  it('forces the deployment lock only when forceLock is true', async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath, forceLock: 'true' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(folder.calls()[2].args, ['bundle', 'deploy', '-t', 'prod', '--force-lock']);
  });

  it('waits out a held deployment lock and deploys, warning who holds it', async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy(
      { bundlePath: zipPath },
      { env: { FAKE_DATABRICKS_LOCK_ATTEMPTS: '2', FAKE_DATABRICKS_LOCK_HOLDER: 'release-sp@contoso.com' } },
    );
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(folder.verbs(), ['--version', 'bundle validate', 'bundle deploy', 'bundle deploy', 'bundle deploy']);
    assert.ok(folder.calls().every((call) => !call.args.includes('--force-lock')));
    assert.equal(warnings(run).length, 2);
    assert.ok(warnings(run).every((warning) => warning.includes('release-sp@contoso.com')));
  });

  it('fails naming the lock holder when the lock stays held', async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy(
      { bundlePath: zipPath },
      {
        env: { FAKE_DATABRICKS_LOCK_ATTEMPTS: '99', FAKE_DATABRICKS_LOCK_HOLDER: 'release-sp@contoso.com' },
        variables: { 'DatabricksBundleDeploy.LockRetryAttempts': '3' },
      },
    );
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /release-sp@contoso\.com/);
    assert.equal(folder.verbs().filter((verb) => verb === 'bundle deploy').length, 3);
  });

  it('refuses a tampered zip before running the CLI', async () => {
    const { zipPath } = await folder.zip({ tamper: 'src/train.py' });
    const run = await deploy({ bundlePath: zipPath });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /src\/train\.py/);
    assert.deepEqual(folder.calls(), [], 'the CLI never ran');
  });

  it('refuses a zip whose digest is not the expected one before running the CLI', async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath, expectedDigest: `sha256:${'e'.repeat(64)}` });
    assert.equal(run.result, 'Failed');
    assert.deepEqual(folder.calls(), []);
  });

  it('refuses a target the bundle was not built for', async () => {
    const { zipPath } = await folder.zip({ targets: ['staging'] });
    const run = await deploy({ bundlePath: zipPath });
    assert.equal(run.result, 'Failed');
    assert.deepEqual(folder.calls(), []);
  });

  it('does not deploy when validation fails', async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath }, { env: { FAKE_DATABRICKS_VALIDATE_ERROR: 'job train_job has no compute' } });
    assert.equal(run.result, 'Failed');
    assert.match(run.message, /no compute/);
    assert.deepEqual(folder.verbs(), ['--version', 'bundle validate']);
  });

  it('deploys prebuilt artifacts from the packed outputs without their build command', async () => {
    const { zipPath } = await folder.zip({
      files: {
        ...bundleFiles,
        'databricks.yml': `${bundleFiles['databricks.yml']}artifacts:\n  churn_wheel:\n    type: whl\n    build: python -m build --wheel\n`,
        'dist/churn-1.0-py3-none-any.whl': 'wheel bytes',
      },
      artifacts: { churn_wheel: { type: 'whl', path: '.', build: 'python -m build --wheel', mode: 'prebuilt', files: ['dist/churn-1.0-py3-none-any.whl'] } },
    });
    const run = await deploy({ bundlePath: zipPath });
    assert.equal(run.result, 'Succeeded', run.message);
    const deployed = folder.calls().find((call) => call.args[1] === 'deploy') as Call;
    const root = parse(deployed.yaml['databricks.yml']) as { include: string[]; artifacts: Record<string, { build: string }> };
    assert.deepEqual(root.include, ['resources/*.yml', 'release-bundle.prebuilt-artifacts.yml']);
    assert.equal(root.artifacts.churn_wheel.build, 'python -m build --wheel', 'the verified file keeps its own content');
    const overlay = parse(deployed.yaml['release-bundle.prebuilt-artifacts.yml']) as {
      artifacts: Record<string, { build: string; files: Array<{ source: string }> }>;
      targets: Record<string, { artifacts: Record<string, { build: string }> }>;
    };
    assert.equal(overlay.artifacts.churn_wheel.build, '');
    assert.deepEqual(overlay.artifacts.churn_wheel.files, [{ source: path.join(deployed.cwd, 'dist', 'churn-1.0-py3-none-any.whl') }]);
    assert.equal(overlay.targets.prod.artifacts.churn_wheel.build, '');
  });

  it('accepts a bundlePath pattern that matches exactly one zip, and refuses one that matches two', async () => {
    await folder.zip();
    const one = await deploy({ bundlePath: path.join(folder.temp, '*.zip') });
    assert.equal(one.result, 'Succeeded', one.message);
    await folder.zip({}, 'churn-2026.11.2.zip');
    fs.rmSync(folder.record);
    const two = await deploy({ bundlePath: path.join(folder.temp, '*.zip') });
    assert.equal(two.result, 'Failed');
    assert.match(two.message, /^Invalid 'bundlePath' '.*\*\.zip'/);
    assert.deepEqual(folder.calls(), []);
  });

  it('deploys a bundle folder as it is with bundleRoot', async () => {
    const repo = path.join(folder.temp, 'repo');
    for (const [name, text] of Object.entries(bundleFiles)) {
      fs.mkdirSync(path.dirname(path.join(repo, name)), { recursive: true });
      fs.writeFileSync(path.join(repo, name), text);
    }
    const run = await deploy({ bundleRoot: repo, target: 'staging' });
    assert.equal(run.result, 'Succeeded', run.message);
    const deployed = folder.calls().find((call) => call.args[1] === 'deploy') as Call;
    assert.equal(fs.realpathSync(deployed.cwd), fs.realpathSync(repo));
    assert.deepEqual(deployed.args, ['bundle', 'deploy', '-t', 'staging']);
  });

  it('plans a verified release bundle: the changes in the summary, nothing deployed, no deployedTarget', async () => {
    const { zipPath, digest } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath, expectedDigest: digest, action: 'plan' }, {
      env: { FAKE_DATABRICKS_PLAN: 'update jobs.train_job\ndelete jobs.old_job\n\nPlan: 0 to add, 1 to change, 1 to delete, 0 unchanged' },
    });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(folder.verbs(), ['--version', 'bundle validate', 'bundle plan']);
    assert.deepEqual(run.outputs, {});
    const summary = run.summaries[0].content;
    assert.match(summary, /\| update \| `jobs\.train_job` \|/);
    assert.match(summary, /\| \*\*delete\*\* \| `jobs\.old_job` \|/);
    assert.ok(warnings(run).some((warning) => warning.includes('jobs.old_job')), 'a deletion is a warning');
    assertTokenKept(run);
  });

  it('destroys a target with --auto-approve', async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath, action: 'destroy', target: 'staging' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(folder.verbs(), ['--version', 'bundle validate', 'bundle destroy']);
    assert.deepEqual(folder.calls()[2].args, ['bundle', 'destroy', '-t', 'staging', '--auto-approve']);
    assert.deepEqual(run.outputs, {});
  });

  describe('with cliVersion (installed from a loopback release server)', () => {
    let server: ReleaseServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    const platform = { os: process.platform === 'darwin' ? 'darwin' : 'linux', arch: process.arch === 'arm64' ? 'arm64' : 'amd64' } as const;
    const asset = cliAssetName('0.250.0', platform);
    const withoutFakeOnPath = { PATH: [nodeDir, '/usr/bin', '/bin'].join(path.delimiter), FAKE_DATABRICKS_VERSION: '0.250.0' };

    it('installs the pinned CLI into the tool cache after checking its checksum, and deploys with it', async () => {
      server = await startReleaseServer({ version: '0.250.0', asset, zip: await makeCliZip() });
      const { zipPath } = await folder.zip();
      const run = await deploy({ bundlePath: zipPath, cliVersion: '0.250.0' }, { env: { ...withoutFakeOnPath, MLOPS_DATABRICKS_CLI_DOWNLOAD_URL: server.url } });
      assert.equal(run.result, 'Succeeded', run.message);
      const installed = path.join(folder.temp, 'tools', 'databricks', '0.250.0', platform.arch, 'databricks');
      assert.ok(folder.calls().every((call) => call.executable === installed));
      assert.deepEqual(folder.verbs(), ['--version', 'bundle validate', 'bundle deploy']);
      assert.ok(server.requests.some((request) => request.endsWith(asset)));
    });

    it('refuses a CLI download whose checksum does not match, running nothing', async () => {
      server = await startReleaseServer({ version: '0.250.0', asset, zip: await makeCliZip(), publishedSha256: '0'.repeat(64) });
      const { zipPath } = await folder.zip();
      const run = await deploy({ bundlePath: zipPath, cliVersion: '0.250.0' }, { env: { ...withoutFakeOnPath, MLOPS_DATABRICKS_CLI_DOWNLOAD_URL: server.url } });
      assert.equal(run.result, 'Failed');
      assert.match(run.message, /Checksum mismatch/);
      assert.deepEqual(folder.calls(), []);
      assert.ok(!fs.existsSync(path.join(folder.temp, 'tools', 'databricks', '0.250.0', `${platform.arch}.complete`)));
    });
  });
});

describe('DatabricksBundleDeployV1 bundle (with a fake databricks CLI)', function () {
  this.timeout(60_000);
  const folder = useDeployFolder(bundleFiles);
  const runs: TaskRun[] = [];
  afterEach(() => {
    for (const run of runs.splice(0)) fs.rmSync(run.tempDirectory, { recursive: true, force: true });
  });

  async function deploy(inputs: Record<string, string>, extra: Partial<TaskRunOptions> = {}): Promise<TaskRun> {
    const work = fs.mkdtempSync(path.join(folder.temp, 'work-'));
    const run = await runTaskBundle('DatabricksBundleDeployV1', {
      inputs: { connectionType: 'databricks', databricksConnection: 'DBX', target: 'prod', ...inputs },
      endpoints,
      cwd: work,
      timeoutMs: 45_000,
      ...extra,
      variables: { ...folder.variables(work), ...extra.variables },
      env: { ...folder.environment(), ...staleCredentials, ...extra.env },
    });
    runs.push(run);
    return run;
  }

  function assertTokenMasked(run: TaskRun): void {
    assert.ok(run.secrets.includes(pat), 'the token is registered with task.setsecret');
    const printed = run.stdout.split('\n').filter((line) => !line.startsWith('##vso[task.setsecret]'));
    const leaked = printed.filter((line) => line.includes(pat)).map((line) => line.split(pat).join('<TOKEN>'));
    assert.deepEqual(leaked, [], 'the token is never printed');
    assert.ok(!run.stderr.includes(pat));
    folder.assertTokenOnlyInCliEnvironment(pat);
  }

  it("reads the connection and variables from the environment, and hands the CLI none of the agent's own", async () => {
    const { zipPath, digest } = await folder.zip();
    const run = await deploy({ bundlePath: zipPath, expectedDigest: digest, variables: 'catalog=main' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.deepEqual(folder.verbs(), ['--version', 'bundle validate', 'bundle deploy']);
    const deployed = folder.calls()[2];
    assert.deepEqual(deployed.args, ['bundle', 'deploy', '-t', 'prod', '--var', 'catalog=main']);
    assert.equal(path.dirname(path.dirname(deployed.cwd)), fs.realpathSync(run.tempDirectory), 'runs in a fresh folder under the agent temp');
    assert.equal(deployed.env.DATABRICKS_HOST, host);
    assert.equal(deployed.env.DATABRICKS_TOKEN, pat);
    assert.equal(deployed.env.ARM_CLIENT_SECRET, undefined);
    assert.deepEqual(Object.keys(deployed.env).filter((name) => /^(ENDPOINT_AUTH|SECRET_)/.test(name)), [], "the connection's credentials stay with the task");
    assert.deepEqual(run.outputs, { deployedTarget: 'prod' });
    assertTokenMasked(run);
    assert.deepEqual(run.summaryTitles, ['Bundle deployment: prod']);
  });

  it("hands the agent's proxy to the CLI, with the host entries of its bypass list as NO_PROXY", async () => {
    const { zipPath } = await folder.zip();
    const run = await deploy(
      { bundlePath: zipPath },
      { variables: { 'Agent.ProxyUrl': 'http://proxy.contoso.test:3128', 'Agent.ProxyBypassList': JSON.stringify(['.*\\.internal\\.contoso\\.test', '^https://only-https\\.test']) } },
    );
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    const deployed = folder.calls().find((call) => call.args[1] === 'deploy') as Call;
    assert.equal(deployed.env.HTTPS_PROXY, 'http://proxy.contoso.test:3128');
    assert.equal(deployed.env.NO_PROXY, '.internal.contoso.test');
    // The entry NO_PROXY cannot express is named, so nobody wonders why that host goes through the proxy.
    assert.ok(run.warnings.some((warning) => warning.includes('^https://only-https\\.test')), run.warnings.join('\n'));
  });

  it('stops the CLI and reports Cancelled when the pipeline cancels the step', async () => {
    const { zipPath } = await folder.zip();
    let signalled = false;
    const run = await deploy(
      { bundlePath: zipPath },
      {
        env: { FAKE_DATABRICKS_DEPLOY_SECONDS: '30' },
        onLine: (line, child) => {
          if (!signalled && line.includes('Deploying resources...')) {
            signalled = true;
            child.kill('SIGINT');
          }
        },
      },
    );
    assert.ok(signalled);
    assert.equal(run.result, 'Cancelled');
    assert.ok(run.elapsedMs < 20_000, 'the task did not wait for the deployment to finish');
    const deploying = folder.calls().find((call) => call.args?.[1] === 'deploy') as Call & { pid: number };
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let waited = 0; alive(deploying.pid) && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(deploying.pid), false, 'the CLI process was stopped');
    assert.ok(!folder.calls().some((call) => (call as unknown as { finished?: string }).finished), 'the deployment did not run to its end');
  });
});
