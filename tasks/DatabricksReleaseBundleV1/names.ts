/** Input names of DatabricksReleaseBundle@1 (the contract pipelines use; a test checks them against task.json). */
export const inputNames = {
  command: 'command',
  bundleRoot: 'bundleRoot',
  targets: 'targets',
  variables: 'variables',
  version: 'version',
  outputDirectory: 'outputDirectory',
  artifactName: 'artifactName',
  publishArtifact: 'publishArtifact',
  schemaFile: 'schemaFile',
  strict: 'strict',
  buildArtifacts: 'buildArtifacts',
  secretScan: 'secretScan',
  secretScanAllow: 'secretScanAllow',
  bundlePath: 'bundlePath',
  expectedDigest: 'expectedDigest',
} as const;

/** Output variable names. */
export const outputNames = {
  bundlePath: 'bundlePath',
  bundleDigest: 'bundleDigest',
  bundleVersion: 'bundleVersion',
  manifestPath: 'manifestPath',
} as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  command: 'build',
  artifactName: 'release-bundle',
  publishArtifact: true,
  strict: false,
  buildArtifacts: false,
  secretScan: true,
} as const;

/** The commands. */
export const commands = ['build', 'verify'] as const;
export type Command = (typeof commands)[number];
