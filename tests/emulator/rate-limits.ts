/**
 * Per-endpoint rate limits as a workspace enforces them: one token bucket per route family, shared by
 * every caller (the limits are per workspace), refilled continuously at the family's rate and
 * holding at most one second's worth. A request that finds its bucket empty gets 429
 * `REQUEST_LIMIT_EXCEEDED` with `Retry-After` in whole seconds (the form the Python SDK reads).
 * Only workspace REST paths (`/api/...`) are limited; token endpoints and Azure DevOps are not.
 */

/** A group of routes that share one limit, by the names of the published table. */
export type RateLimitFamily =
  | 'jobs/create'
  | 'jobs/run-now'
  | 'jobs/runs/submit'
  | 'jobs/runs/get'
  | 'jobs/other'
  | 'mlflow/search'
  | 'mlflow/other'
  | 'workspace/import'
  | 'workspace/export'
  | 'dbfs'
  | 'other';

/** Requests per second by family; a family not given keeps its default. */
export type RateLimits = Partial<Record<RateLimitFamily, number>>;

/**
 * The published limits (https://learn.microsoft.com/azure/databricks/resources/limits, Azure).
 * Families the table does not name get the order of magnitude of their neighbours.
 */
export const defaultRateLimits: Record<RateLimitFamily, number> = {
  'jobs/create': 20,
  'jobs/run-now': 20,
  'jobs/runs/submit': 35,
  'jobs/runs/get': 100,
  'jobs/other': 100,
  'mlflow/search': 7,
  'mlflow/other': 120,
  'workspace/import': 30,
  'workspace/export': 60,
  dbfs: 30,
  other: 100,
};

/** The family of a workspace REST path, undefined for paths that are not limited. */
export function rateLimitFamily(path: string): RateLimitFamily | undefined {
  const match = /^\/api\/\d\.\d\/(.*)$/.exec(path);
  if (!match) return undefined;
  const rest = match[1];
  if (rest === 'jobs/create') return 'jobs/create';
  if (rest === 'jobs/run-now') return 'jobs/run-now';
  if (rest === 'jobs/runs/submit') return 'jobs/runs/submit';
  if (rest === 'jobs/runs/get' || rest === 'jobs/runs/get-output') return 'jobs/runs/get';
  if (rest.startsWith('jobs/')) return 'jobs/other';
  if (rest.startsWith('mlflow/')) return /\/search$/.test(rest) ? 'mlflow/search' : 'mlflow/other';
  if (rest === 'workspace/import') return 'workspace/import';
  if (rest === 'workspace/export') return 'workspace/export';
  if (rest.startsWith('dbfs/')) return 'dbfs';
  return 'other';
}

/** Token buckets per family, on the emulator's clock. */
export class RateLimiter {
  private readonly limits: Record<RateLimitFamily, number>;
  private readonly buckets = new Map<RateLimitFamily, { tokens: number; at: number }>();

  constructor(
    limits: RateLimits,
    private readonly now: () => number,
  ) {
    this.limits = { ...defaultRateLimits, ...limits };
  }

  /**
   * Takes a token for a request to `path`: undefined when it may proceed, else the seconds the
   * caller should wait (at least 1) before the bucket holds a token again.
   */
  take(path: string): number | undefined {
    const family = rateLimitFamily(path);
    if (!family) return undefined;
    const rate = this.limits[family];
    const now = this.now();
    const bucket = this.buckets.get(family) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(family, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  }

  /** Full buckets again (the emulator's reset). */
  reset(): void {
    this.buckets.clear();
  }
}
