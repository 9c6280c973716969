/**
 * Where an Azure DevOps OIDC token comes from: the job's `oidctoken` endpoint, for a service
 * connection (Entra workload identity federation) or for the pipeline itself (Databricks federation).
 * Implementations register the token as a secret before returning it.
 */
export interface OidcTokenSource {
  /** A fresh ID token; these live about ten minutes, so callers ask again for every exchange. */
  getOidcToken(signal?: AbortSignal): Promise<string>;
}
