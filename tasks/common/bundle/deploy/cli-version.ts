/**
 * Versions of the Databricks CLI. Asset Bundles became generally available in CLI 0.218.0; older
 * binaries (and the legacy Python `databricks-cli`, which prints `Version 0.18.0`) have no usable
 * `bundle` command.
 */

/** The oldest CLI whose `bundle validate/deploy/run` this task relies on. */
export const minimumCliVersion = '0.218.0';

/** A `major.minor.patch` version. */
export interface CliVersion {
  major: number;
  minor: number;
  patch: number;
}

const versionPattern = /^v?(\d+)\.(\d+)\.(\d+)$/;

/** Parses `0.250.0` or `v0.250.0`; undefined for anything else (no pre-release tags: pins are exact releases). */
export function parseVersion(text: string): CliVersion | undefined {
  const match = versionPattern.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** Reads the version from `databricks --version` output (`Databricks CLI v0.250.0`). */
export function parseCliVersionOutput(output: string): CliVersion | undefined {
  const match = /Databricks CLI v?(\d+\.\d+\.\d+)/i.exec(output);
  return match ? parseVersion(match[1]) : undefined;
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: CliVersion, b: CliVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** `0.250.0` */
export function formatVersion(version: CliVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}
