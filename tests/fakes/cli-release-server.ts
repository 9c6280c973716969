/**
 * A loopback stand-in for the CLI's GitHub release downloads: serves
 * `/v<version>/databricks_cli_<version>_<os>_<arch>.zip` and `/v<version>/databricks_cli_<version>_SHA256SUMS`,
 * optionally behind a redirect (as GitHub answers release downloads) and with a wrong checksum.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ZipFile } from 'yazl';
import { repoRoot } from '../support/task-bundle';

/** The fake CLI script, for packing into a release zip. */
export const fakeCliPath = path.join(repoRoot, 'tests', 'fixtures', 'fake-databricks-cli', 'databricks');

/** A zip holding the fake CLI as `databricks` (executable) plus a licence file, like the real release. */
export function makeCliZip(binaryName = 'databricks'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(fs.readFileSync(fakeCliPath), binaryName, { mode: 0o100755, mtime: new Date(2026, 0, 1) });
    zip.addBuffer(Buffer.from('test licence\n'), 'LICENSE', { mode: 0o100644, mtime: new Date(2026, 0, 1) });
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

export interface ReleaseServer {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startReleaseServer(options: {
  version: string;
  asset: string;
  zip: Buffer;
  /** Publish this checksum instead of the zip's own. */
  publishedSha256?: string;
  /** Leave the asset out of the checksum file. */
  omitChecksum?: boolean;
  /** Answer the asset with a 302 to another path first. */
  redirect?: boolean;
}): Promise<ReleaseServer> {
  const requests: string[] = [];
  const sha = options.publishedSha256 ?? createHash('sha256').update(options.zip).digest('hex');
  const sums = [`${'0'.repeat(64)}  databricks_cli_${options.version}_other_arch.zip`, ...(options.omitChecksum ? [] : [`${sha}  ${options.asset}`])].join('\n');
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    if (url === `/v${options.version}/databricks_cli_${options.version}_SHA256SUMS`) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${sums}\n`);
    } else if (url === `/v${options.version}/${options.asset}` && options.redirect) {
      res.writeHead(302, { location: `/objects/${options.asset}` }).end();
    } else if (url === `/v${options.version}/${options.asset}` || url === `/objects/${options.asset}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(options.zip);
    } else {
      res.writeHead(404).end('Not Found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
