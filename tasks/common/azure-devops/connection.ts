import { DatabricksApiClient } from '../databricks/api-client';
import type { TokenProvider } from '../databricks/token-provider';
import { createDatabricksOAuthTokenProvider } from '../databricks/auth/databricks-oauth';
import { createEntraTokenProvider, defaultEntraAuthority, type EntraCredential } from '../databricks/auth/entra';
import { createFederationTokenProvider } from '../databricks/auth/federation';
import type { OidcTokenSource } from '../databricks/auth/oidc-token-source';
import { PersonalAccessTokenProvider } from '../databricks/auth/personal-access-token';
import type { TokenHttp } from '../databricks/auth/token-endpoint';
import type { RetryOptions } from '../http/retry-policy';
import { createRequestUriOidcSource, createTaskApiOidcSource, type OidcAudience, type OidcJob } from './oidc';
import type { ServiceEndpoint, TaskContext, TaskInputs } from '../task/task-context';

/** Input names shared by every Databricks task (see `connection-inputs.json`). */
export const connectionInputNames = {
  connectionType: 'connectionType',
  databricksConnection: 'databricksConnection',
  azureSubscription: 'azureSubscription',
  workspaceUrl: 'workspaceUrl',
  federationClientId: 'federationClientId',
} as const;

/** How a task reaches the workspace, parsed from the common connection inputs. */
export type ConnectionSettings =
  | { type: 'databricks'; /** Service connection id. */ connectionId: string }
  | { type: 'azureResourceManager'; /** AzureRM service connection id. */ connectionId: string; /** Workspace URL. */ workspaceUrl: string }
  | { type: 'azureDevOpsFederation'; workspaceUrl: string; /** Databricks service principal application id. */ clientId: string };

const connectionTypes = ['databricks', 'azureResourceManager', 'azureDevOpsFederation'] as const;

function required(inputs: TaskInputs, name: string, why: string): string {
  const value = inputs.get(name);
  if (value === undefined) throw new Error(`Input '${name}' is required ${why}.`);
  return value;
}

/** True for hosts that cannot leave this machine: `localhost`, `127.0.0.0/8` and `::1`. */
function isLoopback(hostname: string): boolean {
  // The WHATWG parser normalises IPv4 literals (`127.1` -> `127.0.0.1`), so a loopback address is
  // exactly four numeric parts here; a prefix test would also admit names such as `127.evil.example`.
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Parses a URL that will receive secrets: https, or plain http only for loopback addresses. */
function parseSecureUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Invalid '${name}' '${value}': expected the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new Error(`Invalid '${name}' '${value}': expected an https:// URL (plain http is accepted only for loopback addresses)`);
  }
  return url;
}

/**
 * Checks a workspace URL (https, or http only on loopback) and returns its origin. Path, query and
 * fragment are dropped, as the Databricks SDKs do with a host: the API lives at the root, and the
 * address bar of a workspace (`https://adb-1.2.azuredatabricks.net/?o=1#job/5`) is what users paste.
 */
export function parseWorkspaceUrl(name: string, value: string): string {
  return parseSecureUrl(name, value).origin;
}

/** Reads the common connection inputs into settings; throws naming the input on bad values. */
export function parseConnectionInputs(inputs: TaskInputs): ConnectionSettings {
  const type = inputs.get(connectionInputNames.connectionType) ?? 'databricks';
  switch (type) {
    case 'databricks':
      return { type, connectionId: required(inputs, connectionInputNames.databricksConnection, "when 'connectionType' is 'databricks'") };
    case 'azureResourceManager':
      return {
        type,
        connectionId: required(inputs, connectionInputNames.azureSubscription, "when 'connectionType' is 'azureResourceManager'"),
        workspaceUrl: parseWorkspaceUrl(
          connectionInputNames.workspaceUrl,
          required(inputs, connectionInputNames.workspaceUrl, "when 'connectionType' is 'azureResourceManager'"),
        ),
      };
    case 'azureDevOpsFederation':
      return {
        type,
        workspaceUrl: parseWorkspaceUrl(
          connectionInputNames.workspaceUrl,
          required(inputs, connectionInputNames.workspaceUrl, "when 'connectionType' is 'azureDevOpsFederation'"),
        ),
        clientId: required(inputs, connectionInputNames.federationClientId, "when 'connectionType' is 'azureDevOpsFederation'"),
      };
    default:
      throw new Error(`Invalid 'connectionType' '${type}': expected one of ${connectionTypes.join(', ')}`);
  }
}

