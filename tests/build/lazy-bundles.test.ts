import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
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
