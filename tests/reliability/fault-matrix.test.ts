/**
 * Every agent task × every call it makes (workspace API, and the token and OIDC endpoints of every
 * auth scheme) × every fault (tests/emulator/faults.ts): the
 * task recovers or fails with a clear message, never succeeds on an unknown state, and never starts
 * a second run or writes a second record. The call sites come from the request log of the run
 * without faults, so a new call site is in the matrix as soon as a task makes it. In process on a
 * simulated clock, so the retry back-off costs no wall time.
 */
import assert from 'node:assert/strict';
import type { InProcessRun } from '../fakes/task-run';
import { authSchemes, effectsOf, taskCases, type AuthScheme } from './task-cases';
import { callSitesOf, faults, heldRequestsAnswered, runCase, startWorkspace, timingOutFirstAt, type CallSite, type Workspace } from './workspace-run';

/** A failure a pipeline author can act on: a bounded text, not an object dump, a stack or a proxy page's markup. */
export function assertClearFailure(run: InProcessRun, where: string): void {
  assert.ok(run.message.trim().length >= 15, `${where}: message too short: '${run.message}'`);
  assert.ok(run.message.length <= 1500, `${where}: message of ${run.message.length} characters`);
  assert.doesNotMatch(run.message, /\[object Object\]|^undefined|^Error$|\n\s+at /, `${where}: unclear message: ${run.message}`);
  assert.doesNotMatch(run.message, /<(html|body|form|h1)\b/i, `${where}: markup in the message: ${run.message}`);
}

/** Faults that may last: a workspace throttled or down, a network gone. */
const persistentFaults = ['429 with Retry-After', '503', 'dropped connection'];

/**
 * Backing off, not hammering: the attempts at one call site, over the simulated time they took,
 * stay under a rate a shared workspace can take (a run's poll tolerates failures for longer, so
 * the count alone is no measure).
 */
function assertBackedOff(workspace: Workspace, site: CallSite, where: string): void {
  const times = workspace.emulator.requests
    .filter((request) => request.method === site.method && (typeof site.path === 'string' ? request.path === site.path : site.path.test(request.path)))
    .map((request) => request.time);
  const minutes = Math.max(1, (Math.max(...times) - Math.min(...times)) / 60_000);
  assert.ok(times.length / minutes <= maxAttemptsPerMinute, `${where}: ${times.length} attempts in ${minutes.toFixed(1)} minutes`);
}
const maxAttemptsPerMinute = 20;

/**
 * After a response held past the client's timeout, the workspace has acted although the client saw
 * no answer. A write that sets a value (an alias, a tag, a comment: idempotent by design) may then be
 * sent once more and changes nothing; counted per request, it shows twice, so one resend at the
 * faulted call is forgiven. Job runs and table rows are counted from the state and never forgiven:
 * a second run or record stays a failure, as does any other repeated write.
 */
function forgiveOneResend(effects: Record<string, number>, baseline: Record<string, number>, site: CallSite): void {
  for (const [effect, count] of Object.entries(effects)) {
    const [method, ...rest] = effect.split(' ');
    const path = rest.join(' ');
    const atSite = method === site.method && (typeof site.path === 'string' ? path === site.path : site.path.test(path));
    if (atSite && count === (baseline[effect] ?? 0) + 1) effects[effect] = count - 1;
  }
}

function pick(values: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => names.includes(name)));
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
      /** Each call site once, with the first auth scheme that makes it: the PAT's, then the token endpoints of the others. */
      const matrix: Array<{ scheme: AuthScheme; site: CallSite; baseline: InProcessRun; effects: Record<string, number> }> = [];
      const baselines: InProcessRun[] = [];

      before(async () => {
        for (const scheme of authSchemes) {
          workspace.emulator.reset();
          const baseline = await runCase(workspace, taskCase, { scheme });
          baselines.push(baseline);
          const effects = effectsOf(workspace.emulator);
          for (const site of callSitesOf(workspace.emulator)) {
            if (!matrix.some((entry) => entry.site.label === site.label)) matrix.push({ scheme, site, baseline, effects });
          }
        }
      });

      it('succeeds without faults with every auth scheme, calling the workspace', () => {
        for (const baseline of baselines) assert.equal(baseline.result, 'Succeeded', baseline.message);
        assert.ok(matrix.some((entry) => entry.site.label.includes(' /api/')));
      });

      it('with each scheme that issues tokens, a token expiring at any workspace call is renewed: the run does all it did without', async () => {
        const apiSites = matrix.filter((entry) => entry.site.label.includes(' /api/'));
        for (const scheme of authSchemes.filter((candidate) => candidate !== authSchemes[0])) {
          for (const { site, baseline, effects } of apiSites) {
            workspace.emulator.reset();
            workspace.emulator.faults.add({ kind: 'expireToken', method: site.method, path: site.path, times: 1 });
            const run = await runCase(workspace, taskCase, { scheme });
            const where = `${site.label} (${scheme.name}) with the token expiring`;
            assert.equal(run.result, 'Succeeded', `${where}: ${run.message}`);
            assert.deepEqual(run.outputs, { ...baseline.outputs, ...pick(run.outputs, ['runPageUrl', 'endpointUrl']) }, where);
            assert.deepEqual(effectsOf(workspace.emulator), effects, where);
          }
        }
      });

      const variants = [
        ...faults.map((fault) => ({ ...fault, times: 1, name: fault.name })),
        ...faults.filter((fault) => persistentFaults.includes(fault.name)).map((fault) => ({ ...fault, times: Infinity, name: `${fault.name} that persists` })),
      ];
      for (const fault of variants) {
        it(`at every call site under ${fault.name}: recovers or fails clearly, never succeeds on an unknown state, never repeats a write`, async () => {
          for (const { scheme, site, baseline, effects: baselineEffects } of matrix) {
            const where = `${site.label} (${scheme.name}) under ${fault.name}`;
            workspace.emulator.reset();
            const handle = workspace.emulator.faults.add({ ...fault.action, method: site.method, path: site.path, times: fault.times });
            const slow = fault.action.kind === 'delay';
            const run = await runCase(workspace, taskCase, { scheme, transport: slow ? timingOutFirstAt(site) : undefined });
            // The held request is acted on once its delay is over: let that happen before counting effects.
            if (slow) await heldRequestsAnswered(workspace);
            assert.ok(handle.hits >= 1, `${where}: the fault was applied`);
            assertBackedOff(workspace, site, where);
            const effects = effectsOf(workspace.emulator);
            if (slow) forgiveOneResend(effects, baselineEffects, site);
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
