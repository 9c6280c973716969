import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createNodeCommandRunner, nodeBundleFileSystem as nfs } from '../../../tasks/common/node/bundle-file-system';
import { loadBundleSchema } from '../../../tasks/common/bundle/schema-validation';
import { silentLogger } from '../../../tasks/common/ports';
import type { CommandRunner } from '../../../tasks/common/bundle/ports';
import { removeTree, tempDir } from './helpers';

describe('release bundle adapters: command runner and schema sources', () => {
  let tmp: string;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => removeTree(tmp));

  it('runs shell commands in their folder, streams their output to the log and reports the exit code', async () => {
    const lines: string[] = [];
    const runner = createNodeCommandRunner({ ...silentLogger, info: (m) => lines.push(m) });
    const { exitCode } = await runner.shell('echo built in $(basename "$PWD"); echo oops >&2; exit 3', { cwd: tmp, executable: 'sh' });
    assert.equal(exitCode, 3);
    assert.deepEqual(lines.sort(), [`built in ${path.basename(tmp)}`, 'oops']);
  });

  it('captures a program output without a shell and finds programs on PATH', async () => {
    const runner = createNodeCommandRunner(silentLogger, { PATH: path.dirname(process.execPath) });
    const result = await runner.capture(process.execPath, ['-e', 'process.stdout.write("a b"); process.exit(2)']);
    assert.deepEqual(result, { exitCode: 2, stdout: 'a b', stderr: '' });
    assert.equal(await runner.which(path.basename(process.execPath)), process.execPath);
    assert.equal(await runner.which('surely-not-a-program-here'), undefined);
  });

  it('reads ranges, renames and removes through the file-system port', async () => {
    const file = path.join(tmp, 'a.txt');
    await nfs.writeText(file, '0123456789');
    const read = async (range?: { start: number; end: number }): Promise<string> => {
      let text = '';
      for await (const chunk of nfs.openRead(file, range)) text += chunk.toString();
      return text;
    };
    assert.equal(await read({ start: 2, end: 5 }), '234');
    assert.equal(await read({ start: 4, end: 4 }), '');
    await nfs.rename(file, path.join(tmp, 'b.txt'));
    assert.equal(await nfs.lstat(file), undefined);
    assert.deepEqual(await nfs.stat(path.join(tmp, 'b.txt')), { kind: 'file', size: 10 });
    await nfs.remove(path.join(tmp, 'b.txt'));
    assert.deepEqual(await nfs.readdir(tmp), []);
  });

  describe('loadBundleSchema', () => {
    const schema = JSON.stringify({ type: 'object', properties: { bundle: { type: 'object', required: ['name'] } } });
    const runner = (which: string | undefined, exitCode = 0): CommandRunner & { calls: string[][] } => {
      const calls: string[][] = [];
      return {
        calls,
        shell: async () => ({ exitCode: 0 }),
        capture: async (file, args) => {
          calls.push([file, ...args]);
          return { exitCode, stdout: schema, stderr: '' };
        },
        which: async () => which,
      };
    };

    it('prefers schemaFile', async () => {
      const file = path.join(tmp, 'schema.json');
      fs.writeFileSync(file, schema);
      const cli = runner('/usr/bin/databricks');
      const loaded = await loadBundleSchema(nfs, cli, file, silentLogger);
      assert.equal(loaded?.origin, file);
      assert.deepEqual(cli.calls, []);
      assert.deepEqual(loaded?.validator.validate({ bundle: {} }).map((e) => [e.keys.join('.'), e.keyword]), [['bundle', 'required']]);
    });

    it('asks the CLI on PATH for its schema when no file is given', async () => {
      const cli = runner('/opt/databricks');
      const loaded = await loadBundleSchema(nfs, cli, undefined, silentLogger);
      assert.deepEqual(cli.calls, [['/opt/databricks', 'bundle', 'schema']]);
      assert.equal(loaded?.origin, '/opt/databricks bundle schema');
    });

    it('runs without a schema when there is neither, or the CLI fails', async () => {
      assert.equal(await loadBundleSchema(nfs, runner(undefined), undefined, silentLogger), undefined);
      const warnings: string[] = [];
      assert.equal(await loadBundleSchema(nfs, runner('/opt/databricks', 1), undefined, { ...silentLogger, warn: (m) => warnings.push(m) }), undefined);
      assert.equal(warnings.length, 1);
    });

    it('names the input when the schema file is missing or not JSON', async () => {
      await assert.rejects(loadBundleSchema(nfs, runner(undefined), path.join(tmp, 'missing.json'), silentLogger), /Invalid 'schemaFile'/);
      fs.writeFileSync(path.join(tmp, 'bad.json'), '{');
      await assert.rejects(loadBundleSchema(nfs, runner(undefined), path.join(tmp, 'bad.json'), silentLogger), /is not valid JSON/);
    });
  });
});
