/**
 * Malformed inputs, per task: empty, wrong type, wrong format, too long, control characters, and
 * injection attempts in names and SQL identifiers. Each fails the task with a message naming the
 * input, before any request leaves the agent.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TaskContext, TaskOutcome } from '../../tasks/common/task/task-context';
import { run as runBundleDeploy } from '../../tasks/DatabricksBundleDeployV1/run';
import { run as runReleaseBundle } from '../../tasks/DatabricksReleaseBundleV1/run';
import { run as runModelSignOff } from '../../tasks/DatabricksModelSignOffV1/run';
import { repoRoot } from '../support/task-bundle';
import { FakeClock } from '../fakes/clock';
import { FakeTransport } from '../fakes/transport';
import { runInProcess } from '../fakes/task-run';
import { authSchemes, taskCases, variables } from './task-cases';

interface BadInput {
  input: string;
  value: string;
  /** What is wrong with it. */
  kind: string;
  /** Other inputs that make the task read this one. */
  with?: Record<string, string>;
}

const controlCharacters = 'main.ml.ch\u0000urn\r\n##vso[task.setvariable variable=x]y';
const tooLong = `main.ml.${'m'.repeat(400)}`;

/** Identifier inputs that end up in SQL: each is refused, whatever the quoting trick. */
function sqlIdentifier(input: string): BadInput[] {
  return [
    { input, value: 'main.mlops.decisions; DROP TABLE main.mlops.decisions', kind: 'statement injection' },
    { input, value: "main.mlops.decisions' OR '1'='1", kind: 'quote injection' },
    { input, value: 'main.mlops.`decisions` --', kind: 'backtick injection' },
    { input, value: 'decisions', kind: 'not three parts' },
    { input, value: 'main..decisions', kind: 'empty part' },
    { input, value: controlCharacters, kind: 'control characters' },
    { input, value: tooLong, kind: 'too long' },
  ];
}

function modelName(input = 'modelName'): BadInput[] {
  return [
    { input, value: 'churn', kind: 'not three parts' },
    { input, value: 'main.ml.churn/../../other', kind: 'path traversal' },
    { input, value: 'main.ml.churn; DROP TABLE x', kind: 'injection' },
    { input, value: controlCharacters, kind: 'control characters' },
    { input, value: tooLong, kind: 'too long' },
  ];
}

function version(input: string): BadInput[] {
  return [
    { input, value: 'two', kind: 'wrong type' },
    { input, value: '-1', kind: 'negative' },
    { input, value: '1.5', kind: 'fraction' },
    { input, value: '99999999999999999999999', kind: 'out of range' },
  ];
}

const audit = sqlIdentifier('auditTable');
const warehouse: BadInput[] = [
  { input: 'sqlWarehouseId', value: "wh1' OR 1=1 --", kind: 'injection' },
  { input: 'sqlWarehouseId', value: 'wh1/../../api/2.0/jobs', kind: 'path traversal' },
];
const workspaceUrl: BadInput[] = [
  { input: 'workspaceUrl', value: 'not a url', kind: 'wrong format' },
  { input: 'workspaceUrl', value: 'ftp://adb-1.azuredatabricks.net', kind: 'wrong scheme' },
  { input: 'workspaceUrl', value: 'https://adb-1.azuredatabricks.net\r\nHost: evil', kind: 'header injection' },
];

