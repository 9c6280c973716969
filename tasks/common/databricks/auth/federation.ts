import type { Clock, SecretRegistrar } from '../../ports';
import { CachedTokenProvider } from './cached-token-provider';
import type { OidcTokenSource } from './oidc-token-source';
import { requestToken, type TokenHttp } from './token-endpoint';

/** A Databricks service principal whose federation policy trusts the pipeline's OIDC token. */
export interface FederationSettings {
  /** Workspace URL without trailing slash. */
  host: string;
  /** Application (client) id of the Databricks service principal. */
  clientId: string;
  /** The pipeline's own OIDC token (no service connection). */
  oidc: OidcTokenSource;
  clock: Clock;
  setSecret: SecretRegistrar;
  refreshMarginMs?: number;
}

/**
 * Databricks OAuth token federation (RFC 8693 token exchange): the pipeline's OIDC token is
 * exchanged at `{host}/oidc/v1/token` for a workspace token of the service principal. No secret
 * is stored anywhere; every refresh uses a fresh OIDC token.
 */
export function createFederationTokenProvider(settings: FederationSettings, http: TokenHttp): CachedTokenProvider {
  const identity = `Databricks service principal ${settings.clientId} (Azure DevOps workload identity federation)`;
  return new CachedTokenProvider({
    identity,
    clock: settings.clock,
    setSecret: settings.setSecret,
    refreshMarginMs: settings.refreshMarginMs,
    fetchToken: async (signal) => {
      const subjectToken = await settings.oidc.getOidcToken(signal);
      return requestToken(http, {
        url: `${settings.host}/oidc/v1/token`,
        form: {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: subjectToken,
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          scope: 'all-apis',
          client_id: settings.clientId,
        },
        identity,
        secrets: [subjectToken],
        hint:
          "Check that the service principal has a federation policy whose issuer is https://vstoken.dev.azure.com/<organization id>, audience api://AzureADTokenExchange and subject p://<organization>/<project>/<pipeline>, and that it is added to this workspace.",
        signal,
      });
    },
  });
}
