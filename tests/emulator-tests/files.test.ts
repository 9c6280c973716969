import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator';
import { call, owner, ownerPat, type Loose } from './helpers';

const base = '/api/2.0/fs/files/Volumes/main/ci/results';

describe('emulator Files and Workspace APIs', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [ownerPat]: owner } },
        files: { '/Volumes/main/ci/results/run-1/junit.xml': '<testsuites/>' },
        notebooks: { '/Repos/ci/tests/run_integration': {} },
        workspaceObjects: [{ path: '/Repos/ci/tests/conftest.py', type: 'FILE' }],
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());

  it('uploads, reads back with Content-Length and Last-Modified, and deletes a file', async () => {
    const content = Buffer.from('hello volume');
    const put = await call(emulator, 'PUT', `${base}/a%20b/report.txt`, { raw: content });
    assert.equal(put.status, 204);
    assert.ok(emulator.state.files.has('/Volumes/main/ci/results/a b/report.txt'));
    const get = await call(emulator, 'GET', `${base}/a%20b/report.txt`);
    assert.equal(get.status, 200);
    assert.equal(get.text, 'hello volume');
    assert.equal(get.headers.get('content-length'), String(content.length));
    assert.equal(get.headers.get('content-type'), 'application/octet-stream');
    assert.ok(get.headers.get('last-modified'));
    const head = await call(emulator, 'HEAD', `${base}/a%20b/report.txt`);
    assert.deepEqual([head.status, head.text, head.headers.get('content-length')], [200, '', String(content.length)]);
    assert.equal((await call(emulator, 'DELETE', `${base}/a%20b/report.txt`)).status, 204);
    const gone = await call(emulator, 'GET', `${base}/a%20b/report.txt`);
    assert.deepEqual([gone.status, gone.json.error_code], [404, 'NOT_FOUND']);
    assert.equal((await call(emulator, 'HEAD', `${base}/a%20b/report.txt`)).status, 404);
    assert.deepEqual(emulator.requests[0].body, { byteLength: content.length });
  });

  it('refuses to overwrite with overwrite=false (409) and overwrites by default', async () => {
    const path = `${base}/run-1/junit.xml`;
    const refused = await call(emulator, 'PUT', `${path}?overwrite=false`, { raw: Buffer.from('new') });
    assert.deepEqual([refused.status, refused.json.error_code], [409, 'ALREADY_EXISTS']);
    assert.equal((await call(emulator, 'PUT', path, { raw: Buffer.from('new') })).status, 204);
    assert.equal((await call(emulator, 'GET', path)).text, 'new');
  });

  it('rejects an encoded path separator, paths outside volumes and the workspace, and a volume root as a file', async () => {
    const encoded = await call(emulator, 'GET', '/api/2.0/fs/files/Volumes%2Fmain%2Fci%2Fresults%2Frun-1%2Fjunit.xml');
    assert.equal(encoded.status, 400);
    assert.equal((await call(emulator, 'GET', '/api/2.0/fs/files/tmp/x')).status, 400);
    assert.equal((await call(emulator, 'GET', '/api/2.0/fs/files/Volumes/main/ci/results')).status, 400, 'a volume root is not a file');
  });

  it('lists a directory with file sizes and sub-directories', async () => {
    await call(emulator, 'PUT', `${base}/run-1/logs/driver.log`, { raw: Buffer.from('log') });
    const result = await call(emulator, 'GET', '/api/2.0/fs/directories/Volumes/main/ci/results/run-1');
    assert.equal(result.status, 200);
    const entries = result.json.contents.map((e: Loose) => ({ ...e, last_modified: e.last_modified === undefined ? undefined : 'set' }));
    assert.deepEqual(entries, [
      { path: '/Volumes/main/ci/results/run-1/junit.xml', is_directory: false, file_size: 13, last_modified: 'set', name: 'junit.xml' },
      { path: '/Volumes/main/ci/results/run-1/logs', is_directory: true, name: 'logs', last_modified: undefined },
    ]);
  });

  it('pages directory listings with page_size and page_token', async () => {
    for (let i = 0; i < 5; i++) await call(emulator, 'PUT', `${base}/many/f${i}.xml`, { raw: Buffer.from('x') });
    const first = (await call(emulator, 'GET', '/api/2.0/fs/directories/Volumes/main/ci/results/many?page_size=2')).json;
    assert.deepEqual(first.contents.map((e: Loose) => e.name), ['f0.xml', 'f1.xml']);
    const second = (await call(emulator, 'GET', `/api/2.0/fs/directories/Volumes/main/ci/results/many?page_size=2&page_token=${first.next_page_token}`)).json;
    assert.deepEqual(second.contents.map((e: Loose) => e.name), ['f2.xml', 'f3.xml']);
    const third = (await call(emulator, 'GET', `/api/2.0/fs/directories/Volumes/main/ci/results/many?page_size=2&page_token=${second.next_page_token}`)).json;
    assert.deepEqual(third.contents.map((e: Loose) => e.name), ['f4.xml']);
    assert.equal(third.next_page_token, undefined);
  });

  it('answers 404 for a missing directory; an empty volume root lists as empty', async () => {
    const missing = await call(emulator, 'GET', '/api/2.0/fs/directories/Volumes/main/ci/results/nope');
    assert.deepEqual([missing.status, missing.json.error_code], [404, 'NOT_FOUND']);
    const root = await call(emulator, 'GET', '/api/2.0/fs/directories/Volumes/main/other/empty');
    assert.deepEqual([root.status, root.json], [200, {}]);
  });

  it('creates, checks and deletes directories', async () => {
    assert.equal((await call(emulator, 'PUT', '/api/2.0/fs/directories/Volumes/main/ci/results/new/deep')).status, 204);
    assert.equal((await call(emulator, 'HEAD', '/api/2.0/fs/directories/Volumes/main/ci/results/new')).status, 200);
    assert.equal((await call(emulator, 'DELETE', '/api/2.0/fs/directories/Volumes/main/ci/results/new')).status, 400, 'not empty');
    assert.equal((await call(emulator, 'DELETE', '/api/2.0/fs/directories/Volumes/main/ci/results/new/deep')).status, 204);
    assert.equal((await call(emulator, 'HEAD', '/api/2.0/fs/directories/Volumes/main/ci/results/new/deep')).status, 404);
  });

  it('serves workspace get-status and list, with 404 RESOURCE_DOES_NOT_EXIST for a missing path', async () => {
    const notebook = await call(emulator, 'GET', '/api/2.0/workspace/get-status?path=/Repos/ci/tests/run_integration');
    assert.equal(notebook.json.object_type, 'NOTEBOOK');
    assert.equal(notebook.json.language, 'PYTHON');
    assert.equal(notebook.json.path, '/Repos/ci/tests/run_integration');
    const dir = await call(emulator, 'GET', '/api/2.0/workspace/get-status?path=/Repos/ci');
    assert.equal(dir.json.object_type, 'DIRECTORY');
    const missing = await call(emulator, 'GET', '/api/2.0/workspace/get-status?path=/Repos/nope');
    assert.deepEqual([missing.status, missing.json.error_code], [404, 'RESOURCE_DOES_NOT_EXIST']);
    const list = await call(emulator, 'GET', '/api/2.0/workspace/list?path=/Repos/ci/tests');
    assert.deepEqual(list.json.objects.map((o: Loose) => [o.path, o.object_type]), [
      ['/Repos/ci/tests/conftest.py', 'FILE'],
      ['/Repos/ci/tests/run_integration', 'NOTEBOOK'],
    ]);
  });
});
