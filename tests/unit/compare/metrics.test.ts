import assert from 'node:assert/strict';
import { checkSameDataset, DatasetMismatchError, datasetMismatch } from '../../../tasks/common/compare/metrics';

describe('compare/metrics: dataset check', () => {
  const on = (name?: string, digest?: string) => ({ value: 1, datasetName: name, datasetDigest: digest });

  it('accepts the same dataset, or none named on either side', () => {
    assert.equal(datasetMismatch('m', on('d', 'x'), on('d', 'x')), undefined);
    assert.equal(datasetMismatch('m', on(), on()), undefined);
  });

  it('refuses different names or digests, or a dataset named on one side only', () => {
    assert.match(datasetMismatch('m', on('d', 'x'), on('d', 'y')) ?? '', /digest x.*digest y/);
    assert.ok(datasetMismatch('m', on('d', 'x'), on('e', 'x')));
    assert.ok(datasetMismatch('m', on('d', 'x'), on()));
    assert.ok(datasetMismatch('m', on(), on(undefined, 'x')));
  });

  it('checks only the compared metrics and lists every mismatch', () => {
    const candidate = new Map([['a', on('d', 'x')], ['b', on('d', 'x')], ['c', on('d', 'x')]]);
    const champion = new Map([['a', on('d', 'y')], ['b', on('d', 'x')], ['c', on('e', 'x')]]);
    assert.doesNotThrow(() => checkSameDataset(['b'], candidate, champion));
    assert.doesNotThrow(() => checkSameDataset(['a'], candidate, undefined));
    assert.throws(() => checkSameDataset(['a', 'b', 'c'], candidate, champion), (error: DatasetMismatchError) => error.problems.length === 2);
  });
});
