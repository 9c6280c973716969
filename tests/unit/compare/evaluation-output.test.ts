import assert from 'node:assert/strict';
import { parseEvaluationOutput } from '../../../tasks/common/compare/evaluation-output';

const dataset = { name: 'main.ml.eval@3', digest: 'abc123' };

describe('compare/evaluation-output', () => {
  it('parses metrics, tags them with the dataset and keeps paired scores', () => {
    const output = parseEvaluationOutput(JSON.stringify({
      dataset,
      candidate: { roc_auc: 0.9 },
      champion: { roc_auc: 0.85 },
      paired: { accuracy: { candidate: [1, 0, 1, 1], champion: [1, 0, 0, 1] } },
    }));
    assert.deepEqual(output.dataset, dataset);
    assert.deepEqual(output.candidate.get('roc_auc'), { value: 0.9, datasetName: dataset.name, datasetDigest: dataset.digest });
    // A metric given only as per-example scores is their mean.
    assert.equal(output.candidate.get('accuracy')?.value, 0.75);
    assert.equal(output.champion.get('accuracy')?.value, 0.5);
    assert.deepEqual(output.paired.get('accuracy'), { candidate: [1, 0, 1, 1], champion: [1, 0, 0, 1] });
  });

  it('accepts a missing champion', () => {
    const output = parseEvaluationOutput(JSON.stringify({ dataset, candidate: { roc_auc: 0.9 } }));
    assert.equal(output.champion.size, 0);
  });

  it('refuses a metric that disagrees with the mean of its scores', () => {
    assert.throws(
      () => parseEvaluationOutput(JSON.stringify({ dataset, candidate: { acc: 0.9 }, champion: {}, paired: { acc: { candidate: [1, 0], champion: [1, 1] } } })),
      /inconsistent/,
    );
  });

  it('accepts a metric that agrees with its scores up to rounding', () => {
    const output = parseEvaluationOutput(JSON.stringify({ dataset, candidate: { acc: 0.5 }, champion: { acc: 0.25 }, paired: { acc: { candidate: [0.5000001, 0.5], champion: [0.25, 0.25] } } }));
    assert.equal(output.candidate.get('acc')?.value, 0.5);
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['not JSON (Python NaN)', '{"dataset": {"name": "d", "digest": "x"}, "candidate": {"m": NaN}}', /not JSON/],
    ['not an object', '[1]', /JSON object/],
    ['no dataset', JSON.stringify({ candidate: { m: 1 } }), /'dataset'/],
    ['dataset without digest', JSON.stringify({ dataset: { name: 'd' }, candidate: { m: 1 } }), /'dataset'/],
    ['no candidate metrics', JSON.stringify({ dataset, candidate: {} }), /no candidate metrics/],
    ['string metric', JSON.stringify({ dataset, candidate: { m: '0.9' } }), /finite number/],
    ['unpaired scores', JSON.stringify({ dataset, candidate: { m: 1 }, paired: { m: { candidate: [1, 1], champion: [1] } } }), /not paired/],
    ['paired not an object', JSON.stringify({ dataset, candidate: { m: 1 }, paired: [1] }), /'paired'/],
  ];
  for (const [name, text, pattern] of invalid) {
    it(`refuses ${name}`, () => assert.throws(() => parseEvaluationOutput(text), pattern));
  }
});
