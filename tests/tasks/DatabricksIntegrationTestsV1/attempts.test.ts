/**
 * DatabricksIntegrationTests@1 in process, after earlier runs: result files an earlier run left in a
 * fixed folder never pass a run that wrote none. (A `retryCountOnTaskFailure` retry of the step,
 * which only the agent's process tells apart, is in bundle.test.ts.)
 */
import assert from 'node:assert/strict';
import type { Scenario } from '../../emulator';
import { onlySummary, patConnection, runStep } from '../../support/in-process-integration';
import type { InProcessRun } from '../../fakes/task-run';
import { run as integrationTests } from '../../../tasks/DatabricksIntegrationTestsV1/run';
import { type SimulatedWorkspace, startSimulatedWorkspace } from '../../support/in-process';

const pat = 'dapi-attempts-tests-0000000000000';
const variables = {
  'System.CollectionId': '0c0ffee0-0000-4000-8000-00000000000a',
  'System.TeamProjectId': '0d0ffee0-0000-4000-8000-00000000000b',
  'Build.BuildId': '815',
  'System.JobId': '0e0ffee0-0000-4000-8000-00000000000c',
  'System.JobAttempt': '1',
  'System.TaskInstanceId': '0f0ffee0-0000-4000-8000-00000000000d',
};
const passingReport = '<testsuite name="old"><testcase classname="c" name="passed long ago"/></testsuite>';
const scenario: Scenario = {
  identities: { pats: { [pat]: 'ci@example.com' } },
  notebooks: {
    '/Workspace/tests/writes-nothing': { pending: 1, running: 1 },
    '/Workspace/tests/writes-report': { pending: 1, running: 1, files: { '/Volumes/main/ci/results/fixed/TEST-new.xml': '<testsuite name="new"><testcase classname="c" name="now"/></testsuite>' } },
  },
};

describe('DatabricksIntegrationTests@1 in process: result files of earlier runs', () => {
  let workspace: SimulatedWorkspace;

  before(async () => {
    workspace = await startSimulatedWorkspace(scenario);
  });
  after(async () => workspace?.emulator.close());
  beforeEach(() => workspace.emulator.reset());

  function runIt(inputs: Record<string, string>): Promise<InProcessRun> {
    const connection = patConnection(workspace.emulator, pat);
    return runStep(workspace, integrationTests, { inputs: { ...connection.inputs, ...inputs }, endpoints: connection.endpoints, variables });
  }

  /** A result file an earlier run wrote an hour ago. */
  function leaveOldReport(file: string): void {
    workspace.emulator.state.files.set(file, { content: Buffer.from(passingReport), modifiedAt: workspace.clock.now() - 3_600_000 });
  }

  it('fails a run that wrote no results although an earlier run left a passing report there, and lists it as ignored', async () => {
    leaveOldReport('/Volumes/main/ci/results/fixed/TEST-old.xml');
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/writes-nothing', testResultsPath: '/Volumes/main/ci/results/fixed' });
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message, /written by this run/);
    assert.notEqual(run.outputs.testsTotal, '1', 'the old report is not counted');
    assert.match(onlySummary(run), /Ignored 1 result file[\s\S]*TEST-old\.xml/);
  });

  it('reads the report this run wrote and ignores the older one beside it', async () => {
    leaveOldReport('/Volumes/main/ci/results/fixed/TEST-old.xml');
    const run = await runIt({ runType: 'notebook', notebookPath: '/Workspace/tests/writes-report', testResultsPath: '/Volumes/main/ci/results/fixed' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs.testsTotal, '1');
    assert.match(onlySummary(run), /TEST-old\.xml/);
  });
});
