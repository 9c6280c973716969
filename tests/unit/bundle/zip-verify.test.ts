import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import * as yauzl from 'yauzl';
import { nodeBundleFileSystem } from '../../../tasks/common/node/bundle-file-system';
import { crc32, writeDeterministicZip, type PackEntry } from '../../../tasks/common/bundle/zip-writer';
import { computeContentDigest, manifestEntryName, serializeManifest, type BundleManifest } from '../../../tasks/common/bundle/manifest';
import { BundleVerificationError, extractBundle, verifyBundle } from '../../../tasks/common/bundle/verify';

function manifestFor(files: BundleManifest['files']): BundleManifest {
  return {
    schemaVersion: 1,
    bundle: { name: 'demo', root: '.' },
    version: '1.0.0',
    contentDigest: computeContentDigest(files),
    source: {},
    build: {},
    targets: {},
    artifacts: {},
    secretScan: { enabled: true, allowed: [] },
    files,
  };
}

async function pack(dir: string, out: string, order: (entries: PackEntry[]) => PackEntry[] = (entries) => entries): Promise<void> {
  const entries: PackEntry[] = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort()
    .map((name) => ({ name, sourcePath: path.join(dir, name) }));
  await writeDeterministicZip(nodeBundleFileSystem, out, order(entries), {
    finalEntry: { name: manifestEntryName, content: (files) => Buffer.from(serializeManifest(manifestFor(files))) },
  });
}

/** Rewrites a zip entry by entry, letting `edit` change, drop or add entries (an attacker's tools). */
async function rewrite(zipPath: string, out: string, edit: (entries: Map<string, Buffer>) => void): Promise<void> {
  const zip = await yauzl.fromBufferPromise(fs.readFileSync(zipPath), { lazyEntries: true });
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  edit(entries);
  const writer = new ZipFile();
  for (const [name, data] of entries) writer.addBuffer(data, name);
  writer.end();
  await new Promise<void>((resolve) => writer.outputStream.pipe(fs.createWriteStream(out)).on('close', () => resolve()));
}

