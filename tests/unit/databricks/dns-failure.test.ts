import assert from 'node:assert/strict';
import { DatabricksApiClient } from '../../../tasks/common/databricks/api-client';
import { ApiError, apiErrorFromConnection } from '../../../tasks/common/http/errors';
import { decideRetry, defaultRetryOptions, maxResolverRetries } from '../../../tasks/common/http/retry-policy';
import { TransportError } from '../../../tasks/common/http/transport';
import { silentLogger } from '../../../tasks/common/ports';
import { StaticTokenProvider } from '../../fakes/tokens';
import { FakeClock } from '../../fakes/clock';
import { FakeTransport } from '../../fakes/transport';

const host = 'https://adb-1234567890123456.7.azuredatabricks.nett';

/** What Node's resolver throws through the transport for a host it cannot resolve. */
function dnsFailure(code: 'ENOTFOUND' | 'EAI_AGAIN'): TransportError {
  return new TransportError(`getaddrinfo ${code} ${new URL(host).hostname}`, code);
}

async function call(code: 'ENOTFOUND' | 'EAI_AGAIN'): Promise<{ error: ApiError; requests: number; waitedMs: number }> {
  const transport = new FakeTransport(dnsFailure(code));
  const clock = new FakeClock();
  const started = clock.now();
  const api = new DatabricksApiClient({ host, transport, tokens: new StaticTokenProvider('dapi-token', 'token of service connection test'), clock, logger: silentLogger, userAgent: 'test', retry: { random: () => 0.5 } });
  const error = await api.call('GET', '/api/2.2/jobs/runs/get').then(
    () => assert.fail('resolved'),
    (thrown: unknown) => thrown as ApiError,
  );
  return { error, requests: transport.requests.length, waitedMs: clock.now() - started };
}

describe('a workspace host that does not resolve', () => {
  it('fails at the first ENOTFOUND, naming the host and where to fix it', async () => {
    const { error, requests, waitedMs } = await call('ENOTFOUND');
    assert.equal(requests, 1);
    assert.equal(waitedMs, 0);
    assert.ok(error instanceof ApiError);
    assert.match(error.message, /adb-1234567890123456\.7\.azuredatabricks\.nett could not be resolved \(ENOTFOUND\)/);
    assert.match(error.message, /workspace URL of the service connection/);
  });

  it('gives EAI_AGAIN a couple of retries, seconds not the five-minute deadline', async () => {
    const { error, requests, waitedMs } = await call('EAI_AGAIN');
    assert.equal(requests, 1 + maxResolverRetries);
    assert.ok(waitedMs < 10_000, `waited ${waitedMs} ms`);
    assert.match(error.message, /could not be resolved \(EAI_AGAIN\)/);
  });

  it('the retry policy: ENOTFOUND never repeats, EAI_AGAIN only up to its retries, other drops still do', () => {
    const decide = (code: string, attempt: number) =>
      decideRetry(
        { method: 'GET', idempotent: false, error: apiErrorFromConnection('GET', '/x', new TransportError('failed', code)), attempt, elapsedMs: 0, nowMs: 0 },
        { ...defaultRetryOptions, random: () => 0.5 },
      ).retry;
    assert.equal(decide('ENOTFOUND', 1), false);
    assert.deepEqual([1, 2, 3].map((attempt) => decide('EAI_AGAIN', attempt)), [true, true, false]);
    assert.equal(decide('ECONNRESET', 3), true);
  });
});
