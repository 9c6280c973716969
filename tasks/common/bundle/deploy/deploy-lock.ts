/**
 * Deploy-lock contention. `databricks bundle deploy` takes a lock file in the target's state folder;
 * when another deployment holds it the CLI fails with
 * `Failed to acquire deployment lock: deploy lock acquired by <user> at <time>. Use --force-lock to override`.
 * Contention is usually a concurrent pipeline that finishes within minutes, so the task waits and
 * tries again; forcing the lock stays the user's explicit choice (`forceLock`).
 */

/** Who holds the lock, as far as the CLI said. */
export interface LockContention {
  /** User or service principal that holds the lock; undefined when the CLI did not name one. */
  holder?: string;
  /** When the holder acquired it, as the CLI printed it. */
  acquiredAt?: string;
}

/** Recognises lock contention in the CLI's output; undefined for any other failure. */
export function parseLockContention(output: string): LockContention | undefined {
  const named = /deploy lock acquired by (\S+?) at (.+?)\.?\s+Use --force-lock/i.exec(output) ?? /deploy lock acquired by (\S+?) at ([^\r\n]+)/i.exec(output);
  if (named) return { holder: named[1], acquiredAt: named[2].trim() };
  if (/Failed to acquire deployment lock|deploy lock (is )?(held|acquired)/i.test(output)) return {};
  return undefined;
}

/** Tunables of the lock wait; defaults in {@link defaultLockRetryOptions}. */
export interface LockRetryOptions {
  /** Deploy attempts in all, including the first. */
  maxAttempts: number;
  /** Wait ceiling after the first contention; doubled per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Uniform random number in [0, 1); the wait is between half the ceiling and the ceiling. */
  random: () => number;
}

/** Five waits of at most 15, 30, 60, 120 and 120 s (under 6 minutes): a concurrent deployment usually ends within that. */
export const defaultLockRetryOptions: LockRetryOptions = {
  maxAttempts: 6,
  baseDelayMs: 15_000,
  maxDelayMs: 120_000,
  random: Math.random,
};

/** Whether to deploy again after the `attempt`-th attempt (1-based) met a held lock, and how long to wait first. */
export function decideLockRetry(attempt: number, options: LockRetryOptions = defaultLockRetryOptions): { retry: boolean; delayMs: number } {
  if (attempt >= options.maxAttempts) return { retry: false, delayMs: 0 };
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  // Half fixed, half jitter: concurrent pipelines spread out, but nobody retries immediately.
  return { retry: true, delayMs: Math.floor(ceiling / 2 + options.random() * (ceiling / 2)) };
}

/** "alice@example.com (since 2026-01-01 10:00:00 +0000 UTC)" or "another deployment". */
export function describeLockHolder(contention: LockContention): string {
  if (!contention.holder) return 'another deployment';
  return contention.acquiredAt ? `${contention.holder} (since ${contention.acquiredAt})` : contention.holder;
}
