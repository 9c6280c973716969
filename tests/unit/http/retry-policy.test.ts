import assert from 'node:assert/strict';
import { ApiError, apiErrorFromConnection } from '../../../tasks/common/http/errors';
import { decideRetry, defaultRetryOptions, parseRetryAfter, type FailedCall, type RetryOptions } from '../../../tasks/common/http/retry-policy';
import { createNodeTransport } from '../../../tasks/common/http/node-transport';
import { TransportError, type HttpMethod } from '../../../tasks/common/http/transport';

const now = Date.parse('2026-11-28T04:00:00Z');

function failure(status: number | undefined, options: { method?: HttpMethod; idempotent?: boolean; message?: string; retryAfter?: string; attempt?: number; elapsedMs?: number } = {}): FailedCall {
  const method = options.method ?? 'GET';
  const error = new ApiError(options.message ?? `${method} /api/2.2/jobs/runs/get failed`, {
    status,
    errorCode: status === undefined ? 'CONNECTION_ERROR' : undefined,
    method,
    path: '/api/2.2/jobs/runs/get',
    retryAfter: options.retryAfter,
  });
  return { method, idempotent: options.idempotent ?? false, error, attempt: options.attempt ?? 1, elapsedMs: options.elapsedMs ?? 0, nowMs: now };
}

/** Options with a fixed random number so backoff is exact. */
function withRandom(random: number, overrides: Partial<RetryOptions> = {}): RetryOptions {
  return { ...defaultRetryOptions, random: () => random, ...overrides };
}

