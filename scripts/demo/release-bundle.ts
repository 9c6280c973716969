/**
 * Demo step: build the release bundle of the churn project (the test fixture, copied into the demo
 * work folder as a repository) with DatabricksReleaseBundle@1, then verify it against the build's
 * digest as a release stage does before deploying. Later steps deploy `env.shared.bundlePath`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixture } from '../../tests/unit/bundle/helpers';
import type { DemoEnvironment } from './environment';

const repoRoot = path.resolve(__dirname, '..', '..');

export async function demoReleaseBundle(env: DemoEnvironment): Promise<void> {
  const bundleRoot = copyFixture(path.join(env.workDirectory, 'churn-repo'));
  const schemaFile = path.resolve(repoRoot, process.env.MLOPS_SCHEMA_DIR ?? '../shared/schemas', 'databricks-bundle.schema.json');
  const build = await env.runTask('DatabricksReleaseBundleV1', 'Build the release bundle (validate offline, pack, scan, publish)', {
    command: 'build',
    bundleRoot,
    targets: 'staging, prod',
    ...(fs.existsSync(schemaFile) ? { schemaFile } : {}),
  });
  if (build.result !== 'Succeeded' && build.result !== 'SucceededWithIssues') throw new Error(`build failed: ${build.resultMessage ?? build.result}`);
  const { bundlePath, bundleDigest } = build.outputs;
  if (!bundlePath || !bundleDigest) throw new Error('the build set no bundlePath/bundleDigest output');

  const verify = await env.runTask('DatabricksReleaseBundleV1', 'Verify the bundle before deploying it', { command: 'verify', bundlePath, expectedDigest: bundleDigest });
  if (verify.result !== 'Succeeded') throw new Error(`verify failed: ${verify.resultMessage ?? verify.result}`);

  env.shared.bundlePath = bundlePath;
  env.shared.bundleDigest = bundleDigest;
  env.shared.stagingTarget = 'staging';
  env.shared.runJob = 'churn_training';
}