describe('bundle zip writer and verify', () => {
  let tmp: string;
  let tree: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-zip-'));
    tree = path.join(tmp, 'tree');
    fs.mkdirSync(path.join(tree, 'src', 'nested'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'databricks.yml'), 'bundle:\n  name: demo\n');
    fs.writeFileSync(path.join(tree, 'src', 'a.py'), 'print("a")\n');
    fs.writeFileSync(path.join(tree, 'src', 'nested', 'b.sql'), 'select 1;\n'.repeat(1000));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('gives byte-identical zips for the same tree with different file times and modes', async () => {
    await pack(tree, path.join(tmp, 'one.zip'));
    const past = new Date('2001-02-03T04:05:06Z');
    for (const f of ['databricks.yml', 'src/a.py', 'src/nested/b.sql']) fs.utimesSync(path.join(tree, f), past, past);
    fs.chmodSync(path.join(tree, 'src', 'a.py'), 0o755);
    await pack(tree, path.join(tmp, 'two.zip'));
    assert.deepEqual(fs.readFileSync(path.join(tmp, 'one.zip')), fs.readFileSync(path.join(tmp, 'two.zip')));
  });

  it('writes the files sorted by name (bytes) whatever order they come in, then manifest.json at the root', async () => {
    fs.writeFileSync(path.join(tree, 'Z.md'), 'upper case sorts first\n');
    fs.writeFileSync(path.join(tree, 'src', 'é.py'), '# non-ASCII sorts last\n');
    await pack(tree, path.join(tmp, 'sorted.zip'));
    await pack(tree, path.join(tmp, 'reversed.zip'), (entries) => [...entries].reverse());
    assert.deepEqual(fs.readFileSync(path.join(tmp, 'sorted.zip')), fs.readFileSync(path.join(tmp, 'reversed.zip')));
    const zip = await yauzl.fromBufferPromise(fs.readFileSync(path.join(tmp, 'reversed.zip')), { lazyEntries: true });
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', reject);
      zip.readEntry();
    });
    assert.deepEqual(names, ['Z.md', 'databricks.yml', 'src/a.py', 'src/nested/b.sql', 'src/é.py', 'manifest.json']);
    const verified = await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'reversed.zip'));
    assert.deepEqual(verified.manifest.files.map((f) => f.path), names.slice(0, -1));
  });

  it('changes the digest when a file changes', async () => {
    await pack(tree, path.join(tmp, 'one.zip'));
    fs.appendFileSync(path.join(tree, 'src', 'a.py'), '#\n');
    await pack(tree, path.join(tmp, 'two.zip'));
    const one = await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'one.zip'));
    const two = await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'two.zip'));
    assert.notEqual(one.contentDigest, two.contentDigest);
    assert.equal(one.fileCount, 3);
  });

  it('verifies a good bundle against its expected digest, with or without the sha256: prefix', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    const { contentDigest, manifest } = await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'b.zip'));
    assert.equal(manifest.contentDigest, contentDigest);
    await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'b.zip'), contentDigest);
    await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'b.zip'), contentDigest.slice('sha256:'.length).toUpperCase());
  });

  const kinds = async (zip: string, expected?: string): Promise<string[]> => {
    try {
      await verifyBundle(nodeBundleFileSystem, zip, expected);
    } catch (error) {
      assert.ok(error instanceof BundleVerificationError, String(error));
      return error.problems.map((p) => `${p.kind}:${p.path ?? ''}`);
    }
    assert.fail('verification passed');
  };

  it('catches a tampered file', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    await rewrite(path.join(tmp, 'b.zip'), path.join(tmp, 'bad.zip'), (e) => e.set('src/a.py', Buffer.from('print("evil")\n')));
    assert.deepEqual(await kinds(path.join(tmp, 'bad.zip')), ['tampered:src/a.py']);
  });

  it('reports a file whose compressed bytes were altered as tampered, naming it', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    const bytes = fs.readFileSync(path.join(tmp, 'b.zip'));
    // The data of an entry starts right after its local header (30 bytes, then the name).
    const at = bytes.indexOf(Buffer.from('src/nested/b.sql')) + 'src/nested/b.sql'.length + 2;
    for (let i = 0; i < 8; i++) bytes[at + i] ^= 0xa5;
    fs.writeFileSync(path.join(tmp, 'bad.zip'), bytes);
    assert.deepEqual(await kinds(path.join(tmp, 'bad.zip')), ['tampered:src/nested/b.sql']);
  });

  it('catches a removed file', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    await rewrite(path.join(tmp, 'b.zip'), path.join(tmp, 'bad.zip'), (e) => e.delete('src/nested/b.sql'));
    assert.deepEqual(await kinds(path.join(tmp, 'bad.zip')), ['removed:src/nested/b.sql']);
  });

  it('catches an added file', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    await rewrite(path.join(tmp, 'b.zip'), path.join(tmp, 'bad.zip'), (e) => e.set('src/extra.py', Buffer.from('x')));
    assert.deepEqual(await kinds(path.join(tmp, 'bad.zip')), ['added:src/extra.py']);
  });

  it('catches a wrong expected digest', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    assert.deepEqual(await kinds(path.join(tmp, 'b.zip'), `sha256:${'0'.repeat(64)}`), ['expected-digest-mismatch:']);
  });

  it('catches a manifest edited to match a tampered file (digest no longer matches the expected one)', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    const good = await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'b.zip'));
    await rewrite(path.join(tmp, 'b.zip'), path.join(tmp, 'bad.zip'), (e) => {
      e.set('src/a.py', Buffer.from('evil'));
      const files = good.manifest.files.map((f) => (f.path === 'src/a.py' ? { ...f, size: 4, sha256: createHash('sha256').update('evil').digest('hex') } : f));
      e.set('manifest.json', Buffer.from(serializeManifest({ ...good.manifest, files, contentDigest: computeContentDigest(files) })));
    });
    assert.deepEqual(await kinds(path.join(tmp, 'bad.zip'), good.contentDigest), ['expected-digest-mismatch:']);
  });

  it('refuses unsafe entry names', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    await rewrite(path.join(tmp, 'b.zip'), path.join(tmp, 'bad.zip'), (e) => e.set('xx/escape.txt', Buffer.from('x')));
    // yazl refuses to write such a name, so patch it in: same length, in both headers.
    const bytes = fs.readFileSync(path.join(tmp, 'bad.zip'));
    for (let i = bytes.indexOf('xx/escape'); i >= 0; i = bytes.indexOf('xx/escape', i + 1)) bytes.write('../escape', i, 'latin1');
    fs.writeFileSync(path.join(tmp, 'bad.zip'), bytes);
    assert.ok((await kinds(path.join(tmp, 'bad.zip'))).includes('unsafe-name:../escape.txt'));
  });

  it('extracts exactly the verified files into a fresh folder, and cleans up on failure', async () => {
    await pack(tree, path.join(tmp, 'b.zip'));
    const out = path.join(tmp, 'out');
    const verified = await extractBundle(nodeBundleFileSystem, path.join(tmp, 'b.zip'), out);
    assert.equal(fs.readFileSync(path.join(out, 'src', 'nested', 'b.sql'), 'utf8'), 'select 1;\n'.repeat(1000));
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).contentDigest, verified.contentDigest);
    await assert.rejects(extractBundle(nodeBundleFileSystem, path.join(tmp, 'b.zip'), out), /must be missing or empty/);
    const other = path.join(tmp, 'out2');
    await assert.rejects(extractBundle(nodeBundleFileSystem, path.join(tmp, 'b.zip'), other, { expectedDigest: `sha256:${'1'.repeat(64)}` }), BundleVerificationError);
    assert.equal(fs.existsSync(other), false);
  });

  it('refuses entries that would land on one file of a case-insensitive file system', async () => {
    const caseTree = path.join(tmp, 'case');
    fs.mkdirSync(path.join(caseTree, 'src'), { recursive: true });
    fs.writeFileSync(path.join(caseTree, 'src', 'A.py'), 'print("verified")\n');
    fs.writeFileSync(path.join(caseTree, 'src', 'a.py'), 'print("other")\n');
    await pack(caseTree, path.join(tmp, 'case.zip'));
    const out = path.join(tmp, 'out-case');
    // Windows and macOS fold letter case: model that under the extraction folder.
    const fold = (p: string): string => (p.startsWith(out) ? out + p.slice(out.length).toLowerCase() : p);
    const folding = {
      ...nodeBundleFileSystem,
      lstat: (p: string) => nodeBundleFileSystem.lstat(fold(p)),
      stat: (p: string) => nodeBundleFileSystem.stat(fold(p)),
      openWrite: (p: string) => nodeBundleFileSystem.openWrite(fold(p)),
      writeText: (p: string, text: string) => nodeBundleFileSystem.writeText(fold(p), text),
      mkdir: (p: string) => nodeBundleFileSystem.mkdir(fold(p)),
    };
    const error = await extractBundle(folding, path.join(tmp, 'case.zip'), out).then(
      () => assert.fail('extracted two entries into one file'),
      (e: unknown) => e as BundleVerificationError,
    );
    assert.ok(error instanceof BundleVerificationError);
    assert.ok(error.problems.some((p) => p.kind === 'duplicate' && p.path === 'src/a.py'));
    assert.equal(fs.existsSync(out), false);
  });

  it('has closed the output file when a failed write rejects, so the partial zip can be deleted at once', async function () {
    if (process.platform !== 'linux') this.skip(); // open descriptors are listed in /proc/self/fd
    const out = path.join(tmp, 'failed.zip.partial');
    const unreadable = {
      ...nodeBundleFileSystem,
      readSmall: () => Promise.reject(new Error('disk read error')),
      openRead: () => new Readable({ read() { this.destroy(new Error('disk read error')); } }),
    };
    await assert.rejects(writeDeterministicZip(unreadable, out, [{ name: 'a.py', sourcePath: path.join(tree, 'src', 'a.py') }]), /disk read error/);
    // A file too large to be read whole streams, and fails as it streams.
    const streamed = { ...unreadable, readSmall: async () => ({ info: { kind: 'file' as const, size: 1024 * 1024 } }) };
    await assert.rejects(writeDeterministicZip(streamed, out, [{ name: 'a.py', sourcePath: path.join(tree, 'src', 'a.py') }]), /disk read error/);
    const openOnOutput = fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === out;
      } catch {
        return false;
      }
    });
    assert.deepEqual(openOnOutput, []);
  });

  it('refuses to pack an unsafe or duplicate entry name', async () => {
    const source = path.join(tree, 'src', 'a.py');
    await assert.rejects(writeDeterministicZip(nodeBundleFileSystem, path.join(tmp, 'x.zip'), [{ name: '../a.py', sourcePath: source }]), /'\.\.'/);
    await assert.rejects(writeDeterministicZip(nodeBundleFileSystem, path.join(tmp, 'x.zip'), [{ name: '/a.py', sourcePath: source }]), /absolute/);
    await assert.rejects(
      writeDeterministicZip(nodeBundleFileSystem, path.join(tmp, 'x.zip'), [{ name: 'a.py', sourcePath: source }, { name: 'a.py', sourcePath: source }]),
      /twice/,
    );
  });
});

