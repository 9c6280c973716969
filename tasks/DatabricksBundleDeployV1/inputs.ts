import * as path from 'node:path';
import { parseConnectionInputs, type ConnectionSettings } from '../common/azure-devops/connection';
import type { TaskInputs } from '../common/azure-devops/task-context';
import { parseVariables, type BundleVariable } from '../common/bundle/deploy/cli-arguments';
import { compareVersions, minimumCliVersion, parseVersion, type CliVersion } from '../common/bundle/deploy/cli-version';
import { defaultLockRetryOptions, type LockRetryOptions } from '../common/bundle/deploy/deploy-lock';
import { inputNames, lockRetryVariables } from './names';

/** What to deploy: a verified release bundle, or a bundle folder as it is. */
export type BundleSource =
  | { kind: 'releaseBundle'; /** Absolute path of the zip. */ bundlePath: string; /** `sha256:<hex>` to match, when given. */ expectedDigest?: string }
  | { kind: 'folder'; /** Absolute path of the folder holding databricks.yml. */ bundleRoot: string };

/** The task's inputs, parsed and checked. */
export interface DeploySettings {
  /** How to reach the workspace. */
  connection: ConnectionSettings;
  /** The bundle to deploy. */
  source: BundleSource;
  /** Bundle target (`-t`). */
  target: string;
  /** `--var` values. */
  variables: BundleVariable[];
  /** Pinned CLI release to install; undefined to use the CLI on PATH. */
  cliVersion?: string;
  /** Job resource key to run after the deployment. */
  runJob?: string;
  /** Take over a held deployment lock. */
  forceLock: boolean;
}

/** Target names and resource keys: plain identifiers, never something the CLI could read as a flag. */
const keyPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new Error(`Invalid '${name}' '${value}': expected true or false`);
}

function parseDigest(value: string): string {
  const lower = value.toLowerCase();
  if (!/^sha256:[0-9a-f]{64}$/.test(lower)) {
    throw new Error(`Invalid '${inputNames.expectedDigest}' '${value}': expected sha256:<64 hex digits> (the build's bundleDigest output)`);
  }
  return lower;
}

/**
 * Reads the inputs into settings. Relative paths are resolved against `baseDirectory`
 * (`System.DefaultWorkingDirectory`, else the working directory).
 */
export function parseInputs(inputs: TaskInputs, baseDirectory: string): DeploySettings {
  const connection = parseConnectionInputs(inputs);

  const bundlePath = inputs.get(inputNames.bundlePath);
  const bundleRoot = inputs.get(inputNames.bundleRoot);
  const expectedDigest = inputs.get(inputNames.expectedDigest);
  let source: BundleSource;
  if (bundlePath !== undefined && bundleRoot !== undefined) {
    throw new Error(`Give either '${inputNames.bundlePath}' (a release bundle zip) or '${inputNames.bundleRoot}' (a bundle folder), not both.`);
  } else if (bundlePath !== undefined) {
    source = { kind: 'releaseBundle', bundlePath: path.resolve(baseDirectory, bundlePath), expectedDigest: expectedDigest === undefined ? undefined : parseDigest(expectedDigest) };
  } else if (bundleRoot !== undefined) {
    if (expectedDigest !== undefined) {
      throw new Error(`'${inputNames.expectedDigest}' applies to a release bundle zip ('${inputNames.bundlePath}'); a bundle folder has no digest to check.`);
    }
    source = { kind: 'folder', bundleRoot: path.resolve(baseDirectory, bundleRoot) };
  } else {
    throw new Error(`Input '${inputNames.bundlePath}' (a release bundle zip) or '${inputNames.bundleRoot}' (a bundle folder) is required.`);
  }

  const target = inputs.get(inputNames.target);
  if (target === undefined) throw new Error(`Input '${inputNames.target}' is required.`);
  if (!keyPattern.test(target)) throw new Error(`Invalid '${inputNames.target}' '${target}': expected a bundle target name such as staging or prod`);

  const runJob = inputs.get(inputNames.runJob);
  if (runJob !== undefined && !keyPattern.test(runJob)) {
    throw new Error(`Invalid '${inputNames.runJob}' '${runJob}': expected a job resource key (the key under resources.jobs)`);
  }

  const cliVersion = inputs.get(inputNames.cliVersion);
  if (cliVersion !== undefined) {
    const version = parseVersion(cliVersion);
    if (!version) throw new Error(`Invalid '${inputNames.cliVersion}' '${cliVersion}': expected an exact release such as 0.250.0`);
    if (compareVersions(version, parseVersion(minimumCliVersion) as CliVersion) < 0) throw new Error(`Invalid '${inputNames.cliVersion}' '${cliVersion}': bundles need the Databricks CLI ${minimumCliVersion} or newer`);
  }

  return {
    connection,
    source,
    target,
    variables: parseVariables(inputNames.variables, inputs.get(inputNames.variables)),
    cliVersion: cliVersion?.replace(/^v/, ''),
    runJob,
    forceLock: parseBoolean(inputNames.forceLock, inputs.get(inputNames.forceLock), false),
  };
}

/** The lock-wait schedule, from the optional pipeline variables in {@link lockRetryVariables}. */
export function parseLockRetry(inputs: TaskInputs): LockRetryOptions {
  const attemptsText = inputs.variable(lockRetryVariables.attempts);
  const delayText = inputs.variable(lockRetryVariables.firstDelaySeconds);
  const options = { ...defaultLockRetryOptions };
  if (attemptsText !== undefined) {
    const attempts = Number(attemptsText);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 50) {
      throw new Error(`Invalid '${lockRetryVariables.attempts}' '${attemptsText}': expected a whole number from 1 to 50`);
    }
    options.maxAttempts = attempts;
  }
  if (delayText !== undefined) {
    const seconds = Number(delayText);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 600) {
      throw new Error(`Invalid '${lockRetryVariables.firstDelaySeconds}' '${delayText}': expected seconds from 0 to 600`);
    }
    options.baseDelayMs = seconds * 1000;
    options.maxDelayMs = Math.max(options.baseDelayMs, Math.min(options.maxDelayMs, options.baseDelayMs * 8));
  }
  return options;
}
