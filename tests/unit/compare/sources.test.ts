import assert from 'node:assert/strict';
import type { Metric, Run } from '@databricks/sdk-experimental/dist/apis/ml/model';
import { baselineKey, latestMetrics, metricNumber, metricsFromEvaluationJob, metricsFromRuns, metricsFromValidationRun } from '../../../tasks/common/compare/sources';
import { FakeRunReader } from '../../fakes/mlflow-runs';
import { checkSameDataset } from '../../../tasks/common/compare/metrics';

function run(id: string, metrics: Metric[], status: Run['info'] extends infer I ? (I extends { status?: infer S } ? S : never) : never = 'FINISHED'): Run {
  return { info: { run_id: id, status, lifecycle_stage: 'active' }, data: { metrics } };
}

const d1 = { dataset_name: 'eval', dataset_digest: 'd1' };
const d2 = { dataset_name: 'eval', dataset_digest: 'd2' };

describe('compare/sources', () => {
  it('reads REST metric values, including non-finite ones', () => {
    assert.equal(metricNumber(0.5), 0.5);
    assert.ok(Number.isNaN(metricNumber('NaN')));
    assert.equal(metricNumber('Infinity'), Infinity);
    assert.equal(metricNumber('-Infinity'), -Infinity);
    assert.equal(metricNumber('0.5'), undefined);
  });

  it('takes the latest value per key: highest step, then latest timestamp', () => {
    const latest = latestMetrics(run('r', [
      { key: 'a', value: 1, step: 2, timestamp: 1 },
      { key: 'a', value: 2, step: 1, timestamp: 9 },
      { key: 'b', value: 3, step: 0, timestamp: 1 },
      { key: 'b', value: 4, step: 0, timestamp: 2 },
    ]));
    assert.equal(latest.get('a')?.value, 1);
    assert.equal(latest.get('b')?.value, 4);
  });

  describe('runs', () => {
    it('reads both runs, only the rule metrics, with their datasets', async () => {
      const reader = new FakeRunReader({
        c: run('c', [{ key: 'auc', value: 0.9, ...d1 }, { key: 'other', value: 1 }]),
        h: run('h', [{ key: 'auc', value: 0.8, ...d1 }]),
      });
      const metrics = await metricsFromRuns(reader, { candidateRunId: 'c', championRunId: 'h', metrics: ['auc', 'missing'] });
      assert.deepEqual([...metrics.candidate], [['auc', { value: 0.9, datasetName: 'eval', datasetDigest: 'd1' }]]);
      assert.equal(metrics.champion?.get('auc')?.value, 0.8);
      assert.deepEqual(metrics.provenance, { candidateRunId: 'c', championRunId: 'h' });
      assert.deepEqual(reader.calls, ['getRun c', 'getRun h']);
    });

    it('without a champion reads only the candidate', async () => {
      const metrics = await metricsFromRuns(new FakeRunReader({ c: run('c', [{ key: 'auc', value: 0.9 }]) }), { candidateRunId: 'c', metrics: ['auc'] });
      assert.equal(metrics.champion, undefined);
    });

    it("finds the champion's value on the candidate's dataset in its history", async () => {
      const reader = new FakeRunReader(
        { c: run('c', [{ key: 'auc', value: 0.9, ...d2 }]), h: run('h', [{ key: 'auc', value: 0.8, ...d1 }]) },
        { 'h/auc': [{ key: 'auc', value: 0.7, step: 0, timestamp: 1, ...d2 }, { key: 'auc', value: 0.75, step: 0, timestamp: 2, ...d2 }, { key: 'auc', value: 0.8, step: 0, timestamp: 3, ...d1 }] },
      );
      const metrics = await metricsFromRuns(reader, { candidateRunId: 'c', championRunId: 'h', metrics: ['auc'] });
      assert.deepEqual(metrics.champion?.get('auc'), { value: 0.75, datasetName: 'eval', datasetDigest: 'd2' });
      assert.doesNotThrow(() => checkSameDataset(['auc'], metrics.candidate, metrics.champion));
    });

    it('leaves a mismatch for the dataset check when the history has no value on that dataset', async () => {
      const reader = new FakeRunReader({ c: run('c', [{ key: 'auc', value: 0.9, ...d2 }]), h: run('h', [{ key: 'auc', value: 0.8, ...d1 }]) });
      const metrics = await metricsFromRuns(reader, { candidateRunId: 'c', championRunId: 'h', metrics: ['auc'] });
      assert.throws(() => checkSameDataset(['auc'], metrics.candidate, metrics.champion), /different datasets/);
    });

    it('refuses runs that are not FINISHED or are deleted, and values that are not numbers', async () => {
      await assert.rejects(metricsFromRuns(new FakeRunReader({ c: run('c', [], 'RUNNING') }), { candidateRunId: 'c', metrics: [] }), /RUNNING, not FINISHED/);
      const deleted: Run = { info: { run_id: 'c', status: 'FINISHED', lifecycle_stage: 'deleted' }, data: {} };
      await assert.rejects(metricsFromRuns(new FakeRunReader({ c: deleted }), { candidateRunId: 'c', metrics: [] }), /deleted/);
      const odd = run('c', [{ key: 'auc', value: 'x' as unknown as number }]);
      await assert.rejects(metricsFromRuns(new FakeRunReader({ c: odd }), { candidateRunId: 'c', metrics: ['auc'] }), /not a number/);
    });
  });

  describe('validation run', () => {
    it('reads <metric> for the candidate and baseline_<metric> for the champion', async () => {
      const reader = new FakeRunReader({ v: run('v', [{ key: 'auc', value: 0.9 }, { key: baselineKey('auc'), value: 0.85 }, { key: 'rmse', value: 1 }]) });
      const metrics = await metricsFromValidationRun(reader, { runId: 'v', metrics: ['auc', 'rmse'], championPresent: true });
      assert.equal(metrics.candidate.get('auc')?.value, 0.9);
      assert.equal(metrics.champion?.get('auc')?.value, 0.85);
      assert.equal(metrics.champion?.has('rmse'), false);
      const without = await metricsFromValidationRun(reader, { runId: 'v', metrics: ['auc'], championPresent: false });
      assert.equal(without.champion, undefined);
    });
  });

  describe('evaluation job', () => {
    it('sets the reserved parameters last and tags metrics with the dataset', async () => {
      let seen: Record<string, string> = {};
      const runner = {
        run: (_: string, parameters: Record<string, string>) => {
          seen = parameters;
          return Promise.resolve({ output: JSON.stringify({ dataset: { name: 'e', digest: 'x' }, candidate: { auc: 0.9 }, champion: { auc: 0.8 } }), runId: 77, runPageUrl: 'https://run/77' });
        },
      };
      const metrics = await metricsFromEvaluationJob(runner, { jobName: 'eval', modelName: 'm.s.n', candidateVersion: 5, championVersion: 3, extraParameters: { table: 't' } });
      assert.deepEqual(seen, { table: 't', model_name: 'm.s.n', candidate_version: '5', champion_version: '3' });
      assert.equal(metrics.champion?.get('auc')?.datasetDigest, 'x');
      assert.equal(metrics.provenance.evaluationRunUrl, 'https://run/77');
      const noChampion = await metricsFromEvaluationJob(runner, { jobName: 'eval', modelName: 'm.s.n', candidateVersion: 5, extraParameters: {} });
      assert.equal(seen.champion_version, '');
      assert.equal(noChampion.champion, undefined);
    });
  });
});
