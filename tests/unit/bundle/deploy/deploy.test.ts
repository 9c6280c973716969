import assert from 'node:assert/strict';
import { DeployLockHeldError, deployBundle, type BundleDeployDependencies } from '../../../../tasks/common/bundle/deploy/deploy';
import type { CommandResult, CommandSpec } from '../../../../tasks/common/bundle/deploy/ports';
import { ScriptedRunner } from '../../../fakes/command-runners';
import { FakeClock } from '../../../fakes/clock';
import { RecordingLogger } from '../../../fakes/logger';
import { FreshTokens } from '../../../fakes/tokens';

const lockError = (holder: string): Partial<CommandResult> => ({
  exitCode: 1,
  stderr: `Error: Failed to acquire deployment lock: deploy lock acquired by ${holder} at 2026-11-28 03:00:00 +0000 UTC. Use --force-lock to override\n`,
});

function setup(answer: (command: CommandSpec, index: number) => Partial<CommandResult>) {
  const runner = new ScriptedRunner(answer);
  const clock = new FakeClock();
  const tokens = new FreshTokens();
  const secrets: string[] = [];
  const log = new RecordingLogger();
  const deps: BundleDeployDependencies = {
    cli: '/tools/databricks',
    bundleRoot: '/work/bundle',
    host: 'https://adb-1.azuredatabricks.net',
    tokens,
    registerSecret: (value) => secrets.push(value),
    inheritedEnv: { PATH: '/usr/bin', ARM_CLIENT_SECRET: 'leftover', DATABRICKS_CONFIG_PROFILE: 'DEFAULT', BUNDLE_ROOT: '/elsewhere' },
    runner,
    clock,
    logger: log,
    lockRetry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 10_000, random: () => 0.5 },
  };
  return { runner, clock, tokens, secrets, log, deps };
}

const settings = { target: 'prod', variables: { catalog: 'main' }, forceLock: false };

