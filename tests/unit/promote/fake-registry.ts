/**
 * An in-memory Unity Catalog model served through the fake transport, so promotion tests run the
 * real client (paths, include_aliases, 404 handling, retries, 403 explanation).
 */
import { DatabricksApiClient } from '../../../tasks/common/databricks/api-client';
import { StaticTokenProvider } from '../../support/static-token-provider';
import { UnityCatalogModels } from '../../../tasks/common/databricks/unity-catalog';
import { TransportError, type HttpRequest, type HttpResponse } from '../../../tasks/common/http/transport';
import { silentLogger } from '../../../tasks/common/ports';
import { FakeClock, FakeTransport, apiError, host, type LoggedRequest } from '../unity-catalog/fake-transport';

export const modelName = 'main.ml.churn';
const base = `/api/2.1/unity-catalog/models/${modelName}`;

export class FakeRegistry {
  owner = 'ml-owners';
  versions = new Map<number, string>([
    [3, 'READY'],
    [4, 'READY'],
    [5, 'READY'],
    [6, 'PENDING_REGISTRATION'],
  ]);
  aliases = new Map<string, number>();
  /** Writes answer 403 PERMISSION_DENIED. */
  forbidden = false;
  /** Called before an alias PUT is applied: simulates a concurrent writer. */
  beforeSet?: (alias: string, version: number) => void;
  /** Called after an alias write is applied: return true to lose the response and take the network down. */
  failAfterWrite?: (request: LoggedRequest) => boolean;
  /** Every request fails with a connection reset. */
  down = false;

  readonly transport = new FakeTransport();
  readonly clock = new FakeClock();

  constructor(aliases: Record<string, number> = {}) {
    for (const [alias, version] of Object.entries(aliases)) this.aliases.set(alias, version);
    const aliasList = (version?: number): { alias_name: string; version_num: number }[] =>
      [...this.aliases].filter(([, v]) => version === undefined || v === version).map(([alias_name, version_num]) => ({ alias_name, version_num }));
    const versionInfo = (version: number): object => ({
      model_name: 'churn',
      catalog_name: 'main',
      schema_name: 'ml',
      version,
      status: this.versions.get(version),
      aliases: aliasList(version),
    });
    const aliasOf = (path: string): string => decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
    this.transport
      .on('GET', base, () => ({ status: 200, body: { full_name: modelName, owner: this.owner, aliases: aliasList() } }))
      // Any other model: Unity Catalog's answer for a model that does not exist.
      .on('GET', new RegExp(`^/api/2\\.1/unity-catalog/models/(?!${modelName.replace(/\./g, '\\.')}$)[^/]+$`), (request) => apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Registered model ${decodeURIComponent(request.path.split('/').pop() ?? '')} does not exist`))
      .on('GET', new RegExp(`^${base}/versions/\\d+$`), (request) => {
        const version = Number(aliasOf(request.path));
        return this.versions.has(version)
          ? { status: 200, body: versionInfo(version) }
          : apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Model version ${version} does not exist`);
      })
      .on('GET', new RegExp(`^${base}/aliases/[^/]+$`), (request) => {
        const version = this.aliases.get(aliasOf(request.path));
        return version === undefined ? apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'Alias not found') : { status: 200, body: versionInfo(version) };
      })
      .on('PUT', new RegExp(`^${base}/aliases/[^/]+$`), (request) => {
        if (this.forbidden) return apiError(403, 'PERMISSION_DENIED', 'User does not own registered model');
        const alias = aliasOf(request.path);
        const version = (request.body as { version_num: number }).version_num;
        this.beforeSet?.(alias, version);
        if (!this.versions.has(version)) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'no version');
        this.aliases.set(alias, version);
        return { status: 200, body: { alias_name: alias, version_num: version } };
      })
      .on('DELETE', new RegExp(`^${base}/aliases/[^/]+$`), (request) => {
        if (this.forbidden) return apiError(403, 'PERMISSION_DENIED', 'User does not own registered model');
        const alias = aliasOf(request.path);
        if (!this.aliases.delete(alias)) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'Alias not found');
        return { status: 200, body: {} };
      });
  }

  /** The registry client over this fake, as the task builds it. */
  client(): UnityCatalogModels {
    const transport = {
      send: async (request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> => {
        if (this.down) throw new TransportError('read ECONNRESET', 'ECONNRESET');
        const response = await this.transport.send(request, signal);
        const logged = this.transport.log[this.transport.log.length - 1];
        if (logged.method !== 'GET' && this.failAfterWrite?.(logged)) {
          this.down = true;
          throw new TransportError('read ECONNRESET', 'ECONNRESET');
        }
        return response;
      },
    };
    const options = {
      host,
      transport,
      tokens: new StaticTokenProvider('dapi-x', 'service principal 11111111-2222 (Databricks OAuth)'),
      clock: this.clock,
      logger: silentLogger,
      userAgent: 'test',
    };
    // As the task builds it: the guarded alias write goes through a client that never retries.
    return new UnityCatalogModels(new DatabricksApiClient({ ...options, retry: { random: () => 0.5 } }));
  }

  /** `METHOD alias` of every write, in order. */
  writes(): string[] {
    return this.transport.log.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.slice(base.length + '/aliases/'.length)}${r.method === 'PUT' ? `=${(r.body as { version_num: number }).version_num}` : ''}`);
  }

  state(): Record<string, number> {
    return Object.fromEntries([...this.aliases].sort(([a], [b]) => a.localeCompare(b)));
  }
}
