import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ZipFile } from 'yazl';
import { nodeBundleFileSystem } from '../../../tasks/common/node/bundle-file-system';
import { writeDeterministicZip } from '../../../tasks/common/bundle/zip-writer';
import { computeContentDigest, manifestEntryName, serializeManifest, unsafeEntryReason, type BundleManifest } from '../../../tasks/common/bundle/manifest';
import { BundleVerificationError, verifyBundle } from '../../../tasks/common/bundle/verify';
import { buildReleaseBundle } from '../../../tasks/common/bundle/release-bundle';
import { buildDeps, buildSettings, writeTree } from './helpers';

const unsafeOnWindows = ['src/a:b.py', 'src/notes.', 'src/trailing ', 'CON', 'src/nul.txt', 'lib/COM1.py', 'lpt9', 'src/aux/x.py', 'a|b', 'what?.py', 'src/tab\there'];
const fine = ['src/a.py', 'console.py', 'src/null.txt', 'com10.py', 'src/.hidden', 'lpt.txt', 'auxiliary/x.py'];

describe('entry names unsafe on a Windows agent', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'windows-names-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('are refused; ordinary names that only look alike are not', () => {
    for (const name of unsafeOnWindows) assert.ok(unsafeEntryReason(name), name);
    for (const name of fine) assert.equal(unsafeEntryReason(name), undefined, name);
  });

  it('are refused at build', async () => {
    const source = path.join(tmp, 'a.py');
    fs.writeFileSync(source, 'x = 1\n');
    for (const name of ['src/CON.py', 'src/a:b.py', 'src/trailing.']) {
      await assert.rejects(writeDeterministicZip(nodeBundleFileSystem, path.join(tmp, 'x.zip'), [{ name, sourcePath: source }]), /Windows/);
    }
  });

  it('fail the release bundle build with a finding per file, as do names one file apart only in letter case', async () => {
    writeTree(tmp, {
      'app/databricks.yml': 'bundle:\n  name: app\n',
      'app/src/CON.py': 'x = 1\n',
      'app/src/model.py': 'x = 1\n',
      'app/src/Model.py': 'x = 2\n',
      'app/src/ok.py': 'x = 3\n',
    });
    const result = await buildReleaseBundle(buildDeps(), buildSettings(path.join(tmp, 'app'), path.join(tmp, 'out')));
    assert.equal(result.succeeded, false);
    const unsafe = result.findings.filter((finding) => finding.check === 'unsafe-name').map((finding) => finding.file).sort();
    assert.deepEqual(unsafe, ['src/CON.py', 'src/model.py']);
    assert.equal(fs.existsSync(path.join(tmp, 'out')) && fs.readdirSync(path.join(tmp, 'out')).some((name) => name.endsWith('.zip')), false, 'no bundle was written');
  });

  it('are refused at verify, even when the manifest lists them', async () => {
    const content = Buffer.from('x = 1\n');
    const { createHash } = await import('node:crypto');
    const files = [{ path: 'src/nul.py', size: content.length, sha256: createHash('sha256').update(content).digest('hex') }];
    const manifest: BundleManifest = {
      schemaVersion: 1,
      bundle: { name: 'demo', root: '.' },
      version: '1',
      contentDigest: computeContentDigest(files),
      source: {},
      build: {},
      targets: {},
      artifacts: {},
      secretScan: { enabled: true, allowed: [] },
      files,
    };
    const zip = new ZipFile();
    zip.addBuffer(content, 'src/nul.py');
    zip.addBuffer(Buffer.from(serializeManifest(manifest)), manifestEntryName);
    zip.end();
    const zipPath = path.join(tmp, 'bad.zip');
    await new Promise<void>((resolve) => zip.outputStream.pipe(fs.createWriteStream(zipPath)).on('close', () => resolve()));
    const error = await verifyBundle(nodeBundleFileSystem, zipPath).then(
      () => assert.fail('verified a bundle with a Windows device name'),
      (e: unknown) => e as BundleVerificationError,
    );
    assert.ok(error instanceof BundleVerificationError);
    assert.ok(error.problems.some((p) => p.kind === 'unsafe-name' && p.path === 'src/nul.py'));
  });
});
