import assert from 'node:assert/strict';
import { ApiError } from '../../../tasks/common/http/errors';
import {
  UnityCatalogModels,
  aliasVersion,
  explainOwnershipRefusal,
  isNotFound,
  parseAliasName,
  parseModelFullName,
  parseVersionNumber,
} from '../../../tasks/common/databricks/unity-catalog';
import { FakeTransport, apiError } from '../../fakes/transport';
import { fakeClient } from '../../fakes/client';

const base = '/api/2.1/unity-catalog/models/main.ml.churn';

describe('unity-catalog', () => {
  describe('parsing', () => {
    it('splits a three-level model name', () => {
      assert.deepEqual(parseModelFullName('modelName', ' main.ml.churn '), { catalog: 'main', schema: 'ml', model: 'churn', fullName: 'main.ml.churn' });
    });

    for (const bad of ['churn', 'main.churn', 'a.b.c.d', 'main..churn', 'main.ml.churn model', 'main.ml/x.churn', 'main.`ml`.churn']) {
      it(`rejects the model name '${bad}' naming the input`, () => {
        assert.throws(() => parseModelFullName('modelName', bad), /Invalid 'modelName'.*expected <catalog>\.<schema>\.<model>/);
      });
    }

    it('accepts alias names and refuses latest and odd characters', () => {
      assert.equal(parseAliasName('alias', 'previous_champion'), 'previous_champion');
      assert.throws(() => parseAliasName('alias', 'Latest'), /Invalid 'alias'/);
      assert.equal(parseAliasName('alias', 'blue-green'), 'blue-green');
      assert.throws(() => parseAliasName('alias', 'V12'), /Invalid 'alias'.*reserved/);
      assert.throws(() => parseAliasName('alias', 'champ ion'), /Invalid 'alias'/);
      assert.throws(() => parseAliasName('alias', 'a.b'), /Invalid 'alias'/);
    });

    it('accepts positive integer versions only', () => {
      assert.equal(parseVersionNumber('version', '12'), 12);
      for (const bad of ['0', '-1', '1.5', 'v1', '', '01']) assert.throws(() => parseVersionNumber('version', bad), /Invalid 'version'/);
    });

    it('reads the version an alias holds from a registered model', () => {
      const model = { aliases: [{ alias_name: 'champion', version_num: 3 }] };
      assert.equal(aliasVersion(model, 'champion'), 3);
      assert.equal(aliasVersion(model, 'challenger'), undefined);
      assert.equal(aliasVersion({}, 'champion'), undefined);
    });
  });

  describe('calls', () => {
    it('asks for aliases on every read', async () => {
      const transport = new FakeTransport()
        .on('GET', base, () => ({ status: 200, body: { full_name: 'main.ml.churn', owner: 'ml-team', aliases: [] } }))
        .on('GET', `${base}/versions/4`, () => ({ status: 200, body: { version: 4, status: 'READY' } }))
        .on('GET', `${base}/aliases/champion`, () => ({ status: 200, body: { version: 3 } }));
      const uc = new UnityCatalogModels(fakeClient(transport));
      assert.equal((await uc.getRegisteredModel('main.ml.churn')).owner, 'ml-team');
      assert.equal((await uc.getModelVersion('main.ml.churn', 4)).status, 'READY');
      assert.equal((await uc.getVersionByAlias('main.ml.churn', 'champion')).version, 3);
      assert.deepEqual(transport.log, [`GET ${base}`, `GET ${base}/versions/4`, `GET ${base}/aliases/champion`]);
      for (const request of transport.requests) assert.equal(request.query.get('include_aliases'), 'true');
    });

    it('returns not found for a missing alias instead of throwing', async () => {
      const transport = new FakeTransport().on('GET', `${base}/aliases/champion`, () =>
        apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'Alias champion not found'),
      );
      const uc = new UnityCatalogModels(fakeClient(transport));
      assert.deepEqual(await uc.findVersionByAlias('main.ml.churn', 'champion'), { found: false });
      await assert.rejects(uc.getVersionByAlias('main.ml.churn', 'champion'), (error) => isNotFound(error));
    });

    it('does not read a 404 without a Databricks error_code (a proxy, a gateway) as a missing alias', async () => {
      for (const reply of [
        { status: 404, body: '<html><body>404 Not Found</body></html>', headers: { 'content-type': 'text/html' } },
        { status: 404 },
        { status: 404, body: { message: 'no route' } },
      ]) {
        const transport = new FakeTransport().on('GET', `${base}/aliases/champion`, () => reply);
        const uc = new UnityCatalogModels(fakeClient(transport));
        await assert.rejects(uc.findVersionByAlias('main.ml.churn', 'champion'), (error) => error instanceof ApiError && error.status === 404 && !isNotFound(error));
      }
      const documented = new FakeTransport().on('GET', `${base}/aliases/champion`, () => apiError(404, 'NOT_FOUND', 'gone'));
      assert.deepEqual(await new UnityCatalogModels(fakeClient(documented)).findVersionByAlias('main.ml.churn', 'champion'), { found: false });
    });

    it('still throws other failures from an alias lookup', async () => {
      const transport = new FakeTransport().on('GET', `${base}/aliases/champion`, () => apiError(403, 'PERMISSION_DENIED', 'no'));
      const uc = new UnityCatalogModels(fakeClient(transport));
      await assert.rejects(uc.findVersionByAlias('main.ml.churn', 'champion'), (error) => error instanceof ApiError && error.status === 403);
    });

    it('sets an alias with an integer version_num', async () => {
      const transport = new FakeTransport().on('PUT', `${base}/aliases/champion`, (request) => ({
        status: 200,
        body: { alias_name: 'champion', version_num: (request.json as { version_num: number }).version_num },
      }));
      const uc = new UnityCatalogModels(fakeClient(transport));
      const alias = await uc.setAlias('main.ml.churn', 'champion', 7);
      assert.equal(alias.version_num, 7);
      assert.deepEqual(transport.requests[0].json, { version_num: 7 });
    });

    it('retries an alias PUT after a 502, since moving an alias twice is harmless', async () => {
      let calls = 0;
      const transport = new FakeTransport().on('PUT', `${base}/aliases/champion`, () =>
        ++calls === 1 ? apiError(502, 'BAD_GATEWAY', 'gateway') : { status: 200, body: { alias_name: 'champion', version_num: 7 } },
      );
      const uc = new UnityCatalogModels(fakeClient(transport));
      await uc.setAlias('main.ml.churn', 'champion', 7);
      assert.equal(calls, 2);
    });

    it('treats deleting an alias that is already gone as done', async () => {
      let present = true;
      const transport = new FakeTransport().on('DELETE', `${base}/aliases/challenger`, () => {
        if (!present) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'gone');
        present = false;
        return { status: 200, body: {} };
      });
      const uc = new UnityCatalogModels(fakeClient(transport));
      assert.deepEqual(await uc.deleteAlias('main.ml.churn', 'challenger'), { deleted: true });
      assert.deepEqual(await uc.deleteAlias('main.ml.churn', 'challenger'), { deleted: false });
    });

    it('does not hide a 403 on delete', async () => {
      const transport = new FakeTransport().on('DELETE', `${base}/aliases/challenger`, () => apiError(403, 'PERMISSION_DENIED', 'not owner'));
      const uc = new UnityCatalogModels(fakeClient(transport));
      await assert.rejects(uc.deleteAlias('main.ml.churn', 'challenger'), (error) => error instanceof ApiError && error.status === 403);
    });

    it('patches a version comment', async () => {
      const transport = new FakeTransport().on('PATCH', `${base}/versions/4`, (request) => ({ status: 200, body: { version: 4, ...(request.json as object) } }));
      const uc = new UnityCatalogModels(fakeClient(transport));
      const updated = await uc.updateVersionComment('main.ml.churn', 4, 'validated');
      assert.equal(updated.comment, 'validated');
      assert.deepEqual(transport.requests[0].json, { comment: 'validated' });
    });
  });

  describe('explainOwnershipRefusal', () => {
    const context = { identity: 'sp-compare', modelName: 'main.ml.churn' };

    it('explains a 403 with the identity, the owner (or that it could not be read) and the service words', () => {
      const refused = new ApiError('PERMISSION_DENIED: not the owner', { status: 403, errorCode: 'PERMISSION_DENIED', method: 'PUT', path: '/x' });
      const explained = explainOwnershipRefusal(refused, { ...context, owner: 'ml-owners' });
      assert.ok(explained instanceof ApiError && explained.status === 403);
      assert.match(explained.message, /ran as sp-compare; the model's owner is 'ml-owners'.*PERMISSION_DENIED: not the owner$/);
      assert.match(String((explainOwnershipRefusal(refused, context) as Error).message), /the model's owner could not be read/);
    });

    it('returns any other error unchanged', () => {
      const missing = new ApiError('gone', { status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST', method: 'GET', path: '/x' });
      const plain = new Error('boom');
      assert.equal(explainOwnershipRefusal(missing, context), missing);
      assert.equal(explainOwnershipRefusal(plain, context), plain);
    });
  });
});
