import assert from 'node:assert/strict';
import {
  PromotionRefusedError,
  planPromotion,
  planRollback,
  validateRequest,
  type AliasState,
  type PromoteRequest,
  type RollbackRequest,
} from '../../../tasks/common/promote/promotion-plan';

const request: PromoteRequest = {
  modelName: 'main.ml.churn',
  action: 'promote',
  version: 5,
  alias: 'champion',
  expected: { kind: 'version', version: 4 },
  previousAlias: 'previous_champion',
  removeAliases: ['challenger'],
};

function state(current: number | undefined, previousHolder: number | undefined, seen: number | undefined = current): AliasState {
  return { seen, current, previousHolder };
}

function refused(reason: PromotionRefusedError['reason']): (error: unknown) => boolean {
  return (error) => error instanceof PromotionRefusedError && error.reason === reason;
}

describe('promotion plan', () => {
  describe('promote', () => {
    it('keeps the old holder, then makes the guarded write checked against it, then removes the challenger', () => {
      const plan = planPromotion(request, state(4, undefined));
      assert.deepEqual(plan.moves, [
        { kind: 'keep-previous', alias: 'previous_champion', version: 4, restore: undefined },
        { kind: 'guarded-set', alias: 'champion', version: 5, unchangedFrom: { holder: 4 } },
        { kind: 'remove-from-promoted', alias: 'challenger', version: 5 },
      ]);
      assert.equal(plan.previousVersion, 4);
      assert.equal(plan.promotedVersion, 5);
    });

    it('remembers where the previous alias pointed so a refused write can put it back', () => {
      const plan = planPromotion(request, state(4, 3));
      assert.deepEqual(plan.moves[0], { kind: 'keep-previous', alias: 'previous_champion', version: 4, restore: 3 });
    });

    it('does not rewrite a previous alias that already holds the old champion', () => {
      const plan = planPromotion(request, state(4, 4));
      assert.deepEqual(plan.moves[0], { kind: 'unchanged', alias: 'previous_champion', operation: 'set', version: 4 });
    });

    it('drops a stale previous alias on a first promotion', () => {
      const plan = planPromotion({ ...request, expected: { kind: 'none' } }, state(undefined, 2));
      assert.deepEqual(plan.moves.slice(0, 2), [
        { kind: 'drop-stale-previous', alias: 'previous_champion', version: 2 },
        { kind: 'guarded-set', alias: 'champion', version: 5, unchangedFrom: { holder: undefined } },
      ]);
      assert.equal(plan.previousVersion, undefined);
    });

    it('keeps nothing when no previous alias is asked for', () => {
      const plan = planPromotion({ ...request, previousAlias: undefined, removeAliases: [] }, state(4, undefined));
      assert.deepEqual(plan.moves, [{ kind: 'guarded-set', alias: 'champion', version: 5, unchangedFrom: { holder: 4 } }]);
    });

    it('refuses when the alias is not where the pipeline expected it', () => {
      assert.throws(() => planPromotion(request, state(3, undefined)), (error) => refused('concurrent-change')(error) && (error as PromotionRefusedError).currentVersion === 3);
    });

    it('checks an unchecked expectation against the holder seen when the task started', () => {
      const unchecked = { ...request, expected: { kind: 'unchecked' as const } };
      assert.throws(() => planPromotion(unchecked, state(3, undefined, 4)), refused('concurrent-change'));
      assert.equal(planPromotion(unchecked, state(4, undefined, 4)).previousVersion, 4);
    });

    it('recognises a re-run of its own promotion and only finishes the remaining steps', () => {
      const plan = planPromotion(request, state(5, 4, 4));
      assert.deepEqual(plan.moves, [
        { kind: 'unchanged', alias: 'champion', operation: 'set', version: 5 },
        { kind: 'unchanged', alias: 'previous_champion', operation: 'set', version: 4 },
        { kind: 'remove-from-promoted', alias: 'challenger', version: 5 },
      ]);
      assert.equal(plan.previousVersion, 4);
      assert.ok(!plan.moves.some((move) => move.kind === 'guarded-set'));
    });

    it('refuses when the version was promoted outside the pipeline (previous alias does not hold the expected holder)', () => {
      assert.throws(() => planPromotion(request, state(5, 3, 5)), refused('concurrent-change'));
    });

    it('moves nothing when the expectation is that the alias already holds the version', () => {
      const plan = planPromotion({ ...request, expected: { kind: 'version', version: 5 } }, state(5, 4));
      assert.deepEqual(plan.moves[0], { kind: 'unchanged', alias: 'champion', operation: 'set', version: 5 });
      assert.equal(plan.previousVersion, 4);
      assert.ok(!plan.moves.some((move) => move.kind === 'guarded-set'));
    });
  });

  describe('rollback', () => {
    const rollback: RollbackRequest = { ...request, action: 'rollback', version: undefined, previousAlias: 'previous_champion', expected: { kind: 'version', version: 5 }, removeAliases: [] };

    it('restores the previous holder with a guarded write, then deletes the previous alias', () => {
      const plan = planRollback(rollback, state(5, 4));
      assert.deepEqual(plan.moves, [
        { kind: 'guarded-set', alias: 'champion', version: 4 },
        { kind: 'delete-restored', alias: 'previous_champion', version: 4 },
      ]);
      assert.equal(plan.previousVersion, 5);
      assert.equal(plan.promotedVersion, 4);
    });

    it('refuses when nothing is kept to roll back to', () => {
      assert.throws(() => planRollback(rollback, state(5, undefined)), refused('nothing-to-roll-back'));
    });

    it('recognises a finished rollback when the restored version is named', () => {
      const plan = planRollback({ ...rollback, version: 4 }, state(4, undefined, 5));
      assert.ok(plan.moves.every((move) => move.kind === 'unchanged'));
      assert.equal(plan.promotedVersion, 4);
      assert.equal(plan.previousVersion, 5);
    });

    it('refuses when the previous alias holds another version than the one named', () => {
      assert.throws(() => planRollback({ ...rollback, version: 3 }, state(5, 4)), refused('concurrent-change'));
    });

    it('only deletes the previous alias when the alias was already moved back', () => {
      const plan = planRollback(rollback, state(4, 4, 5));
      assert.deepEqual(plan.moves, [
        { kind: 'unchanged', alias: 'champion', operation: 'set', version: 4 },
        { kind: 'delete-restored', alias: 'previous_champion', version: 4 },
      ]);
    });

    it('refuses when the alias is not where the pipeline expected it', () => {
      assert.throws(() => planRollback(rollback, state(6, 4)), refused('concurrent-change'));
    });
  });

  describe('request validation', () => {
    it('refuses a previous alias equal to the alias, and removing an alias the promotion sets', () => {
      assert.throws(() => validateRequest({ ...request, previousAlias: 'champion' }), refused('invalid-request'));
      assert.throws(() => validateRequest({ ...request, removeAliases: ['previous_champion'] }), refused('invalid-request'));
    });
  });
});
