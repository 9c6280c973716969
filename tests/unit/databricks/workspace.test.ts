import * as assert from 'node:assert/strict';
import { WorkspaceClient } from '../../../tasks/common/databricks/workspace';
import { ApiError } from '../../../tasks/common/http/errors';
import { apiError, FakeTransport } from '../../fakes/transport';
import { fakeClient } from '../../fakes/client';

describe('WorkspaceClient', () => {
  it('returns the object info, undefined when nothing is there, and other errors as they are', async () => {
    const transport = new FakeTransport(({ query }) => {
      const path = query.get('path');
      if (path === '/Repos/ci/tests') return { body: { object_type: 'NOTEBOOK', path, language: 'PYTHON' } };
      if (path === '/secret') return apiError(403, 'PERMISSION_DENIED', 'no');
      return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Path (${path}) doesn't exist.`);
    });
    const workspace = new WorkspaceClient(fakeClient(transport));
    assert.equal((await workspace.getStatus('/Repos/ci/tests'))?.object_type, 'NOTEBOOK');
    assert.equal(await workspace.getStatus('/missing'), undefined);
    await assert.rejects(workspace.getStatus('/secret'), (error: ApiError) => error.status === 403);
    assert.ok(transport.log.every((l) => l === 'GET /api/2.0/workspace/get-status'));
  });
});
