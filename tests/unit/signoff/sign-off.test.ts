import assert from 'node:assert/strict';
import { ApiError } from '../../../tasks/common/http/errors';
import { silentLogger } from '../../../tasks/common/ports';
import { checkApprover, parseApprovers, resolveApprovers } from '../../../tasks/common/signoff/approvers';
import { tagDecision, signOffTagNames } from '../../../tasks/common/signoff/decision';
import { evidenceDescription } from '../../../tasks/common/signoff/evidence';
import { checkWorkItemType, requestSignOff, requestTag } from '../../../tasks/common/signoff/request';
import { waitForSignOff, type WaitSpec } from '../../../tasks/common/signoff/wait';
import { FakeClock } from '../../fakes/clock';
import { FakeBoard, FakeDirectory } from '../../fakes/sign-off-board';

const tag = requestTag('main.ml.churn', 7, 'build-12');
const draft = { title: 'Sign-off', description: '<p/>', tags: ['model-signoff', tag], workItemType: 'Task' };
const alice = { id: 'a-1', uniqueName: 'alice@contoso.com' };
const requester = { id: 'r-1', uniqueName: 'rita@contoso.com' };
const mallory = { id: 'm-1', uniqueName: 'mallory@contoso.com' };
const carol = { id: 'c-1', uniqueName: 'Carol@Contoso.com' };

function spec(id: number, overrides: Partial<WaitSpec> = {}): WaitSpec {
  return {
    id,
    approvedStates: ['Done'],
    rejectedStates: ['Removed'],
    timeoutMs: 60 * 60_000,
    approvers: parseApprovers('approvers', 'alice@contoso.com\n[Fabrikam]\\Leads'),
    requester: { id: requester.id, uniqueName: requester.uniqueName },
    allowRequesterApproval: false,
    ...overrides,
  };
}

describe('sign-off request', () => {
  it('creates one work item, and a re-run for the same version and run refreshes it instead of creating another', async () => {
    const board = new FakeBoard();
    const first = await requestSignOff({ board, logger: silentLogger }, tag, draft);
    const second = await requestSignOff({ board, logger: silentLogger }, tag, { ...draft, description: '<p>new</p>' });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.item.id, first.item.id);
    assert.equal(board.items.size, 1);
    assert.equal(board.items.get(first.item.id)!.draft.description, '<p>new</p>');
  });

  it('finds the item by its tag when the creation failed without an answer, and does not send it twice', async () => {
    const board = new FakeBoard();
    board.createErrors = [new ApiError('dropped', { method: 'POST', path: 'wit', errorCode: 'CONNECTION_ERROR' })];
    board.createdBeforeError = true;
    const outcome = await requestSignOff({ board, logger: silentLogger }, tag, draft);
    assert.equal(outcome.created, true);
    assert.equal(board.items.size, 1);
    assert.deepEqual(board.log.filter((line) => line.startsWith('create')), ['create Task']);
  });

  it('reports a refused creation (4xx) as it is, without searching again', async () => {
    const board = new FakeBoard();
    board.createErrors = [new ApiError('403', { method: 'POST', path: 'wit', status: 403 })];
    await assert.rejects(requestSignOff({ board, logger: silentLogger }, tag, draft), /403/);
    assert.deepEqual(board.log, [`find ${tag}`, 'create Task']);
  });

  it('refuses an unknown work-item type or state, naming the input and the known values', async () => {
    const board = new FakeBoard();
    await assert.rejects(checkWorkItemType(board, 'Sign-off', { approvedStates: ['Done'] }), /Invalid 'workItemType' 'Sign-off'.*Expected one of: Task/);
    await assert.rejects(checkWorkItemType(board, 'Task', { approvedStates: ['Approved'] }), /Invalid 'approvedStates' 'Approved'.*To Do, Doing, Done, Removed/);
    await checkWorkItemType(board, 'Task', { approvedStates: ['done'], rejectedStates: ['Removed'] });
  });

  it('puts the evidence in the description with everything from outside escaped', () => {
    const html = evidenceDescription({
      modelName: 'main.ml.churn',
      version: 7,
      tags: { 'compliance.status': 'passed', owner: '<script>x</script>' },
      modelVersionUrl: 'https://adb/explore/data/models/main/ml/churn/version/7',
      pipelineRunUrl: 'javascript:alert(1)',
      approvers: 'alice@contoso.com',
      approvedStates: ['Done'],
      rejectedStates: ['Removed'],
      files: [{ name: 'model-compare.md', content: '| metric | <b> |' }],
    });
    assert.match(html, /compliance\.status<\/b>: passed/);
    assert.match(html, /&lt;script&gt;/);
    assert.doesNotMatch(html, /<script>|javascript:/);
    assert.match(html, /href="https:\/\/adb\/explore\/data\/models\/main\/ml\/churn\/version\/7"/);
    assert.match(html, /\| metric \| &lt;b&gt; \|/);
  });
});

