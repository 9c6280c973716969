/**
 * Shared set-up of the in-process tests of the promotion-gate tasks (DatabricksModelSignOff,
 * DatabricksServingRollout, DatabricksDriftCheck, DatabricksModelCompliance): the workspace emulator
 * on the tasks' fake clock, a task's `run` against it through a PAT connection, and readers of what a
 * run showed (warnings, the model report, table rows). Each task's bundle tests keep what only the
 * agent's process shows: environment, `##vso[...]` commands, signals.
 */
import assert from 'node:assert/strict';
import type { TaskContext, TaskOutcome } from '../../tasks/common/task/task-context';
import { modelReportAttachmentType, type ModelReport } from '../../tasks/common/report/model-report';
import { validateModelReport } from '../../tasks/common/report/validate';
import { run as signOffRun } from '../../tasks/DatabricksModelSignOffV1/run';
import { type Emulator } from '../emulator';
import type { AdoEmulator } from '../emulator/ado';
import { runInProcess, type InProcessOptions, type InProcessRun } from '../fakes/task-run';
import type { EndpointFixture } from './task-bundle';
import { type SimulatedWorkspace, patConnection } from './in-process';

/** What the tests of one task give every run: its `run`, base inputs, connections and variables. */
export interface GateTaskSetup {
  run: (context: TaskContext) => Promise<TaskOutcome | void>;
  inputs: Record<string, string>;
  endpoints: Record<string, EndpointFixture>;
  variables: Record<string, string>;
}

/** What DatabricksModelSignOff@1's tests share: the task's connections to both emulators and its pipeline (requested by Rita). */
export function signOffSetup(databricks: Emulator, ado: AdoEmulator, parts: { token: string; systemToken: string; inputs: Record<string, string> }): GateTaskSetup {
  return {
    run: signOffRun,
    inputs: { connectionType: 'databricks', databricksConnection: 'CONN', ...parts.inputs },
    endpoints: { ...patConnection(databricks.url, parts.token), SystemVssConnection: { url: ado.collectionUri, scheme: 'OAuth', parameters: { AccessToken: parts.systemToken } } },
    variables: {
      'System.CollectionUri': ado.collectionUri,
      'System.TeamProject': 'Fabrikam',
      'Build.BuildId': '12',
      'Build.RequestedFor': 'Rita',
      'Build.RequestedForEmail': 'rita@contoso.com',
      'Build.RequestedForId': ado.state.identity('rita@contoso.com').id,
    },
  };
}

/** Runs the task in process on the workspace's clock, with the test's inputs over the base ones. */
export function runGateTask(
  workspace: Pick<SimulatedWorkspace, 'clock'>,
  setup: GateTaskSetup,
  inputs: Record<string, string>,
  extra: Partial<Pick<InProcessOptions, 'variables' | 'workingDirectory'>> = {},
): Promise<InProcessRun> {
  return runInProcess(setup.run, {
    inputs: { ...setup.inputs, ...inputs },
    endpoints: setup.endpoints,
    variables: { ...setup.variables, ...extra.variables },
    workingDirectory: extra.workingDirectory,
    clock: workspace.clock,
  });
}

/** The one model report the run attached, checked against the schema and for a leaked `token`. */
export function modelReportOf(run: InProcessRun, token?: string): ModelReport {
  const reports = run.attachments.filter((attachment) => attachment.type === modelReportAttachmentType);
  assert.equal(reports.length, 1, `expected one model report, got ${reports.length}`);
  const [{ name, content }] = reports;
  if (token) assert.ok(!content.includes(token), `${name} holds the connection token`);
  const report = JSON.parse(content) as ModelReport;
  assert.deepEqual(validateModelReport(report), [], name);
  return report;
}
