/**
 * Load: 50 task processes (the built bundles, as agents on 50 pipelines would run them) at once
 * against one workspace that enforces per-endpoint rate limits. All of them complete, the clients
 * back off so few requests are throttled, and nothing is done twice: one job run per process's
 * idempotency token, one alias move and one audit row per promotion.
 */
import assert from 'node:assert/strict';
import { startEmulator, type Emulator, type RateLimits, type Scenario } from '../emulator';
import { runTaskBundle, type TaskRun } from '../support/task-bundle';
import { auditTable, authSchemes, principal, scenario, taskCases, variables } from './task-cases';

const integrationRuns = 30;
const promotions = 20;

/**
 * Tighter than the published limits (rate-limits.ts), so that 50 processes on two cores, which
 * start over a few seconds, do meet them: the test is about backing off, not about the figures.
 */
const rateLimits: RateLimits = {};

const modelOf = (index: number): string => `main.load.model_${index}`;

/** The shared workspace, with a model per promotion and test runs of about a second. */
const loadScenario: Scenario = {
  ...scenario,
  statementPendingPolls: 0,
  notebooks: Object.fromEntries(Object.entries(scenario.notebooks ?? {}).map(([path, script]) => [path, { ...script, pending: 1, running: 3 }])),
  models: [...(scenario.models ?? []), ...Array.from({ length: promotions }, (_, index) => ({ fullName: modelOf(index), owner: principal, versions: [{ version: 1 }, { version: 2 }], aliases: { champion: 1 } }))],
};

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function inputsOf(task: string): Record<string, string> {
  const found = taskCases.find((taskCase) => taskCase.task === task);
  assert.ok(found, task);
  return found.inputs;
}

describe('reliability: load', function () {
  this.timeout(90_000);
  let emulator: Emulator;
  let runs: Array<{ task: string; index: number; run: TaskRun }>;

  before(async () => {
    emulator = await startEmulator({ scenario: loadScenario, clock: { now: () => Date.now() }, runStepMs: 250, rateLimits });
    const scheme = authSchemes[0];
    const start = (task: string, index: number, inputs: Record<string, string>) =>
      runTaskBundle(task, {
        inputs: { ...scheme.inputs(emulator.url), ...inputs },
        endpoints: scheme.endpoints(emulator),
        // Each process is another pipeline job, so its idempotency token differs from the others'.
        variables: { ...variables, 'System.JobId': `load-job-${task}-${index}`, 'Build.BuildId': String(1000 + index) },
        timeoutMs: 75_000,
      }).then((run) => ({ task, index, run }));
    runs = await Promise.all([
      ...Array.from({ length: integrationRuns }, (_, index) => start('DatabricksIntegrationTestsV1', index, inputsOf('DatabricksIntegrationTestsV1'))),
      ...Array.from({ length: promotions }, (_, index) =>
        start('DatabricksModelPromoteV1', index, { ...inputsOf('DatabricksModelPromoteV1'), modelName: modelOf(index), version: '2' }),
      ),
    ]);
  });
  after(async () => emulator?.close());

  it('all 50 processes complete successfully', () => {
    assert.equal(runs.length, integrationRuns + promotions);
    for (const { task, index, run } of runs) {
      assert.equal(run.result, 'Succeeded', `${task} #${index}: ${run.resultMessage}\n${run.stderr.slice(0, 2000)}`);
    }
    for (const { index, run } of runs.filter((entry) => entry.task === 'DatabricksModelPromoteV1')) {
      assert.equal(run.outputs.promotedVersion, '2', `promotion #${index}`);
      assert.equal(emulator.state.models.get(modelOf(index))?.aliases.get('champion'), 2, `promotion #${index}`);
    }
  });

  // Whether the 50 processes reach a limit depends on how fast this machine starts them (an idle CI
  // machine may not): the limiter itself is proven in tests/emulator-tests/rate-limits.test.ts and the
  // clients' backoff on 429 in the fault matrix; here the bound is what matters.
  it('the clients back off under the limits: few requests throttled', () => {
    const workspaceRequests = emulator.requests.filter((request) => request.path.startsWith('/api/'));
    const throttled = workspaceRequests.filter((request) => request.status === 429);
    assert.ok(throttled.length <= 0.1 * workspaceRequests.length, `${throttled.length} of ${workspaceRequests.length} requests throttled: ${JSON.stringify(countBy(throttled.map((request) => `${request.method} ${request.path}`)))}`);
  });

  it('no run duplicated: one job run per process, each with its own idempotency token', () => {
    const tokens = [...emulator.state.runs.values()].map((run) => run.idempotencyToken);
    assert.equal(tokens.length, integrationRuns);
    assert.equal(new Set(tokens).size, integrationRuns);
    assert.ok(tokens.every((token) => token !== undefined));
  });

  it('no alias moved twice and no audit row written twice', () => {
    for (let index = 0; index < promotions; index += 1) {
      const moves = emulator.requests.filter((request) => request.method === 'PUT' && request.status === 200 && request.path.includes(`/models/${modelOf(index)}/aliases/`));
      const perAlias = countBy(moves.map((request) => request.path));
      assert.equal(perAlias[`/api/2.1/unity-catalog/models/${modelOf(index)}/aliases/champion`], 1, `champion moves of ${modelOf(index)}`);
      for (const [alias, count] of Object.entries(perAlias)) assert.equal(count, 1, `${alias} set ${count} times`);
    }
    const audit = [...emulator.state.tables.values()].find((table) => table.name.toLowerCase() === auditTable);
    assert.equal(audit?.rows.length, promotions);
  });
});
