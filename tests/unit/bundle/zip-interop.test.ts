/**
 * The release bundle's zip is written by our own format code (ADR 0007), so an independent reader
 * must accept it: Python's `zipfile` (CRC check of every entry, then the exact bytes back), for a
 * tree with empty, small, incompressible and multi-block files, with and without ZIP64 records.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeBundleFileSystem } from '../../../tasks/common/node/bundle-file-system';
import { writeDeterministicZip, type PackEntry } from '../../../tasks/common/bundle/zip-writer';
import { removeTree, tempDir } from './helpers';

const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;

/** Tests every entry's CRC and prints `name<TAB>sha256` per entry, read back by Python. */
const readBack = `
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    if bad is not None:
        sys.exit("bad entry: " + bad)
    for info in z.infolist():
        print(info.filename + "\\t" + hashlib.sha256(z.read(info)).hexdigest())
`;

describe('release bundle zip read by an independent implementation', function () {
  this.timeout(60_000);
  let dir: string;
  let files: Record<string, Buffer>;

  before(function () {
    if (!python) {
      console.warn('      skipped: python3 is not on PATH');
      this.skip();
    }
    dir = tempDir('zip-interop-');
    const text = Buffer.from('def test_churn():\n    assert True\n'.repeat(200_000)); // ~7 MiB, several deflate blocks
    files = {
      'empty.txt': Buffer.alloc(0),
      'src/small.py': Buffer.from('print("hello")\n'),
      'data/random.bin': randomBytes(3 * 1024 * 1024 + 17), // incompressible, crosses block boundaries
      'tests/big.py': text,
      'naïve/ünïcode.txt': Buffer.from('utf-8 names\n'),
    };
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, 'tree', name)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'tree', name), content);
    }
  });

  after(() => removeTree(dir));

  for (const forceZip64 of [false, true]) {
    it(`is accepted with every byte intact${forceZip64 ? ' (ZIP64 records)' : ''}`, async () => {
      const entries: PackEntry[] = Object.keys(files).map((name) => ({ name, sourcePath: path.join(dir, 'tree', name) }));
      const out = path.join(dir, `bundle-${forceZip64}.zip`);
      await writeDeterministicZip(nodeBundleFileSystem, out, entries, { forceZip64 });
      const result = spawnSync(python as string, ['-c', readBack, out], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      const seen = Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split('\t')));
      const expected = Object.fromEntries(
        Object.entries(files).map(([name, content]) => [name, createHash('sha256').update(content).digest('hex')]),
      );
      assert.deepEqual(seen, expected);
    });
  }
});
