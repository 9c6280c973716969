/**
 * `npm run demo`: builds the tasks, packages the .vsix, starts the embedded Databricks workspace
 * emulator seeded with a demo workspace, and runs the whole MLOps flow through every task bundle,
 * printing what the pipeline logs would show: integration tests, release bundle, deployment, model
 * comparison and promotion.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../tests/emulator';
import { createDemoWorkspace } from '../tests/emulator/demo-workspace';
import { createDemoEnvironment, type DemoEnvironment } from './demo/environment';

const root = path.resolve(__dirname, '..');

/** The flow, in pipeline order. Each module exports one step function taking the environment. */
const steps: Array<{ title: string; module: string; exportName: string }> = [
  { title: 'Pull request: integration tests on Databricks', module: './demo/integration-tests', exportName: 'demoIntegrationTests' },
  { title: 'Release: build the release bundle', module: './demo/release-bundle', exportName: 'demoReleaseBundle' },
  { title: 'Release: deploy the bundle', module: './demo/bundle-deploy', exportName: 'demoBundleDeploy' },
  { title: 'Model promotion: compare with the champion', module: './demo/model-compare', exportName: 'demoModelCompare' },
  { title: 'Model promotion: manual sign-off', module: './demo/model-signoff', exportName: 'demoModelSignOff' },
  { title: 'Model promotion: move the aliases', module: './demo/model-promote', exportName: 'demoModelPromote' },
];

function npm(script: string): void {
  console.log(`\n> npm run ${script}`);
  const result = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run ${script} failed`);
}

async function main(): Promise<void> {
  npm('build');
  npm('package');
  const vsix = fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.vsix'));
  console.log(`\nExtension package: ${vsix.map((f) => path.join('dist', f)).join(', ')}`);

  const workspace = createDemoWorkspace();
  const emulator = await startEmulator({ scenario: workspace.scenario });
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-demo-'));
  console.log(`Databricks workspace emulator: ${emulator.url}`);
  const environment: DemoEnvironment = createDemoEnvironment(emulator, workspace.token, workDirectory);
  const outcomes: Array<{ title: string; ok: boolean; detail: string }> = [];
  try {
    for (const step of steps) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const run = require(step.module)[step.exportName] as (env: DemoEnvironment) => Promise<void>;
      try {
        await run(environment);
        outcomes.push({ title: step.title, ok: true, detail: '' });
      } catch (error) {
        outcomes.push({ title: step.title, ok: false, detail: (error as Error).message });
      }
    }
  } finally {
    await emulator.close();
    fs.rmSync(workDirectory, { recursive: true, force: true });
  }

  console.log('\nDemo flow:');
  for (const outcome of outcomes) console.log(`  ${outcome.ok ? 'ok  ' : 'FAIL'} ${outcome.title}${outcome.detail ? `: ${outcome.detail}` : ''}`);
  console.log(`Requests served by the emulator: ${emulator.requests.length}`);
  if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
