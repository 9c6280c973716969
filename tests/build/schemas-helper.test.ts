import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { requireSchema, schemaDir } from '../support/schemas';

describe('tests/support/schemas', () => {
  const saved = { dir: process.env.MLOPS_SCHEMA_DIR, ci: process.env.CI };
  let dir: string;
  let warn: sinon.SinonStub;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-schemas-'));
    fs.writeFileSync(path.join(dir, 'present.json'), '{}');
    process.env.MLOPS_SCHEMA_DIR = dir;
    warn = sinon.stub(console, 'warn');
  });

  afterEach(() => {
    warn.restore();
    for (const [name, value] of [['MLOPS_SCHEMA_DIR', saved.dir], ['CI', saved.ci]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A stand-in for the mocha context: skip() never returns, like mocha's. */
  function fakeContext() {
    const skip = sinon.fake(() => {
      throw new Error('skipped');
    });
    return { context: { skip } as unknown as Mocha.Context, skip };
  }

  it('reads MLOPS_SCHEMA_DIR, and defaults to ../shared/schemas next to the repo', () => {
    assert.equal(schemaDir(), dir);
    delete process.env.MLOPS_SCHEMA_DIR;
    assert.equal(schemaDir(), path.resolve(__dirname, '..', '..', '..', 'shared', 'schemas'));
  });

  it('returns the path of a schema that exists', () => {
    const { context, skip } = fakeContext();
    assert.equal(requireSchema('present.json', context), path.join(dir, 'present.json'));
    assert.equal(skip.callCount, 0);
  });

  it('skips outside CI, saying which folder it looked in', () => {
    delete process.env.CI;
    const { context, skip } = fakeContext();
    assert.throws(() => requireSchema('absent.json', context), /skipped/);
    assert.equal(skip.callCount, 1);
    assert.ok(String(warn.firstCall.args[0]).includes(dir));
  });

  it('fails under CI=true instead of skipping', () => {
    process.env.CI = 'true';
    const { context, skip } = fakeContext();
    assert.throws(() => requireSchema('absent.json', context), (error: Error) => error.message.includes('absent.json') && error.message.includes(dir));
    assert.equal(skip.callCount, 0);
  });
});