describe('bundle deploy: validate, deploy, run', () => {
  it('validates then deploys in the bundle root with a fresh registered token per command and no stray credentials', async () => {
    const { runner, tokens, secrets, deps } = setup(() => ({}));
    const result = await deployBundle(settings, deps);
    assert.deepEqual(result, { action: 'deploy', deployedTarget: 'prod', deployAttempts: 1 });
    assert.deepEqual(runner.verbs(), ['bundle validate', 'bundle deploy']);
    assert.deepEqual(runner.commands[1].args, ['bundle', 'deploy', '-t', 'prod', '--var', 'catalog=main']);
    runner.commands.forEach((command, index) => {
      assert.equal(command.executable, '/tools/databricks');
      assert.equal(command.cwd, '/work/bundle');
      assert.equal(command.env.DATABRICKS_TOKEN, tokens.issued[index]);
      assert.equal(command.env.DATABRICKS_HOST, 'https://adb-1.azuredatabricks.net');
      assert.equal(command.env.DATABRICKS_AUTH_TYPE, 'pat');
      assert.equal(command.env.DATABRICKS_BUNDLE_ROOT, '/work/bundle');
      assert.equal(command.env.ARM_CLIENT_SECRET, undefined);
      assert.equal(command.env.DATABRICKS_CONFIG_PROFILE, undefined);
      assert.equal(command.env.BUNDLE_ROOT, undefined);
      assert.ok(!command.args.some((arg) => arg.includes(tokens.issued[index])));
    });
    assert.deepEqual(secrets, tokens.issued);
  });

  it("raises the CLI's warnings as pipeline warnings", async () => {
    const { log, deps } = setup((command) =>
      command.args[1] === 'validate' ? { stdout: 'Warning: required field "name" is not set\n  at resources.jobs.x\n\nValidation OK!\n' } : {},
    );
    await deployBundle(settings, deps);
    assert.deepEqual(log.messages('warn'), ['required field "name" is not set']);
    assert.ok(log.messages('info').includes('Validation OK!'));
  });

  it('stops after a failed validation without deploying', async () => {
    const { runner, deps } = setup((command) => (command.args[1] === 'validate' ? { exitCode: 1, stderr: 'Error: job x is not defined\n' } : {}));
    await assert.rejects(deployBundle(settings, deps), /validate -t prod' failed: Error: job x is not defined/);
    assert.deepEqual(runner.verbs(), ['bundle validate']);
  });

  it('waits out a held deploy lock with backoff, naming the holder', async () => {
    const { runner, clock, log, deps } = setup((command, index) => (command.args[1] === 'deploy' && index < 3 ? lockError('alice@example.com') : {}));
    const result = await deployBundle(settings, deps);
    assert.equal(result.deployAttempts, 3);
    assert.deepEqual(runner.verbs(), ['bundle validate', 'bundle deploy', 'bundle deploy', 'bundle deploy']);
    assert.deepEqual(clock.sleeps, [750, 1500]);
    assert.equal(log.messages('warn').length, 2);
    assert.ok(log.messages('warn').every((line) => line.includes('alice@example.com')));
    assert.ok(runner.commands.every((command) => !command.args.includes('--force-lock')));
  });

  it('gives up after the last attempt with a message naming the holder and the opt-in', async () => {
    const { runner, deps } = setup((command) => (command.args[1] === 'deploy' ? lockError('ci-sp-1234') : {}));
    await assert.rejects(deployBundle(settings, deps), (error: Error) => {
      assert.ok(error instanceof DeployLockHeldError);
      assert.deepEqual([error.target, error.contention.holder, error.attempts], ['prod', 'ci-sp-1234', 4]);
      // The way out is the task input, named so the user can find it.
      assert.match(error.message, /'forceLock: true'/);
      return true;
    });
    assert.equal(runner.verbs().filter((verb) => verb === 'bundle deploy').length, 4);
  });

  it('does not retry a deploy failure that is not lock contention', async () => {
    const { runner, clock, deps } = setup((command) => (command.args[1] === 'deploy' ? { exitCode: 1, stderr: 'Error: terraform apply failed\n' } : {}));
    await assert.rejects(deployBundle(settings, deps), /terraform apply failed/);
    assert.equal(runner.verbs().filter((verb) => verb === 'bundle deploy').length, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('refuses a destructive deployment without autoApprove and says how to allow it; passes --auto-approve only when asked', async () => {
    const refusal = 'Error: the deployment requires destructive actions, but current console does not support prompting. Please specify --auto-approve if you would like to skip prompts and proceed\n';
    const { runner, deps } = setup((command) => (command.args[1] === 'deploy' && !command.args.includes('--auto-approve') ? { exitCode: 1, stderr: refusal } : {}));
    await assert.rejects(deployBundle(settings, deps), /'autoApprove: true'/);
    assert.equal(runner.verbs().filter((verb) => verb === 'bundle deploy').length, 1);
    await deployBundle({ ...settings, autoApprove: true }, deps);
    assert.ok(runner.commands.at(-1)?.args.includes('--auto-approve'));
  });

  it('forces the lock only when asked', async () => {
    const { runner, deps } = setup(() => ({}));
    await deployBundle({ ...settings, forceLock: true }, deps);
    assert.ok(runner.commands[1].args.includes('--force-lock'));
    assert.ok(!runner.commands[0].args.includes('--force-lock'));
  });

  it('runs the job after deploying and reports its run id', async () => {
    const { runner, deps } = setup((command) =>
      command.args[1] === 'run' ? { stderr: 'Run URL: https://adb-1.azuredatabricks.net/?o=1#job/5/run/8080\n\n"train" TERMINATED SUCCESS\n' } : {},
    );
    const result = await deployBundle({ ...settings, runJob: 'train' }, deps);
    assert.deepEqual(runner.commands[2].args, ['bundle', 'run', '-t', 'prod', '--var', 'catalog=main', 'train']);
    assert.deepEqual(result.run, { runId: '8080', runUrl: 'https://adb-1.azuredatabricks.net/?o=1#job/5/run/8080', succeeded: true, failure: undefined });
  });

  it('reports a failed job run with its run id instead of throwing', async () => {
    const { deps } = setup((command) =>
      command.args[1] === 'run' ? { exitCode: 1, stderr: 'Run URL: https://h/?o=1#job/5/run/9090\nError: run failed: notebook raised\n' } : {},
    );
    const result = await deployBundle({ ...settings, runJob: 'train' }, deps);
    assert.equal(result.run?.runId, '9090');
    assert.equal(result.run?.succeeded, false);
    assert.match(result.run?.failure ?? '', /notebook raised/);
  });
});

describe('bundle deploy: plan and destroy', () => {
  const planText = 'create jobs.scoring\nupdate jobs.training\nrecreate pipelines.features\ndelete jobs.legacy\n\nPlan: 1 to add, 1 to change, 2 to delete, 3 unchanged\n';

  it('plans after validating, deploys nothing, and warns about each deletion and re-creation', async () => {
    const { runner, log, deps } = setup((command) => (command.args[1] === 'plan' ? { stdout: planText } : {}));
    const result = await deployBundle({ ...settings, action: 'plan' }, deps);
    assert.deepEqual(runner.verbs(), ['bundle validate', 'bundle plan']);
    assert.deepEqual(runner.commands[1].args, ['bundle', 'plan', '-t', 'prod', '--var', 'catalog=main']);
    assert.equal(result.deployAttempts, 0);
    assert.deepEqual(result.plan?.changes, [
      { action: 'create', resource: 'jobs.scoring' },
      { action: 'update', resource: 'jobs.training' },
      { action: 'recreate', resource: 'pipelines.features' },
      { action: 'delete', resource: 'jobs.legacy' },
    ]);
    assert.deepEqual(result.plan?.totals, { add: 1, change: 1, delete: 2, unchanged: 3 });
    assert.equal(log.messages('warn').length, 2);
    assert.ok(log.messages('warn')[0].includes('pipelines.features') && log.messages('warn')[1].includes('jobs.legacy'));
  });

  it('explains a CLI without a plan command', async () => {
    const { deps } = setup((command) => (command.args[1] === 'plan' ? { exitCode: 1, stderr: 'Error: unknown command "plan" for "databricks bundle"\n' } : {}));
    await assert.rejects(deployBundle({ ...settings, action: 'plan' }, deps), /no `bundle plan` command \(added in 0.267.0\): pin 0.267.0 or newer with the cliVersion input/);
  });

  it('destroys with --auto-approve, waiting out a held lock, and never runs a job', async () => {
    const { runner, deps } = setup((command, index) => (command.args[1] === 'destroy' && index < 2 ? lockError('bob@example.com') : {}));
    const result = await deployBundle({ ...settings, action: 'destroy', forceLock: false }, deps);
    assert.deepEqual(runner.verbs(), ['bundle validate', 'bundle destroy', 'bundle destroy']);
    assert.deepEqual(runner.commands[1].args, ['bundle', 'destroy', '-t', 'prod', '--auto-approve', '--var', 'catalog=main']);
    assert.deepEqual(result, { action: 'destroy', deployedTarget: 'prod', deployAttempts: 2 });
  });

  it('fails a destroy that the CLI refuses, with its error', async () => {
    const { deps } = setup((command) => (command.args[1] === 'destroy' ? { exitCode: 1, stderr: 'Error: cannot destroy: permission denied\n' } : {}));
    await assert.rejects(deployBundle({ ...settings, action: 'destroy' }, deps), /bundle destroy -t prod' failed: Error: cannot destroy: permission denied/);
  });
});
