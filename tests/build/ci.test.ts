import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const script = path.resolve(__dirname, '..', '..', '.ci', 'run');

// Only the failing paths are run here: with every schema present the script goes on to
// `npm ci && npm test`, which is the suite itself.
describe('.ci/run', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-ci-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(schemaDir: string) {
    return spawnSync('bash', [script], { env: { ...process.env, MLOPS_SCHEMA_DIR: schemaDir }, encoding: 'utf8', timeout: 10_000 });
  }

  it('is executable', () => {
    assert.ok(fs.statSync(script).mode & 0o111);
  });

  it('fails before installing anything when the schema folder is empty, naming the folder and the files', () => {
    const result = run(dir);
    assert.equal(result.status, 1);
    assert.ok(result.stderr.includes(dir));
    for (const file of ['azure-pipelines-task.schema.json', 'azure-pipelines-service-schema.json', 'databricks-bundle.schema.json']) {
      assert.ok(result.stderr.includes(file), `${file} not named in: ${result.stderr}`);
    }
    assert.equal(result.stdout, '');
  });

  it('names only the schema that is missing', () => {
    fs.writeFileSync(path.join(dir, 'azure-pipelines-task.schema.json'), '{}');
    fs.writeFileSync(path.join(dir, 'databricks-bundle.schema.json'), '{}');
    const result = run(dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /: azure-pipelines-service-schema\.json\n/);
  });
});
