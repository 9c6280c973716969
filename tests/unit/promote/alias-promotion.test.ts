import assert from 'node:assert/strict';
import { ApiError } from '../../../tasks/common/http/errors';
import { silentLogger } from '../../../tasks/common/ports';
import {
  AliasMovedAfterWriteError,
  PromotionRefusedError,
  promoteModel,
  type PromoteRequest,
  type PromotionRequest,
  type RollbackRequest,
} from '../../../tasks/common/promote/alias-promotion';
import { FakeClock } from '../../fakes/clock';
import { FakeRegistry, modelName } from '../../fakes/registry';

function promoteRequest(overrides: Partial<PromoteRequest> = {}): PromoteRequest {
  return {
    modelName,
    action: 'promote',
    version: 5,
    alias: 'champion',
    expected: { kind: 'version', version: 4 },
    previousAlias: 'previous_champion',
    removeAliases: ['challenger'],
    ...overrides,
  };
}

function rollbackRequest(overrides: Partial<RollbackRequest> = {}): RollbackRequest {
  return { ...promoteRequest(), action: 'rollback', version: undefined, previousAlias: 'previous_champion', expected: { kind: 'version', version: 5 }, removeAliases: [], ...overrides };
}

function run(registry: FakeRegistry, request: PromotionRequest): ReturnType<typeof promoteModel> {
  return promoteModel({ registry: registry.client(), logger: silentLogger }, request);
}

function refused(reason: PromotionRefusedError['reason']): (error: unknown) => boolean {
  return (error) => error instanceof PromotionRefusedError && error.reason === reason;
}