/** The workspace host and a token provider for the settings. */
export interface WorkspaceAccess {
  host: string;
  tokens: TokenProvider;
}

/** Tunables of {@link resolveWorkspaceAccess}; defaults suit the agent, tests shorten them. */
export interface AccessOptions {
  /** Refresh tokens when fewer than this many milliseconds remain (at least 40 s). */
  refreshMarginMs?: number;
  /** Retry policy of token and OIDC requests. */
  retry?: Partial<RetryOptions>;
}

/** Pipeline variables the OIDC token request needs. */
const oidcVariables = {
  projectId: 'System.TeamProjectId',
  hostType: 'System.HostType',
  planId: 'System.PlanId',
  jobId: 'System.JobId',
} as const;

/** The job's own service connection to Azure DevOps, present in every agent job. */
const systemConnection = 'SystemVssConnection';

function endpointOf(context: TaskContext, input: string, id: string): ServiceEndpoint {
  const endpoint = context.inputs.endpoint(id);
  if (!endpoint) throw new Error(`Service connection '${id}' given in '${input}' was not found: check the input and that the pipeline is authorized to use it.`);
  return endpoint;
}

function param(endpoint: ServiceEndpoint, input: string, key: string, what: string): string {
  const value = endpoint.param(key);
  if (!value) throw new Error(`Service connection '${endpoint.id}' given in '${input}' has no ${what} (authorization parameter '${key}').`);
  return value;
}

/** Reads the job coordinates and access token for an OIDC request; errors name what is missing. */
function oidcJob(context: TaskContext, why: string): OidcJob {
  const values = Object.fromEntries(Object.entries(oidcVariables).map(([key, name]) => [key, context.inputs.variable(name)])) as Record<keyof typeof oidcVariables, string | undefined>;
  const missing: string[] = Object.entries(oidcVariables).filter(([key]) => !values[key as keyof typeof oidcVariables]).map(([, name]) => name);
  const vss = context.inputs.endpoint(systemConnection);
  const collectionUri = context.inputs.variable('System.CollectionUri') ?? vss?.url;
  if (!collectionUri) missing.push('System.CollectionUri');
  const accessToken = vss?.param('AccessToken');
  if (!accessToken) missing.push(`the job access token (${systemConnection} parameter AccessToken)`);
  if (missing.length > 0) {
    throw new Error(`${why} needs an Azure DevOps OIDC token, but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set. This works only in an Azure Pipelines agent job.`);
  }
  return {
    collectionUri: collectionUri as string,
    accessToken: accessToken as string,
    projectId: values.projectId as string,
    hostType: values.hostType as string,
    planId: values.planId as string,
    jobId: values.jobId as string,
  };
}

/**
 * The job's OIDC token source. For the pipeline's own token, `System.OidcRequestUri` (when the
 * agent sets it) goes through our transport; otherwise azure-devops-node-api's TaskApi route,
 * with the agent's proxy and certificates.
 */
function oidcSource(context: TaskContext, audience: OidcAudience, why: string, http: TokenHttp): OidcTokenSource {
  const job = oidcJob(context, why);
  const requestUri = context.inputs.variable('System.OidcRequestUri');
  if (requestUri && !audience.serviceConnectionId) {
    return createRequestUriOidcSource(requestUri, job.accessToken, audience, http, context.outputs.setSecret);
  }
  return createTaskApiOidcSource(job, audience, context.network ?? {}, {
    clock: context.clock,
    logger: context.logger,
    setSecret: context.outputs.setSecret,
    retry: http.retry,
    userAgent: context.userAgent,
  });
}

