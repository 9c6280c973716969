import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCliCommandRunner } from '../../../tasks/common/node/cli-command-runner';
import { createCliProgramLocator } from '../../../tasks/common/node/cli-program-locator';
import { createCliToolCache } from '../../../tasks/common/node/cli-tool-cache';
import { fakeCliPath } from '../../fakes/cli-release-server';

describe('bundle deploy: Node adapters for the CLI', () => {
  let temp: string;
  beforeEach(() => {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-adapters-'));
  });
  afterEach(() => fs.rmSync(temp, { recursive: true, force: true }));

  it('finds an executable on PATH, skipping folders without it and non-executable files', async () => {
    const decoy = path.join(temp, 'decoy');
    fs.mkdirSync(decoy);
    fs.writeFileSync(path.join(decoy, 'databricks'), 'not executable', { mode: 0o644 });
    const locator = createCliProgramLocator();
    const searchPath = [path.join(temp, 'missing'), decoy, path.dirname(fakeCliPath)].join(path.delimiter);
    assert.equal(await locator.which('databricks', searchPath), fakeCliPath);
    assert.equal(await locator.which('databricks', decoy), undefined);
  });

  it('runs a program with exactly the given environment and working directory, streaming lines', async () => {
    const record = path.join(temp, 'calls.json');
    const lines: string[] = [];
    const result = await createCliCommandRunner().run({
      executable: fakeCliPath,
      args: ['--version'],
      cwd: temp,
      env: { PATH: process.env.PATH ?? '', FAKE_DATABRICKS_RECORD: record, FAKE_DATABRICKS_VERSION: '0.299.1' },
      onLine: (line) => lines.push(line),
    });
    assert.deepEqual(result, { exitCode: 0, stdout: 'Databricks CLI v0.299.1\n', stderr: '' });
    assert.deepEqual(lines, ['Databricks CLI v0.299.1']);
    const [call] = JSON.parse(fs.readFileSync(record, 'utf8')) as Array<{ cwd: string; env: Record<string, string> }>;
    assert.equal(fs.realpathSync(call.cwd), fs.realpathSync(temp));
    assert.equal(call.env.HOME, undefined, 'nothing is inherited');
  });

  it('reports a program that cannot start, and kills one when the signal aborts', async () => {
    const runner = createCliCommandRunner();
    await assert.rejects(runner.run({ executable: path.join(temp, 'nope'), args: [], cwd: temp, env: {} }), /Could not start/);
    const controller = new AbortController();
    const pending = runner.run({ executable: process.execPath, args: ['-e', 'setTimeout(() => {}, 60000)'], cwd: temp, env: {} }, controller.signal);
    controller.abort(new Error('cancelled by test'));
    await assert.rejects(pending, /cancelled by test/);
  });

  it('marks a tool folder complete only after every file is written', async () => {
    const cache = createCliToolCache(temp);
    assert.equal(await cache.find('databricks', '1.2.3', 'amd64'), undefined);
    const folder = await cache.add('databricks', '1.2.3', 'amd64', [
      { path: 'databricks', data: Buffer.from('#!/bin/sh\n'), executable: true },
      { path: 'docs/LICENSE', data: Buffer.from('licence'), executable: false },
    ]);
    assert.equal(await cache.find('databricks', '1.2.3', 'amd64'), folder);
    assert.equal(fs.readFileSync(path.join(folder, 'docs', 'LICENSE'), 'utf8'), 'licence');
    await assert.rejects(cache.add('databricks', '1.2.4', 'amd64', [{ path: '../escape', data: Buffer.from(''), executable: false }]), /outside the tool folder/);
    assert.equal(await cache.find('databricks', '1.2.4', 'amd64'), undefined);
  });
});
