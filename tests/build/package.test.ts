import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManifestCheckError, packageExtension, parseTfxResult } from '../../scripts/package';
import { agentId, serverId, writeFixtureRepo } from './fixtures';
import { jsonEntry, readVsix } from './vsix';
import { deriveTaskId } from '../../scripts/manifest/variants';
import { schemaDir } from '../support/schemas';

describe('package (fixture repo through tfx)', () => {
  let root: string;
  const quiet = () => undefined;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-package-'));
    writeFixtureRepo(root);
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes a vsix holding every task folder with the manifests unchanged for the public variant', async () => {
    const lines: string[] = [];
    const result = await packageExtension({ root, variant: { variant: 'public' }, schemaDir: schemaDir(), log: (line) => lines.push(line) });
    // Staged as in the VSIX, tfx finds every task.json and validates it too, without a warning.
    assert.deepEqual(lines.filter((line) => /warning/i.test(line) && !/Task schema not found/.test(line)), []);
    assert.equal(path.dirname(result.vsixPath), path.join(root, 'dist'));
    assert.deepEqual([result.publisher, result.extensionId, result.version], ['fixture-publisher', 'fixture-extension', '1.2.3']);
    const entries = await readVsix(result.vsixPath);
    for (const name of ['tasks/FixtureAgentV1/task.json', 'tasks/FixtureAgentV1/index.js', 'tasks/FixtureAgentV1/icon.png', 'tasks/FixtureGateV1/task.json', 'tasks/FixtureGateV1/icon.png', 'overview.md', 'images/extension-icon.png']) {
      assert.ok(entries.has(name), `${name} missing from ${[...entries.keys()].join(', ')}`);
    }
    assert.equal(jsonEntry(entries, 'tasks/FixtureAgentV1/task.json').id, agentId);
    assert.equal(jsonEntry(entries, 'tasks/FixtureGateV1/task.json').id, serverId);
  });

  it('gives a dev variant its own extension id, publisher override and derived task GUIDs, in the copies only', async () => {
    const result = await packageExtension({ root, variant: { variant: 'dev', publisher: 'me-dev' }, schemaDir: schemaDir(), log: quiet });
    assert.deepEqual([result.publisher, result.extensionId], ['me-dev', 'fixture-extension-dev']);
    const entries = await readVsix(result.vsixPath);
    const agentTask = jsonEntry(entries, 'tasks/FixtureAgentV1/task.json');
    assert.equal(agentTask.id, deriveTaskId(agentId, 'dev'));
    assert.notEqual(agentTask.id, agentId);
    assert.equal(agentTask.friendlyName, 'Fixture agent task (dev)');
    assert.equal(jsonEntry(entries, 'tasks/FixtureGateV1/task.json').id, deriveTaskId(serverId, 'dev'));
    // Its own endpoint type, so it can be installed next to the public extension.
    const packaged = jsonEntry(entries, 'extension.vsomanifest').contributions as Record<string, unknown>[];
    const endpoint = packaged.find((contribution) => contribution.type === 'ms.vss-endpoint.service-endpoint-type');
    assert.equal((endpoint?.properties as Record<string, unknown>).name, 'databricks-workspace-dev');
    const connection = (agentTask.inputs as Record<string, unknown>[]).find((input) => input.name === 'connection');
    assert.equal(connection?.type, 'connectedService:databricks-workspace-dev');
    // The committed and built manifests keep the public ids.
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'tasks', 'FixtureAgentV1', 'task.json'), 'utf8')).id, agentId);
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'dist', 'tasks', 'FixtureAgentV1', 'task.json'), 'utf8')).id, agentId);
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'vss-extension.json'), 'utf8')).id, 'fixture-extension');
  });

  it('fails before tfx runs when a check fails, and writes no vsix', async () => {
    fs.writeFileSync(path.join(root, 'dist', 'tasks', 'FixtureGateV1', 'icon.png'), fs.readFileSync(path.join(root, 'images', 'extension-icon.png')));
    await assert.rejects(packageExtension({ root, variant: { variant: 'public' }, schemaDir: schemaDir(), log: quiet }), (error: unknown) => {
      assert.ok(error instanceof ManifestCheckError);
      assert.deepEqual(error.problems.map((problem) => [problem.check, problem.subject]), [['icons', 'FixtureGateV1']]);
      return true;
    });
    assert.deepEqual(fs.readdirSync(path.join(root, 'dist')).filter((name) => name.endsWith('.vsix')), []);
  });

  it('refuses to package a task that was not built', async () => {
    fs.rmSync(path.join(root, 'dist', 'tasks', 'FixtureGateV1'), { recursive: true });
    await assert.rejects(packageExtension({ root, variant: { variant: 'public' }, schemaDir: schemaDir(), log: quiet }), /Not built: FixtureGateV1/);
  });

  it('fails without the task schema when it is required (CI), and names the folder', async () => {
    const missing = path.join(root, 'no-schemas');
    await assert.rejects(packageExtension({ root, variant: { variant: 'public' }, schemaDir: missing, requireSchema: true, log: quiet }), (error: Error) => {
      assert.ok(error.message.includes(missing));
      return true;
    });
  });
});

describe('parseTfxResult', () => {
  it('takes the last JSON block and keeps the warnings printed before it, braces and all', () => {
    const stdout = ['warning: Invalid task json: {"id": 1}', '{', '  "path": "/out/p.e-1.0.0.vsix",', '  "extensionId": "e",', '  "version": "1.0.0",', '  "publisher": "p"', '}', ''].join('\n');
    assert.deepEqual(parseTfxResult(stdout), { path: '/out/p.e-1.0.0.vsix', extensionId: 'e', version: '1.0.0', publisher: 'p', messages: ['warning: Invalid task json: {"id": 1}'] });
  });

  it('refuses output without a result', () => {
    assert.throws(() => parseTfxResult('error: something\n'), /Unexpected tfx output/);
    assert.throws(() => parseTfxResult('{\n  "nope": true\n}\n'), /Unexpected tfx output/);
  });
});
