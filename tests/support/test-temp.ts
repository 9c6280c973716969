/**
 * Loaded by mocha before any test file (.mocharc `require`): every temporary folder of the run
 * (tests, task bundles in child processes, Chromium's profile) goes under one folder, removed when
 * the run ends, so a test that forgets to clean up cannot fill the machine's temp space.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const runFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tests-'));
// os.tmpdir() reads these on every call, and child processes inherit them.
for (const name of ['TMPDIR', 'TMP', 'TEMP']) process.env[name] = runFolder;

export const mochaHooks = {
  afterAll(): void {
    fs.rmSync(runFolder, { recursive: true, force: true });
  },
};