describe('retry policy', () => {
  describe('429 Too Many Requests', () => {
    it('waits the Retry-After seconds, even for a non-idempotent write', () => {
      const decision = decideRetry(failure(429, { method: 'POST', retryAfter: '7' }), withRandom(0.5));
      assert.equal(decision.retry, true);
      assert.equal(decision.delayMs, 7000);
    });

    it('waits until a Retry-After HTTP date', () => {
      const at = new Date(now + 12_000).toUTCString();
      const decision = decideRetry(failure(429, { retryAfter: at }), withRandom(0.5));
      assert.deepEqual([decision.retry, decision.delayMs], [true, 12_000]);
    });

    it('backs off rather than repeating at once for a Retry-After of 0 or a date in the past', () => {
      // A server whose clock is behind ours would otherwise be hammered until the deadline.
      for (const retryAfter of ['0', new Date(now - 5000).toUTCString()]) {
        const decision = decideRetry(failure(429, { retryAfter, attempt: 3 }), withRandom(0.5));
        assert.deepEqual([decision.retry, decision.delayMs], [true, 2000], retryAfter);
      }
    });

    it('backs off with full jitter without Retry-After, or with an unreadable one', () => {
      for (const retryAfter of [undefined, 'soon', '1.5', '-1']) {
        const decision = decideRetry(failure(429, { method: 'POST', retryAfter, attempt: 3 }), withRandom(0.5));
        // ceiling = base 1000 * 2^(3-1) = 4000; half of it with random 0.5
        assert.deepEqual([decision.retry, decision.delayMs], [true, 2000]);
      }
    });

    it('gives up when Retry-After asks for longer than the maximum', () => {
      const decision = decideRetry(failure(429, { retryAfter: '600' }), withRandom(0.5, { maxRetryAfterMs: 120_000 }));
      assert.equal(decision.retry, false);
    });
  });

  describe('server errors', () => {
    for (const status of [500, 502, 503, 504]) {
      it(`retries a read after ${status}`, () => {
        assert.equal(decideRetry(failure(status), withRandom(0.3)).retry, true);
      });
    }

    it('retries a non-idempotent write only after 503 (the server did not act)', () => {
      const retried = [500, 502, 503, 504].filter((status) => decideRetry(failure(status, { method: 'POST' }), withRandom(0.3)).retry);
      assert.deepEqual(retried, [503]);
    });

    it('retries an idempotent write after every 5xx it lists', () => {
      for (const method of ['POST', 'PUT', 'DELETE'] as const) {
        const retried = [500, 502, 503, 504].filter((status) => decideRetry(failure(status, { method, idempotent: true }), withRandom(0.3)).retry);
        assert.deepEqual(retried, [500, 502, 503, 504], method);
      }
    });

    it('honours Retry-After on 503', () => {
      assert.equal(decideRetry(failure(503, { method: 'POST', retryAfter: '3' }), withRandom(0.9)).delayMs, 3000);
    });

    it('does not retry 501 or other statuses it does not list', () => {
      for (const status of [400, 401, 403, 404, 409, 501]) {
        assert.equal(decideRetry(failure(status), withRandom(0.3)).retry, false, String(status));
      }
    });
  });

  describe('dropped connections', () => {
    it('retries a read and an idempotent write', () => {
      assert.equal(decideRetry(failure(undefined), withRandom(0.3)).retry, true);
      assert.equal(decideRetry(failure(undefined, { method: 'POST', idempotent: true }), withRandom(0.3)).retry, true);
      assert.equal(decideRetry(failure(undefined, { method: 'HEAD' }), withRandom(0.3)).retry, true);
    });

    it('does not retry certificate failures or a proxy refusal, which repeat identically', () => {
      for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'EPROXY']) {
        const error = apiErrorFromConnection('GET', '/api/2.2/jobs/get', new TransportError('failed', code));
        const decision = decideRetry({ method: 'GET', idempotent: false, error, attempt: 1, elapsedMs: 0, nowMs: now }, withRandom(0.3));
        assert.equal(decision.retry, false, code);
      }
      const reset = apiErrorFromConnection('GET', '/api/2.2/jobs/get', new TransportError('socket hang up', 'ECONNRESET'));
      assert.equal(decideRetry({ method: 'GET', idempotent: false, error: reset, attempt: 1, elapsedMs: 0, nowMs: now }, withRandom(0.3)).retry, true);
    });

    it('does not retry a request Node refused to build', async () => {
      // What the Node transport throws for a token with a trailing newline in the Authorization header.
      const refused = await createNodeTransport()
        .send({ method: 'GET', url: 'http://127.0.0.1:9/', headers: { Authorization: 'Bearer dapi-1\n' } })
        .then(() => assert.fail('sent'), (thrown: Error) => thrown);
      const error = apiErrorFromConnection('GET', '/api/2.2/jobs/get', refused);
      assert.equal(decideRetry({ method: 'GET', idempotent: false, error, attempt: 1, elapsedMs: 0, nowMs: now }, withRandom(0.3)).retry, false);
    });

    it('does not repeat a non-idempotent write, which may have been applied', () => {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        assert.equal(decideRetry(failure(undefined, { method }), withRandom(0.3)).retry, false, method);
      }
    });
  });

  describe('transient messages', () => {
    const messages = [
      'UnknownWorkerEnvironmentException: worker env gone',
      'Workspace 1 does not have any associated worker environments',
      'There is no worker environment with id 7',
      'Unknown worker environment 8',
      'ClusterNotReadyException',
      'worker env abc not found',
      'Timed out after 30s',
      'rpc deadline exceeded',
      'Unexpected error',
      'Please try again later or try a faster operation.',
      'RPC token bucket limit has been exceeded',
    ];
    for (const message of messages) {
      it(`retries a read that failed with "${message}"`, () => {
        assert.equal(decideRetry(failure(400, { message }), withRandom(0.3)).retry, true);
      });
    }

    it('does not retry a transient message on a non-idempotent write, but does on an idempotent one', () => {
      assert.equal(decideRetry(failure(400, { method: 'POST', message: 'Unexpected error' }), withRandom(0.3)).retry, false);
      assert.equal(decideRetry(failure(400, { method: 'POST', idempotent: true, message: 'Unexpected error' }), withRandom(0.3)).retry, true);
    });

    it('never treats 401 or 403 as transient', () => {
      assert.equal(decideRetry(failure(401, { message: 'Unexpected error' }), withRandom(0.3)).retry, false);
      assert.equal(decideRetry(failure(403, { message: 'Timed out after 5s' }), withRandom(0.3)).retry, false);
    });

    it('does not retry an ordinary 400', () => {
      assert.equal(decideRetry(failure(400, { message: 'Run 5 does not exist' }), withRandom(0.3)).retry, false);
    });
  });

  describe('backoff and deadline', () => {
    it('keeps every delay within [0, min(max, base * 2^(attempt-1))) (full jitter)', () => {
      const options = { baseDelayMs: 1000, maxDelayMs: 30_000 };
      for (let attempt = 1; attempt <= 10; attempt++) {
        const ceiling = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        const low = decideRetry(failure(500, { attempt }), withRandom(0, options));
        const high = decideRetry(failure(500, { attempt }), withRandom(0.999999, options));
        assert.equal(low.delayMs, 0, `attempt ${attempt} low`);
        assert.ok(high.delayMs < ceiling && high.delayMs >= ceiling - 1, `attempt ${attempt}: ${high.delayMs} vs ${ceiling}`);
      }
    });

    it('caps the backoff ceiling at maxDelayMs', () => {
      const decision = decideRetry(failure(502, { attempt: 40 }), withRandom(0.5, { maxDelayMs: 10_000 }));
      assert.equal(decision.delayMs, 5000);
    });

    it('stops when the next attempt would start after the deadline', () => {
      const options = withRandom(0.5, { deadlineMs: 60_000 });
      assert.equal(decideRetry(failure(503, { elapsedMs: 59_000, retryAfter: '2' }), options).retry, false);
      assert.equal(decideRetry(failure(503, { elapsedMs: 57_000, retryAfter: '2' }), options).retry, true);
      assert.equal(decideRetry(failure(500, { elapsedMs: 61_000 }), withRandom(0, { deadlineMs: 60_000 })).retry, false);
    });
  });

  describe('parseRetryAfter', () => {
    it('reads seconds and HTTP dates and ignores anything else', () => {
      assert.equal(parseRetryAfter(' 5 ', now), 5000);
      assert.equal(parseRetryAfter('0', now), 0);
      assert.equal(parseRetryAfter(new Date(now + 30_000).toUTCString(), now), 30_000);
      assert.equal(parseRetryAfter(undefined, now), undefined);
      assert.equal(parseRetryAfter('later', now), undefined);
    });
  });
});
