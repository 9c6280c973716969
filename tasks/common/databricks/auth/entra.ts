import type { Clock, SecretRegistrar } from '../../ports';
import { CachedTokenProvider } from './cached-token-provider';
import type { OidcTokenSource } from './oidc-token-source';
import { requestToken, type TokenHttp } from './token-endpoint';

/** The Entra ID application of Azure Databricks; tokens for `{resource}/.default` are workspace tokens. */
export const azureDatabricksResourceId = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';

/** The Entra authority of the public cloud, used when a connection names none. */
export const defaultEntraAuthority = 'https://login.microsoftonline.com/';

/** How the service principal of an Azure Resource Manager connection proves itself to Entra ID. */
export type EntraCredential =
  /** Workload identity federation: a fresh Azure DevOps OIDC token per request, as a client assertion. */
  | { kind: 'federated'; oidc: OidcTokenSource }
  /** A client secret stored in the connection. */
  | { kind: 'secret'; clientSecret: string };

/** An Entra ID service principal that gets Azure Databricks tokens. */
export interface EntraSettings {
  /** Authority URL with trailing slash, e.g. `https://login.microsoftonline.com/`. */
  authority: string;
  tenantId: string;
  /** Application (client) id of the service principal. */
  clientId: string;
  credential: EntraCredential;
  /** Names the connection in messages. */
  source: string;
  clock: Clock;
  setSecret: SecretRegistrar;
  refreshMarginMs?: number;
}

/**
 * Entra ID client credentials for Azure Databricks:
 * `POST {authority}{tenant}/oauth2/v2.0/token` with `scope=2ff814a6-.../.default` and either
 * `client_secret` or a `client_assertion` (JWT bearer) obtained fresh for each token.
 */
export function createEntraTokenProvider(settings: EntraSettings, http: TokenHttp): CachedTokenProvider {
  const { credential } = settings;
  const how = credential.kind === 'federated' ? 'workload identity federation' : 'client secret';
  const identity = `service principal ${settings.clientId} in tenant ${settings.tenantId} (${how} of ${settings.source})`;
  if (credential.kind === 'secret') settings.setSecret(credential.clientSecret);
  const authority = settings.authority.endsWith('/') ? settings.authority : `${settings.authority}/`;
  const url = `${authority}${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/token`;
  const hint =
    credential.kind === 'federated'
      ? "Check that the app registration or managed identity has a federated credential for this service connection's issuer and subject, and that the tenant and client id in the connection are right."
      : 'Check the client id, tenant and secret of the service connection and that the secret has not expired.';
  return new CachedTokenProvider({
    identity,
    clock: settings.clock,
    setSecret: settings.setSecret,
    refreshMarginMs: settings.refreshMarginMs,
    fetchToken: async (signal) => {
      const form: Record<string, string> = {
        grant_type: 'client_credentials',
        client_id: settings.clientId,
        scope: `${azureDatabricksResourceId}/.default`,
      };
      let secret: string;
      if (credential.kind === 'federated') {
        secret = await credential.oidc.getOidcToken(signal);
        form.client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
        form.client_assertion = secret;
      } else {
        secret = credential.clientSecret;
        form.client_secret = secret;
      }
      return requestToken(http, { url, form, identity, secrets: [secret], hint, signal });
    },
  });
}