/** Checks that a URL that receives secrets is https (plain http only on loopback). */
function parseAuthorityUrl(connectionId: string, value: string): string {
  const name = `environmentAuthorityUrl of service connection '${connectionId}'`;
  const url = parseSecureUrl(name, value);
  if (url.search || url.hash) throw new Error(`Invalid '${name}' '${value}': expected an authority URL without query or fragment`);
  // Unlike a workspace, an authority may sit below a path (AD FS: https://adfs.contoso.com/adfs/).
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/`;
}

function databricksAccess(context: TaskContext, connectionId: string, options: AccessOptions, http: TokenHttp): WorkspaceAccess {
  const input = connectionInputNames.databricksConnection;
  const endpoint = endpointOf(context, input, connectionId);
  const host = parseWorkspaceUrl(`${input} URL`, endpoint.url);
  const source = `service connection '${connectionId}'`;
  switch (endpoint.scheme) {
    case 'Token':
      return {
        host,
        tokens: new PersonalAccessTokenProvider(param(endpoint, input, 'apitoken', 'personal access token'), `the personal access token of ${source}`, context.outputs.setSecret),
      };
    case 'UsernamePassword':
      return {
        host,
        tokens: createDatabricksOAuthTokenProvider(
          {
            host,
            clientId: param(endpoint, input, 'username', 'service principal client id'),
            clientSecret: param(endpoint, input, 'password', 'OAuth secret'),
            source,
            clock: context.clock,
            setSecret: context.outputs.setSecret,
            refreshMarginMs: options.refreshMarginMs,
          },
          http,
        ),
      };
    default:
      throw new Error(
        `Service connection '${connectionId}' given in '${input}' uses the authorization scheme '${endpoint.scheme}': expected Token (personal access token) or UsernamePassword (OAuth service principal).`,
      );
  }
}

function azureResourceManagerAccess(
  context: TaskContext,
  settings: Extract<ConnectionSettings, { type: 'azureResourceManager' }>,
  options: AccessOptions,
  http: TokenHttp,
): WorkspaceAccess {
  const input = connectionInputNames.azureSubscription;
  const { connectionId } = settings;
  const endpoint = endpointOf(context, input, connectionId);
  const source = `Azure Resource Manager service connection '${connectionId}'`;
  const clientId = param(endpoint, input, 'serviceprincipalid', 'service principal id');
  const tenantId = param(endpoint, input, 'tenantid', 'tenant id');
  let credential: EntraCredential;
  if (endpoint.scheme === 'WorkloadIdentityFederation') {
    credential = { kind: 'federated', oidc: oidcSource(context, { serviceConnectionId: connectionId, description: source }, `The ${source} (workload identity federation)`, http) };
  } else if (endpoint.scheme === 'ServicePrincipal') {
    const authenticationType = endpoint.param('authenticationType') ?? 'spnKey';
    if (authenticationType !== 'spnKey') {
      throw new Error(`The ${source} given in '${input}' uses authenticationType '${authenticationType}': expected spnKey (client secret) or the WorkloadIdentityFederation scheme.`);
    }
    credential = { kind: 'secret', clientSecret: param(endpoint, input, 'serviceprincipalkey', 'service principal secret') };
  } else {
    throw new Error(`The ${source} given in '${input}' uses the authorization scheme '${endpoint.scheme}': expected WorkloadIdentityFederation or ServicePrincipal.`);
  }
  return {
    host: settings.workspaceUrl,
    tokens: createEntraTokenProvider(
      {
        authority: parseAuthorityUrl(connectionId, endpoint.data('environmentAuthorityUrl') ?? defaultEntraAuthority),
        tenantId,
        clientId,
        credential,
        source,
        clock: context.clock,
        setSecret: context.outputs.setSecret,
        refreshMarginMs: options.refreshMarginMs,
      },
      http,
    ),
  };
}

/**
 * Resolves settings into a host and a token provider. Every secret it reads and every token it
 * obtains is registered with `context.outputs.setSecret` before it can reach a log.
 */
export function resolveWorkspaceAccess(context: TaskContext, settings: ConnectionSettings, options: AccessOptions = {}): WorkspaceAccess {
  const http: TokenHttp = { transport: context.transport, clock: context.clock, logger: context.logger, userAgent: context.userAgent, retry: options.retry };
  switch (settings.type) {
    case 'databricks':
      return databricksAccess(context, settings.connectionId, options, http);
    case 'azureResourceManager':
      return azureResourceManagerAccess(context, settings, options, http);
    case 'azureDevOpsFederation':
      return {
        host: settings.workspaceUrl,
        tokens: createFederationTokenProvider(
          {
            host: settings.workspaceUrl,
            clientId: settings.clientId,
            oidc: oidcSource(context, { description: 'this pipeline' }, "connectionType 'azureDevOpsFederation'", http),
            clock: context.clock,
            setSecret: context.outputs.setSecret,
            refreshMarginMs: options.refreshMarginMs,
          },
          http,
        ),
      };
  }
}

/** A Databricks client for the task's connection. */
export function connectWorkspace(context: TaskContext, settings: ConnectionSettings, options: AccessOptions = {}): DatabricksApiClient {
  const { host, tokens } = resolveWorkspaceAccess(context, settings, options);
  return new DatabricksApiClient({
    host,
    tokens,
    transport: context.transport,
    clock: context.clock,
    logger: context.logger,
    userAgent: context.userAgent,
    retry: options.retry,
  });
}
