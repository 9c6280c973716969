/**
 * SIGINT/SIGTERM, as the agent sends them when a pipeline is cancelled, at each phase of every task
 * that starts or changes something, on the built bundle against the emulator: the task stops within
 * 10 s, reports Cancelled, cancels the job run it started, and changes nothing more. A task killed
 * outright (SIGKILL) finds its run again when the step is retried, through the idempotency token.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator, type LoggedRequest, type Scenario } from '../emulator';
import { runTaskBundle } from '../support/task-bundle';
import { writeReleaseZip } from '../tasks/DatabricksBundleDeployV1/release-zip';
import { fakeCliPath } from '../fakes/cli-release-server';
import { authSchemes, effectsOf, scenario, taskCases, variables } from './task-cases';

/** The workspace of the other suites, with job runs and serving updates that take their time (steps of `stepMs`). */
function slowScenario(runningSteps: number | 'forever', stepMs: number): Scenario {
  const slow = { pending: 1, running: runningSteps };
  return {
    ...scenario,
    // Statements answer at once: the SQL poll schedule is not what this suite is about.
    statementPendingPolls: 0,
    notebooks: Object.fromEntries(Object.entries(scenario.notebooks ?? {}).map(([path, script]) => [path, { ...script, ...slow }])),
    jobs: (scenario.jobs ?? []).map((job) => ({ ...job, tasks: job.tasks.map((task) => ({ ...task, script: { ...task.script, ...slow } })) })),
    serving: { ...scenario.serving, updateMs: runningSteps === 'forever' ? 3_600_000 : runningSteps * stepMs },
  };
}

interface Phase {
  name: string;
  /** The request that shows the task is in this phase, once answered. */
  reached: (request: LoggedRequest) => boolean;
}

interface CancelCase {
  task: string;
  phases: Phase[];
  /** Whether the task starts a job run (found again by a retried step). */
  startsRun: boolean;
  /**
   * Whether that run is cancelled with the step. The retraining a drift check starts is the outcome
   * of its decision, started once per window: it keeps running, and the task only stops waiting.
   */
  cancelsRun: boolean;
}

const answered = (method: string, path: string | RegExp) => (request: LoggedRequest) =>
  request.method === method && request.status >= 200 && request.status < 300 && (typeof path === 'string' ? request.path === path : path.test(request.path));

const cancelCases: CancelCase[] = [
  {
    task: 'DatabricksIntegrationTestsV1',
    startsRun: true,
    cancelsRun: true,
    phases: [
      { name: 'before the run starts', reached: answered('GET', '/api/2.0/workspace/get-status') },
      { name: 'while the run runs', reached: answered('POST', '/api/2.2/jobs/runs/submit') },
    ],
  },
  {
    task: 'DatabricksModelCompareV1',
    startsRun: true,
    cancelsRun: true,
    phases: [
      { name: 'before the evaluation job starts', reached: answered('GET', '/api/2.2/jobs/list') },
      { name: 'while the evaluation job runs', reached: answered('POST', '/api/2.2/jobs/run-now') },
    ],
  },
  {
    task: 'DatabricksDriftCheckV1',
    startsRun: true,
    cancelsRun: false,
    phases: [
      { name: 'while reading the monitor tables', reached: answered('POST', '/api/2.0/sql/statements') },
      { name: 'while the retraining job runs', reached: answered('POST', '/api/2.2/jobs/run-now') },
    ],
  },
  {
    task: 'DatabricksServingRolloutV1',
    startsRun: false,
    cancelsRun: false,
    phases: [
      { name: 'before the serving update', reached: answered('GET', '/api/2.0/serving-endpoints/churn') },
      { name: 'while the serving update rolls out', reached: answered('PUT', '/api/2.0/serving-endpoints/churn/config') },
    ],
  },
];

