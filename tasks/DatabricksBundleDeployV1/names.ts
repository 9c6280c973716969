/** Input and output-variable names of DatabricksBundleDeploy@1 (checked against task.json by a test). */
export const inputNames = {
  action: 'action',
  bundleSource: 'bundleSource',
  bundlePath: 'bundlePath',
  bundleRoot: 'bundleRoot',
  expectedDigest: 'expectedDigest',
  target: 'target',
  variables: 'variables',
  cliVersion: 'cliVersion',
  runJob: 'runJob',
  forceLock: 'forceLock',
  autoApprove: 'autoApprove',
} as const;

/** Either/or inputs: one of each group must be given (the docs' examples are checked against this). */
export const requiredOneOf = [{ inputs: [inputNames.bundlePath, inputNames.bundleRoot] }] as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  bundleSource: 'releaseBundle',
} as const;

export const outputNames = {
  deployedTarget: 'deployedTarget',
  runId: 'runId',
} as const;

/**
 * Environment variable (or pipeline variable of that name) that replaces the GitHub releases URL
 * the CLI is downloaded from: a mirror on networks without GitHub access, a loopback server in tests.
 * The mirror must serve the release's own SHA256SUMS file beside the zips.
 */
export { cliDownloadUrlVariable } from '../common/bundle/deploy/cli-install';

/**
 * Pipeline variables that tune the wait for a held deployment lock: attempts in all (default 6) and
 * the first wait in seconds (default 15, doubling up to 120). Tests set them to wait milliseconds.
 */
export const lockRetryVariables = {
  attempts: 'DatabricksBundleDeploy.LockRetryAttempts',
  firstDelaySeconds: 'DatabricksBundleDeploy.LockRetryDelaySeconds',
} as const;
