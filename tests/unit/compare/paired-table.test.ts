import assert from 'node:assert/strict';
import { pairedScoresFromRows } from '../../../tasks/common/compare/paired-table';

describe('compare/paired-table', () => {
  it('pairs rows by example id per metric, in example order', () => {
    const scores = pairedScoresFromRows([
      ['acc', 'b', '1', '0'],
      ['acc', 'a', '0', '0'],
      ['loss', 'a', '0.5', '0.75'],
      ['loss', 'b', '0.25', '0.5'],
      ['acc', 'c', '1', '1'],
    ], 'main.ml.paired');
    assert.deepEqual(scores.get('acc'), { candidate: [0, 1, 1], champion: [0, 0, 1] });
    assert.deepEqual(scores.get('loss'), { candidate: [0.5, 0.25], champion: [0.75, 0.5] });
  });

  it('refuses duplicates, nulls and non-numbers', () => {
    assert.throws(() => pairedScoresFromRows([['acc', 'a', '1', '0'], ['acc', 'a', '1', '0']], 't'), /appears twice/);
    assert.throws(() => pairedScoresFromRows([['acc', 'a', null, '0'], ['acc', 'b', '1', '0']], 't'), /candidate_score must be a finite number/);
    assert.throws(() => pairedScoresFromRows([['acc', 'a', '1', 'x'], ['acc', 'b', '1', '0']], 't'), /champion_score must be a finite number/);
    assert.throws(() => pairedScoresFromRows([[null, 'a', '1', '0']], 't'), /must not be null/);
    assert.throws(() => pairedScoresFromRows([['acc', 'a', '1', '0']], 't'), /at least 2/);
  });
});
