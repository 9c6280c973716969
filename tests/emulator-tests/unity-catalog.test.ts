import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator';
import { call, owner, ownerPat, reader, readerPat, type Loose } from './helpers';

const model = '/api/2.1/unity-catalog/models/main.ml.churn';
const uc = '/api/2.0/mlflow/unity-catalog';

describe('emulator Unity Catalog and MLflow', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [ownerPat]: owner, [readerPat]: reader } },
        models: [
          {
            fullName: 'main.ml.churn',
            owner,
            comment: 'churn model',
            versions: [
              { version: 1, runId: 'run-1' },
              { version: 2, runId: 'run-2', status: 'READY', tags: { validated: 'true' } },
              { version: 3, status: 'PENDING_REGISTRATION' },
            ],
            aliases: { champion: 1, challenger: 2 },
            tags: { team: 'ml' },
          },
        ],
        mlflowRuns: [
          {
            runId: 'run-2',
            experimentId: '77',
            runName: 'train',
            params: { depth: '6' },
            tags: { 'mlflow.source.git.commit': 'abc123' },
            datasets: [{ name: 'eval', digest: 'd1' }],
            metrics: [
              { key: 'roc_auc', value: 0.8, step: 0, timestamp: 1000, datasetName: 'eval', datasetDigest: 'd1' },
              { key: 'roc_auc', value: 0.9, step: 1, timestamp: 2000, datasetName: 'eval', datasetDigest: 'd1' },
              { key: 'rmse', value: 0.3, step: 0, timestamp: 1000 },
            ],
          },
        ],
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());

  describe('/api/2.1/unity-catalog', () => {
    it('returns aliases only with include_aliases=true', async () => {
      const without = (await call(emulator, 'GET', model)).json;
      assert.equal(without.aliases, undefined);
      assert.equal(without.full_name, 'main.ml.churn');
      assert.equal(without.owner, owner);
      const withAliases = (await call(emulator, 'GET', `${model}?include_aliases=true`)).json;
      assert.deepEqual(
        withAliases.aliases.map((a: Loose) => [a.alias_name, a.version_num]),
        [
          ['champion', 1],
          ['challenger', 2],
        ],
      );
      const version = (await call(emulator, 'GET', `${model}/versions/2`)).json;
      assert.equal(version.aliases, undefined);
      const versionWithAliases = (await call(emulator, 'GET', `${model}/versions/2?include_aliases=true`)).json;
      assert.deepEqual(versionWithAliases.aliases.map((a: Loose) => a.alias_name), ['challenger']);
    });

    it('uses integer version numbers', async () => {
      const version = (await call(emulator, 'GET', `${model}/versions/2`)).json;
      assert.equal(version.version, 2);
      assert.equal(version.status, 'READY');
      assert.equal(version.run_id, 'run-2');
      const byAlias = (await call(emulator, 'GET', `${model}/aliases/champion?include_aliases=true`)).json;
      assert.equal(byAlias.version, 1);
      assert.deepEqual(byAlias.aliases.map((a: Loose) => a.version_num), [1]);
    });

    it('answers 404 RESOURCE_DOES_NOT_EXIST for a missing model, version or alias', async () => {
      for (const path of ['/api/2.1/unity-catalog/models/main.ml.nope', `${model}/versions/9`, `${model}/aliases/gold`]) {
        const result = await call(emulator, 'GET', path);
        assert.deepEqual([result.status, result.json.error_code], [404, 'RESOURCE_DOES_NOT_EXIST'], path);
      }
      assert.equal((await call(emulator, 'GET', `${model}/versions/two`)).status, 400);
    });

    it('moves an alias with PUT {version_num} and deletes it, as the owner', async () => {
      const moved = await call(emulator, 'PUT', `${model}/aliases/champion`, { body: { version_num: 2 } });
      assert.equal(moved.status, 200);
      assert.deepEqual([moved.json.alias_name, moved.json.version_num], ['champion', 2]);
      assert.equal((await call(emulator, 'GET', `${model}/aliases/champion`)).json.version, 2);
      assert.equal(emulator.state.models.get('main.ml.churn')?.aliases.get('champion'), 2);
      assert.deepEqual((await call(emulator, 'DELETE', `${model}/aliases/challenger`)).json, {});
      const gone = await call(emulator, 'GET', `${model}/aliases/challenger`);
      assert.equal(gone.status, 404);
      const again = await call(emulator, 'DELETE', `${model}/aliases/challenger`);
      assert.equal(again.status, 404);
    });

    it('refuses alias and comment writes by a non-owner with 403 PERMISSION_DENIED', async () => {
      const put = await call(emulator, 'PUT', `${model}/aliases/champion`, { token: readerPat, body: { version_num: 2 } });
      assert.deepEqual([put.status, put.json.error_code], [403, 'PERMISSION_DENIED']);
      const del = await call(emulator, 'DELETE', `${model}/aliases/champion`, { token: readerPat });
      assert.equal(del.status, 403);
      const patch = await call(emulator, 'PATCH', `${model}/versions/2`, { token: readerPat, body: { comment: 'x' } });
      assert.equal(patch.status, 403);
      assert.equal(emulator.state.models.get('main.ml.churn')?.aliases.get('champion'), 1);
      assert.equal((await call(emulator, 'GET', model, { token: readerPat })).status, 200, 'reading is allowed');
    });

    it('rejects setting an alias to a missing version or a reserved name', async () => {
      assert.equal((await call(emulator, 'PUT', `${model}/aliases/champion`, { body: { version_num: 42 } })).status, 404);
      assert.equal((await call(emulator, 'PUT', `${model}/aliases/latest`, { body: { version_num: 1 } })).status, 400);
      assert.equal((await call(emulator, 'PUT', `${model}/aliases/champion`, { body: {} })).status, 400);
    });

    it('updates a version comment with PATCH', async () => {
      const result = await call(emulator, 'PATCH', `${model}/versions/2`, { body: { comment: 'Model Validation Status: SUCCESS' } });
      assert.equal(result.json.comment, 'Model Validation Status: SUCCESS');
      assert.equal((await call(emulator, 'GET', `${model}/versions/2`)).json.comment, 'Model Validation Status: SUCCESS');
    });
  });

  describe('MLflow tracking', () => {
    it('returns the latest value per metric key with dataset name and digest', async () => {
      const { json } = await call(emulator, 'GET', '/api/2.0/mlflow/runs/get?run_id=run-2');
      assert.equal(json.run.info.run_id, 'run-2');
      assert.equal(json.run.info.status, 'FINISHED');
      const metrics = Object.fromEntries(json.run.data.metrics.map((m: Loose) => [m.key, m]));
      assert.equal(metrics.roc_auc.value, 0.9);
      assert.equal(metrics.roc_auc.dataset_name, 'eval');
      assert.equal(metrics.roc_auc.dataset_digest, 'd1');
      assert.equal(metrics.rmse.dataset_name, undefined);
      assert.deepEqual(json.run.data.params, [{ key: 'depth', value: '6' }]);
      assert.deepEqual(json.run.data.tags, [{ key: 'mlflow.source.git.commit', value: 'abc123' }]);
      assert.equal(json.run.inputs.dataset_inputs[0].dataset.digest, 'd1');
    });

    it('answers 404 RESOURCE_DOES_NOT_EXIST for a missing run', async () => {
      const result = await call(emulator, 'GET', '/api/2.0/mlflow/runs/get?run_id=nope');
      assert.deepEqual([result.status, result.json.error_code], [404, 'RESOURCE_DOES_NOT_EXIST']);
    });

    it('returns the metric history, paged', async () => {
      const all = (await call(emulator, 'GET', '/api/2.0/mlflow/metrics/get-history?run_id=run-2&metric_key=roc_auc')).json;
      assert.deepEqual(all.metrics.map((m: Loose) => m.value), [0.8, 0.9]);
      const first = (await call(emulator, 'GET', '/api/2.0/mlflow/metrics/get-history?run_id=run-2&metric_key=roc_auc&max_results=1')).json;
      assert.equal(first.metrics.length, 1);
      const second = (await call(emulator, 'GET', `/api/2.0/mlflow/metrics/get-history?run_id=run-2&metric_key=roc_auc&max_results=1&page_token=${first.next_page_token}`)).json;
      assert.deepEqual(second.metrics.map((m: Loose) => m.value), [0.9]);
      assert.equal((await call(emulator, 'GET', '/api/2.0/mlflow/metrics/get-history?run_id=run-2&metric_key=roc_auc&max_results=25001')).status, 400);
    });
  });

  describe('MLflow Unity Catalog registry', () => {
    it('returns model versions with string version numbers, aliases and tags', async () => {
      const { json } = await call(emulator, 'GET', `${uc}/model-versions/get?name=main.ml.churn&version=2`);
      assert.equal(json.model_version.version, '2');
      assert.equal(json.model_version.name, 'main.ml.churn');
      assert.equal(json.model_version.run_experiment_id, '77');
      assert.deepEqual(json.model_version.aliases, [{ alias: 'challenger', version: '2' }]);
      assert.deepEqual(json.model_version.tags, [{ key: 'validated', value: 'true' }]);
      const byAlias = (await call(emulator, 'GET', `${uc}/registered-models/alias?name=main.ml.churn&alias=champion`)).json;
      assert.equal(byAlias.model_version.version, '1');
      const missing = await call(emulator, 'GET', `${uc}/model-versions/get?name=main.ml.churn&version=7`);
      assert.equal(missing.status, 404);
    });

    it('searches versions of a model by name, newest first', async () => {
      const { json } = await call(emulator, 'GET', `${uc}/model-versions/search?filter=${encodeURIComponent("name='main.ml.churn'")}`);
      assert.deepEqual(json.model_versions.map((v: Loose) => v.version), ['3', '2', '1']);
      const paged = (await call(emulator, 'GET', `${uc}/model-versions/search?filter=${encodeURIComponent("name='main.ml.churn'")}&max_results=2`)).json;
      assert.equal(paged.model_versions.length, 2);
      assert.ok(paged.next_page_token);
      const none = (await call(emulator, 'GET', `${uc}/model-versions/search?filter=${encodeURIComponent("name='main.ml.other'")}`)).json;
      assert.deepEqual(none, {});
    });

    it('sets and deletes model version tags', async () => {
      assert.equal((await call(emulator, 'POST', `${uc}/model-versions/tags`, { body: { name: 'main.ml.churn', version: '2', key: 'compared', value: 'yes' } })).status, 200);
      let tags = (await call(emulator, 'GET', `${uc}/model-versions/get?name=main.ml.churn&version=2`)).json.model_version.tags;
      assert.deepEqual(tags, [{ key: 'validated', value: 'true' }, { key: 'compared', value: 'yes' }]);
      assert.equal((await call(emulator, 'DELETE', `${uc}/model-versions/tags`, { body: { name: 'main.ml.churn', version: '2', key: 'validated' } })).status, 200);
      tags = (await call(emulator, 'GET', `${uc}/model-versions/get?name=main.ml.churn&version=2`)).json.model_version.tags;
      assert.deepEqual(tags, [{ key: 'compared', value: 'yes' }]);
    });

    it('returns the registered model with aliases and tags, and moves aliases as the owner only', async () => {
      const { json } = await call(emulator, 'GET', `${uc}/registered-models/get?name=main.ml.churn`);
      assert.deepEqual(json.registered_model.aliases, [
        { alias: 'champion', version: '1' },
        { alias: 'challenger', version: '2' },
      ]);
      assert.deepEqual(json.registered_model.tags, [{ key: 'team', value: 'ml' }]);
      const denied = await call(emulator, 'POST', `${uc}/registered-models/alias`, { token: readerPat, body: { name: 'main.ml.churn', alias: 'champion', version: '2' } });
      assert.equal(denied.status, 403);
      assert.equal((await call(emulator, 'POST', `${uc}/registered-models/alias`, { body: { name: 'main.ml.churn', alias: 'champion', version: '2' } })).status, 200);
      assert.equal(emulator.state.models.get('main.ml.churn')?.aliases.get('champion'), 2);
      assert.equal((await call(emulator, 'DELETE', `${uc}/registered-models/alias?name=main.ml.churn&alias=champion`)).status, 200);
      assert.equal(emulator.state.models.get('main.ml.churn')?.aliases.has('champion'), false);
    });
  });
});
