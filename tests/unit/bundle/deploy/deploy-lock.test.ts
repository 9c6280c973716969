import assert from 'node:assert/strict';
import { decideLockRetry, describeLockHolder, parseLockContention } from '../../../../tasks/common/bundle/deploy/deploy-lock';

describe('bundle deploy: deploy-lock contention', () => {
  it('reads the holder and time from the CLI error', () => {
    const output =
      'Error: Failed to acquire deployment lock: deploy lock acquired by alice@example.com at 2026-11-28 03:00:00.123 +0000 UTC. Use --force-lock to override\n';
    assert.deepEqual(parseLockContention(output), { holder: 'alice@example.com', acquiredAt: '2026-11-28 03:00:00.123 +0000 UTC' });
    assert.equal(describeLockHolder(parseLockContention(output) ?? {}), 'alice@example.com (since 2026-11-28 03:00:00.123 +0000 UTC)');
  });

  it('recognises contention without a named holder, and nothing else', () => {
    assert.deepEqual(parseLockContention('Error: Failed to acquire deployment lock: permission denied'), {});
    assert.equal(describeLockHolder({}), 'another deployment');
    assert.equal(parseLockContention('Error: cannot resolve bundle auth configuration'), undefined);
  });

  it('backs off exponentially within bounds and stops after the last attempt', () => {
    const options = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 3000, random: () => 0.5 };
    assert.deepEqual(decideLockRetry(1, options), { retry: true, delayMs: 750 });
    assert.deepEqual(decideLockRetry(2, options), { retry: true, delayMs: 1500 });
    assert.deepEqual(decideLockRetry(3, options), { retry: true, delayMs: 2250 });
    assert.deepEqual(decideLockRetry(4, options), { retry: false, delayMs: 0 });
    const low = decideLockRetry(1, { ...options, random: () => 0 });
    const high = decideLockRetry(1, { ...options, random: () => 0.999999 });
    assert.equal(low.delayMs, 500);
    assert.ok(high.delayMs <= 1000 && high.delayMs >= 999);
  });
});