describe('bundle zip writer: blocks compressed in parallel', () => {
  let tmp: string;
  let tree: string;
  const big = Buffer.from(Array.from({ length: 5000 }, (_unused, i) => `line ${i} ${(i * 7919) % 1000}\n`).join(''));
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-zip-blocks-'));
    tree = path.join(tmp, 'tree');
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, 'big.txt'), big);
    fs.writeFileSync(path.join(tree, 'empty.txt'), '');
    fs.writeFileSync(path.join(tree, 'small.txt'), 'small\n');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const entries = (): PackEntry[] => ['big.txt', 'empty.txt', 'small.txt'].map((name) => ({ name, sourcePath: path.join(tree, name) }));
  const write = (out: string, options: Parameters<typeof writeDeterministicZip>[3]) =>
    writeDeterministicZip(nodeBundleFileSystem, path.join(tmp, out), entries(), {
      ...options,
      finalEntry: { name: manifestEntryName, content: (files) => Buffer.from(serializeManifest(manifestFor(files))) },
    });

  it('joins a file cut into many blocks back into its exact bytes, and empty files too', async () => {
    const files = await write('blocks.zip', { blockBytes: 1000, parallelBlocks: 3 });
    assert.deepEqual(files.map((f) => [f.path, f.size]), [['big.txt', big.length], ['empty.txt', 0], ['small.txt', 6]]);
    const out = path.join(tmp, 'out');
    await extractBundle(nodeBundleFileSystem, path.join(tmp, 'blocks.zip'), out);
    assert.deepEqual(fs.readFileSync(path.join(out, 'big.txt')), big);
    assert.equal(fs.readFileSync(path.join(out, 'empty.txt'), 'utf8'), '');
  });

  it('gives the same bytes whatever the number of blocks in flight', async () => {
    await write('one.zip', { blockBytes: 1000, parallelBlocks: 1 });
    await write('eight.zip', { blockBytes: 1000, parallelBlocks: 8 });
    assert.deepEqual(fs.readFileSync(path.join(tmp, 'one.zip')), fs.readFileSync(path.join(tmp, 'eight.zip')));
  });

  it('writes ZIP64 records that readers accept', async () => {
    await write('zip64.zip', { blockBytes: 1000, forceZip64: true });
    const bytes = fs.readFileSync(path.join(tmp, 'zip64.zip'));
    assert.ok(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'ZIP64 end of central directory record');
    const verified = await verifyBundle(nodeBundleFileSystem, path.join(tmp, 'zip64.zip'));
    assert.equal(verified.totalSize, big.length + 6);
  });

  it('computes the same CRC-32 without zlib.crc32 (older Node 20 releases)', () => {
    assert.equal(crc32(Buffer.from('123456789'), 0, false), 0xcbf43926);
    const half = crc32(big.subarray(0, 777), 0, false);
    assert.equal(crc32(big.subarray(777), half, false), crc32(big, 0));
  });
});
