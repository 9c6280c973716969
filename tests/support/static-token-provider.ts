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
