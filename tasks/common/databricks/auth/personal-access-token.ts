import type { SecretRegistrar } from '../../ports';
import type { TokenProvider } from '../token-provider';

/**
 * A personal access token from a `databricks-workspace` connection (scheme `Token`). It is
 * registered as a secret on construction; it cannot be refreshed, so `invalidate` keeps it and
 * the client reports the 401 with the identity.
 */
export class PersonalAccessTokenProvider implements TokenProvider {
  constructor(
    private readonly token: string,
    readonly identity: string,
    setSecret: SecretRegistrar,
  ) {
    if (!token) throw new Error(`No personal access token for ${identity}.`);
    setSecret(token);
  }

  getToken(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return Promise.resolve(this.token);
  }

  invalidate(): void {
    // Nothing to refresh: the same token is the only one there is.
  }
}
