/**
 * The agent tasks that talk to a Databricks workspace, as one table: a workspace they all succeed
 * against, and for each task the inputs of a run that starts or changes everything it can (a job
 * run, an alias move, a serving update, an audit row). The reliability suites iterate this table, so
 * a new task is one entry here (plus its rows in bad-input.test.ts, and its phases in
 * cancellation.test.ts when it starts or changes something; a test fails until every agent task is
 * covered), and a new call site of an existing task is found from the request log of its run (see
 * fault-matrix.test.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TaskContext, TaskOutcome } from '../../tasks/common/task/task-context';
import { run as runDriftCheck } from '../../tasks/DatabricksDriftCheckV1/run';
import { run as runIntegrationTests } from '../../tasks/DatabricksIntegrationTestsV1/run';
import { run as runModelCompare } from '../../tasks/DatabricksModelCompareV1/run';
import { run as runModelCompliance } from '../../tasks/DatabricksModelComplianceV1/run';
import { run as runModelPromote } from '../../tasks/DatabricksModelPromoteV1/run';
import { run as runServingRollout } from '../../tasks/DatabricksServingRolloutV1/run';
import type { Emulator, Scenario } from '../emulator';
import { driftMetricsTable, profileMetricsTable, windowsEndingAt } from '../emulator/monitoring-tables';
import type { EndpointFixture } from '../support/task-bundle';

/** One identity for every auth scheme, so each scheme may write what the owner may. */
export const principal = 'sp-mlops-reliability';
export const pat = 'dapi-reliability-pat-0123456789abcdef';
export const oauthSecret = 'dose-m2m-secret-0123456789';
export const entraSecret = 'entra~client~secret~0123456789';
export const systemAccessToken = 'ado-system-access-token-0123456789';
const tenant = 'tenant-reliability';
const pipelineSubject = 'p://contoso/ml/churn';
export const auditTable = 'main.mlops.decisions';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-inputs-'));
function inputFile(name: string, text: string): string {
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);
  return file;
}

const lastMidnight = Math.floor(Date.now() / 86_400_000) * 86_400_000;
const monitored = 'main.ml.churn_inference';
const driftRows = windowsEndingAt(lastMidnight, 3).map((window, i) => ({ window, column: 'age', values: { js_distance: [0.05, 0.06, 0.34][i] } }));

/** The workspace every case runs against. */
export const scenario: Scenario = {
  identities: {
    pats: { [pat]: principal },
    servicePrincipals: [
      { applicationId: principal, oauthSecret, federation: { subjects: [pipelineSubject] }, entra: { tenantId: tenant, clientSecret: entraSecret, federatedServiceConnectionIds: ['ARM_WIF'] } },
    ],
  },
  azureDevOps: { systemAccessTokens: [systemAccessToken], pipelineSubject },
  warehouses: ['wh1'],
  statementPendingPolls: 1,
  models: [
    { fullName: 'main.rel.promoted', owner: principal, versions: [{ version: 1 }, { version: 2 }], aliases: { champion: 1 } },
    { fullName: 'main.rel.served', owner: principal, versions: [{ version: 3 }, { version: 4 }], aliases: { champion: 4 } },
    {
      fullName: 'main.rel.compared',
      owner: principal,
      versions: [{ version: 3, runId: 'run-champion' }, { version: 5, runId: 'run-candidate' }],
      aliases: { champion: 3 },
    },
    {
      fullName: 'main.rel.checked',
      owner: principal,
      versions: [{ version: 7, runId: 'run-checked', comment: 'A documented model version, trained on loans.' }],
    },
  ],
  mlflowRuns: [{ runId: 'run-checked', status: 'FINISHED', metrics: [{ key: 'roc_auc', value: 0.86 }] }],
  notebooks: { '/Workspace/tests/passing': { pending: 1, running: 2, notebookOutput: { tests: [{ name: 'test_a', classname: 'it.a', status: 'passed' }] } } },
  jobs: [
    {
      name: 'evaluate-models',
      parameters: { model_name: '', candidate_version: '', champion_version: '' },
      tasks: [
        {
          taskKey: 'evaluate',
          notebookPath: '/Shared/evaluate',
          script: { pending: 1, running: 1, notebookOutput: { dataset: { name: 'main.ml.eval@4', digest: 'd1' }, candidate: { accuracy: 0.9 }, champion: { accuracy: 0.8 }, paired: {} } },
        },
      ],
    },
    { name: 'retrain-churn', parameters: { catalog: 'main' }, tasks: [{ taskKey: 'train', notebookPath: '/Workspace/ml/train', script: { pending: 1, running: 1 } }] },
  ],
  tables: [driftMetricsTable(`${monitored}_drift_metrics`, driftRows), profileMetricsTable(`${monitored}_profile_metrics`, [])],
  serving: {
    updateMs: 3000,
    endpoints: [{ name: 'churn', config: { served_entities: [{ name: 'churn-3', entity_name: 'main.rel.served', entity_version: '3', workload_size: 'Small', scale_to_zero_enabled: true }] } }],
  },
};

