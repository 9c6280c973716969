import assert from 'node:assert/strict';
import { CachedTokenProvider, minimumRefreshMarginMs, type IssuedToken } from '../../../../tasks/common/databricks/auth/cached-token-provider';
import { FakeClock } from '../../../fakes/clock';

/** A token source whose fetches the test resolves by hand. */
class ManualSource {
  readonly pending: { resolve: (token: IssuedToken) => void; reject: (error: Error) => void; signal: AbortSignal }[] = [];
  fetches = 0;

  fetch = (signal: AbortSignal): Promise<IssuedToken> => {
    this.fetches++;
    return new Promise<IssuedToken>((resolve, reject) => this.pending.push({ resolve, reject, signal }));
  };
}

function setup(options: { refreshMarginMs?: number; lifetimeMs?: number } = {}) {
  const clock = new FakeClock();
  const secrets: string[] = [];
  let count = 0;
  const lifetimeMs = options.lifetimeMs ?? 3600_000;
  const provider = new CachedTokenProvider({
    identity: 'service principal 1',
    clock,
    setSecret: (value) => secrets.push(value),
    refreshMarginMs: options.refreshMarginMs,
    fetchToken: () => {
      count++;
      return Promise.resolve({ accessToken: `token-${count}`, expiresAtMs: clock.now() + lifetimeMs });
    },
  });
  return { clock, secrets, provider, fetches: () => count };
}

