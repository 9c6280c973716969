import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildReleaseBundle } from '../../../tasks/common/bundle/release-bundle';
import { verifyBundle, extractBundle } from '../../../tasks/common/bundle/verify';
import { nodeBundleFileSystem as nfs } from '../../../tasks/common/node/bundle-file-system';
import { buildDeps, buildSettings, bundleSchema, copyFixture, removeTree, tempDir, writeTree } from './helpers';
import { fakeRunner } from '../../fakes/command-runners';

describe('release bundle build (churn fixture)', function () {
  let tmp: string;
  let bundleRoot: string;
  beforeEach(() => {
    tmp = tempDir();
    bundleRoot = copyFixture(path.join(tmp, 'repo'));
    // Ignored files exist only at test time (a committed fixture cannot hold them).
    fs.mkdirSync(path.join(bundleRoot, 'scratch'));
    fs.writeFileSync(path.join(bundleRoot, 'scratch', 'notes.txt'), 'ignored');
    fs.writeFileSync(path.join(bundleRoot, 'scratch', 'keep.md'), 'negated');
    fs.mkdirSync(path.join(tmp, 'repo', 'shared', 'churn_common', '__pycache__'));
    fs.writeFileSync(path.join(tmp, 'repo', 'shared', 'churn_common', '__pycache__', 'columns.cpython-311.pyc'), 'ignored');
  });
  afterEach(() => removeTree(tmp));

  const build = (out: string, overrides: Parameters<typeof buildSettings>[2] = {}, deps: Parameters<typeof buildDeps>[0] = {}) =>
    buildReleaseBundle(buildDeps(deps), buildSettings(bundleRoot, path.join(tmp, out), overrides));

  it('packs what the CLI would sync, relative to the sync root, with a complete manifest', async function () {
    const result = await build('out', {}, { schema: bundleSchema(this) });
    assert.deepEqual(result.findings, []);
    assert.equal(result.succeeded, true);
    const manifest = result.manifest!;
    // Only the sync paths (../shared and .) are packed: not the repository's own files.
    assert.deepEqual(manifest.files.map((f) => f.path), [
      'churn-model/.gitignore',
      'churn-model/databricks.yml',
      'churn-model/pyproject.toml',
      'churn-model/resources/scoring.job.yml',
      'churn-model/resources/training.job.yml',
      'churn-model/scratch/keep.md',
      'churn-model/src/churn_features/__init__.py',
      'churn-model/src/jobs/score.py',
      'churn-model/src/notebooks/train.py',
      'churn-model/src/notebooks/validate.py',
      'shared/churn_common/__init__.py',
      'shared/churn_common/columns.py',
    ]);
    assert.equal(manifest.schemaVersion, 1);
    assert.deepEqual(manifest.bundle, { name: 'churn_model', root: 'churn-model' });
    assert.equal(manifest.version, '1.2.3');
    assert.deepEqual(Object.keys(manifest.targets), ['dev', 'staging', 'prod']);
    assert.equal(manifest.targets.prod.mode, 'production');
    assert.equal((manifest.targets.staging.config.workspace as { root_path: string }).root_path, '/Workspace/Shared/.bundle/churn_model/staging');
    assert.equal(manifest.targets.prod.variables.catalog, 'prod');
    assert.deepEqual(manifest.artifacts, { churn_features: { type: 'whl', path: 'churn-model', build: 'python -m build --wheel', mode: 'source', files: [] } });
    assert.equal(manifest.source.commit, '0123456789abcdef0123456789abcdef01234567');
    assert.equal(manifest.build.id, '42');
    const source = fs.readFileSync(path.join(bundleRoot, 'src', 'jobs', 'score.py'));
    const score = manifest.files.find((f) => f.path === 'churn-model/src/jobs/score.py')!;
    assert.equal(score.size, source.length);
    assert.match(score.sha256, /^[0-9a-f]{64}$/);
    // The manifest beside the zip is the one inside it.
    assert.deepEqual(JSON.parse(fs.readFileSync(result.manifestPath!, 'utf8')), manifest);
    assert.equal(path.basename(result.bundlePath!), 'churn_model-1.2.3.zip');
    const verified = await verifyBundle(nfs, result.bundlePath!, manifest.contentDigest);
    assert.equal(verified.fileCount, manifest.files.length);
  });

  it('gives byte-identical zips for two builds of the same tree with different file times', async () => {
    const first = await build('one');
    const later = new Date('2030-06-01T12:00:00Z');
    for (const entry of fs.readdirSync(path.join(tmp, 'repo'), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) fs.utimesSync(path.join(entry.parentPath, entry.name), later, later);
    }
    const second = await build('two');
    assert.deepEqual(fs.readFileSync(first.bundlePath!), fs.readFileSync(second.bundlePath!));
  });

  it('keeps the digest independent of build facts and changes it when a file changes', async () => {
    const first = await build('one');
    const otherBuild = await build('two', { version: '9.9.9', build: { id: '77', number: '9.9.9' }, source: { commit: 'ffff' } });
    assert.equal(otherBuild.manifest!.contentDigest, first.manifest!.contentDigest);
    assert.notDeepEqual(fs.readFileSync(otherBuild.bundlePath!), fs.readFileSync(first.bundlePath!));
    fs.appendFileSync(path.join(bundleRoot, 'src', 'notebooks', 'train.py'), '# tuned\n');
    const changed = await build('three');
    assert.notEqual(changed.manifest!.contentDigest, first.manifest!.contentDigest);
  });

  it('builds only the requested targets, and every declared target when none is requested', async () => {
    const result = await build('out', { targets: ['staging', 'prod'] });
    assert.deepEqual(result.targets, ['staging', 'prod']);
    assert.deepEqual(Object.keys(result.manifest!.targets), ['staging', 'prod']);
    const all = await build('all');
    assert.deepEqual(Object.keys(all.manifest!.targets).sort(), ['dev', 'prod', 'staging']);
  });

  it('with buildArtifacts, runs each build command once, packs the outputs (even git-ignored) and pins them', async () => {
    const runner = fakeRunner((command, cwd) => {
      fs.mkdirSync(path.join(cwd, 'dist'), { recursive: true });
      fs.writeFileSync(path.join(cwd, 'dist', 'churn_features-0.1.0-py3-none-any.whl'), 'wheel bytes');
      return 0;
    });
    const result = await build('out', { buildArtifacts: true }, { runner });
    assert.deepEqual(result.findings, []);
    assert.deepEqual(runner.shells, [{ command: 'python -m build --wheel', cwd: bundleRoot }]);
    assert.deepEqual(result.manifest!.artifacts.churn_features, {
      type: 'whl',
      path: 'churn-model',
      build: 'python -m build --wheel',
      mode: 'prebuilt',
      files: ['churn-model/dist/churn_features-0.1.0-py3-none-any.whl'],
    });
    assert.ok(result.manifest!.files.some((f) => f.path === 'churn-model/dist/churn_features-0.1.0-py3-none-any.whl'));
    const out = path.join(tmp, 'extracted');
    await extractBundle(nfs, result.bundlePath!, out, { expectedDigest: result.manifest!.contentDigest });
    assert.equal(fs.readFileSync(path.join(out, 'churn-model', 'dist', 'churn_features-0.1.0-py3-none-any.whl'), 'utf8'), 'wheel bytes');
  });

  it('fails the build when an artifact build fails or produces nothing', async () => {
    const failing = await build('out', { buildArtifacts: true }, { runner: fakeRunner(() => 2) });
    assert.equal(failing.succeeded, false);
    assert.deepEqual(failing.findings.map((f) => [f.check, f.file, f.line, f.key]), [['artifact-build', 'databricks.yml', 36, 'artifacts.churn_features.build']]);
    const empty = await build('out', { buildArtifacts: true }, { runner: fakeRunner(() => 0) });
    assert.deepEqual(empty.findings.map((f) => [f.check, f.key]), [['artifact-build', 'artifacts.churn_features.files']]);
  });

  it('stops packing when the step is cancelled, leaving no zip behind', async () => {
    const controller = new AbortController();
    const cancelled = new Error('cancelled');
    // Cancel once packing has started (the first file is read for the zip).
    const fs2 = { ...nfs, readSmall: (file: string, maxBytes: number) => (controller.abort(cancelled), nfs.readSmall(file, maxBytes)) };
    await assert.rejects(build('out', {}, { fs: fs2, signal: controller.signal }), (error) => error === cancelled);
    const out = path.join(tmp, 'out');
    assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out) : [], []);
  });

  it('refuses a symlink that escapes the repository', async () => {
    const outside = path.join(tmp, 'elsewhere');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'credentials.txt'), 'x');
    fs.symlinkSync(outside, path.join(bundleRoot, 'src', 'linked'));
    const result = await build('out');
    assert.equal(result.succeeded, false);
    assert.deepEqual(result.findings.map((f) => [f.check, f.file]), [['symlink-escape', 'src/linked']]);
  });
});

