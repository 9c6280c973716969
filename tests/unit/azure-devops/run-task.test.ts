import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { foreignCommandLines } from '../../support/injection';

const fixture = path.join(__dirname, 'fixtures', 'run-task-fixture.ts');

interface Finished {
  results: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the fixture in its own process (runTask owns process signals and exit) and collects its `task.complete` results. */
function runFixture(scenario: string, signal?: NodeJS.Signals, env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, scenario], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (signal && /^ready$/m.test(stdout) && !child.killed) child.kill(signal);
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const results = [...stdout.matchAll(/##vso\[task\.complete result=([A-Za-z]+);?\]/g)].map((match) => match[1]);
      resolve({ results, exitCode, stdout, stderr });
    });
  });
}

describe('runTask', function () {
  this.timeout(30_000);

  it('lets no logging command from outside text reach the agent: logger, outputs, console and the result message', async () => {
    const finished = await runFixture('print-outside-text');
    assert.deepEqual(finished.results, ['Failed']);
    assert.deepEqual(foreignCommandLines(finished, { outputs: ['said'] }), []);
    assert.match(finished.stdout, /^##\[error\]x$/m, "the logger's own error formatting stays");
    assert.match(finished.stdout + finished.stderr, /##_vso\[task\.prependpath\]/, 'the text is still shown');
  });

  it('hands run a filePath input the agent filled with the repository folder as not set (task.json types decide)', async () => {
    const sources = '/agent/_work/1/s';
    const finished = await runFixture('file-path-inputs', undefined, { BUILD_SOURCESDIRECTORY: sources, INPUT_RULESFILE: sources, INPUT_OUTPUTDIRECTORY: sources });
    assert.deepEqual(finished.results, ['Succeeded']);
    assert.match(finished.stdout, /rulesFile=<not set> outputDirectory=\/agent\/_work\/1\/s/, 'an input with a default keeps the folder it was set to');
    const given = await runFixture('file-path-inputs', undefined, { BUILD_SOURCESDIRECTORY: sources, INPUT_RULESFILE: `${sources}/rules.yml` });
    assert.match(given.stdout, /rulesFile=\/agent\/_work\/1\/s\/rules\.yml/);
  });

  it('sets the outcome run returns, once', async () => {
    const finished = await runFixture('succeed');
    assert.deepEqual(finished.results, ['SucceededWithIssues']);
    assert.equal(finished.exitCode, 0);
  });

  it('reports a cancellation once when cleanup finished, even if the process lingers past the grace period', async () => {
    const finished = await runFixture('cleanup-then-linger', 'SIGINT');
    assert.deepEqual(finished.results, ['Cancelled']);
    assert.equal(finished.exitCode, 0);
  });

  it('reports a cancelled step as cancelled even when the work returns normally', async () => {
    const finished = await runFixture('swallow-cancellation', 'SIGTERM');
    assert.deepEqual(finished.results, ['Cancelled']);
  });

  it('fails the step once on an unhandled rejection, not Failed and later Succeeded', async () => {
    const finished = await runFixture('stray-rejection');
    assert.deepEqual(finished.results, ['Failed']);
    assert.notEqual(finished.exitCode, 0);
  });
});
