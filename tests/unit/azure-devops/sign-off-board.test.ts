import assert from 'node:assert/strict';
import { AdoRest } from '../../../tasks/common/azure-devops/ado-rest';
import { AzureBoardsSignOff, IdentityDirectory, PullRequestComments } from '../../../tasks/common/azure-devops/sign-off-board';
import { ApiError } from '../../../tasks/common/http/errors';
import { silentLogger } from '../../../tasks/common/ports';
import { startAdoEmulator, type AdoEmulator } from '../../emulator/ado';
import { FakeClock } from '../../fakes/clock';

const token = 'system-access-token';
const draft = {
  title: 'Sign-off: main.ml.churn version 7',
  description: '<p>evidence</p>',
  tags: ['model-signoff', 'model-signoff:main.ml.churn:7:build-12'],
  workItemType: 'Task',
  buildArtifactUri: 'vstfs:///Build/Build/12',
  runUrl: 'https://dev.azure.com/org/Fabrikam/_build/results?buildId=12',
};

describe('Azure DevOps sign-off adapter against the emulator', () => {
  let emulator: AdoEmulator;
  let clock: FakeClock;
  const rest = (overrides: { accessToken?: string } = {}): AdoRest =>
    new AdoRest({ collectionUri: emulator.collectionUri, accessToken: overrides.accessToken ?? token, project: 'Fabrikam', userAgent: 'test', clock, logger: silentLogger, retry: { random: () => 0 } });

  before(async () => {
    emulator = await startAdoEmulator({
      scenario: {
        systemAccessTokens: [token],
        areaPaths: ['Fabrikam\\ML'],
        identities: [
          { name: 'alice@contoso.com', displayName: 'Alice' },
          { name: 'bob@contoso.com', displayName: 'Bob' },
          { name: 'carol@contoso.com' },
          { name: '[Fabrikam]\\Leads', members: ['carol@contoso.com'] },
          { name: '[Fabrikam]\\Model Approvers', members: ['alice@contoso.com', '[Fabrikam]\\Leads'] },
        ],
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    clock = new FakeClock();
  });

  it('discovers the areas, creates the work item with JSON Patch and links it to the build', async () => {
    const board = new AzureBoardsSignOff(rest());
    const item = await board.create({ ...draft, areaPath: 'Fabrikam\\ML' });
    assert.equal(item.state, 'To Do');
    assert.deepEqual(item.tags, draft.tags);
    assert.match(item.url, /\/Fabrikam\/_workitems\/edit\/1$/);
    const record = emulator.state.workItems.get(item.id)!;
    assert.equal(record.fields['System.AreaPath'], 'Fabrikam\\ML');
    assert.deepEqual(record.relations.map((relation) => relation.rel), ['ArtifactLink', 'Hyperlink']);
    assert.equal(emulator.requestsTo('GET', /\/_apis\/ResourceAreas$/).length, 1);
    const create = emulator.requestsTo('POST', /\/_apis\/wit\/workItems\/\$Task$/)[0];
    assert.equal(create.contentType, 'application/json-patch+json');
    assert.match(create.accept ?? '', /api-version=7\.1/);
  });

  it('finds a request by its tag with WIQL and reads the state transitions with who made them', async () => {
    const board = new AzureBoardsSignOff(rest());
    const item = await board.create(draft);
    await board.create({ ...draft, tags: ['model-signoff', 'model-signoff:main.ml.churn:70:build-12'] });
    assert.deepEqual(await board.findByTag(draft.tags[1]), [item.id]);
    emulator.state.changeState(item.id, 'Done', 'alice@contoso.com');
    const transitions = await board.transitions(item.id);
    assert.deepEqual(transitions.map((t) => [t.from, t.to, t.by.uniqueName]), [[undefined, 'To Do', 'Build\\Fabrikam Build Service (org)'], ['To Do', 'Done', 'alice@contoso.com']]);
    assert.equal((await board.get(item.id))?.state, 'Done');
    assert.equal(await board.get(999), undefined);
  });

  it('reads work-item types and their states, and answers an unknown type with undefined', async () => {
    const board = new AzureBoardsSignOff(rest());
    assert.deepEqual((await board.getWorkItemType('task'))?.states, ['To Do', 'In Progress', 'Done', 'Removed']);
    assert.equal(await board.getWorkItemType('Model Sign-off'), undefined);
    assert.ok((await board.listWorkItemTypes()).includes('Bug'));
  });

  it('resolves group members through the identities API, nested groups included', async () => {
    const members = await new IdentityDirectory(rest()).membersOf('[Fabrikam]\\Model Approvers');
    assert.deepEqual(members?.map((member) => member.uniqueName).sort(), ['alice@contoso.com', 'carol@contoso.com']);
    assert.equal(await new IdentityDirectory(rest()).membersOf('[Fabrikam]\\Nobody'), undefined);
    assert.ok(emulator.requestsTo('GET', /^\/vssps\/org\/_apis\/identities$/).length >= 2);
  });

  it('comments on the work item and on a pull request', async () => {
    const board = new AzureBoardsSignOff(rest());
    const item = await board.create(draft);
    await board.comment(item.id, '<p>refused</p>');
    assert.equal(emulator.state.workItems.get(item.id)!.comments[0].text, '<p>refused</p>');
    await new PullRequestComments(rest()).comment('repo-1', 42, 'please sign');
    assert.deepEqual(emulator.state.threads.map((t) => [t.repositoryId, t.pullRequestId, t.comments[0].content]), [['repo-1', 42, 'please sign']]);
  });

  it('retries a 503, a 429 with Retry-After and a dropped connection on reads', async () => {
    const board = new AzureBoardsSignOff(rest());
    const item = await board.create(draft);
    const path = `/ado/org/Fabrikam/_apis/wit/workItems/${item.id}`;
    emulator.faults.add({ method: 'GET', path, kind: 'status', status: 503 });
    emulator.faults.add({ method: 'GET', path, kind: 'status', status: 429, retryAfter: 7 });
    emulator.faults.add({ method: 'GET', path, kind: 'drop' });
    assert.equal((await board.get(item.id))?.id, item.id);
    assert.equal(emulator.requestsTo('GET', path).length, 4);
    assert.ok(clock.sleeps.includes(7000), `slept ${clock.sleeps.join(', ')}`);
  });

  it('sends the creation once: a dropped connection is not repeated', async () => {
    emulator.faults.add({ method: 'POST', path: /\/workItems\/\$Task$/, kind: 'drop' });
    await assert.rejects(new AzureBoardsSignOff(rest()).create(draft), (error: unknown) => error instanceof ApiError && error.isConnectionError);
    assert.equal(emulator.requestsTo('POST', /\/workItems\/\$Task$/).length, 1);
  });

  it('explains a 403 with the permission the build service lacks and a 401 with the job token', async () => {
    emulator.faults.add({ method: 'POST', path: /\/workItems\/\$Task$/, kind: 'status', status: 403, body: { message: 'TF237111: The current user does not have permissions to save work items under the specified area path.', typeKey: 'WorkItemUnauthorizedAccessException' } });
    await assert.rejects(new AzureBoardsSignOff(rest()).create(draft), /Edit work items in this node/);
    await assert.rejects(new AzureBoardsSignOff(rest({ accessToken: 'wrong' })).get(1), /401.*job access token/);
  });
});
