/**
 * Installs a pinned Databricks CLI release into the agent's tool cache: the official release zip
 * for the agent's platform, checked against the SHA-256 the release publishes
 * (`databricks_cli_<version>_SHA256SUMS`) before a single byte of it is written to disk.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as yauzl from 'yauzl';
import type { Clock, Logger } from '../../ports';
import type { HttpTransport } from '../../http/transport';
import { ApiError, apiErrorFromConnection, apiErrorFromResponse } from '../../http/errors';
import { decideRetry } from '../../http/retry-policy';
import { TransportError } from '../../http/transport';
import type { ToolCache, ToolFile } from './ports';
import { formatVersion, parseVersion } from './cli-version';

/** Where the official releases are published; `<base>/v<version>/<asset>`. */
export const defaultCliDownloadBaseUrl = 'https://github.com/databricks/cli/releases/download';

/** Tool name in the tool cache. */
export const cliToolName = 'databricks';

/** Operating system and architecture as the release asset names spell them. */
export interface CliPlatform {
  os: 'linux' | 'darwin' | 'windows';
  arch: 'amd64' | 'arm64';
}

/** Maps Node's `process.platform`/`process.arch` to the release naming; throws for platforms without a release. */
export function cliPlatform(nodePlatform: string, nodeArch: string): CliPlatform {
  const os = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as const)[nodePlatform as 'linux' | 'darwin' | 'win32'];
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as const)[nodeArch as 'x64' | 'arm64'];
  if (!os || !arch) throw new Error(`The Databricks CLI has no release for ${nodePlatform}/${nodeArch}; put a 'databricks' binary on PATH instead.`);
  return { os, arch };
}

/** `databricks_cli_0.250.0_linux_amd64.zip` */
export function cliAssetName(version: string, platform: CliPlatform): string {
  return `databricks_cli_${version}_${platform.os}_${platform.arch}.zip`;
}

/** `databricks_cli_0.250.0_SHA256SUMS` */
export function cliChecksumFileName(version: string): string {
  return `databricks_cli_${version}_SHA256SUMS`;
}

/** The CLI binary's name inside the zip and the cache folder. */
export function cliBinaryName(platform: CliPlatform): string {
  return platform.os === 'windows' ? 'databricks.exe' : 'databricks';
}

/** Parses a `sha256sum`-style file (`<hex>  <name>` or `<hex> *<name>` per line) into name -> lower-case hex. */
export function parseChecksumFile(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (match) sums.set(match[2], match[1].toLowerCase());
  }
  return sums;
}

/** What {@link installCli} needs. */
export interface CliInstallOptions {
  /** Exact release version, e.g. `0.250.0`. */
  version: string;
  platform: CliPlatform;
  /** Defaults to {@link defaultCliDownloadBaseUrl}; tests point it at a loopback server. */
  downloadBaseUrl?: string;
  transport: HttpTransport;
  toolCache: ToolCache;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
}

/** An installed CLI. */
export interface InstalledCli {
  executable: string;
  /** True when the tool cache already held this version. */
  cached: boolean;
}

const maxRedirects = 5;

/**
 * Environment variable (or pipeline variable of that name) that replaces the GitHub releases URL
 * the CLI is downloaded from: a mirror on networks without GitHub access.
 */
export const cliDownloadUrlVariable = 'MLOPS_DATABRICKS_CLI_DOWNLOAD_URL';

/** What to do when the download fails: agents behind a firewall usually cannot reach GitHub. */
function downloadHint(options: CliInstallOptions): string {
  if (options.downloadBaseUrl) {
    return `Check the mirror set in ${cliDownloadUrlVariable}: it must serve <url>/v<version>/<asset> and the release's own SHA256SUMS file.`;
  }
  return (
    `If this agent cannot reach GitHub, set the pipeline variable ${cliDownloadUrlVariable} to a mirror that serves ` +
    `<url>/v<version>/<asset> and the release's SHA256SUMS file, or install the CLI on the agent and leave 'cliVersion' empty.`
  );
}

