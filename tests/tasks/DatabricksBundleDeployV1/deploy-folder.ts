/**
 * The folder a deploy test works in, fresh for each test: release zips, the fake CLI's record of its
 * calls, the tool cache, and the step's environment that puts the fake CLI first on PATH. Shared by
 * the in-process and the bundle runs of DatabricksBundleDeploy@1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeCliPath } from '../../fakes/cli-release-server';
import { writeReleaseZip, type ReleaseZipOptions } from './release-zip';

/** One invocation of the fake CLI, as it records it. */
export interface CliCall {
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  files: string[];
  yaml: Record<string, string>;
}

/** PATH with the fake `databricks` first, then Node and the system tools. */
export const cliOnPath = [path.dirname(fakeCliPath), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);

export interface DeployFolder {
  readonly temp: string;
  /** The fake CLI's record file. */
  readonly record: string;
  calls(): CliCall[];
  /** The calls as `--version`, `bundle deploy`, ... */
  verbs(): string[];
  /** Writes a release zip of `files` (the suite's bundle files by default) into the folder. */
  zip(options?: Partial<ReleaseZipOptions>, name?: string): Promise<{ zipPath: string; digest: string }>;
  /** The agent variables naming the tool cache and the working folder. */
  variables(work: string): Record<string, string>;
  /** The step's environment: the fake CLI on PATH, recording into this folder. */
  environment(): Record<string, string>;
  /** The token reached the CLI only as DATABRICKS_TOKEN, never on a command line nor in another variable. */
  assertTokenOnlyInCliEnvironment(token: string): void;
}

/** Registers the hooks that make and remove the folder around each test. */
export function useDeployFolder(files: Record<string, string>): DeployFolder {
  let temp = '';
  beforeEach(() => {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-task-'));
  });
  afterEach(() => fs.rmSync(temp, { recursive: true, force: true }));
  const record = (): string => path.join(temp, 'calls.json');
  const calls = (): CliCall[] => (fs.existsSync(record()) ? (JSON.parse(fs.readFileSync(record(), 'utf8')) as CliCall[]) : []);
  return {
    get temp() {
      return temp;
    },
    get record() {
      return record();
    },
    calls,
    verbs: () => calls().map((call) => (call.args[0] === 'bundle' ? `bundle ${call.args[1]}` : call.args[0])),
    async zip(options = {}, name = 'churn-2026.11.1.zip') {
      const zipPath = path.join(temp, name);
      const digest = await writeReleaseZip(zipPath, { files, ...options });
      return { zipPath, digest };
    },
    variables: (work) => ({ 'Agent.ToolsDirectory': path.join(temp, 'tools'), 'System.DefaultWorkingDirectory': work }),
    environment: () => ({ PATH: cliOnPath, FAKE_DATABRICKS_RECORD: record() }),
    assertTokenOnlyInCliEnvironment(token) {
      assert.ok(!calls().some((call) => call.args.some((arg) => arg.includes(token))), 'the token is never on a command line');
      for (const call of calls()) {
        const carriers = Object.entries(call.env ?? {}).filter(([, value]) => value.includes(token)).map(([name]) => name);
        assert.deepEqual(carriers, call.env?.DATABRICKS_TOKEN ? ['DATABRICKS_TOKEN'] : [], 'only DATABRICKS_TOKEN carries it (no ENDPOINT_* leftovers)');
      }
    },
  };
}
