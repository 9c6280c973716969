import * as assert from 'node:assert/strict';
import type { Run } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import { describeOutcome, isKnownTerminationCode, runOutcome } from '../../../tasks/common/runs/run-outcome';
import { judge } from '../../../tasks/common/runs/integration-run';

function run(status?: { state: string; code?: string; message?: string }, state?: { life: string; result?: string; message?: string }): Run {
  return {
    ...(status ? { status: { state: status.state, ...(status.code ? { termination_details: { code: status.code, message: status.message ?? '' } } : {}) } } : {}),
    ...(state ? { state: { life_cycle_state: state.life, result_state: state.result, state_message: state.message } } : {}),
  } as Run;
}

describe('run outcome', () => {
  it('reads status (preferred) or the legacy state, whichever the workspace sends', () => {
    assert.equal(runOutcome(run({ state: 'TERMINATED', code: 'SUCCESS' })).kind, 'success');
    assert.equal(runOutcome(run(undefined, { life: 'TERMINATED', result: 'SUCCESS' })).kind, 'success');
    assert.equal(runOutcome(run({ state: 'RUNNING' }, { life: 'TERMINATED', result: 'SUCCESS' })).kind, 'running', 'status wins');
    assert.equal(runOutcome(run(undefined, { life: 'PENDING' })).terminal, false);
    assert.equal(runOutcome(run({ state: 'TERMINATING' })).terminal, false);
  });

  it('maps result states and termination codes, worst wins', () => {
    const cases: Array<[Run, string, string]> = [
      [run({ state: 'TERMINATED', code: 'SUCCESS_WITH_FAILURES' }), 'partial', 'SUCCESS_WITH_FAILURES'],
      [run({ state: 'TERMINATED', code: 'USER_CANCELED' }, { life: 'TERMINATED', result: 'CANCELED' }), 'cancelled', 'CANCELED'],
      [run({ state: 'TERMINATED', code: 'RUN_EXECUTION_ERROR', message: 'boom' }, { life: 'TERMINATED', result: 'FAILED' }), 'failed', 'FAILED'],
      [run(undefined, { life: 'TERMINATED', result: 'TIMEDOUT' }), 'timedOut', 'TIMEDOUT'],
      [run(undefined, { life: 'INTERNAL_ERROR' }), 'failed', 'UNKNOWN'],
      [run(undefined, { life: 'INTERNAL_ERROR', result: 'SUCCESS' }), 'failed', 'SUCCESS'],
      [run({ state: 'TERMINATED', code: 'SUCCESS' }, { life: 'INTERNAL_ERROR' }), 'failed', 'SUCCESS'],
      [run(undefined, { life: 'SKIPPED' }), 'skipped', 'UNKNOWN'],
      [run({ state: 'TERMINATED', code: 'SUCCESS' }, { life: 'TERMINATED', result: 'FAILED' }), 'failed', 'FAILED'],
      [run({ state: 'TERMINATED' }), 'unknown', 'UNKNOWN'],
    ];
    for (const [subject, kind, resultState] of cases) {
      const outcome = runOutcome(subject);
      assert.equal(outcome.kind, kind, JSON.stringify(subject));
      assert.equal(outcome.resultState, resultState, JSON.stringify(subject));
    }
  });

  it('fails on an unknown termination code and passes its message through', () => {
    assert.equal(isKnownTerminationCode('QUANTUM_FLUX'), false);
    assert.equal(isKnownTerminationCode('DRIVER_ERROR'), true);
    const outcome = runOutcome(run({ state: 'TERMINATED', code: 'QUANTUM_FLUX', message: 'flux ran out' }, { life: 'TERMINATED', result: 'SUCCESS' }));
    assert.equal(outcome.kind, 'unknown');
    assert.equal(outcome.resultState, 'SUCCESS', 'resultState is the result_state when there is one');
    assert.match(describeOutcome(outcome), /flux ran out/);
    const { passed, verdict } = judge(outcome, { total: 0, passed: 0, failed: 0, skipped: 0 }, true);
    assert.equal(passed, false);
    assert.match(verdict, /flux ran out/);
  });

  it('judges: only SUCCESS passes, failed tests fail unless failOnTestFailure is false', () => {
    const success = runOutcome(run({ state: 'TERMINATED', code: 'SUCCESS' }));
    const partial = runOutcome(run({ state: 'TERMINATED', code: 'SUCCESS_WITH_FAILURES' }));
    const none = { total: 3, passed: 3, failed: 0, skipped: 0 };
    const some = { total: 3, passed: 2, failed: 1, skipped: 0 };
    assert.equal(judge(success, none, true).passed, true);
    assert.equal(judge(success, some, true).passed, false);
    assert.equal(judge(success, some, false).passed, true);
    assert.equal(judge(partial, none, false).passed, false);
  });
});
