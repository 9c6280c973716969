/**
 * One measured build, in its own process so its peak RSS is its own: `tsx bench/pack.ts <bundle
 * root> <output folder>`. Prints one JSON line: {ms, maxRssBytes, zipBytes, files, digest}.
 */
import { buildReleaseBundle } from '../tasks/common/bundle/release-bundle';
import { createNodeCommandRunner, nodeBundleFileSystem } from '../tasks/common/node/bundle-file-system';
import { silentLogger } from '../tasks/common/ports';

async function main(): Promise<void> {
  const [bundleRoot, outputDirectory] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  const result = await buildReleaseBundle(
    { fs: nodeBundleFileSystem, runner: createNodeCommandRunner(silentLogger), logger: silentLogger, env: {} },
    {
      bundleRoot,
      targets: [],
      variables: {},
      version: 'bench',
      outputDirectory,
      strict: false,
      buildArtifacts: false,
      secretScan: true,
      secretScanAllow: [],
      source: {},
      build: {},
    },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!result.succeeded) throw new Error(`build failed: ${JSON.stringify(result.findings)}`);
  // resourceUsage().maxRSS is in kilobytes.
  process.stdout.write(
    `${JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, zipBytes: result.zipSize, files: result.fileCount, digest: result.manifest?.contentDigest })}\n`,
  );
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
