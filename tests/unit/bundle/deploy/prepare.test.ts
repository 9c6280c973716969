import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { prepareBundleFolder, prepareReleaseBundle } from '../../../../tasks/common/bundle/deploy/prepare';
import { nodeBundleFileSystem } from '../../../../tasks/common/node/bundle-file-system';
import { silentLogger } from '../../../../tasks/common/ports';
import { resolveBundlePath } from '../../../../tasks/common/node/bundle-path-pattern';
import { writeReleaseZip } from '../../../tasks/DatabricksBundleDeployV1/release-zip';

describe('bundle deploy: preparing the folder to deploy', () => {
  let temp: string;
  beforeEach(() => {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-prepare-'));
  });
  afterEach(() => fs.rmSync(temp, { recursive: true, force: true }));

  const config = 'bundle:\n  name: churn\n# keep me\ninclude:\n  - resources/*.yml\n';
  const prepare = (zipPath: string, target = 'prod', expectedDigest?: string) =>
    prepareReleaseBundle(nodeBundleFileSystem, zipPath, path.join(temp, 'out'), { target, expectedDigest, logger: silentLogger });

  it('extracts a verified bundle and returns the folder of its databricks.yml', async () => {
    const zipPath = path.join(temp, 'b.zip');
    const digest = await writeReleaseZip(zipPath, { files: { 'app/databricks.yml': config, 'lib/x.py': 'x = 1\n' }, root: 'app' });
    const prepared = await prepare(zipPath, 'prod', digest);
    assert.equal(prepared.bundleRoot, path.join(temp, 'out', 'app'));
    assert.equal(prepared.verified?.contentDigest, digest);
    assert.deepEqual(prepared.prebuiltArtifacts, []);
    assert.equal(fs.readFileSync(path.join(prepared.bundleRoot, 'databricks.yml'), 'utf8'), config, 'no overlay without prebuilt artifacts');
    assert.equal(fs.readFileSync(path.join(temp, 'out', 'lib', 'x.py'), 'utf8'), 'x = 1\n');
  });

  it('removes what it extracted when verification fails', async () => {
    const zipPath = path.join(temp, 'b.zip');
    await writeReleaseZip(zipPath, { files: { 'databricks.yml': config, 'src/a.py': 'a\n' }, tamper: 'src/a.py' });
    await assert.rejects(prepare(zipPath), /src\/a\.py/);
    assert.ok(!fs.existsSync(path.join(temp, 'out')));
  });

  it('refuses a target the bundle was not built for, and a bundle root without configuration', async () => {
    const zipPath = path.join(temp, 'b.zip');
    await writeReleaseZip(zipPath, { files: { 'databricks.yml': config }, targets: ['staging'] });
    await assert.rejects(prepare(zipPath, 'prod'), /Target 'prod' is not in this release bundle; it was built for: staging/);
    fs.rmSync(path.join(temp, 'out'), { recursive: true, force: true });
    const noConfig = path.join(temp, 'c.zip');
    await writeReleaseZip(noConfig, { files: { 'app/databricks.yml': config }, root: 'other' });
    await assert.rejects(prepare(noConfig), /no databricks\.yml .* in its bundle root 'other'/);
  });

  it('pins prebuilt artifacts with an overlay included from databricks.yml, and never overwrites a packed file', async () => {
    const zipPath = path.join(temp, 'b.zip');
    const artifacts = { wheel: { type: 'whl', path: '.', mode: 'prebuilt' as const, files: ['dist/w-1-py3-none-any.whl'] } };
    await writeReleaseZip(zipPath, { files: { 'databricks.yml': config, 'dist/w-1-py3-none-any.whl': 'w' }, artifacts });
    const prepared = await prepare(zipPath);
    assert.deepEqual(prepared.prebuiltArtifacts, ['wheel']);
    const root = fs.readFileSync(path.join(prepared.bundleRoot, 'databricks.yml'), 'utf8');
    assert.match(root, /# keep me/);
    assert.deepEqual((parse(root) as { include: string[] }).include, ['resources/*.yml', 'release-bundle.prebuilt-artifacts.yml']);
    const overlay = parse(fs.readFileSync(path.join(prepared.bundleRoot, 'release-bundle.prebuilt-artifacts.yml'), 'utf8')) as {
      artifacts: { wheel: { build: string; files: Array<{ source: string }> } };
    };
    assert.deepEqual(overlay.artifacts.wheel, { build: '', files: [{ source: path.join(temp, 'out', 'dist', 'w-1-py3-none-any.whl') }] });

    fs.rmSync(path.join(temp, 'out'), { recursive: true, force: true });
    const clash = path.join(temp, 'clash.zip');
    await writeReleaseZip(clash, { files: { 'databricks.yml': config, 'dist/w-1-py3-none-any.whl': 'w', 'release-bundle.prebuilt-artifacts.yml': 'x: 1\n' }, artifacts });
    await assert.rejects(prepare(clash), /already contains release-bundle\.prebuilt-artifacts\.yml/);
  });

  it('refuses prebuilt artifact files that are not verified files of the bundle (the digest does not cover the manifest)', async () => {
    fs.writeFileSync(path.join(temp, 'agent-secret.txt'), 'not for the workspace');
    for (const listed of ['../agent-secret.txt', 'dist/not-packed.whl']) {
      fs.rmSync(path.join(temp, 'out'), { recursive: true, force: true });
      const zipPath = path.join(temp, 'escape.zip');
      const artifacts = { wheel: { type: 'whl', path: '.', mode: 'prebuilt' as const, files: [listed] } };
      const digest = await writeReleaseZip(zipPath, { files: { 'databricks.yml': config, 'dist/w-1-py3-none-any.whl': 'w' }, artifacts });
      await assert.rejects(prepare(zipPath, 'prod', digest), /prebuilt artifact 'wheel' lists .* not a verified file/);
      assert.ok(!fs.existsSync(path.join(temp, 'out', 'release-bundle.prebuilt-artifacts.yml')));
    }
  });

  it('logs manifest fields the digest does not cover without letting them form an agent command', async () => {
    const zipPath = path.join(temp, 'b.zip');
    const injected = 'x\n##vso[task.prependpath]/tmp/evil';
    const artifacts = { ['w##vso[task.setvariable variable=A]b']: { type: 'whl', path: '.', mode: 'prebuilt' as const, files: ['dist/w.whl'] } };
    const digest = await writeReleaseZip(zipPath, { files: { 'databricks.yml': config, 'dist/w.whl': 'w' }, bundleName: injected, version: '1##[error]x', artifacts });
    const lines: string[] = [];
    const logger = { ...silentLogger, info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };
    await prepareReleaseBundle(nodeBundleFileSystem, zipPath, path.join(temp, 'out'), { target: 'prod', expectedDigest: digest, logger });
    assert.ok(lines.length >= 2);
    for (const line of lines) {
      assert.ok(!/[\r\n]/.test(line) && !line.includes('##'), `unsafe log line: ${JSON.stringify(line)}`);
    }
  });

  it('accepts a bundle folder only when it holds a root configuration', async () => {
    fs.writeFileSync(path.join(temp, 'databricks.yaml'), config);
    assert.deepEqual(await prepareBundleFolder(nodeBundleFileSystem, temp), { bundleRoot: temp, prebuiltArtifacts: [] });
    fs.mkdirSync(path.join(temp, 'empty'));
    await assert.rejects(prepareBundleFolder(nodeBundleFileSystem, path.join(temp, 'empty')), /has no databricks\.yml/);
    await assert.rejects(prepareBundleFolder(nodeBundleFileSystem, path.join(temp, 'missing')), /does not exist/);
  });

  it('resolves a bundlePath pattern to exactly one file', async () => {
    fs.mkdirSync(path.join(temp, 'drop', 'release-bundle'), { recursive: true });
    fs.writeFileSync(path.join(temp, 'drop', 'release-bundle', 'churn-1.0.zip'), '');
    fs.writeFileSync(path.join(temp, 'drop', 'release-bundle', 'manifest.json'), '');
    assert.equal(await resolveBundlePath('bundlePath', path.join(temp, 'drop', '*', '*.zip')), path.join(temp, 'drop', 'release-bundle', 'churn-1.0.zip'));
    assert.equal(await resolveBundlePath('bundlePath', path.join(temp, '**', 'churn-[0-9].[0-9].zip')), path.join(temp, 'drop', 'release-bundle', 'churn-1.0.zip'));
    assert.equal(await resolveBundlePath('bundlePath', path.join(temp, 'plain.zip')), path.join(temp, 'plain.zip'), 'a plain path is taken as it is');
    await assert.rejects(resolveBundlePath('bundlePath', path.join(temp, 'drop', '*.zip')), /Invalid 'bundlePath' .*matches no file/);
    fs.writeFileSync(path.join(temp, 'drop', 'release-bundle', 'churn-1.1.zip'), '');
    await assert.rejects(resolveBundlePath('bundlePath', path.join(temp, 'drop', '**', '*.zip')), /matches 2 files \(.*churn-1\.0\.zip, .*churn-1\.1\.zip\)/);
  });
});
