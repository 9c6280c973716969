import type { Clock, SecretRegistrar } from '../../ports';
import type { TokenProvider } from '../token-provider';

/** A token as a token endpoint issued it. */
export interface IssuedToken {
  accessToken: string;
  /** Milliseconds since the epoch (on the provider's clock) at which the token stops working. */
  expiresAtMs: number;
}

/**
 * Azure Databricks rejects tokens with 30 s or less left, and the Databricks SDKs refresh Azure
 * tokens 40 s before expiry; a smaller margin would let a token expire between check and use.
 */
export const minimumRefreshMarginMs = 40_000;

/** Settings of a {@link CachedTokenProvider}. */
export interface CachedTokenProviderOptions {
  /** Which identity the tokens belong to, for messages; never a secret. */
  identity: string;
  clock: Clock;
  /** Called with every new token before anything else sees it. */
  setSecret: SecretRegistrar;
  /** Refresh when fewer than this many milliseconds remain; at least {@link minimumRefreshMarginMs} (the default). */
  refreshMarginMs?: number;
  /** Obtains a new token; `signal` aborts when no caller waits for it any more. */
  fetchToken(signal: AbortSignal): Promise<IssuedToken>;
}

interface Refresh {
  promise: Promise<IssuedToken>;
  controller: AbortController;
  waiters: number;
}

/**
 * A token provider that caches the token it fetched, refreshes it once fewer than the margin
 * remain (so a task that waits hours for a run keeps working), shares one refresh among
 * concurrent callers, and registers every token as a secret the moment it arrives.
 */
export class CachedTokenProvider implements TokenProvider {
  readonly identity: string;
  private readonly marginMs: number;
  private cached: IssuedToken | undefined;
  private refresh: Refresh | undefined;

  constructor(private readonly options: CachedTokenProviderOptions) {
    this.identity = options.identity;
    this.marginMs = options.refreshMarginMs ?? minimumRefreshMarginMs;
    if (!(this.marginMs >= minimumRefreshMarginMs)) {
      throw new RangeError(`refreshMarginMs must be at least ${minimumRefreshMarginMs} ms, got ${this.marginMs}`);
    }
  }

  getToken(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const cached = this.cached;
    if (cached && cached.expiresAtMs - this.options.clock.now() > this.marginMs) return Promise.resolve(cached.accessToken);
    return this.join(signal).then((token) => token.accessToken);
  }

  invalidate(): void {
    this.cached = undefined;
  }

  /** Waits for the refresh in flight, starting one if none is; leaving early aborts it only when nobody else waits. */
  private join(signal: AbortSignal | undefined): Promise<IssuedToken> {
    // A refresh whose callers all left is aborted but holds its slot until the fetch settles;
    // a newcomer (cleanup after a cancelled step) must not inherit that abort.
    const current = this.refresh;
    const refresh = current && !current.controller.signal.aborted ? current : this.start();
    refresh.waiters++;
    if (!signal) return refresh.promise;
    return new Promise<IssuedToken>((resolve, reject) => {
      const onAbort = (): void => {
        refresh.waiters--;
        if (refresh.waiters === 0) refresh.controller.abort(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      refresh.promise.then(
        (token) => {
          signal.removeEventListener('abort', onAbort);
          resolve(token);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  private start(): Refresh {
    const refresh = { controller: new AbortController(), waiters: 0 } as Refresh;
    // Assigned before the fetch runs, so a fetch that fails at once still clears its own slot.
    this.refresh = refresh;
    refresh.promise = this.fetch(refresh);
    // Callers without a signal attach later; keep an abandoned rejection from being reported as unhandled.
    refresh.promise.catch(() => undefined);
    return refresh;
  }

  private async fetch(refresh: Refresh): Promise<IssuedToken> {
    try {
      const token = await this.options.fetchToken(refresh.controller.signal);
      this.options.setSecret(token.accessToken);
      this.cached = token;
      return token;
    } finally {
      if (this.refresh === refresh) this.refresh = undefined;
    }
  }
}