/** The URL for messages: a mirror URL may carry credentials (`https://user:token@mirror/...`). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** GETs a URL, following redirects (GitHub sends release assets from another host) and retrying transient failures. */
async function download(url: string, options: CliInstallOptions): Promise<Uint8Array> {
  const started = options.clock.now();
  for (let attempt = 1; ; attempt++) {
    let current = url;
    let failure: ApiError;
    try {
      for (let hop = 0; ; hop++) {
        const response = await options.transport.send({ method: 'GET', url: current, headers: { accept: 'application/octet-stream' } }, options.signal);
        const location = response.headers.location;
        if (response.status >= 300 && response.status < 400 && location) {
          if (hop >= maxRedirects) throw new Error(`Downloading ${displayUrl(url)} failed: more than ${maxRedirects} redirects.`);
          current = new URL(location, current).toString();
          continue;
        }
        if (response.status === 200) return response.body;
        throw apiErrorFromResponse('GET', new URL(current).pathname, response);
      }
    } catch (error) {
      if (error instanceof TransportError) {
        if (error.aborted) throw error;
        failure = apiErrorFromConnection('GET', new URL(current).pathname, error);
      } else if (error instanceof ApiError) {
        failure = error;
      } else {
        throw error;
      }
    }
    const decision = decideRetry({ method: 'GET', idempotent: true, error: failure, attempt, elapsedMs: options.clock.now() - started, nowMs: options.clock.now() });
    if (!decision.retry) {
      throw new Error(`Downloading ${displayUrl(url)} failed: ${failure.message} ${downloadHint(options)}`, { cause: failure });
    }
    options.logger.debug(`Download of ${displayUrl(url)} failed (${decision.reason}); retrying in ${decision.delayMs} ms.`);
    await options.clock.sleep(decision.delayMs, options.signal);
  }
}

/** Reads every file of a zip held in memory. Entry names are validated by yauzl (no absolute paths, no `..`). */
export function readZip(data: Uint8Array): Promise<Array<{ path: string; data: Uint8Array; mode: number }>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { lazyEntries: true }, (openError, zip) => {
      if (openError) {
        reject(openError);
        return;
      }
      const files: Array<{ path: string; data: Uint8Array; mode: number }> = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) {
            reject(streamError);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            files.push({ path: entry.fileName, data: Buffer.concat(chunks), mode: (entry.externalFileAttributes >>> 16) & 0o777 });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Lower-case hex SHA-256. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Returns the CLI of exactly `version` from the tool cache, downloading, verifying and caching it
 * first when absent. A checksum mismatch or a release without a checksum for the asset is refused.
 */
export async function installCli(options: CliInstallOptions): Promise<InstalledCli> {
  const parsed = parseVersion(options.version);
  if (!parsed) throw new Error(`Invalid 'cliVersion' '${options.version}': expected an exact release such as 0.250.0`);
  const version = formatVersion(parsed);
  const binary = cliBinaryName(options.platform);
  const cached = await options.toolCache.find(cliToolName, version, options.platform.arch);
  if (cached) {
    options.logger.info(`Using Databricks CLI ${version} from the tool cache (${cached}).`);
    return { executable: path.join(cached, binary), cached: true };
  }

  const base = (options.downloadBaseUrl ?? defaultCliDownloadBaseUrl).replace(/\/+$/, '');
  const asset = cliAssetName(version, options.platform);
  const checksumUrl = `${base}/v${version}/${cliChecksumFileName(version)}`;
  const assetUrl = `${base}/v${version}/${asset}`;
  options.logger.info(`Downloading Databricks CLI ${version} from ${displayUrl(assetUrl)}.`);

  const sums = parseChecksumFile(Buffer.from(await download(checksumUrl, options)).toString('utf8'));
  const expected = sums.get(asset);
  if (!expected) throw new Error(`The checksum file ${displayUrl(checksumUrl)} has no entry for ${asset}; refusing to install an unverified CLI.`);
  const zip = await download(assetUrl, options);
  const actual = sha256Hex(zip);
  if (actual !== expected) {
    throw new Error(`Checksum mismatch for ${asset}: the release publishes sha256 ${expected}, the download has ${actual}. Refusing to install it.`);
  }

  const entries = await readZip(zip);
  if (!entries.some((entry) => entry.path === binary)) throw new Error(`${asset} has no '${binary}' at its root.`);
  const files: ToolFile[] = entries.map((entry) => ({ path: entry.path, data: entry.data, executable: entry.path === binary || (entry.mode & 0o111) !== 0 }));
  const folder = await options.toolCache.add(cliToolName, version, options.platform.arch, files);
  options.logger.info(`Installed Databricks CLI ${version} (sha256 ${actual}) into ${folder}.`);
  return { executable: path.join(folder, binary), cached: false };
}