/** Per task: its malformed inputs (the shared ones added where the task has the input). */
const badInputs: Record<string, BadInput[]> = {
  DatabricksIntegrationTestsV1: [
    { input: 'runType', value: 'shell', kind: 'not a choice' },
    { input: 'notebookPath', value: 'tests/passing', kind: 'relative path' },
    { input: 'notebookPath', value: `/Workspace/tests/${'\u0007'}bell`, kind: 'control characters' },
    { input: 'timeoutMinutes', value: 'ten', kind: 'wrong type' },
    { input: 'timeoutMinutes', value: '-5', kind: 'negative' },
    { input: 'notebookParameters', value: 'no-equals-sign', kind: 'wrong format' },
    { input: 'newCluster', value: '{"spark_version": ', kind: 'malformed JSON', with: { compute: 'newCluster' } },
  ],
  DatabricksModelCompareV1: [
    ...modelName(),
    ...version('candidateVersion'),
    { input: 'rules', value: 'metrics: [', kind: 'malformed YAML' },
    { input: 'rules', value: 'metrics:\n  accuracy: { greater_is_better: maybe }\n', kind: 'wrong type' },
    { input: 'evaluationTimeoutMinutes', value: 'soon', kind: 'wrong type' },
    { input: 'setAliasOnPass', value: 'Champion Alias!', kind: 'wrong format' },
    { input: 'bootstrapSeed', value: 'abc', kind: 'wrong type' },
    ...sqlIdentifier('pairedScoresTable').map((bad) => ({ ...bad, with: { requireSignificance: 'true' } })),
    ...audit,
    ...warehouse,
  ],
  DatabricksModelPromoteV1: [
    ...modelName(),
    ...version('version'),
    { input: 'alias', value: 'latest', kind: 'reserved name' },
    { input: 'alias', value: 'champion; DROP', kind: 'injection' },
    { input: 'alias', value: `c${'\u001b'}[31m`, kind: 'control characters' },
    { input: 'expectedCurrentVersion', value: 'the old one', kind: 'wrong type' },
    { input: 'action', value: 'demote', kind: 'not a choice' },
    ...audit,
    ...warehouse,
  ],
  DatabricksModelComplianceV1: [
    ...modelName(),
    ...version('modelVersion'),
    { input: 'mode', value: 'strict', kind: 'not a choice' },
    { input: 'policyFile', value: '/nonexistent/policy.yml', kind: 'missing file' },
    ...audit,
    ...warehouse,
  ],
  DatabricksServingRolloutV1: [
    { input: 'endpointName', value: 'churn endpoint!', kind: 'wrong format' },
    { input: 'endpointName', value: '../jobs/runs/submit', kind: 'path traversal' },
    { input: 'endpointName', value: 'e'.repeat(200), kind: 'too long' },
    ...modelName(),
    { input: 'strategy', value: 'big-bang', kind: 'not a choice' },
    { input: 'canaryPercent', value: '150', kind: 'out of range' },
    { input: 'canaryPercent', value: 'ten', kind: 'wrong type' },
    { input: 'timeoutMinutes', value: '0', kind: 'out of range' },
    ...audit,
    ...warehouse,
  ],
  DatabricksDriftCheckV1: [
    ...sqlIdentifier('monitoredTable'),
    { input: 'lookbackWindows', value: 'many', kind: 'wrong type' },
    { input: 'onDrift', value: 'explode', kind: 'not a choice' },
    { input: 'retrainJobParameters', value: 'no-equals-sign', kind: 'wrong format' },
    { input: 'maxWindowAgeHours', value: '-1', kind: 'negative' },
    { input: 'rulesFile', value: '/nonexistent/rules.yml', kind: 'missing file' },
    ...audit,
    ...warehouse,
  ],
};

/** Tasks outside the workspace table: their inputs are enough to start, apart from the bad one. */
const otherTasks: Array<{ task: string; run: (context: TaskContext) => Promise<TaskOutcome | void>; inputs: Record<string, string>; bad: BadInput[] }> = [
  {
    // Its Azure DevOps calls go through azure-devops-node-api: a refusal before them is also one before any Databricks request.
    task: 'DatabricksModelSignOffV1',
    run: runModelSignOff,
    inputs: { action: 'request', modelName: 'main.ml.churn', modelVersion: '4', approvers: 'lead@contoso.com' },
    bad: [
      { input: 'action', value: 'approve', kind: 'not a choice' },
      { input: 'modelName', value: tooLong, kind: 'too long' },
      { input: 'modelName', value: controlCharacters, kind: 'control characters' },
      { input: 'modelVersion', value: '4; DROP TABLE x', kind: 'injection' },
      { input: 'timeoutMinutes', value: 'forever', kind: 'wrong type', with: { action: 'wait', signOffId: '12' } },
      { input: 'signOffId', value: '12 OR 1=1', kind: 'injection', with: { action: 'wait' } },
      { input: 'auditTable', value: 'main.mlops.decisions; DROP TABLE main.mlops.decisions', kind: 'statement injection', with: { sqlWarehouseId: 'abc123' } },
    ],
  },
  {
    task: 'DatabricksReleaseBundleV1',
    run: runReleaseBundle,
    inputs: { command: 'build', bundleRoot: '/nonexistent-bundle' },
    bad: [
      { input: 'command', value: 'publish', kind: 'not a choice' },
      { input: 'version', value: '1.0; rm -rf /', kind: 'injection' },
      { input: 'variables', value: 'no-equals-sign', kind: 'wrong format' },
    ],
  },
  {
    task: 'DatabricksBundleDeployV1',
    run: runBundleDeploy,
    inputs: { bundlePath: '/nonexistent/bundle.zip', target: 'prod' },
    bad: [
      { input: 'action', value: 'destroy-everything', kind: 'not a choice' },
      { input: 'target', value: 'prod --force-lock', kind: 'argument injection' },
      { input: 'target', value: 'prod\n##vso[task.complete result=Succeeded]', kind: 'control characters' },
      { input: 'variables', value: 'no-equals-sign', kind: 'wrong format' },
      { input: 'cliVersion', value: '0.2xx; curl evil', kind: 'wrong format' },
    ],
  },
];

