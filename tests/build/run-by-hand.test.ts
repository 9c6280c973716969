/**
 * The "Run a task by hand" path of the README and the demo's housekeeping: scripts/run-task.ts runs a
 * built task against a running workspace emulator, and neither it nor the demo leaves the agent's
 * temp folders behind. Needs the Promote bundle (`npm run build -- DatabricksModelPromoteV1`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator';
import { createDemoWorkspace, demo } from '../emulator/demo-workspace';
import { createDemoEnvironment } from '../../scripts/demo/environment';
import { parseRunTaskArguments } from '../../scripts/run-task';
import { repoRoot } from '../support/task-bundle';

const built = fs.existsSync(path.join(repoRoot, 'dist', 'tasks', 'DatabricksModelPromoteV1', 'index.js'));

describe('running a task by hand', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ scenario: createDemoWorkspace().scenario });
  });
  after(() => emulator.close());

  it('parses the task, connection, variables and inputs from the command line', () => {
    assert.deepEqual(parseRunTaskArguments(['DatabricksModelPromote', '--url', 'http://127.0.0.1:1', '--var', 'Build.BuildId=9', 'modelName=main.ml.churn', 'removeAliases=a\\nb']), {
      task: 'DatabricksModelPromoteV1',
      url: 'http://127.0.0.1:1',
      inputs: { modelName: 'main.ml.churn', removeAliases: 'a\nb' },
      variables: { 'Build.BuildId': '9' },
    });
    assert.throws(() => parseRunTaskArguments([]), /Usage/);
    assert.throws(() => parseRunTaskArguments(['X', 'novalue']), /name=value/);
  });

  it('runs a built task against the emulator with the demo token', async function () {
    if (!built) this.skip();
    // Asynchronously: the emulator answers from this process's event loop.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/run-task.ts', 'DatabricksModelPromote', '--url', emulator.url, `modelName=${demo.model}`, `version=${demo.candidateVersion}`, `expectedCurrentVersion=${demo.championVersion}`],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 0, output);
    assert.equal(emulator.state.models.get(demo.model)?.aliases.get('champion'), demo.candidateVersion);
  });

  it("the demo keeps each step's agent temp folder inside its work folder, which it removes at the end", async function () {
    if (!built) this.skip();
    const work = fs.mkdtempSync(path.join(repoRoot, 'dist', 'demo-work-'));
    const log = console.log;
    console.log = () => undefined;
    try {
      const environment = createDemoEnvironment(emulator, demo.pat, work);
      const run = await environment.runTask('DatabricksModelPromoteV1', 'refused', { ...environment.connectionInputs, modelName: 'not-three-parts' });
      assert.equal(run.result, 'Failed');
      // Later steps read what earlier ones attached (the model reports), as on an agent during a job.
      assert.equal(path.dirname(path.dirname(run.tempDirectory)), work);
    } finally {
      console.log = log;
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
