/**
 * DatabricksReleaseBundle@1 (no workspace involved): build, verify, validation errors, the secret
 * scan and strict builds, run in process; and one run of each command of the built bundle as the
 * agent runs it, for what only the process shows (the `##vso` commands of the outputs, the artifact
 * upload and the summary, and the packages the bundle loads on first use: the schema validator and
 * the zip reader). Build first: `npm run build -- DatabricksReleaseBundleV1`.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run as releaseBundleTask } from '../../../tasks/DatabricksReleaseBundleV1/run';
import { FakeClock } from '../../fakes/clock';
import { runRecorded, type RecordedRun } from '../../support/in-process-models';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { copyFixture, fakeSecrets, removeTree, tempDir, writeTree } from '../../unit/bundle/helpers';
import { warnings } from '../../support/in-process';

const pipelineVariables = {
  'Build.BuildId': '314',
  'Build.BuildNumber': '20261128.4',
  'Build.SourceBranch': 'refs/heads/release/2026.11',
  'Build.SourceVersion': 'abcdef0123456789abcdef0123456789abcdef01',
  'Build.Repository.Uri': 'https://dev.azure.com/contoso/ml/_git/churn',
  'System.CollectionUri': 'https://dev.azure.com/contoso/',
  'System.TeamProject': 'ml',
};

describe('DatabricksReleaseBundle@1 in process', function () {
  this.timeout(30_000);
  let tmp: string;
  beforeEach(() => (tmp = tempDir('release-bundle-task-')));
  afterEach(() => removeTree(tmp));

  function run(inputs: Record<string, string>): Promise<RecordedRun> {
    return runRecorded(releaseBundleTask, { inputs, variables: pipelineVariables, clock: new FakeClock(), host: { environment: { PATH: process.env.PATH ?? '' }, workingDirectory: tmp } });
  }

  it('builds the bundle, publishes it and sets the outputs; verify then accepts it and rejects a tampered copy', async () => {
    const bundleRoot = copyFixture(path.join(tmp, 'repo'));
    const output = path.join(tmp, 'staging');
    // Without a schema (the bundle test below builds with one): only that is an issue.
    const build = await run({ command: 'build', bundleRoot, outputDirectory: output, targets: 'staging,prod' });
    assert.equal(build.result, 'SucceededWithIssues', build.message);
    assert.match(build.message, /schema/i);
    assert.equal(warnings(build).length, 1, warnings(build).join('\n'));
    const zip = path.join(output, 'release-bundle', 'churn_model-20261128.4.zip');
    assert.deepEqual(build.outputs, {
      bundlePath: zip,
      bundleDigest: build.outputs.bundleDigest,
      bundleVersion: '20261128.4',
      manifestPath: path.join(output, 'release-bundle', 'manifest.json'),
    });
    assert.match(build.outputs.bundleDigest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(build.artifacts, [{ name: 'release-bundle', path: path.join(output, 'release-bundle') }]);
    assert.equal(build.summaries.length, 1);
    const summary = build.summaries[0].content;
    assert.ok(summary.includes(build.outputs.bundleDigest));
    const manifest = JSON.parse(fs.readFileSync(build.outputs.manifestPath, 'utf8'));
    assert.deepEqual(manifest.build, { id: '314', number: '20261128.4', url: 'https://dev.azure.com/contoso/ml/_build/results?buildId=314' });
    assert.deepEqual(manifest.source, { repository: 'https://dev.azure.com/contoso/ml/_git/churn', branch: 'refs/heads/release/2026.11', commit: 'abcdef0123456789abcdef0123456789abcdef01' });
    assert.deepEqual(Object.keys(manifest.targets).sort(), ['prod', 'staging']);

    // A pattern into the downloaded artifact, as the deploy accepts it, resolves to the one zip.
    const verify = await run({ command: 'verify', bundlePath: path.join(output, '*', '*.zip'), expectedDigest: build.outputs.bundleDigest });
    assert.equal(verify.result, 'Succeeded', verify.message);
    assert.deepEqual(verify.outputs, {
      bundlePath: zip,
      bundleDigest: build.outputs.bundleDigest,
      bundleVersion: '20261128.4',
      manifestPath: path.join(output, 'release-bundle', 'manifest.json'),
    });

    // An edited manifest beside the zip is not the verified one: it is not handed on as manifestPath.
    const besidePath = path.join(output, 'release-bundle', 'manifest.json');
    const beside = fs.readFileSync(besidePath, 'utf8');
    fs.writeFileSync(besidePath, beside.replace('abcdef0123456789abcdef0123456789abcdef01', 'fedcba9876543210fedcba9876543210fedcba98'));
    const edited = await run({ command: 'verify', bundlePath: zip, expectedDigest: build.outputs.bundleDigest });
    assert.equal(edited.result, 'SucceededWithIssues', edited.message);
    assert.equal(edited.outputs.bundleDigest, build.outputs.bundleDigest);
    assert.equal(edited.outputs.manifestPath, undefined);
    fs.writeFileSync(besidePath, beside);

    const wrong = await run({ command: 'verify', bundlePath: zip, expectedDigest: `sha256:${'0'.repeat(64)}` });
    assert.equal(wrong.result, 'Failed');
    assert.ok(wrong.message.includes(`sha256:${'0'.repeat(64)}`), wrong.message);
    assert.deepEqual(wrong.outputs, {});

    // Flip one byte of a stored (deflated) entry: its hash no longer matches.
    const bytes = fs.readFileSync(zip);
    const tampered = path.join(tmp, 'tampered.zip');
    const at = bytes.indexOf(Buffer.from('churn-model/src/jobs/score.py')) + 'churn-model/src/jobs/score.py'.length + 4;
    bytes[at] ^= 0xff;
    fs.writeFileSync(tampered, bytes);
    const broken = await run({ command: 'verify', bundlePath: tampered, expectedDigest: build.outputs.bundleDigest });
    assert.equal(broken.result, 'Failed');
    assert.ok(broken.message.includes("'churn-model/src/jobs/score.py'"), broken.message);
    assert.deepEqual(broken.outputs, {});

    fs.writeFileSync(path.join(output, 'release-bundle', 'second.zip'), bytes);
    const ambiguous = await run({ command: 'verify', bundlePath: path.join(output, 'release-bundle', '*.zip') });
    assert.equal(ambiguous.result, 'Failed');
    assert.match(ambiguous.message, /^Invalid 'bundlePath' '.*\*\.zip'/);
  });

  it('fails on a validation error, naming file, line and key, and writes no zip', async () => {
    const bundleRoot = writeTree(path.join(tmp, 'repo'), {
      'databricks.yml': 'bundle:\n  name: broken\ntargets:\n  prod:\n    mode: prod\n',
    });
    const output = path.join(tmp, 'out');
    const result = await run({ command: 'build', bundleRoot, outputDirectory: output });
    assert.equal(result.result, 'Failed');
    assert.match(result.message, /databricks\.yml:5 targets\.prod\.mode/);
    assert.deepEqual(result.outputs, {});
    assert.deepEqual(result.artifacts, []);
    assert.equal(fs.existsSync(path.join(output, 'release-bundle', 'broken-20261128.4.zip')), false);
    // Without a schema the summary says that only the semantic checks ran.
    assert.match(result.summaries[0].content, /semantic checks only/);
  });

  it('refuses secrets without ever printing them', async () => {
    const bundleRoot = writeTree(path.join(tmp, 'repo'), {
      'databricks.yml': 'bundle:\n  name: leaky\n',
      'src/settings.py': `TOKEN = "${fakeSecrets.databricksToken}"\n`,
      'deploy/key.pem': `${fakeSecrets.privateKey}\n`,
    });
    const result = await run({ command: 'build', bundleRoot, outputDirectory: path.join(tmp, 'out') });
    assert.equal(result.result, 'Failed');
    assert.match(result.message, /src\/settings\.py:1 databricks-token/);
    assert.match(result.message, /deploy\/key\.pem:1 private-key/);
    // The log holds the debug lines too.
    for (const text of [result.log.join('\n'), result.message, result.summaries[0].content]) {
      assert.equal(text.includes(fakeSecrets.databricksToken), false);
      assert.equal(text.includes('MIIEowIBAAKCAQEA'), false);
    }
  });

  it('fails a strict build on warnings, and passes it without strict', async () => {
    const files = {
      'databricks.yml': 'bundle:\n  name: warned\ninclude:\n  - resources/*.yml\n',
      'src/a.py': 'print(1)\n',
    };
    const bundleRoot = writeTree(path.join(tmp, 'repo'), files);
    const relaxed = await run({ command: 'build', bundleRoot, outputDirectory: path.join(tmp, 'a') });
    assert.equal(relaxed.result, 'SucceededWithIssues');
    assert.equal(warnings(relaxed).some((w) => w.includes('databricks.yml:4 include[0]')), true);
    const strict = await run({ command: 'build', bundleRoot, outputDirectory: path.join(tmp, 'b'), strict: 'true' });
    assert.equal(strict.result, 'Failed');
    assert.match(strict.message, /'strict'/);
    assert.deepEqual(strict.outputs, {});
  });
});

describe('DatabricksReleaseBundle@1 (task bundle)', function () {
  this.timeout(60_000);
  let tmp: string;
  const runs: TaskRun[] = [];
  beforeEach(() => (tmp = tempDir('release-bundle-task-')));
  afterEach(() => {
    for (const run of runs.splice(0)) {
      removeTree(run.tempDirectory);
      removeTree(run.cwd);
    }
    removeTree(tmp);
  });

  it('builds with a schema and verifies the zip, handing the agent outputs, the artifact and the summaries', async () => {
    // A small schema: the real one is checked against the fixture by the unit tests, and compiling it
    // costs seconds; this one still makes the bundle load its schema validator on first use.
    const schemaFile = path.join(tmp, 'bundle.schema.json');
    fs.writeFileSync(schemaFile, JSON.stringify({ type: 'object', required: ['bundle'], properties: { bundle: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }));
    const bundleRoot = copyFixture(path.join(tmp, 'repo'));
    const output = path.join(tmp, 'staging');
    const build = await runTaskBundle('DatabricksReleaseBundleV1', { inputs: { command: 'build', bundleRoot, outputDirectory: output, schemaFile, targets: 'staging,prod' }, variables: pipelineVariables });
    runs.push(build);
    // Without a schema the build would succeed with issues (only the semantic checks ran).
    assert.equal(build.result, 'Succeeded', build.resultMessage ?? build.stderr);
    const folder = path.join(output, 'release-bundle');
    const zip = path.join(folder, 'churn_model-20261128.4.zip');
    const outputs = { bundlePath: zip, bundleDigest: build.outputs.bundleDigest, bundleVersion: '20261128.4', manifestPath: path.join(folder, 'manifest.json') };
    assert.deepEqual(build.outputs, outputs);
    assert.match(build.outputs.bundleDigest, /^sha256:[0-9a-f]{64}$/);
    const upload = build.commands.find((c) => c.command === 'artifact.upload');
    assert.equal(upload?.properties.artifactname, 'release-bundle');
    assert.equal(upload?.message, folder);
    assert.deepEqual(build.summaryTitles, ['Release bundle']);
    assert.ok(fs.readFileSync(build.summaries[0], 'utf8').includes(build.outputs.bundleDigest));

    const verify = await runTaskBundle('DatabricksReleaseBundleV1', { inputs: { command: 'verify', bundlePath: path.join(output, '*', '*.zip'), expectedDigest: build.outputs.bundleDigest }, variables: pipelineVariables });
    runs.push(verify);
    assert.equal(verify.result, 'Succeeded', verify.resultMessage);
    assert.deepEqual(verify.outputs, outputs);
    assert.deepEqual(verify.summaryTitles, ['Release bundle verification']);
  });
});