describe('CachedTokenProvider', () => {
  it('fetches once and serves the cached token while more than the margin remains', async () => {
    const { clock, provider, fetches } = setup();
    assert.equal(await provider.getToken(), 'token-1');
    clock.advance(3600_000 - 40_001);
    assert.equal(await provider.getToken(), 'token-1');
    assert.equal(fetches(), 1);
  });

  it('refreshes once 40 s or less remain, before the token expires', async () => {
    const { clock, provider, fetches } = setup();
    await provider.getToken();
    clock.advance(3600_000 - 40_000);
    assert.equal(await provider.getToken(), 'token-2');
    assert.equal(fetches(), 2);
  });

  it('keeps a long wait working: a token fetched hours later is fresh', async () => {
    const { clock, provider } = setup();
    const seen = [];
    for (let minute = 0; minute < 180; minute += 10) {
      seen.push(await provider.getToken());
      clock.advance(10 * 60_000);
    }
    assert.deepEqual([...new Set(seen)], ['token-1', 'token-2', 'token-3']);
  });

  it('honours a larger margin and refuses one below 40 s', async () => {
    const { clock, provider, fetches } = setup({ refreshMarginMs: 5 * 60_000 });
    await provider.getToken();
    clock.advance(3600_000 - 5 * 60_000);
    await provider.getToken();
    assert.equal(fetches(), 2);
    assert.throws(() => setup({ refreshMarginMs: minimumRefreshMarginMs - 1 }), RangeError);
  });

  it('registers every token as a secret before returning it', async () => {
    const { clock, provider, secrets } = setup();
    const first = await provider.getToken();
    assert.deepEqual(secrets, [first]);
    clock.advance(3600_000);
    const second = await provider.getToken();
    assert.deepEqual(secrets, [first, second]);
  });

  it('registers the token before any caller can see it', async () => {
    const order: string[] = [];
    const clock = new FakeClock();
    const provider = new CachedTokenProvider({
      identity: 'x',
      clock,
      setSecret: (value) => order.push(`secret ${value}`),
      fetchToken: () => Promise.resolve({ accessToken: 'abc', expiresAtMs: clock.now() + 3600_000 }),
    });
    order.push(`got ${await provider.getToken()}`);
    assert.deepEqual(order, ['secret abc', 'got abc']);
  });

  it('fetches again after invalidate', async () => {
    const { provider, fetches } = setup();
    await provider.getToken();
    provider.invalidate();
    assert.equal(await provider.getToken(), 'token-2');
    assert.equal(fetches(), 2);
  });

  it('shares one refresh among concurrent callers', async () => {
    const source = new ManualSource();
    const clock = new FakeClock();
    const secrets: string[] = [];
    const provider = new CachedTokenProvider({ identity: 'x', clock, setSecret: (v) => secrets.push(v), fetchToken: source.fetch });
    const waiting = [provider.getToken(), provider.getToken(new AbortController().signal), provider.getToken()];
    assert.equal(source.fetches, 1);
    source.pending[0].resolve({ accessToken: 'shared', expiresAtMs: clock.now() + 3600_000 });
    assert.deepEqual(await Promise.all(waiting), ['shared', 'shared', 'shared']);
    assert.deepEqual(secrets, ['shared']);
  });

  it('passes a failure to every waiter and tries again on the next call', async () => {
    const source = new ManualSource();
    const clock = new FakeClock();
    const provider = new CachedTokenProvider({ identity: 'x', clock, setSecret: () => undefined, fetchToken: source.fetch });
    const waiting = [provider.getToken(), provider.getToken()];
    source.pending[0].reject(new Error('token endpoint down'));
    for (const promise of waiting) await assert.rejects(promise, /token endpoint down/);
    const next = provider.getToken();
    assert.equal(source.fetches, 2);
    source.pending[1].resolve({ accessToken: 'ok', expiresAtMs: clock.now() + 3600_000 });
    assert.equal(await next, 'ok');
  });

  it('recovers from a fetch that throws synchronously', async () => {
    let calls = 0;
    const clock = new FakeClock();
    const provider = new CachedTokenProvider({
      identity: 'x',
      clock,
      setSecret: () => undefined,
      fetchToken: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return Promise.resolve({ accessToken: 'second', expiresAtMs: clock.now() + 3600_000 });
      },
    });
    await assert.rejects(provider.getToken(), /boom/);
    assert.equal(await provider.getToken(), 'second');
  });

  it('lets one caller give up without cancelling the refresh others wait for', async () => {
    const source = new ManualSource();
    const clock = new FakeClock();
    const provider = new CachedTokenProvider({ identity: 'x', clock, setSecret: () => undefined, fetchToken: source.fetch });
    const impatient = new AbortController();
    const first = provider.getToken(impatient.signal);
    const second = provider.getToken();
    impatient.abort(new Error('cancelled'));
    await assert.rejects(first, /cancelled/);
    assert.equal(source.pending[0].signal.aborted, false);
    source.pending[0].resolve({ accessToken: 'late', expiresAtMs: clock.now() + 3600_000 });
    assert.equal(await second, 'late');
  });

  it('aborts the refresh when its only caller is cancelled', async () => {
    const source = new ManualSource();
    const provider = new CachedTokenProvider({ identity: 'x', clock: new FakeClock(), setSecret: () => undefined, fetchToken: source.fetch });
    const controller = new AbortController();
    const waiting = provider.getToken(controller.signal);
    controller.abort(new Error('step cancelled'));
    await assert.rejects(waiting, /step cancelled/);
    assert.equal(source.pending[0].signal.aborted, true);
    await assert.rejects(provider.getToken(AbortSignal.abort(new Error('already'))), /already/);
  });

  it('starts a new refresh for a caller that arrives while an abandoned one is still winding down', async () => {
    // Cancellation cleanup (cancelling the Databricks run) asks for a token right after the step's
    // own request was aborted, before the aborted fetch has settled.
    const source = new ManualSource();
    const clock = new FakeClock();
    const provider = new CachedTokenProvider({ identity: 'x', clock, setSecret: () => undefined, fetchToken: source.fetch });
    const step = new AbortController();
    const waiting = provider.getToken(step.signal);
    step.abort(new Error('step cancelled'));
    await assert.rejects(waiting, /step cancelled/);
    const cleanup = provider.getToken();
    assert.equal(source.fetches, 2);
    source.pending[0].reject(new Error('aborted fetch'));
    source.pending[1].resolve({ accessToken: 'cleanup-token', expiresAtMs: clock.now() + 3600_000 });
    assert.equal(await cleanup, 'cleanup-token');
    assert.equal(await provider.getToken(), 'cleanup-token');
  });
});
