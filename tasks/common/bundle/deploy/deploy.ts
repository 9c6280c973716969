/**
 * Runs `databricks bundle validate`, then `deploy` (waiting out deploy-lock contention) and optionally
 * `run`, or `plan`, or `destroy`, in a bundle folder, with a freshly obtained token in the CLI's
 * environment for each command.
 */
import type { Clock, Logger, SecretRegistrar } from '../../ports';
import type { TokenProvider } from '../../databricks/token-provider';
import type { CommandResult, CommandRunner } from './ports';
import { deployArguments, destroyArguments, planArguments, runArguments, validateArguments, type BundleVariables } from './cli-arguments';
import { cliEnvironment } from './cli-environment';
import { decideLockRetry, defaultLockRetryOptions, describeLockHolder, parseLockContention, type LockContention, type LockRetryOptions } from './deploy-lock';
import { parsePlanOutput, type BundlePlan } from './plan-output';
import { parseRunOutput } from './run-output';

/** What the task does with the bundle: deploy it, show what a deploy would change, or remove what it deployed. */
export type BundleAction = 'deploy' | 'plan' | 'destroy';

/** What to deploy where. */
export interface BundleDeploySettings {
  /** Default `deploy`. */
  action?: BundleAction;
  /** Bundle target (`-t`). */
  target: string;
  /** `--var` values, in input order. */
  variables: BundleVariables;
  /** Pass `--force-lock` to `deploy` and `destroy`. */
  forceLock: boolean;
  /** Pass `--auto-approve` to `deploy`: allow it to delete or recreate resources. */
  autoApprove?: boolean;
  /** Job resource key to run after the deployment; undefined to run nothing (only with `deploy`). */
  runJob?: string;
}

/** The ports and facts a deployment needs. */
export interface BundleDeployDependencies {
  /** Path of the Databricks CLI. */
  cli: string;
  /** The bundle root (the folder holding `databricks.yml`); every command runs here. */
  bundleRoot: string;
  /** Workspace URL. */
  host: string;
  tokens: TokenProvider;
  registerSecret: SecretRegistrar;
  /** The agent's environment; credentials in it are removed before the CLI sees it. */
  inheritedEnv: Readonly<Record<string, string | undefined>>;
  runner: CommandRunner;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  lockRetry?: LockRetryOptions;
}

/** How the deployment went. A failed job run is reported here rather than thrown, so its run id still reaches the outputs. */
export interface BundleDeployResult {
  action: BundleAction;
  /** The target deployed to, planned for or destroyed. */
  deployedTarget: string;
  /** Deploy (or destroy) attempts, more than 1 when the lock was contended; 0 for a plan. */
  deployAttempts: number;
  /** What a deploy would change, for `plan`. */
  plan?: BundlePlan;
  run?: {
    runId?: string;
    runUrl?: string;
    succeeded: boolean;
    /** Why the run failed, from the CLI's output. */
    failure?: string;
  };
}

/** Thrown when another deployment still holds the target's lock after the last attempt. */
export class DeployLockHeldError extends Error {
  constructor(
    readonly target: string,
    readonly contention: LockContention,
    readonly attempts: number,
  ) {
    super(
      `The deployment lock of target '${target}' is still held by ${describeLockHolder(contention)} after ${attempts} attempts. ` +
        `Wait for that deployment to finish; if it is known to have died, deploy once with 'forceLock: true'.`,
    );
    this.name = 'DeployLockHeldError';
  }
}

/** The CLI's own `Error:` lines (or the last lines of its output), for a failure message. */
export function summarizeFailure(result: CommandResult): string {
  const lines = `${result.stderr}\n${result.stdout}`.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const errors = lines.filter((line) => /^Error:/i.test(line));
  const chosen = errors.length > 0 ? errors : lines.slice(-5);
  return chosen.length > 0 ? chosen.join(' | ') : `exit code ${result.exitCode}`;
}

/**
 * The CLI refuses, without a terminal, a deployment that would delete or recreate resources (a
 * schema, a volume, a pipeline's tables) unless `--auto-approve` is given; say how to allow it.
 */
function approvalHint(result: CommandResult): string {
  if (!/destructive actions|--auto-approve/i.test(`${result.stderr}\n${result.stdout}`)) return '';
  return (
    ` The deployment would delete or recreate the resources listed in the log above, and nothing was deployed. ` +
    `If that is intended, review the list and deploy once with 'autoApprove: true'.`
  );
}

