/**
 * A source of bearer tokens for the workspace. Implementations cache, refresh before expiry and
 * register every token with the secret registrar the moment it exists.
 */
export interface TokenProvider {
  /** A token valid for at least the provider's safety margin. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Drops the cached token, e.g. after the workspace answered 401 to it. */
  invalidate(): void;
  /**
   * Which identity this is, for error messages: "personal access token of service connection 'x'",
   * "service principal 1234 (Databricks OAuth)". Never contains a secret.
   */
  readonly identity: string;
}
