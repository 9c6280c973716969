/**
 * Every agent task × every workspace call it makes × every fault (tests/emulator/faults.ts): the
 * task recovers or fails with a clear message, never succeeds on an unknown state, and never starts
 * a second run or writes a second record. The call sites come from the request log of the run
 * without faults, so a new call site is in the matrix as soon as a task makes it. In process on a
 * simulated clock, so the retry back-off costs no wall time.
 */
import assert from 'node:assert/strict';
import type { InProcessRun } from './in-process';
import { effectsOf, taskCases } from './task-cases';
import { callSitesOf, faults, runCase, startWorkspace, type CallSite, type Workspace } from './workspace-run';

/** A failure a pipeline author can act on: a bounded text, not an object dump, a stack or a whole proxy page. */
export function assertClearFailure(run: InProcessRun, where: string): void {
  assert.ok(run.message.trim().length >= 15, `${where}: message too short: '${run.message}'`);
  assert.ok(run.message.length <= 1500, `${where}: message of ${run.message.length} characters`);
  assert.doesNotMatch(run.message, /\[object Object\]|^undefined|^Error$|\n\s+at /, `${where}: unclear message: ${run.message}`);
}

describe('reliability: fault matrix', function () {
  this.timeout(60_000);
  let workspace: Workspace;

  before(async () => {
    workspace = await startWorkspace();
  });
  after(async () => workspace?.emulator.close());

  for (const taskCase of taskCases) {
    describe(taskCase.task, () => {
      let sites: CallSite[] = [];
      let baseline: InProcessRun;
      let baselineEffects: Record<string, number>;

      before(async () => {
        workspace.emulator.reset();
        baseline = await runCase(workspace, taskCase);
        sites = callSitesOf(workspace.emulator);
        baselineEffects = effectsOf(workspace.emulator);
      });

      it('succeeds without faults, calling the workspace', () => {
        assert.equal(baseline.result, 'Succeeded', baseline.message);
        assert.ok(sites.length > 0);
      });

      for (const fault of faults) {
        it(`at every call site under ${fault.name}: recovers or fails clearly, never succeeds on an unknown state, never repeats a write`, async () => {
          assert.equal(baseline.result, 'Succeeded', baseline.message);
          for (const site of sites) {
            const where = `${site.label} under ${fault.name}`;
            workspace.emulator.reset();
            const handle = workspace.emulator.faults.add({ ...fault.action, method: site.method, path: site.path, times: 1 });
            const run = await runCase(workspace, taskCase);
            assert.equal(handle.hits, 1, `${where}: the fault was applied`);
            const effects = effectsOf(workspace.emulator);
            for (const [effect, count] of Object.entries(effects)) {
              assert.ok(count <= (baselineEffects[effect] ?? 0), `${where}: ${effect} ${count} times, ${baselineEffects[effect] ?? 0} without faults`);
            }
            if (run.result === 'Succeeded' || run.result === 'SucceededWithIssues') {
              const decisive = (outputs: Record<string, string>) => taskCase.decisiveOutputs.map((name) => `${name}=${outputs[name]}`);
              assert.deepEqual(decisive(run.outputs), decisive(baseline.outputs), `${where}: succeeded with other outputs (${run.message})`);
              if (run.result === 'Succeeded') assert.deepEqual(effects, baselineEffects, `${where}: succeeded without doing all of it (${run.message})`);
            } else {
              assertClearFailure(run, where);
            }
          }
        });
      }
    });
  }
});
