import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateTree, generator, textBlock } from '../../../bench/trees';
import { nodeBundleFileSystem } from '../../../tasks/common/node/bundle-file-system';
import { looksIncompressible, writeDeterministicZip, type PackEntry, type ZipWriteOptions } from '../../../tasks/common/bundle/zip-writer';
import { extractBundle, verifyBundle } from '../../../tasks/common/bundle/verify';
import { computeContentDigest, manifestEntryName, serializeManifest } from '../../../tasks/common/bundle/manifest';

const MiB = 1024 * 1024;

describe('bundle zip writer: a mix of random 1 MiB files and small compressible ones', function () {
  this.timeout(30_000);
  let tmp: string;
  let tree: string;
  let entries: PackEntry[];
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-zip-mixed-'));
    tree = path.join(tmp, 'tree');
    generateTree(tree, 'mixed', 6 * MiB);
    entries = fs
      .readdirSync(tree, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.relative(tree, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
      .map((name) => ({ name, sourcePath: path.join(tree, name) }));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const write = async (name: string, options: ZipWriteOptions): Promise<Buffer> => {
    const out = path.join(tmp, name);
    await writeDeterministicZip(nodeBundleFileSystem, out, entries, {
      ...options,
      finalEntry: {
        name: manifestEntryName,
        content: (files) =>
          Buffer.from(
            serializeManifest({
              schemaVersion: 1,
              bundle: { name: 'mixed', root: '.' },
              version: '1',
              contentDigest: computeContentDigest(files),
              source: {},
              build: {},
              targets: {},
              artifacts: {},
              secretScan: { enabled: false, allowed: [] },
              files,
            }),
          ),
      },
    });
    return fs.readFileSync(out);
  };

  it('gives the same bytes whatever the blocks in flight and the files read ahead', async () => {
    const serial = await write('serial.zip', { parallelBlocks: 1, readAhead: 1 });
    assert.deepEqual(await write('default.zip', {}), serial);
    assert.deepEqual(await write('wide.zip', { parallelBlocks: 8, readAhead: 64 }), serial);
    // Smaller blocks: the random files are cut into several stored blocks, the larger text files too.
    const small = { blockBytes: 64 * 1024 };
    assert.deepEqual(await write('serial-64k.zip', { ...small, parallelBlocks: 1, readAhead: 1 }), await write('wide-64k.zip', { ...small, parallelBlocks: 8, readAhead: 64 }));
  });

  it('packs every file intact, storing the random bytes and compressing the text', async () => {
    const zip = await write('mixed.zip', {});
    const verified = await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'mixed.zip'));
    const out = path.join(tmp, 'out');
    await extractBundle(nodeBundleFileSystem, path.join(tmp, 'mixed.zip'), out);
    let randomBytesTotal = 0;
    let textBytesTotal = 0;
    for (const entry of entries) {
      const original = fs.readFileSync(entry.sourcePath);
      assert.deepEqual(fs.readFileSync(path.join(out, entry.name)), original, entry.name);
      if (entry.name.endsWith('.bin')) randomBytesTotal += original.length;
      else textBytesTotal += original.length;
    }
    assert.equal(verified.totalSize, randomBytesTotal + textBytesTotal);
    assert.ok(randomBytesTotal > 3 * MiB && textBytesTotal > 2 * MiB, 'the tree holds both kinds');
    // Stored random bytes grow by a few bytes per 64 KiB; the text shrinks at least threefold.
    assert.ok(zip.length < randomBytesTotal * 1.001 + textBytesTotal / 3, `zip of ${zip.length} bytes`);
  });
});

describe('bundle zip writer: looksIncompressible', () => {
  it('says yes for random bytes, no for text, for short repeats of random bytes and for small blocks', () => {
    assert.equal(looksIncompressible(randomBytes(MiB)), true);
    assert.equal(looksIncompressible(textBlock(MiB, generator(7))), false);
    assert.equal(looksIncompressible(Buffer.concat(Array.from({ length: 256 }, () => randomBytes(4096)).slice(0, 1)).subarray(0, 0)), false);
    const pattern = randomBytes(4096);
    assert.equal(looksIncompressible(Buffer.concat(Array.from({ length: 256 }, () => pattern))), false);
    assert.equal(looksIncompressible(randomBytes(32 * 1024)), false);
  });
});
