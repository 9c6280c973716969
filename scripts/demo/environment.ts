/**
 * What every demo step gets: the running workspace emulator, a service connection to it, pipeline
 * variables, and `runTask`, which runs a built task bundle as the agent does and prints what the
 * pipeline log would show (secrets masked, `##vso` commands rendered as the web UI shows them).
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../../tests/emulator';
import { parseCommandLine, runTaskBundle, type EndpointFixture, type TaskRun, type TaskRunOptions, type VsoCommand } from '../../tests/support/task-bundle';

export interface DemoEnvironment {
  emulator: Emulator;
  workspaceUrl: string;
  /** Personal access token of the demo service connection. */
  token: string;
  /** Id of the demo `databricks-workspace` service connection. */
  connectionId: string;
  endpoints: Record<string, EndpointFixture>;
  /** The common connection inputs pointing at the demo connection. */
  connectionInputs: Record<string, string>;
  /** Pipeline variables of the demo run (Build.*, System.*). */
  variables: Record<string, string>;
  /** A scratch folder for the demo run (the agent's work folder). */
  workDirectory: string;
  /** Values later steps need from earlier ones (bundle path, digest, candidate version, ...). */
  shared: Record<string, string>;
  /** Runs a task bundle, prints its log, and returns what the agent saw. */
  runTask(task: string, title: string, inputs: Record<string, string>, extra?: Partial<TaskRunOptions>): Promise<TaskRun>;
}

const colours = process.stdout.isTTY
  ? { dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', bold: '\x1b[1m', reset: '\x1b[0m' }
  : { dim: '', red: '', yellow: '', green: '', bold: '', reset: '' };

/** Renders one `##vso` command the way the pipeline log or UI would show it; undefined hides it. */
function render(command: VsoCommand): string | undefined {
  const { dim, red, yellow, green, reset } = colours;
  switch (command.command) {
    case 'task.setsecret':
    case 'task.debug':
    case 'task.setprogress':
      return undefined;
    case 'task.issue':
      return command.properties.type === 'error' ? `${red}##[error]${command.message}${reset}` : `${yellow}##[warning]${command.message}${reset}`;
    case 'task.setvariable':
      return `${dim}  output ${command.properties.variable} = ${command.properties.issecret === 'true' ? '***' : command.message}${reset}`;
    case 'task.complete': {
      const colour = command.properties.result === 'Succeeded' ? green : command.properties.result === 'SucceededWithIssues' ? yellow : red;
      return `${colour}  result: ${command.properties.result}${command.message ? ` (${command.message})` : ''}${reset}`;
    }
    case 'results.publish':
      return `${dim}  published ${command.properties.type} test results '${command.properties.runTitle ?? ''}': ${command.properties.resultFiles}${reset}`;
    case 'artifact.upload':
      return `${dim}  published pipeline artifact '${command.properties.artifactname}': ${command.message}${reset}`;
    case 'task.uploadsummary':
    case 'task.addattachment':
      return `${dim}  attached ${command.properties.name ?? 'summary'}: ${command.message}${reset}`;
    default:
      return `${dim}  ##vso[${command.command}] ${command.message}${reset}`;
  }
}

/** Prints a task's stdout as the pipeline log would show it, masking registered secrets. */
export function printPipelineLog(run: TaskRun): void {
  const secrets = run.secrets.filter((s) => s.length > 0);
  const mask = (line: string): string => secrets.reduce((text, secret) => text.split(secret).join('***'), line);
  for (const line of run.stdout.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (line.startsWith('##vso[')) {
      const shown = render(parseCommandLine(line));
      if (shown) console.log(mask(shown));
    } else {
      console.log(mask(`  ${line}`));
    }
  }
  for (const summary of run.summaries) {
    if (!fs.existsSync(summary)) continue;
    console.log(`${colours.dim}  --- ${path.basename(summary)} ---${colours.reset}`);
    for (const line of fs.readFileSync(summary, 'utf8').split('\n')) console.log(mask(`  | ${line}`));
  }
}

/** Builds the environment around a started emulator. */
export function createDemoEnvironment(emulator: Emulator, token: string, workDirectory: string): DemoEnvironment {
  const connectionId = 'databricks-demo';
  const endpoints: Record<string, EndpointFixture> = {
    [connectionId]: { url: emulator.url, scheme: 'Token', parameters: { apitoken: token } },
  };
  const variables: Record<string, string> = {
    'System.CollectionUri': 'https://dev.azure.com/contoso/',
    'System.CollectionId': '0f1c9a8e-2d3b-4c5d-8e9f-1a2b3c4d5e6f',
    'System.TeamProject': 'ml-platform',
    'System.TeamProjectId': '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d',
    'System.JobId': '12f1170f-54f2-53f3-20dd-22fc7dff55f9',
    'System.JobAttempt': '1',
    'System.DefaultWorkingDirectory': workDirectory,
    'Build.BuildId': '4711',
    'Build.BuildNumber': '2026.11.28.1',
    'Build.SourceVersion': '3f9c2e1d7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e',
    'Build.SourceBranch': 'refs/heads/release/2026.11',
    'Build.Repository.Name': 'churn-model',
    'Build.RequestedFor': 'Ada Lovelace',
    'Build.ArtifactStagingDirectory': path.join(workDirectory, 'staging'),
  };
  const agentTemp = path.join(workDirectory, '_temp');
  fs.mkdirSync(agentTemp, { recursive: true });
  const environment: DemoEnvironment = {
    emulator,
    workspaceUrl: emulator.url,
    token,
    connectionId,
    endpoints,
    connectionInputs: { connectionType: 'databricks', databricksConnection: connectionId },
    variables,
    workDirectory,
    shared: {},
    async runTask(task, title, inputs, extra = {}) {
      console.log(`\n${colours.bold}==> ${title}${colours.reset} ${colours.dim}(${task})${colours.reset}`);
      const { endpoints: extraEndpoints, variables: extraVariables, ...rest } = extra;
      const run = await runTaskBundle(task, {
        ...rest,
        inputs,
        endpoints: { ...endpoints, ...extraEndpoints },
        // Like the agent, every step gets its own task instance id (it feeds the run idempotency tokens).
        variables: { ...variables, 'System.TaskInstanceId': randomUUID(), ...extraVariables },
        cwd: rest.cwd ?? workDirectory,
        timeoutMs: rest.timeoutMs ?? 120_000,
        // Like the agent's, each step's temp folder lives only as long as the job: here, the demo's work folder.
        tempRoot: rest.tempRoot ?? agentTemp,
      });
      printPipelineLog(run);
      return run;
    },
  };
  return environment;
}