describe('reliability: cancellation', function () {
  this.timeout(60_000);
  /** Runs and updates never end here, so a cancellation always meets them under way. */
  let endless: Emulator;
  /**
   * Runs end after a tenth of a second and serving updates after 150 ms, for retries that must see
   * them through: a task polls at once after it starts or finds its run or update, then waits its
   * two-second poll floor, so the signal (sent as soon as the start is answered) meets the work under
   * way, and the retried step, a new process, mostly finds it ended instead of waiting out the floor.
   */
  let finishing: Emulator;
  /** The one the current test uses. */
  let emulator: Emulator;

  before(async () => {
    endless = await startEmulator({ scenario: slowScenario('forever', 250), clock: { now: () => Date.now() }, runStepMs: 250 });
    finishing = await startEmulator({ scenario: slowScenario(3, 50), clock: { now: () => Date.now() }, runStepMs: 25 });
  });
  after(async () => Promise.all([endless?.close(), finishing?.close()]));

  function use(chosen: Emulator): void {
    emulator = chosen;
    emulator.reset();
  }

  function taskCase(task: string) {
    const found = taskCases.find((c) => c.task === task);
    assert.ok(found, task);
    return found;
  }

  /** Runs the bundle; `signal` is sent once a request `reached` the phase. */
  async function runUntil(task: string, reached: ((request: LoggedRequest) => boolean) | undefined, signal: NodeJS.Signals, stepVariables: Record<string, string> = {}) {
    let child: ChildProcess | undefined;
    let signalledAt: number | undefined;
    const watcher = setInterval(() => {
      if (!child || signalledAt !== undefined || !reached || !emulator.requests.some(reached)) return;
      signalledAt = Date.now();
      child.kill(signal);
    }, 10);
    try {
      const run = await runTaskBundle(task, {
        inputs: { ...authSchemes[0].inputs(emulator.url), ...taskCase(task).inputs },
        endpoints: authSchemes[0].endpoints(emulator),
        variables: { ...variables, ...stepVariables },
        timeoutMs: 40_000,
        onSpawn: (spawned) => (child = spawned),
      });
      return { run, exitAfterMs: signalledAt === undefined ? undefined : Date.now() - signalledAt };
    } finally {
      clearInterval(watcher);
    }
  }

  for (const cancelCase of cancelCases) {
    describe(cancelCase.task, () => {
      cancelCase.phases.forEach((phase, index) => {
        const signal: NodeJS.Signals = index % 2 === 0 ? 'SIGINT' : 'SIGTERM';
        it(`${signal} ${phase.name}: stops within 10 s as Cancelled, cancels what it started, changes nothing more`, async () => {
          use(endless);
          const { run, exitAfterMs } = await runUntil(cancelCase.task, phase.reached, signal);
          assert.ok(exitAfterMs !== undefined, `the phase was reached (${run.result}: ${run.resultMessage})`);
          assert.ok(exitAfterMs <= 10_000, `exited ${exitAfterMs} ms after ${signal}`);
          assert.equal(run.result, 'Cancelled', `${run.resultMessage}\n${run.stderr}`);
          const cancelled = emulator.requestsTo('POST', '/api/2.2/jobs/runs/cancel').map((request) => Number((request.body as { run_id: number }).run_id));
          for (const runId of emulator.state.runs.keys()) assert.equal(cancelled.includes(runId), cancelCase.cancelsRun, `run ${runId} cancelled: ${cancelled.includes(runId)}`);
          const effects = effectsOf(emulator);
          for (const [effect, count] of Object.entries(effects)) {
            if (effect !== 'table rows') assert.ok(count <= 1, `${effect} ${count} times`);
          }
        });
      });

      if (!cancelCase.startsRun) {
        it('cancelled while its change rolls out, then retried: completes without making the change again', async () => {
          use(finishing);
          const changing = cancelCase.phases[cancelCase.phases.length - 1];
          const { run: cancelled } = await runUntil(cancelCase.task, changing.reached, 'SIGINT');
          assert.equal(cancelled.result, 'Cancelled', cancelled.resultMessage);
          const changes = Object.entries(effectsOf(emulator)).filter(([effect]) => effect !== 'table rows' && effect !== 'job runs');
          assert.equal(changes.length, 1, 'the change was made before the cancellation');
          const { run: retried } = await runUntil(cancelCase.task, undefined, 'SIGINT');
          assert.equal(retried.result, 'Succeeded', `${retried.resultMessage}\n${retried.stderr}`);
          assert.deepEqual(Object.entries(effectsOf(emulator)).filter(([effect]) => effect !== 'table rows' && effect !== 'job runs'), changes, 'no change made twice');
        });
      }

      if (cancelCase.startsRun) {
        it('killed outright while its run runs, then retried: finds the same run instead of starting another', async () => {
          use(finishing);
          const step = { 'System.TaskInstanceId': `retry-${cancelCase.task}` };
          const started = cancelCase.phases[cancelCase.phases.length - 1];
          const { run: killed } = await runUntil(cancelCase.task, started.reached, 'SIGKILL', step);
          assert.equal(killed.result, undefined, 'no result after SIGKILL');
          assert.equal(emulator.state.runs.size, 1);
          const { run: retried } = await runUntil(cancelCase.task, undefined, 'SIGINT', step);
          assert.equal(retried.result, 'Succeeded', `${retried.resultMessage}\n${retried.stderr}`);
          assert.equal(emulator.state.runs.size, 1, 'no second run');
        });
      }
    });
  }

  describe('DatabricksBundleDeployV1 (a fake databricks CLI)', () => {
    let temp: string;
    beforeEach(() => (temp = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-deploy-'))));
    afterEach(() => fs.rmSync(temp, { recursive: true, force: true }));

    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };

    const phases: Array<{ name: string; signal: NodeJS.Signals; env: Record<string, string>; reached: (line: string) => boolean }> = [
      { name: 'while the CLI deploys', signal: 'SIGTERM', env: { FAKE_DATABRICKS_DEPLOY_SECONDS: '30' }, reached: (line) => line.includes('Deploying resources...') },
      { name: 'while waiting for a held deployment lock', signal: 'SIGINT', env: { FAKE_DATABRICKS_LOCK_ATTEMPTS: '99' }, reached: (line) => line.startsWith('##vso[task.issue') && line.includes('someone@example.com') },
    ];

    for (const phase of phases) {
      it(`${phase.signal} ${phase.name}: stops within 10 s as Cancelled, with the CLI stopped and nothing deployed`, async () => {
        const zipPath = path.join(temp, 'churn-1.0.0.zip');
        await writeReleaseZip(zipPath, { files: { 'databricks.yml': 'bundle:\n  name: churn\ntargets:\n  prod:\n    mode: production\n' } });
        const record = path.join(temp, 'calls.json');
        const work = fs.mkdtempSync(path.join(temp, 'work-'));
        let signalledAt: number | undefined;
        const run = await runTaskBundle('DatabricksBundleDeployV1', {
          inputs: { ...authSchemes[0].inputs(''), bundlePath: zipPath, target: 'prod' },
          endpoints: { DBX: { url: 'https://adb-1.azuredatabricks.net', scheme: 'Token', parameters: { apitoken: 'dapi-deploy-token' } } },
          cwd: work,
          timeoutMs: 40_000,
          variables: { 'Agent.ToolsDirectory': path.join(temp, 'tools'), 'System.DefaultWorkingDirectory': work },
          env: { PATH: [path.dirname(fakeCliPath), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), FAKE_DATABRICKS_RECORD: record, ...phase.env },
          onLine: (line, child) => {
            if (signalledAt !== undefined || !phase.reached(line)) return;
            signalledAt = Date.now();
            child.kill(phase.signal);
          },
        });
        assert.ok(signalledAt !== undefined, `the phase was reached (${run.result}: ${run.resultMessage})`);
        assert.ok(Date.now() - signalledAt <= 10_000, `exited ${Date.now() - signalledAt} ms after ${phase.signal}`);
        assert.equal(run.result, 'Cancelled', run.resultMessage);
        const calls = JSON.parse(fs.readFileSync(record, 'utf8')) as Array<{ pid: number; args: string[]; finished?: string }>;
        const deploys = calls.filter((call) => call.args[1] === 'deploy');
        assert.equal(deploys.length, 1, 'no deploy attempt after the signal');
        for (let waited = 0; alive(deploys[0].pid) && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(alive(deploys[0].pid), false, 'the CLI process was stopped');
        assert.ok(!calls.some((call) => call.finished), 'the deployment did not run to its end');
      });
    }
  });
});
