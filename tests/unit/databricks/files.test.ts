import * as assert from 'node:assert/strict';
import { encodeFilesPath, FilesClient } from '../../../tasks/common/databricks/files';
import { ApiError } from '../../../tasks/common/http/errors';
import { FakeTransport } from '../../fakes/transport';
import { fakeClient } from '../../fakes/client';

describe('FilesClient', () => {
  it('encodes each path segment but keeps the separators', () => {
    assert.equal(encodeFilesPath('/Volumes/main/ci/my vol/a#b?.xml'), '/Volumes/main/ci/my%20vol/a%23b%3F.xml');
  });

  it('downloads bytes and uploads raw bytes with overwrite', async () => {
    const transport = new FakeTransport(({ method }) => (method === 'GET' ? { body: new Uint8Array([60, 97, 47, 62]) } : { status: 204 }));
    const files = new FilesClient(fakeClient(transport));
    assert.equal(Buffer.from(await files.download('/Volumes/a/b/c/r 1.xml')).toString(), '<a/>');
    await files.upload('/Volumes/a/b/c/x.bin', new Uint8Array([1, 2]), { overwrite: false });
    assert.deepEqual(transport.log, ['GET /api/2.0/fs/files/Volumes/a/b/c/r%201.xml', 'PUT /api/2.0/fs/files/Volumes/a/b/c/x.bin']);
    assert.equal(transport.requests[1].query.get('overwrite'), 'false');
    assert.deepEqual(transport.requests[1].body, new Uint8Array([1, 2]));
  });

  it('tells whether a file exists with HEAD: 404 is no, other errors are thrown', async () => {
    const transport = new FakeTransport(({ path }) => (path.endsWith('/here.py') ? { status: 200 } : path.endsWith('/secret.py') ? { status: 403, body: { error_code: 'PERMISSION_DENIED', message: 'no' } } : { status: 404 }));
    const files = new FilesClient(fakeClient(transport));
    assert.equal(await files.exists('/Volumes/a/b/c/here.py'), true);
    assert.equal(await files.exists('/Volumes/a/b/c/gone.py'), false);
    await assert.rejects(files.exists('/Volumes/a/b/c/secret.py'), (error: ApiError) => error.status === 403);
    assert.deepEqual(new Set(transport.log.map((line) => line.split(' ')[0])), new Set(['HEAD']));
  });

  it('lists a directory across pages and walks subdirectories, pruned by descend', async () => {
    const tree: Record<string, Array<{ name: string; is_directory?: boolean }>> = {
      '/Volumes/a/b/c/r': [{ name: 'x.xml' }, { name: 'deep', is_directory: true }, { name: 'skip', is_directory: true }],
      '/Volumes/a/b/c/r/deep': [{ name: 'y.xml' }],
    };
    const transport = new FakeTransport(({ path, query }) => {
      const dir = decodeURIComponent(path.replace('/api/2.0/fs/directories', ''));
      const entries = (tree[dir] ?? []).map((e) => ({ ...e, path: `${dir}/${e.name}` }));
      // The root comes in pages of two entries, to prove pagination.
      if (dir === '/Volumes/a/b/c/r') {
        const offset = Number(query.get('page_token') ?? 0);
        const next = offset + 2 < entries.length ? { next_page_token: String(offset + 2) } : {};
        return { body: { contents: entries.slice(offset, offset + 2), ...next } };
      }
      return { body: { contents: entries } };
    });
    const files = new FilesClient(fakeClient(transport));
    const found = await files.listFilesRecursively('/Volumes/a/b/c/r/', { descend: (d) => !d.endsWith('/skip') });
    assert.deepEqual(found.map((f) => f.path), ['/Volumes/a/b/c/r/x.xml', '/Volumes/a/b/c/r/deep/y.xml']);
    assert.ok(!transport.log.some((l) => l.endsWith('/skip')));
  });
});
