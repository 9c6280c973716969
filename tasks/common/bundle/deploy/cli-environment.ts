/**
 * The environment the Databricks CLI runs with. The CLI (and the Terraform provider it drives)
 * resolves credentials from many variables and from `~/.databrickscfg`; an agent may carry stale
 * ones from earlier steps (`ARM_CLIENT_SECRET` from an AzureCLI step, a `DATABRICKS_CONFIG_PROFILE`
 * on a self-hosted agent). The task removes every such variable and pins the one identity it resolved:
 * `DATABRICKS_AUTH_TYPE=pat` with a short-lived bearer token, so the CLI neither guesses nor mixes identities.
 */

/** Credential and identity variables of the Databricks SDKs and the Azure/Terraform providers. */
const conflictingNames = new Set([
  'DATABRICKS_HOST',
  'DATABRICKS_TOKEN',
  'DATABRICKS_ACCOUNT_ID',
  'DATABRICKS_USERNAME',
  'DATABRICKS_PASSWORD',
  'DATABRICKS_CLIENT_ID',
  'DATABRICKS_CLIENT_SECRET',
  'DATABRICKS_AUTH_TYPE',
  'DATABRICKS_CONFIG_PROFILE',
  'DATABRICKS_CONFIG_FILE',
  'DATABRICKS_METADATA_SERVICE_URL',
  'DATABRICKS_TOKEN_AUDIENCE',
]);

/** Name patterns removed as a family: Azure, Google and OIDC credentials, and every `ARM_*` (Azure provider) setting. */
const conflictingPatterns: RegExp[] = [/^DATABRICKS_AZURE_/, /^DATABRICKS_GOOGLE_/, /^DATABRICKS_OIDC_/, /^ARM_/];

/** True for a variable that could give the CLI a different identity than the one this task resolved. */
export function isConflictingAuthVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return conflictingNames.has(upper) || conflictingPatterns.some((pattern) => pattern.test(upper));
}

/** Workspace and token handed to the CLI. */
export interface CliCredentials {
  host: string;
  token: string;
}

/**
 * The inherited environment minus conflicting credentials, plus the resolved workspace and token.
 * Undefined values are dropped. The token must already be registered as a secret.
 */
export function cliEnvironment(inherited: Readonly<Record<string, string | undefined>>, credentials?: CliCredentials): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value === undefined || isConflictingAuthVariable(name)) continue;
    env[name] = value;
  }
  if (credentials) {
    env.DATABRICKS_HOST = credentials.host;
    env.DATABRICKS_TOKEN = credentials.token;
    env.DATABRICKS_AUTH_TYPE = 'pat';
  }
  return env;
}

/** The agent's proxy, as task-lib reports it. */
export interface ProxySettings {
  proxyUrl: string;
  proxyUsername?: string;
  proxyPassword?: string;
  /** The agent's bypass list: regular expressions matched against the whole request URL. */
  proxyBypassHosts?: string[];
}

/** A host name, IPv4 address or `host:port` written as a regular expression (dots escaped or not). */
const regexHost = /^(?:[A-Za-z0-9-]+(?:\\?\.))*[A-Za-z0-9-]+(?::\d+)?$/;

/**
 * The `NO_PROXY` entry that bypasses no more than the agent's bypass regular expression does, or
 * undefined when no such entry exists. The agent tests each expression against the whole URL, so a
 * plain host expression (`contoso\.com`) also matches that host's subdomains, which is what the
 * entry `contoso.com` means to Go's and Terraform's proxy rules; `.*\.contoso\.com` becomes
 * `.contoso.com` (subdomains only). Anchored or other expressions cannot be expressed safely.
 */
export function noProxyEntry(pattern: string): string | undefined {
  const text = pattern.trim();
  if (text === '.*') return '*';
  const subdomainsOnly = text.startsWith('.*\\.');
  const host = subdomainsOnly ? text.slice(4) : text.startsWith('.*') ? text.slice(2) : text;
  if (!regexHost.test(host)) return undefined;
  return `${subdomainsOnly ? '.' : ''}${host.replace(/\\\./g, '.').toLowerCase()}`;
}

/**
 * `HTTPS_PROXY`/`HTTP_PROXY` for the agent's configured proxy, which child processes do not get on
 * their own; the CLI (Go) and Terraform honour these. Nothing is set when the agent has no proxy or
 * the environment already names one (an explicit setting wins). The agent's bypass list becomes
 * `NO_PROXY` (added to an inherited one) as far as {@link noProxyEntry} can translate it; the rest is
 * returned in `untranslated`, so the task can say those hosts go through the proxy. `secret` is the
 * URL with credentials, to register as a secret.
 */
export function proxyEnvironment(
  inherited: Readonly<Record<string, string | undefined>>,
  proxy: ProxySettings | undefined,
): { env: Record<string, string>; secret?: string; untranslated?: string[] } {
  if (!proxy?.proxyUrl) return { env: {} };
  const named = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => inherited[name]);
  if (named) return { env: {} };
  let url: URL;
  try {
    url = new URL(proxy.proxyUrl);
  } catch {
    return { env: {} };
  }
  if (proxy.proxyUsername) {
    url.username = encodeURIComponent(proxy.proxyUsername);
    url.password = encodeURIComponent(proxy.proxyPassword ?? '');
  }
  const value = url.toString().replace(/\/$/, '');
  const env: Record<string, string> = { HTTPS_PROXY: value, HTTP_PROXY: value };
  const bypass = (proxy.proxyBypassHosts ?? []).filter((pattern) => pattern.trim() !== '');
  const entries = bypass.map(noProxyEntry);
  const untranslated = bypass.filter((_pattern, index) => entries[index] === undefined);
  const inheritedNoProxy = (inherited.NO_PROXY ?? inherited.no_proxy ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const noProxy = [...new Set([...inheritedNoProxy, ...entries.filter((entry): entry is string => entry !== undefined)])];
  if (noProxy.length > inheritedNoProxy.length) env.NO_PROXY = noProxy.join(',');
  return { env, secret: proxy.proxyUsername ? value : undefined, ...(untranslated.length > 0 ? { untranslated } : {}) };
}