describe('alias promotion', () => {
  describe('promote', () => {
    it('moves the alias, keeps the previous holder first and removes the challenger', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      const result = await run(registry, promoteRequest());
      assert.deepEqual(registry.state(), { champion: 5, previous_champion: 4 });
      assert.deepEqual(registry.writes(), ['PUT previous_champion=4', 'PUT champion=5', 'DELETE challenger']);
      assert.equal(result.previousVersion, 4);
      assert.equal(result.promotedVersion, 5);
      assert.equal(result.alreadyDone, false);
      assert.equal(result.modelOwner, 'ml-owners');
    });

    it('reads every alias with include_aliases', async () => {
      const registry = new FakeRegistry({ champion: 4 });
      await run(registry, promoteRequest());
      for (const request of registry.transport.requests.filter((r) => r.method === 'GET')) assert.equal(request.query.get('include_aliases'), 'true');
    });

    it('refuses without moving anything when the alias moved since the pipeline saw it', async () => {
      const registry = new FakeRegistry({ champion: 3, challenger: 5 });
      await assert.rejects(run(registry, promoteRequest()), (error) => {
        assert.ok(error instanceof PromotionRefusedError);
        assert.equal(error.reason, 'concurrent-change');
        assert.equal(error.currentVersion, 3);
        return true;
      });
      assert.deepEqual(registry.writes(), []);
      assert.deepEqual(registry.state(), { challenger: 5, champion: 3 });
    });

    it('points at the expectedCurrentVersion input, not at a concurrent writer, when the alias held its version all along', async () => {
      const registry = new FakeRegistry({ champion: 3, challenger: 5 });
      await assert.rejects(run(registry, promoteRequest()), (error) => {
        assert.ok(error instanceof PromotionRefusedError);
        assert.match(error.message, /points at version 3/);
        assert.match(error.message, /'expectedCurrentVersion'/);
        assert.doesNotMatch(error.message, /changed concurrently/);
        return true;
      });
    });

    it('without an expectation, refuses when the alias moves between the first read and the re-read', async () => {
      const registry = new FakeRegistry({ champion: 4 });
      let reads = 0;
      registry.transport.on('GET', /\/aliases\/champion$/, () => {
        reads++;
        return { status: 200, body: { version: 3 } };
      });
      await assert.rejects(run(registry, promoteRequest({ expected: { kind: 'unchecked' } })), refused('concurrent-change'));
      assert.equal(reads, 1);
      assert.deepEqual(registry.writes(), []);
    });

    it('refuses and puts the previous alias back when the alias moves while the task keeps the old holder', async () => {
      const registry = new FakeRegistry({ champion: 4, previous_champion: 3, challenger: 5 });
      registry.transport.on('PUT', /\/aliases\/previous_champion$/, (request) => {
        registry.aliases.set('previous_champion', (request.json as { version_num: number }).version_num);
        registry.aliases.set('champion', 6); // another pipeline moves the champion right now
        return { status: 200, body: {} };
      });
      await assert.rejects(run(registry, promoteRequest()), (error) => {
        assert.ok(error instanceof PromotionRefusedError);
        assert.equal(error.reason, 'concurrent-change');
        assert.equal(error.currentVersion, 6);
        return true;
      });
      assert.deepEqual(registry.state(), { challenger: 5, champion: 6, previous_champion: 3 });
      assert.ok(!registry.writes().includes('PUT champion=5'));
    });

    it('removes a previous alias it created when refusing late', async () => {
      const registry = new FakeRegistry({ champion: 4 });
      registry.transport.on('PUT', /\/aliases\/previous_champion$/, () => {
        registry.aliases.set('previous_champion', 4);
        registry.aliases.delete('champion');
        return { status: 200, body: {} };
      });
      await assert.rejects(run(registry, promoteRequest()), refused('concurrent-change'));
      assert.deepEqual(registry.state(), {});
    });

    it('fails when another writer moves the alias right after our write', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      registry.transport.on('PUT', /\/aliases\/champion$/, () => {
        registry.aliases.set('champion', 3);
        return { status: 200, body: {} };
      });
      await assert.rejects(run(registry, promoteRequest()), (error) => {
        assert.ok(error instanceof AliasMovedAfterWriteError);
        assert.deepEqual([error.alias, error.setVersion, error.foundVersion], ['champion', 5, 3]);
        return true;
      });
      // The promotion stops there: the challenger is left alone.
      assert.equal(registry.state().challenger, 5);
    });

    it('never repeats the guarded write after a backoff, which would overwrite a move made meanwhile', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      let puts = 0;
      registry.transport.on('PUT', /\/aliases\/champion$/, (request) => {
        // The first answer is 503 (not acted on) while another writer moves the champion; a retry
        // would then succeed and silently undo that move.
        if (++puts === 1) {
          registry.aliases.set('champion', 3);
          return { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'try again' } };
        }
        registry.aliases.set('champion', (request.json as { version_num: number }).version_num);
        return { status: 200, body: {} };
      });
      await assert.rejects(run(registry, promoteRequest()), (error) => error instanceof ApiError && error.status === 503);
      assert.equal(puts, 1);
      // The other writer's move stands, and the previous alias this run set is gone again.
      assert.deepEqual(registry.state(), { challenger: 5, champion: 3 });
    });

    it('writes a throttled (429) guarded write again only after looking at the alias again', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      const clock = new FakeClock();
      let puts = 0;
      registry.transport.on('PUT', /\/aliases\/champion$/, (request) => {
        if (++puts === 1) return { status: 429, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests.' }, headers: { 'retry-after': '3' } };
        registry.aliases.set('champion', (request.json as { version_num: number }).version_num);
        return { status: 200, body: {} };
      });
      const result = await promoteModel({ registry: registry.client(), logger: silentLogger, clock }, promoteRequest());
      assert.equal(result.promotedVersion, 5);
      assert.equal(puts, 2);
      assert.deepEqual(clock.sleeps, [3000], "the server's Retry-After");
      assert.deepEqual(registry.state(), { champion: 5, previous_champion: 4 });
    });

    it('refuses after a 429 when another writer moved the alias during the wait, and writes nothing more', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      let puts = 0;
      registry.transport.on('PUT', /\/aliases\/champion$/, () => {
        puts++;
        registry.aliases.set('champion', 3);
        return { status: 429, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests.' } };
      });
      await assert.rejects(promoteModel({ registry: registry.client(), logger: silentLogger, clock: new FakeClock() }, promoteRequest()), refused('concurrent-change'));
      assert.equal(puts, 1);
      assert.equal(registry.state().champion, 3);
    });

    it('goes on when the guarded write landed but its answer was lost', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      registry.transport.on('PUT', /\/aliases\/champion$/, (request) => {
        registry.aliases.set('champion', (request.json as { version_num: number }).version_num);
        return { status: 502, body: { error_code: 'BAD_GATEWAY', message: 'upstream' } };
      });
      const result = await run(registry, promoteRequest());
      assert.equal(result.promotedVersion, 5);
      assert.deepEqual(registry.state(), { champion: 5, previous_champion: 4 });
    });

    it("'none' promotes the first champion and drops a stale previous alias", async () => {
      const registry = new FakeRegistry({ previous_champion: 3, challenger: 5 });
      const result = await run(registry, promoteRequest({ expected: { kind: 'none' } }));
      assert.deepEqual(registry.state(), { champion: 5 });
      assert.equal(result.previousVersion, undefined);
    });

    it("'none' refuses when a champion exists", async () => {
      const registry = new FakeRegistry({ champion: 4 });
      await assert.rejects(run(registry, promoteRequest({ expected: { kind: 'none' } })), refused('concurrent-change'));
      assert.deepEqual(registry.writes(), []);
    });

    it('refuses a version that is not READY or does not exist, before any write', async () => {
      const registry = new FakeRegistry({ champion: 4 });
      await assert.rejects(run(registry, promoteRequest({ version: 6 })), refused('version-not-ready'));
      await assert.rejects(run(registry, promoteRequest({ version: 99 })), refused('version-missing'));
      assert.deepEqual(registry.writes(), []);
    });

    it('refuses a missing model', async () => {
      const registry = new FakeRegistry();
      await assert.rejects(run(registry, promoteRequest({ modelName: 'main.ml.other' })), refused('model-missing'));
    });

    it('leaves a challenger that points at another version', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 3 });
      await run(registry, promoteRequest());
      assert.deepEqual(registry.state(), { challenger: 3, champion: 5, previous_champion: 4 });
    });

    it('refuses contradictory aliases', async () => {
      const registry = new FakeRegistry({ champion: 4 });
      await assert.rejects(run(registry, promoteRequest({ removeAliases: ['champion'] })), refused('invalid-request'));
      await assert.rejects(run(registry, promoteRequest({ previousAlias: 'champion' })), refused('invalid-request'));
    });

    it('is a no-op on a re-run of a finished promotion', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      await run(registry, promoteRequest());
      const writes = registry.writes().length;
      const again = await run(registry, promoteRequest());
      assert.equal(registry.writes().length, writes);
      assert.equal(again.alreadyDone, true);
      assert.equal(again.previousVersion, 4);
      assert.equal(again.promotedVersion, 5);
      assert.deepEqual(registry.state(), { champion: 5, previous_champion: 4 });
    });

    it('reaches the same end state when re-run after the network failed right after the alias moved', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      registry.failAfterWrite = (request) => request.method === 'PUT' && request.path.endsWith('/champion');
      await assert.rejects(run(registry, promoteRequest()), (error) => error instanceof ApiError && error.isConnectionError);
      assert.deepEqual(registry.state(), { challenger: 5, champion: 5, previous_champion: 4 });
      registry.down = false;
      registry.failAfterWrite = undefined;
      const result = await run(registry, promoteRequest());
      assert.deepEqual(registry.state(), { champion: 5, previous_champion: 4 });
      assert.equal(result.previousVersion, 4);
    });

    it('reaches the same end state when re-run after the network failed between the two writes', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      registry.failAfterWrite = (request) => request.path.endsWith('/previous_champion');
      await assert.rejects(run(registry, promoteRequest()));
      assert.deepEqual(registry.state(), { challenger: 5, champion: 4, previous_champion: 4 });
      registry.down = false;
      registry.failAfterWrite = undefined;
      await run(registry, promoteRequest());
      assert.deepEqual(registry.state(), { champion: 5, previous_champion: 4 });
    });

    it('refuses a re-run when the version was promoted by someone else', async () => {
      const registry = new FakeRegistry({ champion: 5, previous_champion: 3 });
      await assert.rejects(run(registry, promoteRequest()), refused('concurrent-change'));
      assert.deepEqual(registry.writes(), []);
    });

    it('explains a 403 with the identity and the model owner', async () => {
      const registry = new FakeRegistry({ champion: 4 });
      registry.forbidden = true;
      await assert.rejects(run(registry, promoteRequest()), (error) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.status, 403);
        assert.match(error.message, /owner/);
        assert.match(error.message, /11111111-2222/);
        assert.match(error.message, /ml-owners/);
        return true;
      });
      assert.deepEqual(registry.state(), { champion: 4 });
    });
  });

  describe('rollback', () => {
    it('points the alias back at the previous holder and deletes the previous alias', async () => {
      const registry = new FakeRegistry({ champion: 5, previous_champion: 4 });
      const result = await run(registry, rollbackRequest());
      assert.deepEqual(registry.state(), { champion: 4 });
      assert.deepEqual(registry.writes(), ['PUT champion=4', 'DELETE previous_champion']);
      assert.equal(result.promotedVersion, 4);
      assert.equal(result.previousVersion, 5);
    });

    it('restores the champion after a promotion', async () => {
      const registry = new FakeRegistry({ champion: 4, challenger: 5 });
      await run(registry, promoteRequest());
      await run(registry, rollbackRequest());
      assert.deepEqual(registry.state(), { champion: 4 });
    });

    it('is idempotent when re-run with the restored version', async () => {
      const registry = new FakeRegistry({ champion: 5, previous_champion: 4 });
      await run(registry, rollbackRequest({ version: 4 }));
      const again = await run(registry, rollbackRequest({ version: 4 }));
      assert.equal(again.alreadyDone, true);
      assert.deepEqual(registry.state(), { champion: 4 });
    });

    it('finishes a rollback interrupted before the previous alias was deleted', async () => {
      const registry = new FakeRegistry({ champion: 4, previous_champion: 4 });
      const result = await run(registry, rollbackRequest());
      assert.deepEqual(registry.state(), { champion: 4 });
      assert.deepEqual(registry.writes(), ['DELETE previous_champion']);
      assert.equal(result.promotedVersion, 4);
    });

    it('refuses when there is nothing to roll back to', async () => {
      const registry = new FakeRegistry({ champion: 5 });
      await assert.rejects(run(registry, rollbackRequest()), refused('nothing-to-roll-back'));
    });

    it('refuses when the champion changed since the pipeline saw it', async () => {
      const registry = new FakeRegistry({ champion: 3, previous_champion: 4 });
      await assert.rejects(run(registry, rollbackRequest()), refused('concurrent-change'));
      assert.deepEqual(registry.writes(), []);
    });

    it('refuses when the given version is not the one kept', async () => {
      const registry = new FakeRegistry({ champion: 5, previous_champion: 4 });
      await assert.rejects(run(registry, rollbackRequest({ version: 3 })), refused('concurrent-change'));
      assert.deepEqual(registry.writes(), []);
    });
  });
});
