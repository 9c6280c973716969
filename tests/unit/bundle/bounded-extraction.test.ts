/**
 * Verify before writing: names, declared sizes and the manifest are checked from the zip's
 * directory before any file is written, sizes are bounded, and extraction stops at the first file
 * that differs from its manifest line, leaving nothing behind.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ZipFile } from 'yazl';
import { nodeBundleFileSystem } from '../../../tasks/common/node/bundle-file-system';
import { computeContentDigest, manifestEntryName, serializeManifest, type BundleManifest, type ManifestFile } from '../../../tasks/common/bundle/manifest';
import { BundleVerificationError, extractBundle, extractionLimitsFrom, defaultExtractionLimits, verifyBundle } from '../../../tasks/common/bundle/verify';
import type { BundleFileSystem } from '../../../tasks/common/bundle/ports';

function line(name: string, content: Buffer): ManifestFile {
  return { path: name, size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
}

/** A zip whose manifest lists `listed` (default: exactly the files), written with yazl as an attacker would. */
async function writeZip(zipPath: string, files: Record<string, Buffer>, listed: ManifestFile[] = Object.entries(files).map(([name, content]) => line(name, content))): Promise<void> {
  const manifest: BundleManifest = {
    schemaVersion: 1,
    bundle: { name: 'demo', root: '.' },
    version: '1',
    contentDigest: computeContentDigest(listed),
    source: {},
    build: {},
    targets: {},
    artifacts: {},
    secretScan: { enabled: true, allowed: [] },
    files: listed,
  };
  const zip = new ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(content, name);
  zip.addBuffer(Buffer.from(serializeManifest(manifest)), manifestEntryName);
  zip.end();
  await new Promise<void>((resolve) => zip.outputStream.pipe(fs.createWriteStream(zipPath)).on('close', () => resolve()));
}

/** The real file system, counting the files opened for writing and the bytes written. */
function countingFs(): BundleFileSystem & { writes: string[]; bytes: () => number } {
  const writes: string[] = [];
  let bytes = 0;
  return {
    ...nodeBundleFileSystem,
    writes,
    bytes: () => bytes,
    openWrite: (target: string) => {
      writes.push(target);
      const sink = nodeBundleFileSystem.openWrite(target);
      const write = sink.write.bind(sink);
      sink.write = ((chunk: Buffer, ...rest: unknown[]) => {
        bytes += chunk.length;
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof sink.write;
      return sink;
    },
    writeText: async (target: string, text: string) => {
      writes.push(target);
      bytes += Buffer.byteLength(text);
      return nodeBundleFileSystem.writeText(target, text);
    },
  };
}

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => assert.fail('verification passed'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof BundleVerificationError, String(error));
  return error.problems.map((p) => `${p.kind}:${p.path ?? ''}`);
}

describe('bounded extraction: verify before writing', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses an entry compressed beyond 200:1 before writing anything, in extract and in verify alone', async () => {
    const zipPath = path.join(tmp, 'bomb.zip');
    // 32 MB of zeros deflate to about 32 KB: a zip bomb in miniature, honestly listed in its manifest.
    await writeZip(zipPath, { 'src/a.py': Buffer.from('x = 1\n'), 'data/zeros.bin': Buffer.alloc(32 * 1024 * 1024) });
    assert.ok(fs.statSync(zipPath).size < 200 * 1024);
    const counting = countingFs();
    const out = path.join(tmp, 'out');
    assert.deepEqual(await problemsOf(extractBundle(counting, zipPath, out)), ['too-large:data/zeros.bin']);
    assert.deepEqual([counting.writes, counting.bytes()], [[], 0], 'nothing was written');
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(await problemsOf(verifyBundle(nodeBundleFileSystem, zipPath)), ['too-large:data/zeros.bin']);
  });

  it('refuses a bundle whose declared total is above the limit, which a pipeline variable sets', async () => {
    const zipPath = path.join(tmp, 'big.zip');
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    await writeZip(zipPath, { 'a.bin': random, 'b.bin': random.subarray(0, 2048) });
    const limits = { ...defaultExtractionLimits, maxTotalBytes: 5000 };
    const counting = countingFs();
    assert.deepEqual(await problemsOf(extractBundle(counting, zipPath, path.join(tmp, 'out'), { limits })), ['too-large:']);
    assert.equal(counting.bytes(), 0);
    assert.deepEqual(await problemsOf(verifyBundle(nodeBundleFileSystem, zipPath, undefined, limits)), ['too-large:']);
    await verifyBundle(nodeBundleFileSystem, zipPath);
    assert.equal(extractionLimitsFrom('8192').maxTotalBytes, 8192 * 1024 * 1024);
    assert.equal(extractionLimitsFrom(undefined), defaultExtractionLimits);
    assert.throws(() => extractionLimitsFrom('lots'), /DatabricksBundle\.MaxUncompressedMB.*'lots'/);
  });

  it('refuses sizes that differ from the manifest, and a manifest whose digest is not the expected one, before writing', async () => {
    const content = Buffer.from('print("a")\n');
    const zipPath = path.join(tmp, 'sizes.zip');
    await writeZip(zipPath, { 'src/a.py': content }, [{ ...line('src/a.py', content), size: 3 }]);
    const counting = countingFs();
    assert.deepEqual(await problemsOf(extractBundle(counting, zipPath, path.join(tmp, 'out'))), ['tampered:src/a.py']);
    const good = path.join(tmp, 'good.zip');
    await writeZip(good, { 'src/a.py': content });
    assert.deepEqual(await problemsOf(extractBundle(counting, good, path.join(tmp, 'out2'), { expectedDigest: `sha256:${'0'.repeat(64)}` })), ['expected-digest-mismatch:']);
    assert.equal(counting.bytes(), 0);
  });

  it('stops at the first file whose bytes differ from the manifest, reads no further and leaves nothing behind', async () => {
    const a = Buffer.from('aaaa\n');
    const b = Buffer.from('bbbb\n');
    const c = Buffer.from('cccc\n');
    const zipPath = path.join(tmp, 'swapped.zip');
    // Same sizes, different bytes: only hashing can tell, and the first wrong file ends it.
    await writeZip(zipPath, { '1.txt': a, '2.txt': b, '3.txt': c }, [line('1.txt', a), line('2.txt', c), line('3.txt', b)]);
    const counting = countingFs();
    const out = path.join(tmp, 'out');
    assert.deepEqual(await problemsOf(extractBundle(counting, zipPath, out)), ['tampered:2.txt']);
    assert.ok(!counting.writes.some((file) => file.endsWith('3.txt')), 'the file after the first mismatch was never written');
    assert.equal(fs.existsSync(out), false, 'no partial output');
  });
});
