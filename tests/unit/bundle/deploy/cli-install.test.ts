import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliAssetName, cliPlatform, displayUrl, installCli, parseChecksumFile } from '../../../../tasks/common/bundle/deploy/cli-install';
import { createNodeTransport } from '../../../../tasks/common/http/node-transport';
import { TransportError } from '../../../../tasks/common/http/transport';
import { createCliToolCache } from '../../../../tasks/common/node/cli-tool-cache';
import { silentLogger } from '../../../../tasks/common/ports';
import { makeCliZip, startReleaseServer, type ReleaseServer } from '../../../fakes/cli-release-server';
import { FakeClock } from '../../../fakes/clock';
import { FakeTransport } from '../../../fakes/transport';

describe('bundle deploy: CLI installation into the tool cache', () => {
  const version = '0.250.0';
  const platform = { os: 'linux', arch: 'amd64' } as const;
  const asset = cliAssetName(version, platform);
  let toolsRoot: string;
  let server: ReleaseServer | undefined;

  beforeEach(() => {
    toolsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-tools-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(toolsRoot, { recursive: true, force: true });
  });

  function install(base: string) {
    return installCli({
      version,
      platform,
      downloadBaseUrl: base,
      transport: createNodeTransport({}),
      toolCache: createCliToolCache(toolsRoot),
      clock: new FakeClock(),
      logger: silentLogger,
    });
  }

  it('names release assets and maps Node platforms as the releases do', () => {
    assert.equal(asset, 'databricks_cli_0.250.0_linux_amd64.zip');
    assert.deepEqual(cliPlatform('win32', 'arm64'), { os: 'windows', arch: 'arm64' });
    assert.deepEqual(cliPlatform('darwin', 'x64'), { os: 'darwin', arch: 'amd64' });
    assert.throws(() => cliPlatform('aix', 'ppc64'), /no release for aix\/ppc64/);
    const sums = parseChecksumFile(`${'A'.repeat(64)}  one.zip\n${'b'.repeat(64)} *two.zip\nnot a line\n`);
    assert.deepEqual([...sums], [['one.zip', 'a'.repeat(64)], ['two.zip', 'b'.repeat(64)]]);
    assert.equal(displayUrl('https://ci:s3cret@mirror.contoso.com/cli/v1.zip'), 'https://mirror.contoso.com/cli/v1.zip');
  });

  it('downloads through a redirect, checks the SHA-256, installs an executable and reuses the cache', async () => {
    server = await startReleaseServer({ version, asset, zip: await makeCliZip(), redirect: true });
    const first = await install(server.url);
    assert.equal(first.cached, false);
    assert.equal(first.executable, path.join(toolsRoot, 'databricks', version, 'amd64', 'databricks'));
    assert.ok(fs.statSync(first.executable).mode & 0o100, 'the binary is executable');
    assert.ok(fs.existsSync(path.join(toolsRoot, 'databricks', version, 'amd64.complete')));
    assert.deepEqual(server.requests, [`/v${version}/databricks_cli_${version}_SHA256SUMS`, `/v${version}/${asset}`, `/objects/${asset}`]);

    const second = await install(server.url);
    assert.deepEqual(second, { executable: first.executable, cached: true });
    assert.equal(server.requests.length, 3, 'a cached version is not downloaded again');
  });

  it('refuses a download whose checksum differs from the published one and caches nothing', async () => {
    server = await startReleaseServer({ version, asset, zip: await makeCliZip(), publishedSha256: 'f'.repeat(64) });
    await assert.rejects(install(server.url), /Checksum mismatch/);
    assert.ok(!fs.existsSync(path.join(toolsRoot, 'databricks', version, 'amd64')));
    assert.ok(!fs.existsSync(path.join(toolsRoot, 'databricks', version, 'amd64.complete')));
  });

  it('refuses a release whose checksum file does not list the asset', async () => {
    server = await startReleaseServer({ version, asset, zip: await makeCliZip(), omitChecksum: true });
    await assert.rejects(install(server.url), /no entry for databricks_cli_0\.250\.0_linux_amd64\.zip/);
    assert.equal(server.requests.length, 1, 'the zip is not even downloaded');
  });

  it('refuses a zip without the CLI binary at its root', async () => {
    server = await startReleaseServer({ version, asset, zip: await makeCliZip('bin/databricks') });
    await assert.rejects(install(server.url), /has no 'databricks' at its root/);
  });

  it('names MLOPS_DATABRICKS_CLI_DOWNLOAD_URL when GitHub cannot be reached', async () => {
    const offline = new FakeTransport(new TransportError('getaddrinfo ENOTFOUND github.com', 'ENOTFOUND'));
    const options = { version, platform, transport: offline, toolCache: createCliToolCache(toolsRoot), clock: new FakeClock(), logger: silentLogger };
    await assert.rejects(installCli(options), (error: Error) => {
      assert.match(error.message, /github\.com/);
      assert.match(error.message, /set the pipeline variable MLOPS_DATABRICKS_CLI_DOWNLOAD_URL to a mirror/);
      return true;
    });
    await assert.rejects(installCli({ ...options, downloadBaseUrl: 'https://mirror.example/cli' }), /Check the mirror set in MLOPS_DATABRICKS_CLI_DOWNLOAD_URL/);
  });

  it('fails clearly when the release does not exist', async () => {
    server = await startReleaseServer({ version: '0.1.0', asset, zip: await makeCliZip() });
    await assert.rejects(install(server.url), /SHA256SUMS failed: .*404/);
  });
});
