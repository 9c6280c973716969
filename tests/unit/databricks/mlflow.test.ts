import assert from 'node:assert/strict';
import { DatabricksApiClient } from '../../../tasks/common/databricks/api-client';
import { MlflowClient, runTags } from '../../../tasks/common/databricks/mlflow';
import { StaticTokenProvider } from '../../fakes/tokens';
import { ApiError } from '../../../tasks/common/http/errors';
import { silentLogger } from '../../../tasks/common/ports';
import { FakeClock } from '../../fakes/clock';
import { FakeTransport, json } from '../../fakes/transport';

function mlflow(transport: FakeTransport): MlflowClient {
  return new MlflowClient(
    new DatabricksApiClient({
      host: 'https://adb-1.2.azuredatabricks.net',
      transport,
      tokens: new StaticTokenProvider('dapi-token', 'test token'),
      clock: new FakeClock(),
      logger: silentLogger,
      userAgent: 'test',
      retry: { random: () => 0.5 },
    }),
  );
}

function query(transport: FakeTransport, index: number): Record<string, string> {
  return Object.fromEntries(new URL(transport.requests[index].url).searchParams);
}

describe('MlflowClient', () => {
  it('reads a run by run_id', async () => {
    const run = { info: { run_id: 'abc', status: 'FINISHED' }, data: { metrics: [{ key: 'auc', value: 0.9 }], tags: [{ key: 't', value: 'v' }] } };
    const transport = new FakeTransport(json(200, { run }));
    const result = await mlflow(transport).getRun('abc');
    assert.deepEqual(result, run);
    assert.deepEqual(transport.log, ['GET /api/2.0/mlflow/runs/get']);
    assert.deepEqual(query(transport, 0), { run_id: 'abc' });
    assert.deepEqual([...runTags(result)], [['t', 'v']]);
  });

  it('reports a missing run as the 404 the service sends', async () => {
    const transport = new FakeTransport(json(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'x' not found." }));
    await assert.rejects(mlflow(transport).getRun('x'), (error: ApiError) => error.status === 404 && error.errorCode === 'RESOURCE_DOES_NOT_EXIST');
  });

  it('refuses an empty runs/get answer', async () => {
    await assert.rejects(mlflow(new FakeTransport(json(200, {}))).getRun('x'), /returned no run/);
  });

  it('follows metric history pages to the end', async () => {
    const transport = new FakeTransport(
      json(200, { metrics: [{ key: 'auc', value: 0.1, step: 0 }], next_page_token: 'p2' }),
      json(200, { metrics: [{ key: 'auc', value: 0.2, step: 1 }] }),
    );
    const history = await mlflow(transport).getMetricHistory('abc', 'auc');
    assert.deepEqual(history.map((m) => m.value), [0.1, 0.2]);
    assert.deepEqual(query(transport, 0), { run_id: 'abc', metric_key: 'auc', max_results: '25000' });
    assert.deepEqual(query(transport, 1), { run_id: 'abc', metric_key: 'auc', max_results: '25000', page_token: 'p2' });
  });

  it('reads a UC model version with version as a string', async () => {
    const transport = new FakeTransport(json(200, { model_version: { name: 'main.ml.churn', version: '3', status: 'READY', tags: [{ key: 'k', value: 'v' }] } }));
    const version = await mlflow(transport).getModelVersion('main.ml.churn', 3);
    assert.equal(version.version, '3');
    assert.deepEqual(transport.log, ['GET /api/2.0/mlflow/unity-catalog/model-versions/get']);
    assert.deepEqual(query(transport, 0), { name: 'main.ml.churn', version: '3' });
  });

  it('lists every version through search pages with a quoted name filter', async () => {
    const transport = new FakeTransport(
      json(200, { model_versions: [{ name: 'main.ml.churn', version: '3' }], next_page_token: 't' }),
      json(200, { model_versions: [{ name: 'main.ml.churn', version: '2' }] }),
    );
    const versions = await mlflow(transport).listModelVersions('main.ml.churn');
    assert.deepEqual(versions.map((v) => v.version), ['3', '2']);
    assert.equal(query(transport, 0).filter, "name='main.ml.churn'");
    assert.equal(query(transport, 1).page_token, 't');
  });

  it('sets and deletes version tags with JSON bodies', async () => {
    const transport = new FakeTransport(json(200, {}));
    const client = mlflow(transport);
    await client.setModelVersionTag('main.ml.churn', 3, 'compare.decision', 'promote');
    await client.deleteModelVersionTag('main.ml.churn', '3', 'compare.decision');
    assert.deepEqual(transport.log, ['POST /api/2.0/mlflow/unity-catalog/model-versions/tags', 'DELETE /api/2.0/mlflow/unity-catalog/model-versions/tags']);
    assert.deepEqual(JSON.parse(String(transport.requests[0].body)), { name: 'main.ml.churn', version: '3', key: 'compare.decision', value: 'promote' });
    assert.deepEqual(JSON.parse(String(transport.requests[1].body)), { name: 'main.ml.churn', version: '3', key: 'compare.decision' });
  });

  it('retries an idempotent tag write after a 503', async () => {
    const transport = new FakeTransport(json(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }), json(200, {}));
    await mlflow(transport).setModelVersionTag('main.ml.churn', 3, 'k', 'v');
    assert.equal(transport.requests.length, 2);
  });
});