/** Validates and deploys the bundle, then runs `runJob` when given. Throws when validation or deployment fails. */
export async function deployBundle(settings: BundleDeploySettings, deps: BundleDeployDependencies): Promise<BundleDeployResult> {
  const { target, variables } = settings;
  const retry = deps.lockRetry ?? defaultLockRetryOptions;

  const invoke = async (args: string[]): Promise<CommandResult> => {
    // A fresh token per command: a long deployment or job run can outlive an OAuth token.
    const token = await deps.tokens.getToken(deps.signal);
    deps.registerSecret(token);
    const env = cliEnvironment(deps.inheritedEnv, { host: deps.host, token });
    // The CLI searches upwards from the working directory unless told otherwise; pin it to this bundle.
    delete env.BUNDLE_ROOT;
    env.DATABRICKS_BUNDLE_ROOT = deps.bundleRoot;
    deps.logger.info(`> databricks ${args.join(' ')}`);
    return deps.runner.run(
      {
        executable: deps.cli,
        args,
        cwd: deps.bundleRoot,
        env,
        // The CLI's own warnings (e.g. from validate) belong in the run's issues list, not only in the log.
        onLine: (line) => (/^Warning: /.test(line) ? deps.logger.warn(line.slice('Warning: '.length)) : deps.logger.info(line)),
      },
      deps.signal,
    );
  };

  const validated = await invoke(validateArguments(target, variables));
  if (validated.exitCode !== 0) {
    throw new Error(`'databricks bundle validate -t ${target}' failed: ${summarizeFailure(validated)}`);
  }

  const action = settings.action ?? 'deploy';
  if (action === 'plan') return { action, deployedTarget: target, deployAttempts: 0, plan: await planBundle(target, variables, invoke, deps.logger) };

  const attempts = await underDeployLock(
    action === 'destroy' ? 'destroy' : 'deploy',
    target,
    () => invoke(action === 'destroy' ? destroyArguments(target, variables, settings.forceLock) : deployArguments(target, variables, settings.forceLock, settings.autoApprove)),
    retry,
    deps,
  );
  if (action === 'destroy') {
    deps.logger.info(`Destroyed the bundle's resources in target '${target}'.`);
    return { action, deployedTarget: target, deployAttempts: attempts };
  }
  deps.logger.info(`Deployed the bundle to target '${target}'.`);

  const result: BundleDeployResult = { action, deployedTarget: target, deployAttempts: attempts };
  if (settings.runJob !== undefined) {
    const ran = await invoke(runArguments(target, variables, settings.runJob));
    const parsed = parseRunOutput(`${ran.stderr}\n${ran.stdout}`);
    result.run = {
      runId: parsed?.runId,
      runUrl: parsed?.runUrl,
      succeeded: ran.exitCode === 0,
      failure: ran.exitCode === 0 ? undefined : summarizeFailure(ran),
    };
  }
  return result;
}

/** Runs a lock-taking command (`deploy`, `destroy`) until it succeeds, waiting out a held lock; returns the attempts made. */
async function underDeployLock(
  verb: 'deploy' | 'destroy',
  target: string,
  command: () => Promise<CommandResult>,
  retry: LockRetryOptions,
  deps: Pick<BundleDeployDependencies, 'clock' | 'logger' | 'signal'>,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const result = await command();
    if (result.exitCode === 0) return attempt;
    const contention = parseLockContention(`${result.stderr}\n${result.stdout}`);
    if (!contention) throw new Error(`'databricks bundle ${verb} -t ${target}' failed: ${summarizeFailure(result)}${verb === 'deploy' ? approvalHint(result) : ''}`);
    const decision = decideLockRetry(attempt, retry);
    if (!decision.retry) throw new DeployLockHeldError(target, contention, attempt);
    deps.logger.warn(
      `The deployment lock of target '${target}' is held by ${describeLockHolder(contention)}; running ${verb} again in ${Math.round(decision.delayMs / 1000)} s ` +
        `(attempt ${attempt + 1} of ${retry.maxAttempts}).`,
    );
    await deps.clock.sleep(decision.delayMs, deps.signal);
  }
}

/** `bundle plan`: reads what a deploy would change. Deletions and re-creations are warnings, since they lose state. */
async function planBundle(target: string, variables: BundleVariables, invoke: (args: string[]) => Promise<CommandResult>, logger: Logger): Promise<BundlePlan> {
  const planned = await invoke(planArguments(target, variables));
  if (planned.exitCode !== 0) {
    const failure = summarizeFailure(planned);
    const hint = /unknown command "plan"/i.test(failure) ? ' This Databricks CLI has no `bundle plan` command (added in 0.267.0): pin 0.267.0 or newer with the cliVersion input.' : '';
    throw new Error(`'databricks bundle plan -t ${target}' failed: ${failure}.${hint}`);
  }
  const plan = parsePlanOutput(planned.stdout);
  for (const change of plan.changes.filter((c) => c.action === 'delete' || c.action === 'recreate')) {
    logger.warn(`Deploying to target '${target}' would ${change.action} ${change.resource}.`);
  }
  return plan;
}