const pat = authSchemes[0];

function requiredInputs(task: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tasks', task, 'task.json'), 'utf8')) as { inputs: Array<{ name: string; required?: boolean; defaultValue?: string }> };
  // A required input with a default is never empty: the agent passes the default.
  return manifest.inputs.filter((input) => input.required && !input.defaultValue).map((input) => input.name);
}
const workspace = 'https://adb-1.azuredatabricks.net';

async function assertRefused(task: string, run: (context: TaskContext) => Promise<TaskOutcome | void>, inputs: Record<string, string>, bad: BadInput): Promise<void> {
  const transport = new FakeTransport(new Error('no request may be sent'));
  const arm = bad.input === 'workspaceUrl' ? authSchemes[2] : pat;
  const outcome = await runInProcess(run, {
    inputs: { ...arm.inputs(workspace), ...inputs, ...bad.with, [bad.input]: bad.value },
    variables,
    endpoints: Object.fromEntries(Object.entries(arm.endpoints({ url: workspace, collectionUri: `${workspace}/ado/` } as never))),
    clock: new FakeClock(),
    transport: () => transport,
  });
  const where = `${task} ${bad.input} (${bad.kind}: ${JSON.stringify(bad.value.slice(0, 60))})`;
  assert.equal(outcome.result, 'Failed', `${where} was accepted: ${outcome.message}`);
  assert.match(outcome.message, new RegExp(`'${bad.input}'`), `${where}: the message names the input: ${outcome.message}`);
  assert.deepEqual(transport.log, [], `${where}: requests sent`);
}

describe('reliability: bad input', () => {
  it('covers every agent task (a new task gets an entry in task-cases.ts or here)', () => {
    const agentTasks = fs
      .readdirSync(path.join(repoRoot, 'tasks'))
      .filter((folder) => fs.existsSync(path.join(repoRoot, 'tasks', folder, 'task.json')))
      .filter((folder) => 'Node20_1' in ((JSON.parse(fs.readFileSync(path.join(repoRoot, 'tasks', folder, 'task.json'), 'utf8')) as { execution?: object }).execution ?? {}));
    const covered = [...taskCases.map((taskCase) => taskCase.task), ...otherTasks.map((other) => other.task)];
    assert.deepEqual(agentTasks.filter((task) => !covered.includes(task)), []);
  });

  for (const taskCase of taskCases) {
    const table = badInputs[taskCase.task];
    it(`${taskCase.task}: has a table of malformed inputs`, () => assert.ok(table && table.length >= 5));
    it(`${taskCase.task}: refuses each malformed input by name, before any request`, async () => {
      for (const bad of [...(table ?? []), ...workspaceUrl]) await assertRefused(taskCase.task, taskCase.run, taskCase.inputs, bad);
      // Empty: each input task.json marks required, left out (the agent passes an empty input as unset).
      for (const input of requiredInputs(taskCase.task).filter((name) => name in taskCase.inputs)) {
        const rest = Object.fromEntries(Object.entries(taskCase.inputs).filter(([name]) => name !== input));
        await assertRefused(taskCase.task, taskCase.run, rest, { input, value: '', kind: 'empty' });
      }
    });
  }
  for (const other of otherTasks) {
    it(`${other.task}: refuses each malformed input by name, before any request`, async () => {
      for (const bad of other.bad) await assertRefused(other.task, other.run, other.inputs, bad);
    });
  }
});
