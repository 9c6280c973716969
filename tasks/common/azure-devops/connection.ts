import { DatabricksApiClient } from '../databricks/api-client';
import { StaticTokenProvider, type TokenProvider } from '../databricks/token-provider';
import type { TaskContext, TaskInputs } from './task-context';

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

/** Checks a workspace URL: https, or http only on loopback (tests and the emulator). */
export function parseWorkspaceUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Invalid '${name}' '${value}': expected the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`Invalid '${name}' '${value}': expected an https:// URL (plain http is accepted only for loopback addresses)`);
  }
  if (url.search || url.hash) throw new Error(`Invalid '${name}' '${value}': expected a workspace URL without query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
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

/** Resolves settings into a host and a token provider; every token is registered as a secret. */
export function resolveWorkspaceAccess(context: TaskContext, settings: ConnectionSettings): WorkspaceAccess {
  if (settings.type !== 'databricks') {
    throw new Error(`connectionType '${settings.type}' is not supported yet`);
  }
  const endpoint = context.inputs.endpoint(settings.connectionId);
  if (!endpoint) throw new Error(`Service connection '${settings.connectionId}' was not found.`);
  const host = parseWorkspaceUrl(`${connectionInputNames.databricksConnection} URL`, endpoint.url);
  const token = endpoint.param('apitoken');
  if (!token) throw new Error(`Service connection '${settings.connectionId}' has no personal access token.`);
  context.outputs.setSecret(token);
  return { host, tokens: new StaticTokenProvider(token, `the personal access token of service connection '${settings.connectionId}'`) };
}

/** A Databricks client for the task's connection. */
export function connectWorkspace(context: TaskContext, settings: ConnectionSettings): DatabricksApiClient {
  const { host, tokens } = resolveWorkspaceAccess(context, settings);
  return new DatabricksApiClient({
    host,
    tokens,
    transport: context.transport,
    clock: context.clock,
    logger: context.logger,
    userAgent: context.userAgent,
  });
}