describe('sign-off approvers', () => {
  it('refuses an empty list and tells users from groups', () => {
    assert.throws(() => parseApprovers('approvers', ' \n '), /Input 'approvers' is required/);
    assert.deepEqual(parseApprovers('approvers', 'alice@contoso.com\n[Fabrikam]\\Leads'), [
      { kind: 'user', uniqueName: 'alice@contoso.com' },
      { kind: 'group', name: '[Fabrikam]\\Leads' },
    ]);
  });

  it('fails closed on a group that does not exist', async () => {
    await assert.rejects(resolveApprovers(parseApprovers('approvers', '[Fabrikam]\\Ghosts'), new FakeDirectory()), /'\[Fabrikam\]\\Ghosts' was not found/);
  });

  it('accepts listed users and group members, refuses others and the requester unless allowed', async () => {
    const resolved = await resolveApprovers(parseApprovers('approvers', 'alice@contoso.com\nrita@contoso.com\n[Fabrikam]\\Leads'), new FakeDirectory({ '[Fabrikam]\\Leads': ['carol@contoso.com'] }));
    assert.deepEqual(checkApprover(alice, 'approved', resolved, requester, false), { accepted: true, via: 'listed approver' });
    assert.deepEqual(checkApprover(carol, 'approved', resolved, requester, false), { accepted: true, via: 'member of [Fabrikam]\\Leads' });
    assert.equal(checkApprover(mallory, 'approved', resolved, requester, false).accepted, false);
    assert.equal(checkApprover({ id: 'R-1', uniqueName: 'someone' }, 'approved', resolved, requester, false).accepted, false);
    assert.equal(checkApprover(requester, 'approved', resolved, requester, true).accepted, true);
    assert.equal(checkApprover(requester, 'rejected', resolved, requester, false).accepted, true);
  });
});

describe('sign-off wait', () => {
  async function requested(board: FakeBoard): Promise<number> {
    return (await requestSignOff({ board, logger: silentLogger }, tag, draft)).item.id;
  }

  it('returns on an approval by a listed approver, with who and when', async () => {
    const board = new FakeBoard();
    const id = await requested(board);
    board.act(3, 'Done', alice);
    const clock = new FakeClock();
    const outcome = await waitForSignOff({ board, directory: new FakeDirectory({ '[Fabrikam]\\Leads': [] }), clock, logger: silentLogger }, spec(id));
    assert.equal(outcome.status, 'approved');
    assert.ok(outcome.status === 'approved' && outcome.by.uniqueName === alice.uniqueName && outcome.at.startsWith('2026-11-28T05:00'));
    assert.equal(clock.sleeps.length, 2);
    assert.ok(clock.sleeps.every((ms) => ms >= 2_000), 'polls back off, never busy');
  });

  it('refuses the requester\'s own approval, comments once, keeps waiting and accepts a group member\'s later approval', async () => {
    const board = new FakeBoard();
    const id = await requested(board);
    board.act(1, 'Done', requester).act(4, 'Doing', carol).act(5, 'Done', carol);
    const progress: number[] = [];
    const outcome = await waitForSignOff(
      { board, directory: new FakeDirectory({ '[Fabrikam]\\Leads': ['carol@contoso.com'] }), clock: new FakeClock(), logger: silentLogger, progress: (percent) => progress.push(percent) },
      spec(id, { approvers: parseApprovers('approvers', 'rita@contoso.com\n[Fabrikam]\\Leads') }),
    );
    assert.equal(outcome.status, 'approved');
    assert.ok(outcome.status === 'approved' && outcome.by.uniqueName === carol.uniqueName && outcome.via === 'member of [Fabrikam]\\Leads');
    assert.equal(outcome.refused.length, 1);
    assert.equal(outcome.refused[0].transition.by.uniqueName, requester.uniqueName);
    const comments = board.items.get(id)!.comments;
    assert.equal(comments.length, 1, 'the refused transition is commented once although polled several times');
    assert.match(comments[0], /rita@contoso\.com.*requested this pipeline run/);
    assert.ok(progress.length > 0);
  });

  it('refuses an approval by someone outside the approvers', async () => {
    const board = new FakeBoard();
    const id = await requested(board);
    board.act(1, 'Done', mallory);
    const outcome = await waitForSignOff({ board, directory: new FakeDirectory({ '[Fabrikam]\\Leads': [] }), clock: new FakeClock(), logger: silentLogger }, spec(id, { timeoutMs: 10 * 60_000 }));
    assert.equal(outcome.status, 'timedOut');
    assert.match(outcome.refused[0].reason, /not one of the approvers/);
  });

  it('returns a rejection by an approver', async () => {
    const board = new FakeBoard();
    const id = await requested(board);
    board.act(2, 'Removed', alice);
    const outcome = await waitForSignOff({ board, directory: new FakeDirectory({ '[Fabrikam]\\Leads': [] }), clock: new FakeClock(), logger: silentLogger }, spec(id));
    assert.equal(outcome.status, 'rejected');
  });

  it('times out after timeoutMs of clock time, never sleeping past it', async () => {
    const board = new FakeBoard();
    const id = await requested(board);
    const clock = new FakeClock();
    const start = clock.now();
    const outcome = await waitForSignOff({ board, directory: new FakeDirectory({ '[Fabrikam]\\Leads': [] }), clock, logger: silentLogger }, spec(id, { timeoutMs: 5 * 60_000 }));
    assert.equal(outcome.status, 'timedOut');
    assert.equal(clock.now() - start, 5 * 60_000);
  });

  it('does not count an item that is in the approved state without a transition', async () => {
    const board = new FakeBoard();
    board.types.Task = ['Done', 'Removed'];
    const id = await requested(board);
    const outcome = await waitForSignOff({ board, directory: new FakeDirectory({ '[Fabrikam]\\Leads': [] }), clock: new FakeClock(), logger: silentLogger }, spec(id, { timeoutMs: 60_000 }));
    assert.equal(outcome.status, 'timedOut');
  });
});

describe('sign-off decision tags', () => {
  it('writes by, at and url before the status', async () => {
    const written: string[] = [];
    await tagDecision({ describe: () => Promise.resolve(undefined), setTag: (_model, _version, key) => Promise.resolve(void written.push(key)) }, 'main.ml.churn', 7, {
      status: 'approved',
      by: 'alice@contoso.com',
      at: '2026-11-28T05:00:00.000Z',
      url: 'https://boards/1',
    });
    assert.deepEqual(written, [signOffTagNames.by, signOffTagNames.at, signOffTagNames.url, signOffTagNames.status]);
  });
});
