/**
 * Logging-command injection through what the registry, MLflow and the evaluation job send back to
 * DatabricksModelCompare@1: version comments and tags, metric names and values, dataset names, run
 * tags, evaluation job messages and output. Only the task's own commands may reach the agent.
 */
import assert from 'node:assert/strict';
import { type Emulator, type Scenario, type ScenarioMetric } from '../../emulator';
import { useWorkspace } from '../../support/in-process-models';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { assertOnlyOwnCommands, injectionMarker, injectionPayload, injectionPayloadLine } from '../../support/injection';
import { outputNames } from '../../../tasks/DatabricksModelCompareV1/names';
import { patConnection } from '../../support/in-process';

const task = 'DatabricksModelCompareV1';
const model = 'main.ml.hostile';
const owner = 'ml-owner@example.com';
const outputs = Object.values(outputNames);
const rules = 'metrics:\n  roc_auc: { greater_is_better: true, min_absolute_change: 0.01 }\n';

function metrics(values: Record<string, number>, on: Partial<ScenarioMetric>): ScenarioMetric[] {
  return Object.entries(values).map(([key, value]) => ({ key, value, step: 0, timestamp: 1_700_000_000_000, ...on }));
}

const scenario: Scenario = {
  identities: { pats: { 'dapi-owner-token': owner } },
  models: [
    {
      fullName: model,
      owner,
      versions: [
        { version: 1, runId: 'run-champion', comment: injectionPayload, tags: { [injectionPayloadLine]: injectionPayload } },
        { version: 2, runId: 'run-candidate', comment: injectionPayload, tags: { [injectionPayloadLine]: injectionPayload } },
        { version: 3, runId: 'run-same-dataset', comment: injectionPayload },
      ],
      aliases: { champion: 1 },
    },
  ],
  mlflowRuns: [
    { runId: 'run-champion', metrics: metrics({ roc_auc: 0.8, [injectionPayloadLine]: 1 }, { datasetName: injectionPayloadLine, datasetDigest: injectionPayloadLine }), tags: { [injectionPayloadLine]: injectionPayload } },
    { runId: 'run-candidate', metrics: metrics({ roc_auc: 0.9, [injectionPayloadLine]: 2 }, { datasetName: `${injectionPayloadLine}-2`, datasetDigest: 'other' }), tags: { [injectionPayloadLine]: injectionPayload } },
    { runId: 'run-same-dataset', metrics: metrics({ roc_auc: 0.805, [injectionPayloadLine]: 2 }, { datasetName: injectionPayloadLine, datasetDigest: injectionPayloadLine }) },
  ],
  // Each evaluation run ends at its first poll: the task's poll schedule waits on the real clock in a
  // bundle run, and the states in between print none of the job's text.
  jobs: [
    {
      name: 'hostile-evaluation',
      tasks: [{ taskKey: 'evaluate', notebookPath: '/Shared/evaluate', script: { pending: 0, running: 0, result: 'FAILED', error: injectionPayload, errorTrace: injectionPayload, stateMessage: injectionPayload } }],
    },
    {
      name: 'hostile-output',
      tasks: [{ taskKey: 'evaluate', notebookPath: '/Shared/evaluate-output', script: { pending: 0, running: 0, notebookOutput: { dataset: { name: injectionPayloadLine, digest: injectionPayload }, candidate: { [injectionPayloadLine]: 1, roc_auc: injectionPayload }, champion: {} } } }],
    },
  ],
};

describe('DatabricksModelCompare@1 bundle: logging-command injection', function () {
  this.timeout(120_000);
  const workspace = useWorkspace(scenario, { realClock: true });
  let emulator: Emulator;
  before(() => ({ emulator } = workspace));

  /** The hostile text did reach the printed output, neutralised (so the check below saw it). */
  function assertRelayed(run: TaskRun): void {
    assert.ok(run.stdout.includes(`##_vso[task.setvariable variable=${injectionMarker}`), 'the outside text was printed');
  }

  function compare(inputs: Record<string, string>): Promise<TaskRun> {
    return runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', modelName: model, rules, ...inputs },
      endpoints: patConnection(emulator.url, 'dapi-owner-token'),
      variables: { 'Build.BuildId': '7' },
      timeoutMs: 60_000,
    });
  }

  it('prints comments, tags, metric and dataset names of a refused comparison as data', async () => {
    const run = await compare({ candidateVersion: '2' });
    assert.equal(run.result, 'Failed', run.resultMessage);
    assertRelayed(run);
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints the metrics of a rejected candidate as data', async () => {
    const run = await compare({ candidateVersion: '3' });
    assert.ok(run.result !== undefined);
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints the messages of a failed evaluation job as data', async () => {
    const run = await compare({ candidateVersion: '2', metricsSource: 'evaluationJob', evaluationJobName: 'hostile-evaluation' });
    assert.equal(run.result, 'Failed');
    assertRelayed(run);
    assertOnlyOwnCommands(run, { outputs });
  });

  it('prints a malformed evaluation output as data', async () => {
    const run = await compare({ candidateVersion: '2', metricsSource: 'evaluationJob', evaluationJobName: 'hostile-output' });
    assert.equal(run.result, 'Failed');
    assertRelayed(run);
    assertOnlyOwnCommands(run, { outputs });
  });
});