describe('release bundle build: configuration outside the bundle folder', () => {
  let tmp: string;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => removeTree(tmp));

  it('builds a bundle that declares no targets as its top-level configuration', async () => {
    writeTree(tmp, {
      'app/databricks.yml': 'bundle:\n  name: app\nvariables:\n  catalog:\n    default: main\nresources:\n  jobs:\n    nightly:\n      name: nightly-${var.catalog}\n',
    });
    const result = await buildReleaseBundle(buildDeps(), buildSettings(path.join(tmp, 'app'), path.join(tmp, 'out')));
    assert.equal(result.succeeded, true, JSON.stringify(result.findings));
    assert.deepEqual(Object.keys(result.manifest!.targets), ['default']);
    const config = result.manifest!.targets.default.config as { resources: { jobs: { nightly: { name: string } } } };
    assert.equal(config.resources.jobs.nightly.name, 'nightly-main');
  });

  it('packs included files that sit next to the bundle folder, widening the zip root', async () => {
    writeTree(tmp, {
      'common/targets.yml': 'targets:\n  staging:\n    mode: development\n',
      'app/databricks.yml': 'bundle:\n  name: app\ninclude:\n  - ../common/targets.yml\n',
      'app/src/main.py': 'print(1)\n',
      'unrelated/file.txt': 'not packed',
    });
    const result = await buildReleaseBundle(buildDeps(), buildSettings(path.join(tmp, 'app'), path.join(tmp, 'out')));
    assert.equal(result.succeeded, true, JSON.stringify(result.findings));
    assert.deepEqual(result.manifest!.bundle.root, 'app');
    assert.deepEqual(result.manifest!.files.map((f) => f.path), ['app/databricks.yml', 'app/src/main.py', 'common/targets.yml']);
    assert.deepEqual(Object.keys(result.manifest!.targets), ['staging']);
  });
});
