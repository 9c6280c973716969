import assert from 'node:assert/strict';
import { bootstrapResamples, createRandom, isSignificantImprovement, minimumSignificanceExamples, pairedBootstrap } from '../../../tasks/common/compare/bootstrap';

function scores(n: number, seed: number, shift: number): { candidate: number[]; champion: number[] } {
  const random = createRandom(seed);
  const champion = Array.from({ length: n }, () => random());
  const candidate = champion.map((value) => value + shift + (random() - 0.5) * 0.02);
  return { candidate, champion };
}

describe('compare/bootstrap', () => {
  it('the PRNG is deterministic per seed and uniform in [0, 1)', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const first = Array.from({ length: 5 }, () => a());
    assert.deepEqual(first, Array.from({ length: 5 }, () => b()));
    assert.notDeepEqual(first, Array.from({ length: 5 }, () => c()));
    const random = createRandom(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const value = random();
      assert.ok(value >= 0 && value < 1);
      sum += value;
    }
    assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
  });

  it('gives the same interval for the same seed and a different one for another seed', () => {
    const data = scores(200, 3, 0.001);
    const one = pairedBootstrap('auc', data, 12345);
    assert.deepEqual(pairedBootstrap('auc', data, 12345), one);
    assert.notDeepEqual(pairedBootstrap('auc', data, 54321), one);
    assert.equal(one.resamples, bootstrapResamples);
    assert.equal(one.examples, 200);
    assert.ok(one.lower <= one.meanDifference && one.meanDifference <= one.upper);
  });

  it('excludes zero for a clearly better candidate', () => {
    const interval = pairedBootstrap('auc', scores(300, 5, 0.05), 1);
    assert.ok(interval.lower > 0, JSON.stringify(interval));
    assert.equal(isSignificantImprovement(interval, true), true);
    assert.equal(isSignificantImprovement(interval, false), false);
  });

  it('includes zero for identical models', () => {
    const data = scores(300, 5, 0);
    const identical = pairedBootstrap('auc', { candidate: data.champion, champion: data.champion }, 1);
    assert.deepEqual([identical.lower, identical.upper], [0, 0]);
    assert.equal(isSignificantImprovement(identical, true), false);
    assert.equal(isSignificantImprovement(identical, false), false);
  });

  it('includes zero for noise around no difference', () => {
    const interval = pairedBootstrap('auc', scores(300, 9, 0), 1);
    assert.ok(interval.lower < 0 && interval.upper > 0, JSON.stringify(interval));
  });

  it('a lower-is-better metric improves when the upper bound is below zero', () => {
    const interval = pairedBootstrap('rmse', scores(300, 5, -0.05), 1);
    assert.equal(isSignificantImprovement(interval, false), true);
  });

  it('never calls a tiny sample significant, although its interval excludes zero', () => {
    // With 2 examples the percentile interval is [min, max] of the differences: [1, 1] here.
    const two = pairedBootstrap('auc', { candidate: [1, 1], champion: [0, 0] }, 1);
    assert.ok(two.lower > 0);
    assert.equal(isSignificantImprovement(two, true), false);
    assert.equal(isSignificantImprovement(pairedBootstrap('rmse', { candidate: [0, 0], champion: [1, 1] }, 1), false), false);
    const below = Array.from({ length: minimumSignificanceExamples - 1 }, () => 1);
    assert.equal(isSignificantImprovement(pairedBootstrap('auc', { candidate: below, champion: below.map(() => 0) }, 1), true), false);
    const enough = Array.from({ length: minimumSignificanceExamples }, () => 1);
    assert.equal(isSignificantImprovement(pairedBootstrap('auc', { candidate: enough, champion: enough.map(() => 0) }, 1), true), true);
  });

  it('refuses unpaired, too short or non-numeric scores', () => {
    assert.throws(() => pairedBootstrap('m', { candidate: [1, 2, 3], champion: [1, 2] }, 1), /not paired/);
    assert.throws(() => pairedBootstrap('m', { candidate: [1], champion: [1] }, 1), /at least 2/);
    assert.throws(() => pairedBootstrap('m', { candidate: [1, NaN], champion: [1, 2] }, 1), /finite number/);
    assert.throws(() => pairedBootstrap('m', { candidate: [1, '2' as unknown as number], champion: [1, 2] }, 1), /finite number/);
  });
});