/** Pipeline variables of the run (the pipeline's identity for idempotency and the audit row). */
export const variables: Record<string, string> = {
  'System.CollectionUri': 'https://dev.azure.com/contoso/',
  'System.CollectionId': '0c0ffee0-0000-4000-8000-000000000001',
  'System.TeamProject': 'ML',
  'System.TeamProjectId': 'proj',
  'System.HostType': 'build',
  'System.PlanId': 'plan-1',
  'System.JobId': '0e0ffee0-0000-4000-8000-000000000003',
  'System.JobAttempt': '1',
  'System.TaskInstanceId': '0f0ffee0-0000-4000-8000-000000000004',
  'Build.BuildId': '4711',
  'Build.DefinitionName': 'churn-ci',
  'Build.BuildNumber': '20261205.1',
  'Build.SourceVersion': '9a8b7c6d',
};

/** An auth scheme as the agent hands it to a task: connection inputs, endpoints, and its secrets. */
export interface AuthScheme {
  name: string;
  inputs(workspaceUrl: string): Record<string, string>;
  endpoints(emulator: Emulator): Record<string, EndpointFixture>;
  /** Secrets the pipeline gives the task (the issued tokens are added by the suites). */
  secrets: string[];
}

const systemConnection = (emulator: Emulator): Record<string, EndpointFixture> => ({
  SystemVssConnection: { url: emulator.collectionUri, scheme: 'OAuth', parameters: { AccessToken: systemAccessToken } },
});

/** Every auth scheme the tasks support (see tests/tasks/connection/auth-paths.test.ts). */
export const authSchemes: AuthScheme[] = [
  {
    name: 'personal access token',
    inputs: () => ({ connectionType: 'databricks', databricksConnection: 'DBX' }),
    endpoints: (emulator) => ({ DBX: { url: emulator.url, scheme: 'Token', parameters: { apitoken: pat } } }),
    secrets: [pat],
  },
  {
    name: 'OAuth M2M',
    inputs: () => ({ connectionType: 'databricks', databricksConnection: 'DBX' }),
    endpoints: (emulator) => ({ DBX: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: principal, password: oauthSecret } } }),
    secrets: [oauthSecret],
  },
  {
    name: 'ARM service principal secret',
    inputs: (url) => ({ connectionType: 'azureResourceManager', azureSubscription: 'ARM_SPN', workspaceUrl: url }),
    endpoints: (emulator) => ({
      ARM_SPN: {
        url: 'https://management.azure.com/',
        scheme: 'ServicePrincipal',
        parameters: { serviceprincipalid: principal, serviceprincipalkey: entraSecret, tenantid: tenant, authenticationType: 'spnKey' },
        data: { environmentAuthorityUrl: `${emulator.url}/entra/` },
      },
    }),
    secrets: [entraSecret],
  },
  {
    name: 'workload identity federation',
    inputs: (url) => ({ connectionType: 'azureResourceManager', azureSubscription: 'ARM_WIF', workspaceUrl: url }),
    endpoints: (emulator) => ({
      ...systemConnection(emulator),
      ARM_WIF: { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: principal, tenantid: tenant }, data: { environmentAuthorityUrl: `${emulator.url}/entra/` } },
    }),
    secrets: [systemAccessToken],
  },
  {
    name: 'Azure DevOps federation',
    inputs: (url) => ({ connectionType: 'azureDevOpsFederation', workspaceUrl: url, federationClientId: principal }),
    endpoints: (emulator) => systemConnection(emulator),
    secrets: [systemAccessToken],
  },
];

