/**
 * Chooses the Databricks CLI a deployment runs: the pinned `cliVersion` from the tool cache
 * (installing it when absent), or else the `databricks` on PATH, provided it is new enough for bundles.
 */
import type { Clock, Logger } from '../../ports';
import type { HttpTransport } from '../../http/transport';
import type { CommandRunner, ProgramLocator, ToolCache } from './ports';
import { compareVersions, formatVersion, minimumCliVersion, parseCliVersionOutput, parseVersion, type CliVersion } from './cli-version';
import { cliPlatform, installCli } from './cli-install';

/** The CLI chosen for the deployment. */
export interface LocatedCli {
  executable: string;
  /** `0.250.0` */
  version: string;
  source: 'path' | 'toolCache' | 'download';
}

/** What {@link locateCli} needs. */
export interface CliLocateOptions {
  /** Pinned release; undefined to use the CLI on PATH. */
  cliVersion?: string;
  /** Environment for `databricks --version` (its PATH is searched); carries no credentials. */
  env: Record<string, string>;
  /** Folder to run `--version` in. */
  cwd: string;
  /** `process.platform` / `process.arch` of the agent. */
  nodePlatform: string;
  nodeArch: string;
  downloadBaseUrl?: string;
  runner: CommandRunner;
  locator: ProgramLocator;
  toolCache: ToolCache;
  transport: HttpTransport;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
}

/** Runs `<executable> --version` and parses it; throws when the answer is not a Databricks CLI version. */
export async function probeCliVersion(executable: string, options: Pick<CliLocateOptions, 'env' | 'cwd' | 'runner' | 'signal'>): Promise<CliVersion> {
  const result = await options.runner.run({ executable, args: ['--version'], cwd: options.cwd, env: options.env }, options.signal);
  const output = `${result.stdout}\n${result.stderr}`;
  const version = result.exitCode === 0 ? parseCliVersionOutput(output) : undefined;
  if (!version) {
    const said = output.trim().split(/\r?\n/)[0] ?? '';
    throw new Error(
      `'${executable} --version' did not report a Databricks CLI version (exit code ${result.exitCode}${said ? `: ${said}` : ''}). ` +
        `The legacy Python 'databricks-cli' package has no bundle support; install the Databricks CLI ${minimumCliVersion} or newer, or set 'cliVersion'.`,
    );
  }
  return version;
}

/** Finds or installs the CLI and checks its version. */
export async function locateCli(options: CliLocateOptions): Promise<LocatedCli> {
  const minimum = parseVersion(minimumCliVersion) as CliVersion;
  if (options.cliVersion !== undefined) {
    const pinned = parseVersion(options.cliVersion);
    if (!pinned) throw new Error(`Invalid 'cliVersion' '${options.cliVersion}': expected an exact release such as 0.250.0`);
    if (compareVersions(pinned, minimum) < 0) {
      throw new Error(`Invalid 'cliVersion' '${options.cliVersion}': bundles need the Databricks CLI ${minimumCliVersion} or newer`);
    }
    const installed = await installCli({
      version: formatVersion(pinned),
      platform: cliPlatform(options.nodePlatform, options.nodeArch),
      downloadBaseUrl: options.downloadBaseUrl,
      transport: options.transport,
      toolCache: options.toolCache,
      clock: options.clock,
      logger: options.logger,
      signal: options.signal,
    });
    const reported = await probeCliVersion(installed.executable, options);
    if (compareVersions(reported, pinned) !== 0) {
      throw new Error(`The cached Databricks CLI at ${installed.executable} reports ${formatVersion(reported)}, not the pinned ${formatVersion(pinned)}.`);
    }
    return { executable: installed.executable, version: formatVersion(pinned), source: installed.cached ? 'toolCache' : 'download' };
  }

  const name = options.nodePlatform === 'win32' ? 'databricks.exe' : 'databricks';
  const executable = await options.locator.which(name, options.env.PATH ?? options.env.Path ?? '');
  if (!executable) {
    throw new Error(`The Databricks CLI ('${name}') is not on PATH. Install it in an earlier step, or set 'cliVersion' to have this task install a pinned release.`);
  }
  const version = await probeCliVersion(executable, options);
  if (compareVersions(version, minimum) < 0) {
    throw new Error(
      `The Databricks CLI on PATH (${executable}) is ${formatVersion(version)}; bundles need ${minimumCliVersion} or newer. Upgrade it, or set 'cliVersion'.`,
    );
  }
  options.logger.info(`Using Databricks CLI ${formatVersion(version)} from PATH (${executable}).`);
  return { executable, version: formatVersion(version), source: 'path' };
}
