import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator';
import { call, owner, ownerPat } from './helpers';

describe('emulator MLflow 3 logged models', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [ownerPat]: owner } },
        models: [{ fullName: 'main.ml.churn', owner, versions: [{ version: 1, runId: 'run-1', modelId: 'm-1' }, { version: 2 }] }],
        mlflowRuns: [{ runId: 'run-1', experimentId: '77' }],
        loggedModels: [{ modelId: 'm-1', name: 'model', sourceRunId: 'run-1', tags: { stage: 'train' } }],
      },
    });
  });
  after(() => emulator.close());

  it('serves a logged model with its run, experiment and a READY status by default', async () => {
    const { status, json } = await call(emulator, 'GET', '/api/2.0/mlflow/logged-models/m-1');
    assert.equal(status, 200);
    assert.equal(json.model.info.model_id, 'm-1');
    assert.equal(json.model.info.status, 'LOGGED_MODEL_READY');
    assert.equal(json.model.info.source_run_id, 'run-1');
    assert.equal(json.model.info.experiment_id, '77');
    assert.deepEqual(json.model.info.tags, [{ key: 'stage', value: 'train' }]);
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for an unknown id', async () => {
    const { status, json } = await call(emulator, 'GET', '/api/2.0/mlflow/logged-models/m-404');
    assert.equal(status, 404);
    assert.equal(json.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('puts model_id on a version registered from a logged model, and only there', async () => {
    const uc = '/api/2.0/mlflow/unity-catalog/model-versions/get?name=main.ml.churn&version=';
    assert.equal((await call(emulator, 'GET', `${uc}1`)).json.model_version.model_id, 'm-1');
    assert.equal((await call(emulator, 'GET', `${uc}2`)).json.model_version.model_id, undefined);
  });
});
