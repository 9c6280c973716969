import * as path from 'node:path';
import { parseConnectionInputs, type ConnectionSettings } from '../common/azure-devops/connection';
import type { TaskInputs } from '../common/task/task-context';
import { invalidInput, parseBooleanInput, parseChoiceInput, parseNumberInput } from '../common/task/input-parsing';
import type { BundleVariables } from '../common/bundle/deploy/cli-arguments';
import type { BundleAction } from '../common/bundle/deploy/deploy';
import { bundleKeyPattern, parseBundleVariables, parseDigestInput } from '../common/bundle/shared-inputs';
import { compareVersions, minimumCliVersion, parseVersion, type CliVersion } from '../common/bundle/deploy/cli-version';
import { defaultLockRetryOptions, type LockRetryOptions } from '../common/bundle/deploy/deploy-lock';
import { defaults, inputNames, lockRetryVariables } from './names';

/** What to deploy: a verified release bundle, or a bundle folder as it is. */
export type BundleSource =
  | { kind: 'releaseBundle'; /** Absolute path of the zip. */ bundlePath: string; /** `sha256:<hex>` to match, when given. */ expectedDigest?: string }
  | { kind: 'folder'; /** Absolute path of the folder holding databricks.yml. */ bundleRoot: string };

/** The task's inputs, parsed and checked. */
export interface DeploySettings {
  /** `deploy` (default), `plan` (show what a deploy would change) or `destroy` (remove what the target deployed). */
  action: BundleAction;
  /** How to reach the workspace. */
  connection: ConnectionSettings;
  /** The bundle to deploy. */
  source: BundleSource;
  /** Bundle target (`-t`). */
  target: string;
  /** `--var` values. */
  variables: BundleVariables;
  /** Pinned CLI release to install; undefined to use the CLI on PATH. */
  cliVersion?: string;
  /** Job resource key to run after the deployment. */
  runJob?: string;
  /** Take over a held deployment lock. */
  forceLock: boolean;
  /** Let the deployment delete or recreate resources (`--auto-approve`); off by default. */
  autoApprove: boolean;
}


/**
 * Reads the inputs into settings. Relative paths are resolved against `baseDirectory`
 * (`System.DefaultWorkingDirectory`, else the working directory).
 */
export function parseInputs(inputs: TaskInputs, baseDirectory: string): DeploySettings {
  const action = parseChoiceInput(inputNames.action, inputs.get(inputNames.action), ['deploy', 'plan', 'destroy'] as const, 'deploy');
  const connection = parseConnectionInputs(inputs);

  let bundlePath = inputs.get(inputNames.bundlePath);
  let expectedDigest = inputs.get(inputNames.expectedDigest);
  const bundleSource = parseChoiceInput(inputNames.bundleSource, inputs.get(inputNames.bundleSource), ['releaseBundle', 'folder'] as const, defaults.bundleSource);
  // bundleRoot is a filePath input: the agent fills an empty one with the repository folder, which
  // then reads as not set. With the selector on `folder`, that folder is what the editor showed.
  const bundleRoot = inputs.get(inputNames.bundleRoot) ?? (bundleSource === 'folder' && bundlePath === undefined ? '.' : undefined);
  // The classic editor keeps the values of the inputs its selector hides: a selector moved off its
  // default says which are meant. YAML leaves the selector at its default and sets one input.
  if (bundleSource === 'folder' && bundleRoot !== undefined) [bundlePath, expectedDigest] = [undefined, undefined];
  let source: BundleSource;
  if (bundlePath !== undefined && bundleRoot !== undefined) {
    throw new Error(`Give either '${inputNames.bundlePath}' (a release bundle zip) or '${inputNames.bundleRoot}' (a bundle folder), not both.`);
  } else if (bundlePath !== undefined) {
    source = { kind: 'releaseBundle', bundlePath: path.resolve(baseDirectory, bundlePath), expectedDigest: expectedDigest === undefined ? undefined : parseDigestInput(inputNames.expectedDigest, expectedDigest) };
  } else if (bundleRoot !== undefined) {
    if (expectedDigest !== undefined) {
      throw new Error(`'${inputNames.expectedDigest}' applies to a release bundle zip ('${inputNames.bundlePath}'); a bundle folder has no digest to check.`);
    }
    source = { kind: 'folder', bundleRoot: path.resolve(baseDirectory, bundleRoot) };
  } else {
    throw new Error(
      `Input '${inputNames.bundlePath}' (a release bundle zip) or '${inputNames.bundleRoot}' (a bundle folder) is required. To deploy the repository folder itself, set '${inputNames.bundleSource}: folder'.`,
    );
  }

  const target = inputs.get(inputNames.target);
  if (target === undefined) throw new Error(`Input '${inputNames.target}' is required.`);
  if (!bundleKeyPattern.test(target)) throw invalidInput(inputNames.target, target, 'a bundle target name such as staging or prod');

  const runJob = inputs.get(inputNames.runJob);
  if (runJob !== undefined && !bundleKeyPattern.test(runJob)) {
    throw invalidInput(inputNames.runJob, runJob, 'a job resource key (the key under resources.jobs)');
  }
  if (runJob !== undefined && action !== 'deploy') {
    throw new Error(`Input '${inputNames.runJob}' runs a job after a deployment; it cannot be used with '${inputNames.action}: ${action}'.`);
  }

  const cliVersion = inputs.get(inputNames.cliVersion);
  if (cliVersion !== undefined) {
    const version = parseVersion(cliVersion);
    if (!version) throw invalidInput(inputNames.cliVersion, cliVersion, 'an exact release such as 0.250.0');
    if (compareVersions(version, parseVersion(minimumCliVersion) as CliVersion) < 0) throw invalidInput(inputNames.cliVersion, cliVersion, `${minimumCliVersion} or newer (bundles need it)`);
  }

  return {
    action,
    connection,
    source,
    target,
    variables: parseBundleVariables(inputNames.variables, inputs.get(inputNames.variables)),
    cliVersion: cliVersion?.replace(/^v/, ''),
    runJob,
    forceLock: parseBooleanInput(inputNames.forceLock, inputs.get(inputNames.forceLock), false),
    autoApprove: parseBooleanInput(inputNames.autoApprove, inputs.get(inputNames.autoApprove), false),
  };
}

/** The lock-wait schedule, from the optional pipeline variables in {@link lockRetryVariables}. */
export function parseLockRetry(inputs: TaskInputs): LockRetryOptions {
  const attempts = parseNumberInput(lockRetryVariables.attempts, inputs.variable(lockRetryVariables.attempts), { min: 1, max: 50, integer: true });
  const seconds = parseNumberInput(lockRetryVariables.firstDelaySeconds, inputs.variable(lockRetryVariables.firstDelaySeconds), { min: 0, max: 600, unit: 'seconds' });
  const options = { ...defaultLockRetryOptions };
  if (attempts !== undefined) options.maxAttempts = attempts;
  if (seconds !== undefined) {
    options.baseDelayMs = seconds * 1000;
    options.maxDelayMs = Math.max(options.baseDelayMs, Math.min(options.maxDelayMs, options.baseDelayMs * 8));
  }
  return options;
}
