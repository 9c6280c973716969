import * as path from 'node:path';
import { invalidInput, parseBooleanInput, parseChoiceInput, parseListInput } from '../common/task/input-parsing';
import type { TaskInputs } from '../common/task/task-context';
import { bundleKeyPattern, parseBundleVariables, parseDigestInput } from '../common/bundle/shared-inputs';
import { parseSecretAllowances, type SecretAllowance } from '../common/bundle/secret-scan';
import { commands, defaults, inputNames, type Command } from './names';

/** `build`: what to build and where to put it. */
export interface BuildInputs {
  command: 'build';
  /** Absolute folder holding databricks.yml. */
  bundleRoot: string;
  /** Requested targets; empty = every declared target. */
  targets: string[];
  /** `name=value` overrides, highest precedence. */
  variables: Record<string, string>;
  /** Release version (manifest and zip name). */
  version: string;
  /** Absolute folder the artifact folder is created in. */
  outputDirectory: string;
  /** Pipeline artifact name (also the folder under outputDirectory). */
  artifactName: string;
  /** Publish the folder as a pipeline artifact. */
  publishArtifact: boolean;
  /** Absolute path of a bundle JSON schema, when given. */
  schemaFile?: string;
  /** Warnings fail the build. */
  strict: boolean;
  /** Build `artifacts:` here, once. */
  buildArtifacts: boolean;
  /** Refuse secrets. */
  secretScan: boolean;
  /** Reviewed false positives. */
  secretScanAllow: SecretAllowance[];
}

/** `verify`: which zip and which digest. */
export interface VerifyInputs {
  command: 'verify';
  /** Absolute path of the zip. */
  bundlePath: string;
  /** `sha256:<hex>`, when given. */
  expectedDigest?: string;
}

export type Settings = BuildInputs | VerifyInputs;

/** A value the agent did not expand (`$(Build.BuildNumber)` outside a pipeline) counts as unset. */
function unexpanded(value: string | undefined): string | undefined {
  return value === undefined || /^\$\([^)]+\)$/.test(value) ? undefined : value;
}

const targetName = { pattern: bundleKeyPattern, description: 'target names' };

/**
 * Reads the inputs into settings. Relative paths resolve against `baseDirectory`
 * (System.DefaultWorkingDirectory, else the working directory).
 */
export function parseInputs(inputs: TaskInputs, baseDirectory: string): Settings {
  const command: Command = parseChoiceInput(inputNames.command, inputs.get(inputNames.command), commands, defaults.command);
  const resolve = (value: string): string => path.resolve(baseDirectory, value);
  if (command === 'verify') {
    const bundlePath = inputs.get(inputNames.bundlePath);
    if (!bundlePath) throw new Error(`Input '${inputNames.bundlePath}' is required for command 'verify'`);
    const digest = inputs.get(inputNames.expectedDigest);
    const expectedDigest = digest === undefined ? undefined : parseDigestInput(inputNames.expectedDigest, digest);
    return { command, bundlePath: resolve(bundlePath), ...(expectedDigest ? { expectedDigest } : {}) };
  }
  const version = unexpanded(inputs.get(inputNames.version)) ?? inputs.variable('Build.BuildNumber') ?? 'local';
  if (/[\\/]/.test(version) || version.length > 200) throw invalidInput(inputNames.version, version, 'a version without slashes');
  const artifactName = inputs.get(inputNames.artifactName) ?? defaults.artifactName;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_. -]*$/.test(artifactName)) throw invalidInput(inputNames.artifactName, artifactName, "letters, digits, '_', '-', '.' or spaces");
  const outputDirectory =
    unexpanded(inputs.get(inputNames.outputDirectory)) ?? inputs.variable('Build.ArtifactStagingDirectory') ?? path.join(baseDirectory, 'release-bundle-output');
  const schemaFile = inputs.get(inputNames.schemaFile);
  return {
    command,
    bundleRoot: resolve(unexpanded(inputs.get(inputNames.bundleRoot)) ?? baseDirectory),
    targets: parseListInput(inputNames.targets, inputs.get(inputNames.targets), targetName),
    variables: parseBundleVariables(inputNames.variables, inputs.get(inputNames.variables)),
    version,
    outputDirectory: resolve(outputDirectory),
    artifactName,
    publishArtifact: parseBooleanInput(inputNames.publishArtifact, inputs.get(inputNames.publishArtifact), defaults.publishArtifact),
    ...(schemaFile ? { schemaFile: resolve(schemaFile) } : {}),
    strict: parseBooleanInput(inputNames.strict, inputs.get(inputNames.strict), defaults.strict),
    buildArtifacts: parseBooleanInput(inputNames.buildArtifacts, inputs.get(inputNames.buildArtifacts), defaults.buildArtifacts),
    secretScan: parseBooleanInput(inputNames.secretScan, inputs.get(inputNames.secretScan), defaults.secretScan),
    secretScanAllow: parseSecretAllowances(inputNames.secretScanAllow, inputs.get(inputNames.secretScanAllow)),
  };
}
