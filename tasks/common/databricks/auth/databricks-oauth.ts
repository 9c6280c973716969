import type { Clock, SecretRegistrar } from '../../ports';
import { CachedTokenProvider } from './cached-token-provider';
import { requestToken, type TokenHttp } from './token-endpoint';

/** A Databricks service principal with an OAuth secret (connection scheme `UsernamePassword`). */
export interface DatabricksOAuthSettings {
  /** Workspace URL without trailing slash. */
  host: string;
  /** Service principal application (client) id. */
  clientId: string;
  clientSecret: string;
  /** Names the connection in messages, e.g. `service connection 'prod'`. */
  source: string;
  clock: Clock;
  setSecret: SecretRegistrar;
  refreshMarginMs?: number;
}

/**
 * Databricks OAuth machine-to-machine: `POST {host}/oidc/v1/token` with
 * `grant_type=client_credentials&scope=all-apis` and HTTP Basic client authentication.
 */
export function createDatabricksOAuthTokenProvider(settings: DatabricksOAuthSettings, http: TokenHttp): CachedTokenProvider {
  const identity = `service principal ${settings.clientId} (Databricks OAuth secret of ${settings.source})`;
  // RFC 6749 §2.3.1: client id and secret are form-encoded before the Basic encoding.
  const basic = Buffer.from(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`).toString('base64');
  settings.setSecret(settings.clientSecret);
  settings.setSecret(basic);
  return new CachedTokenProvider({
    identity,
    clock: settings.clock,
    setSecret: settings.setSecret,
    refreshMarginMs: settings.refreshMarginMs,
    fetchToken: (signal) =>
      requestToken(http, {
        url: `${settings.host}/oidc/v1/token`,
        form: { grant_type: 'client_credentials', scope: 'all-apis' },
        headers: { Authorization: `Basic ${basic}` },
        identity,
        secrets: [settings.clientSecret, basic],
        hint: 'Check the client id and OAuth secret of the service principal, that the secret has not expired, and that the service principal is added to this workspace.',
        signal,
      }),
  });
}