/** An agent task that calls Databricks, with the inputs of a run that does all it can. */
export interface TaskCase {
  /** Folder name, `DatabricksXxxV1`. */
  task: string;
  run: (context: TaskContext) => Promise<TaskOutcome | void>;
  /** Task inputs without the connection. */
  inputs: Record<string, string>;
  /** The outputs of the run without faults that tell the outcome (compared across faults). */
  decisiveOutputs: string[];
}

const audit = { auditTable, sqlWarehouseId: 'wh1' };

export const taskCases: TaskCase[] = [
  {
    task: 'DatabricksIntegrationTestsV1',
    run: runIntegrationTests,
    inputs: { runType: 'notebook', notebookPath: '/Workspace/tests/passing' },
    decisiveOutputs: ['resultState', 'testsTotal', 'testsFailed'],
  },
  {
    task: 'DatabricksModelCompareV1',
    run: runModelCompare,
    inputs: {
      modelName: 'main.rel.compared',
      candidateVersion: '5',
      rules: 'metrics:\n  accuracy: { greater_is_better: true, min_absolute_change: 0.01 }\n',
      metricsSource: 'evaluationJob',
      evaluationJobName: 'evaluate-models',
      setAliasOnPass: 'challenger',
      ...audit,
    },
    decisiveOutputs: ['decision', 'candidateVersion', 'championVersion'],
  },
  {
    task: 'DatabricksModelPromoteV1',
    run: runModelPromote,
    inputs: { modelName: 'main.rel.promoted', version: '2', alias: 'champion', ...audit },
    decisiveOutputs: ['previousVersion', 'promotedVersion'],
  },
  {
    task: 'DatabricksModelComplianceV1',
    run: runModelCompliance,
    inputs: {
      modelName: 'main.rel.checked',
      modelVersion: '7',
      policyFile: inputFile(
        'policy.yml',
        [
          'version: 1',
          'rules:',
          '  - { id: ready, kind: versionStatus, status: READY }',
          '  - { id: documented, kind: versionDescription, minLength: 20 }',
          `  - { id: owned, kind: modelOwner, allowed: [${principal}] }`,
          '  - { id: source, kind: sourceRun, status: FINISHED }',
          '  - { id: quality, kind: metricBounds, metrics: { roc_auc: { min: 0.8 } } }',
          '',
        ].join('\n'),
      ),
      ...audit,
    },
    decisiveOutputs: ['compliant', 'violations'],
  },
  {
    task: 'DatabricksServingRolloutV1',
    run: runServingRollout,
    inputs: { endpointName: 'churn', modelName: 'main.rel.served', ...audit },
    decisiveOutputs: ['servedVersion', 'previousVersion'],
  },
  {
    task: 'DatabricksDriftCheckV1',
    run: runDriftCheck,
    inputs: {
      monitoredTable: monitored,
      rulesFile: inputFile('drift-rules.yml', 'rules:\n  - metric: js_distance\n    max: 0.2\n'),
      onDrift: 'runJob',
      retrainJobName: 'retrain-churn',
      waitForRetrain: 'true',
      ...audit,
    },
    decisiveOutputs: ['driftDetected', 'driftedMetrics', 'retrainRunId'],
  },
];

/**
 * What a run changed in the workspace, counted from the emulator: job runs created, rows written,
 * and accepted writes (alias moves, tags and comments, serving updates). Retrying a read or a failed
 * write leaves these alone; a duplicated run or record does not.
 */
export function effectsOf(emulator: Emulator): Record<string, number> {
  const rows = [...emulator.state.tables.values()].reduce((sum, table) => sum + table.rows.length, 0);
  const writes: Record<string, number> = {};
  for (const request of emulator.requests) {
    // DELETE only undoes (an alias move rolled back): repeating it duplicates nothing.
    if (['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes(request.method) || request.status < 200 || request.status >= 300) continue;
    // Reads and token requests sent as POST; job runs are counted from the state, rows from the tables.
    // Azure DevOps writes (work items) count, its OIDC token requests do not.
    if (/\/sql\/statements|\/oidc\/|\/entra\/|\/oidctoken$|\/invocations$|\/jobs\/run|\/runs\/cancel$/.test(request.path)) continue;
    const key = `${request.method} ${request.path}`;
    writes[key] = (writes[key] ?? 0) + 1;
  }
  return { 'job runs': emulator.state.runs.size, 'table rows': rows, ...writes };
}
