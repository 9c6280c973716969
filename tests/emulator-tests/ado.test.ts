/** The Azure DevOps emulator's wire format, with plain fetch (the adapter's tests use node-api). */
import assert from 'node:assert/strict';
import { startAdoEmulator, type AdoEmulator } from '../emulator/ado';

const token = 'job-token';

describe('Azure DevOps emulator', () => {
  let ado: AdoEmulator;
  before(async () => {
    ado = await startAdoEmulator({ scenario: { systemAccessTokens: [token], areaPaths: ['Fabrikam\\ML'] } });
  });
  after(() => ado.close());
  beforeEach(() => ado.reset());

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${ado.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json-patch+json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  const create = (patch: unknown[], type = 'Task'): ReturnType<typeof call> => call('POST', `/ado/org/Fabrikam/_apis/wit/workItems/$${type}`, patch);
  const title = { op: 'add', path: '/fields/System.Title', value: 'Sign-off' };

  it('answers an unknown token with 401 TF400813 and logs the request without the token', async () => {
    const response = await call('GET', '/ado/org/_apis/ResourceAreas', undefined, { authorization: 'Bearer nope' });
    assert.equal(response.status, 401);
    assert.match(String(response.json.message), /TF400813/);
    assert.equal(ado.requests[0].auth, 'Bearer <unknown>');
  });

  it('creates only from JSON Patch and applies the rules (title, area path, state, build link)', async () => {
    assert.equal((await call('POST', '/ado/org/Fabrikam/_apis/wit/workItems/$Task', [title], { 'content-type': 'application/json' })).status, 415);
    assert.equal((await create([])).status, 400);
    assert.match(String((await create([title, { op: 'add', path: '/fields/System.AreaPath', value: 'Fabrikam\\Nope' }])).json.message), /TF401347/);
    assert.equal((await create([title, { op: 'add', path: '/fields/System.State', value: 'Approved' }])).status, 400);
    assert.equal((await create([title, { op: 'add', path: '/relations/-', value: { rel: 'ArtifactLink', url: 'vstfs:///Build/Build/x' } }])).status, 400);
    assert.equal((await create([title], 'Epic')).status, 404);
    const created = await create([title, { op: 'add', path: '/fields/System.AreaPath', value: 'Fabrikam\\ML' }]);
    assert.equal(created.status, 200);
    assert.equal((created.json.fields as Record<string, unknown>)['System.State'], 'To Do');
    assert.equal(ado.state.workItems.size, 1);
  });

  it('matches whole tags in WIQL and records who changed the state in the updates', async () => {
    await create([title, { op: 'add', path: '/fields/System.Tags', value: 'model-signoff:m:10:build-1' }]);
    await create([title, { op: 'add', path: '/fields/System.Tags', value: 'model-signoff; model-signoff:m:1:build-1' }]);
    const result = await call('POST', '/ado/org/Fabrikam/_apis/wit/wiql', { query: "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'model-signoff:m:1:build-1'" }, { 'content-type': 'application/json' });
    assert.deepEqual((result.json.workItems as Array<{ id: number }>).map((item) => item.id), [2]);
    ado.state.changeState(2, 'Done', 'alice@contoso.com');
    const updates = (await call('GET', '/ado/org/Fabrikam/_apis/wit/workItems/2/updates')).json.value as Array<{ revisedBy: { uniqueName: string }; fields: Record<string, { oldValue?: unknown; newValue?: unknown }> }>;
    assert.equal(updates.length, 2);
    assert.equal(updates[1].revisedBy.uniqueName, 'alice@contoso.com');
    assert.deepEqual(updates[1].fields['System.State'], { oldValue: 'To Do', newValue: 'Done' });
  });

  it('applies scripted changes on the n-th read and status faults in the Azure DevOps error shape', async () => {
    await create([title]);
    ado.state.script(1, [{ afterReads: 2, state: 'Done', by: 'bob@contoso.com' }]);
    const state = async (): Promise<unknown> => ((await call('GET', '/ado/org/Fabrikam/_apis/wit/workItems/1')).json.fields as Record<string, unknown>)['System.State'];
    assert.equal(await state(), 'To Do');
    assert.equal(await state(), 'Done');
    ado.faults.add({ path: '/ado/org/Fabrikam/_apis/wit/workItems/1', kind: 'status', status: 429, retryAfter: 3 });
    const limited = await fetch(`${ado.url}/ado/org/Fabrikam/_apis/wit/workItems/1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.equal(((await limited.json()) as { typeKey: string }).typeKey, 'RequestBlockedException');
  });
});
