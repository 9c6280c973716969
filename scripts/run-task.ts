/**
 * `npx tsx scripts/run-task.ts <Task> [input=value ...]`: runs one built task bundle by hand, as the
 * agent would, against a workspace (by default the one `npm run emulator` prints), and prints what
 * the pipeline log would show. Build first (`npm run build -- <Task>`).
 *
 * The connection is an "Azure Databricks workspace" service connection with the personal access
 * token scheme: `MLOPS_WORKSPACE_URL` (or `--url`) and `MLOPS_WORKSPACE_TOKEN` (or `--token`; default:
 * the demo workspace's token). Its id is `workspace`, and `connectionType`/`databricksConnection`
 * are set to it unless given. Pipeline variables (`System.*`, `Build.*`) are those of the demo run;
 * `--var name=value` adds or overrides one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { demo } from '../tests/emulator/demo-workspace';
import { runTaskBundle } from '../tests/support/task-bundle';
import { printPipelineLog } from './demo/environment';

/** What the command line asks for. */
export interface RunTaskArguments {
  task: string;
  url?: string;
  token?: string;
  inputs: Record<string, string>;
  variables: Record<string, string>;
}

/** Parses `<Task> [--url u] [--token t] [--var n=v]... [input=value]...`; the task name may omit `V1`. */
export function parseRunTaskArguments(argv: readonly string[]): RunTaskArguments {
  const [task, ...rest] = argv;
  if (!task || task.startsWith('-')) throw new Error('Usage: npx tsx scripts/run-task.ts <Task> [--url <workspace>] [--token <pat>] [--var name=value]... [input=value]...');
  const parsed: RunTaskArguments = { task: /V\d+$/.test(task) ? task : `${task}V1`, inputs: {}, variables: {} };
  const pair = (text: string, what: string): [string, string] => {
    const equals = text.indexOf('=');
    if (equals <= 0) throw new Error(`Expected ${what} as name=value, got '${text}'`);
    return [text.slice(0, equals), text.slice(equals + 1)];
  };
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index];
    if (argument === '--url' || argument === '--token' || argument === '--var') {
      const value = rest[++index];
      if (value === undefined) throw new Error(`Missing value for ${argument}`);
      if (argument === '--var') {
        const [name, variable] = pair(value, 'a variable');
        parsed.variables[name] = variable;
      } else {
        parsed[argument === '--url' ? 'url' : 'token'] = value;
      }
    } else {
      const [name, value] = pair(argument, 'an input');
      // Multi-line inputs (rules, key=value lists) can be written with \n on the command line.
      parsed.inputs[name] = value.replace(/\\n/g, '\n');
    }
  }
  return parsed;
}

async function main(): Promise<void> {
  const args = parseRunTaskArguments(process.argv.slice(2));
  const url = args.url ?? process.env.MLOPS_WORKSPACE_URL;
  if (!url) throw new Error("No workspace: start 'npm run emulator' and pass its URL with --url (or set MLOPS_WORKSPACE_URL).");
  const token = args.token ?? process.env.MLOPS_WORKSPACE_TOKEN ?? demo.pat;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-run-task-'));
  try {
    const run = await runTaskBundle(args.task, {
      inputs: { connectionType: 'databricks', databricksConnection: 'workspace', ...args.inputs },
      endpoints: { workspace: { url, scheme: 'Token', parameters: { apitoken: token } } },
      variables: {
        'System.CollectionUri': 'https://dev.azure.com/contoso/',
        'System.TeamProject': 'ml-platform',
        'System.TeamProjectId': '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d',
        'System.CollectionId': '0f1c9a8e-2d3b-4c5d-8e9f-1a2b3c4d5e6f',
        'System.JobId': randomUUID(),
        'System.JobAttempt': '1',
        'System.TaskInstanceId': randomUUID(),
        'System.DefaultWorkingDirectory': work,
        'Build.BuildId': '1',
        'Build.BuildNumber': '1',
        'Build.SourceVersion': '0000000000000000000000000000000000000000',
        'Build.ArtifactStagingDirectory': path.join(work, 'staging'),
        ...args.variables,
      },
      cwd: work,
      timeoutMs: 30 * 60_000,
    });
    try {
      printPipelineLog(run);
    } finally {
      fs.rmSync(run.tempDirectory, { recursive: true, force: true });
    }
    process.exitCode = run.result === 'Succeeded' || run.result === 'SucceededWithIssues' ? 0 : 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
