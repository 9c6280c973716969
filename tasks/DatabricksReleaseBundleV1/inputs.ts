import * as path from 'node:path';
import type { TaskInputs } from '../common/azure-devops/task-context';
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

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new Error(`Invalid '${name}' '${value}': expected true or false`);
}

/** A value the agent did not expand (`$(Build.BuildNumber)` outside a pipeline) counts as unset. */
function unexpanded(value: string | undefined): string | undefined {
  return value === undefined || /^\$\([^)]+\)$/.test(value) ? undefined : value;
}

const variableName = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const targetName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** `name=value` lines (blank lines and `#` comments skipped). */
export function parseVariables(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of (value ?? '').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const split = line.indexOf('=');
    const name = split > 0 ? line.slice(0, split).trim() : '';
    if (!variableName.test(name)) throw new Error(`Invalid '${inputNames.variables}' '${line}': expected <name>=<value> lines`);
    out[name] = line.slice(split + 1).trim();
  }
  return out;
}

/** Targets separated by commas or new lines, without duplicates. */
export function parseTargets(value: string | undefined): string[] {
  const targets = [...new Set((value ?? '').split(/[,\r\n]+/).map((t) => t.trim()).filter(Boolean))];
  for (const target of targets) if (!targetName.test(target)) throw new Error(`Invalid '${inputNames.targets}' '${target}': expected target names separated by commas or new lines`);
  return targets;
}

/**
 * Reads the inputs into settings. Relative paths resolve against `baseDirectory`
 * (System.DefaultWorkingDirectory, else the working directory).
 */
export function parseInputs(inputs: TaskInputs, baseDirectory: string): Settings {
  const command = (inputs.get(inputNames.command) ?? defaults.command) as Command;
  if (!commands.includes(command)) throw new Error(`Invalid '${inputNames.command}' '${command}': expected ${commands.join(' or ')}`);
  const resolve = (value: string): string => path.resolve(baseDirectory, value);
  if (command === 'verify') {
    const bundlePath = inputs.get(inputNames.bundlePath);
    if (!bundlePath) throw new Error(`Input '${inputNames.bundlePath}' is required for command 'verify'`);
    const expectedDigest = inputs.get(inputNames.expectedDigest);
    if (expectedDigest !== undefined && !/^(sha256:)?[0-9a-fA-F]{64}$/.test(expectedDigest)) {
      throw new Error(`Invalid '${inputNames.expectedDigest}' '${expectedDigest}': expected sha256:<64 hex digits> (the build's bundleDigest output)`);
    }
    return { command, bundlePath: resolve(bundlePath), ...(expectedDigest ? { expectedDigest } : {}) };
  }
  const version = unexpanded(inputs.get(inputNames.version)) ?? inputs.variable('Build.BuildNumber') ?? 'local';
  if (/[\\/]/.test(version) || version.length > 200) throw new Error(`Invalid '${inputNames.version}' '${version}': expected a version without slashes`);
  const artifactName = inputs.get(inputNames.artifactName) ?? defaults.artifactName;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_. -]*$/.test(artifactName)) throw new Error(`Invalid '${inputNames.artifactName}' '${artifactName}': expected letters, digits, '_', '-', '.' or spaces`);
  const outputDirectory =
    unexpanded(inputs.get(inputNames.outputDirectory)) ?? inputs.variable('Build.ArtifactStagingDirectory') ?? path.join(baseDirectory, 'release-bundle-output');
  const schemaFile = inputs.get(inputNames.schemaFile);
  const allowLines = (inputs.get(inputNames.secretScanAllow) ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return {
    command,
    bundleRoot: resolve(unexpanded(inputs.get(inputNames.bundleRoot)) ?? baseDirectory),
    targets: parseTargets(inputs.get(inputNames.targets)),
    variables: parseVariables(inputs.get(inputNames.variables)),
    version,
    outputDirectory: resolve(outputDirectory),
    artifactName,
    publishArtifact: parseBoolean(inputNames.publishArtifact, inputs.get(inputNames.publishArtifact), defaults.publishArtifact),
    ...(schemaFile ? { schemaFile: resolve(schemaFile) } : {}),
    strict: parseBoolean(inputNames.strict, inputs.get(inputNames.strict), defaults.strict),
    buildArtifacts: parseBoolean(inputNames.buildArtifacts, inputs.get(inputNames.buildArtifacts), defaults.buildArtifacts),
    secretScan: parseBoolean(inputNames.secretScan, inputs.get(inputNames.secretScan), defaults.secretScan),
    secretScanAllow: parseSecretAllowances(allowLines),
  };
}
