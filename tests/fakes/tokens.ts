/** Token providers for tests: a fixed token, one that changes on invalidate, one per call. */
import type { TokenProvider } from '../../tasks/common/databricks/token-provider';

/** A fixed token, for tests of code that takes a TokenProvider. */
export class StaticTokenProvider implements TokenProvider {
  constructor(
    private readonly token: string,
    readonly identity: string,
  ) {}

  getToken(): Promise<string> {
    return Promise.resolve(this.token);
  }

  invalidate(): void {
    // A fixed token cannot be refreshed.
  }
}

/** Hands out token-1, token-2, ...: a new one after each invalidate, as a refreshed OAuth token. */
export class CountingTokens implements TokenProvider {
  generation = 1;
  invalidations = 0;

  constructor(readonly identity = "service principal 42 (Databricks OAuth secret of service connection 'prod')") {}

  getToken(): Promise<string> {
    return Promise.resolve(`dapi-secret-token-${this.generation}`);
  }

  invalidate(): void {
    this.invalidations++;
    this.generation++;
  }
}

/** Hands out a new token per call, like an OAuth provider near expiry; `issued` lists them. */
export class FreshTokens implements TokenProvider {
  readonly identity = 'test identity';
  readonly issued: string[] = [];

  getToken(): Promise<string> {
    const token = `token-${this.issued.length + 1}-${'x'.repeat(8)}`;
    this.issued.push(token);
    return Promise.resolve(token);
  }

  invalidate(): void {
    // Every call already gets a new token.
  }
}
