import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { bundleFiles, lazyChunkPath, lazyModuleSource, maxBundleBytes, oversizedBundles, packageOf, taskFolders } from '../../scripts/build';

/** Evaluates a stand-in module with a `require` that counts loads. */
function standIn(real: unknown, specifier = 'pkg'): { exports: Record<string, unknown>; loads: () => number } {
  let loads = 0;
  const module = { exports: {} as Record<string, unknown> };
  const source = lazyModuleSource(specifier, real, 'require("real")');
  vm.runInNewContext(source, { exports: module.exports, require: () => (loads++, real) });
  return { exports: module.exports, loads: () => loads };
}

describe('build: packages loaded on first use', () => {
  it('stands in for a package without loading it until an export is read, then loads it once', () => {
    const real = { parse: (text: string) => `parsed ${text}`, version: '2' };
    const { exports, loads } = standIn(real);
    assert.deepEqual(Object.keys(exports).sort(), ['parse', 'version']);
    assert.equal(loads(), 0);
    assert.equal((exports.parse as (t: string) => string)('x'), 'parsed x');
    assert.equal(exports.version, '2');
    assert.equal(loads(), 1);
  });

  it('keeps the default export of an __esModule package and refuses a package that is a function', () => {
    class Ajv {}
    const real = Object.assign(Object.create(null), { default: Ajv, __esModule: true });
    const { exports } = standIn(real);
    assert.equal(exports.__esModule, true);
    assert.equal(exports.default, Ajv);
    assert.throws(() => lazyModuleSource('picomatch', () => undefined, 'x'), /'picomatch' exports a function/);
  });

  it('names chunks by package, subpaths included', () => {
    assert.equal(packageOf('azure-devops-node-api/handlers/bearertoken'), 'azure-devops-node-api');
    assert.equal(packageOf('@scope/name/sub'), '@scope/name');
    assert.equal(lazyChunkPath('@scope/name'), './lazy/@scope+name.js');
  });
});

describe('build: every task bundle under 1 MB', () => {
  it('names each file at or over the limit, with its size', () => {
    const files = [
      { file: 'index.js', bytes: maxBundleBytes - 1 },
      { file: 'lazy/yaml.js', bytes: maxBundleBytes },
    ];
    const problems = oversizedBundles('DatabricksXV1', files);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /DatabricksXV1\/lazy\/yaml\.js is 1,000,000 bytes/);
  });

  it('holds for the built tasks (npm run build fails otherwise)', function () {
    const built = taskFolders().filter((task) => fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'tasks', task, 'index.js')));
    if (built.length === 0) this.skip();
    for (const task of built) assert.deepEqual(oversizedBundles(task, bundleFiles(path.join(__dirname, '..', '..', 'dist', 'tasks', task))), []);
  });
});

describe('build: a task that stops on its inputs loads no package chunk', () => {
  // A module-level `new Parser()`, `class X extends Lib.Base` or constant read from a package makes
  // its chunk load at start-up, which is what the cold-start goal of issue 14 is about.
  it('holds for every built agent task run with no inputs', function () {
    this.timeout(60_000);
    const repoRoot = path.join(__dirname, '..', '..');
    const built = taskFolders().filter((task) => fs.existsSync(path.join(repoRoot, 'dist', 'tasks', task, 'index.js')));
    if (built.length === 0) this.skip();
    const recorder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lazy-loads-')), 'record.js');
    fs.writeFileSync(
      recorder,
      "const Module = require('node:module'); const load = Module.prototype.require;\n" +
        "Module.prototype.require = function (id) { if (String(id).includes('/lazy/')) process.stderr.write('LAZY ' + id + '\\n'); return load.apply(this, arguments); };\n",
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('INPUT_') && !key.startsWith('ENDPOINT_')));
    const loaded = built.map((task) => {
      const child = spawnSync(process.execPath, ['-r', recorder, path.join(repoRoot, 'dist', 'tasks', task, 'index.js')], { env, encoding: 'utf8', timeout: 30_000 });
      assert.match(child.stdout, /##vso\[task\.complete result=Failed/, `${task} did not fail on its missing inputs`);
      return { task, chunks: child.stderr.split('\n').filter((line) => line.startsWith('LAZY ')) };
    });
    assert.deepEqual(loaded.filter((entry) => entry.chunks.length > 0), []);
  });
});
