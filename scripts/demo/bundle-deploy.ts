/**
 * Demo step: deploy the release bundle built by the previous step (or, when that step did not run,
 * a small one made here) with DatabricksBundleDeploy@1. The real Databricks CLI cannot be installed
 * offline, so the stand-in from tests/fixtures/fake-databricks-cli plays it and records what the
 * task handed it; the demo prints that record to show the target, folder and (masked) credentials.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeReleaseZip } from '../../tests/tasks/DatabricksBundleDeployV1/release-zip';
import type { DemoEnvironment } from './environment';

const fakeCliFolder = path.resolve(__dirname, '..', '..', 'tests', 'fixtures', 'fake-databricks-cli');

interface RecordedCall {
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

async function releaseBundle(env: DemoEnvironment): Promise<{ bundlePath: string; digest?: string }> {
  if (env.shared.bundlePath && fs.existsSync(env.shared.bundlePath)) return { bundlePath: env.shared.bundlePath, digest: env.shared.bundleDigest };
  const bundlePath = path.join(env.workDirectory, 'deploy-demo', 'churn-demo.zip');
  fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
  const digest = await writeReleaseZip(bundlePath, {
    files: {
      'databricks.yml': 'bundle:\n  name: churn\ninclude:\n  - resources/*.yml\ntargets:\n  staging: {}\n  prod:\n    mode: production\n',
      'resources/train.yml': 'resources:\n  jobs:\n    train_job:\n      name: train\n',
      'src/train.py': 'print("train")\n',
    },
  });
  console.log(`  (no bundle from the release step; using ${bundlePath})`);
  return { bundlePath, digest };
}

/** Deploys to staging and runs the training job, then shows a wrong digest being refused. */
export async function demoBundleDeploy(env: DemoEnvironment): Promise<void> {
  const { bundlePath, digest } = await releaseBundle(env);
  const record = path.join(env.workDirectory, 'deploy-demo-cli-calls.json');
  fs.rmSync(record, { force: true });
  const cliEnv = {
    PATH: [fakeCliFolder, path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter),
    FAKE_DATABRICKS_RECORD: record,
    FAKE_DATABRICKS_RUN_ID: '90210',
  };
  const staging = env.shared.stagingTarget ?? 'staging';
  const run = await env.runTask(
    'DatabricksBundleDeployV1',
    'Deploy the release bundle to staging and run the training job',
    {
      ...env.connectionInputs,
      bundlePath,
      ...(digest ? { expectedDigest: digest } : {}),
      target: staging,
      variables: 'catalog=main\nschema=churn_staging',
      runJob: env.shared.runJob ?? 'train_job',
    },
    { env: cliEnv },
  );
  if (run.result !== 'Succeeded') throw new Error(`deploy failed: ${run.resultMessage ?? run.result}`);
  const calls = JSON.parse(fs.readFileSync(record, 'utf8')) as RecordedCall[];
  console.log('  What the stand-in CLI received:');
  for (const call of calls) {
    const token = call.env.DATABRICKS_TOKEN ? `DATABRICKS_TOKEN=*** (${call.env.DATABRICKS_TOKEN === env.token ? 'the connection token' : 'another token'})` : 'no credentials';
    console.log(`    databricks ${call.args.join(' ')}  [cwd ${path.basename(call.cwd)}; ${token}; DATABRICKS_AUTH_TYPE=${call.env.DATABRICKS_AUTH_TYPE ?? '-'}]`);
  }
  env.shared.deployedTarget = run.outputs.deployedTarget ?? '';
  env.shared.deployRunId = run.outputs.runId ?? '';

  fs.rmSync(record, { force: true });
  const refused = await env.runTask(
    'DatabricksBundleDeployV1',
    'A bundle that is not the one the release built is refused before the CLI runs',
    { ...env.connectionInputs, bundlePath, expectedDigest: `sha256:${'0'.repeat(64)}`, target: 'prod' },
    { env: cliEnv },
  );
  if (refused.result !== 'Failed' || fs.existsSync(record)) throw new Error('a bundle with the wrong digest was not refused before the CLI ran');
}
