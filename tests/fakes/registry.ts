/**
 * An in-memory Unity Catalog registered model (versions, aliases, owner) served through the fake
 * transport, so promotion and comparison tests run the real client: paths, include_aliases, 404
 * handling, retries, the 403 explanation.
 */
import type { ModelVersionInfo } from '@databricks/sdk-experimental/dist/apis/catalog/model';
import { DatabricksApiClient } from '../../tasks/common/databricks/api-client';
import { UnityCatalogModels } from '../../tasks/common/databricks/unity-catalog';
import { TransportError, type HttpRequest, type HttpResponse } from '../../tasks/common/http/transport';
import { silentLogger } from '../../tasks/common/ports';
import { host } from './client';
import { FakeClock } from './clock';
import { StaticTokenProvider } from './tokens';
import { FakeTransport, apiError, type RecordedRequest } from './transport';

/** The one model the registry holds. */
export const modelName = 'main.ml.churn';
const base = `/api/2.1/unity-catalog/models/${modelName}`;

/** A READY version of {@link modelName} whose MLflow run is `run-<n>`. */
export function modelVersion(version: number, extra: Partial<ModelVersionInfo> = {}): ModelVersionInfo {
  return { catalog_name: 'main', schema_name: 'ml', model_name: 'churn', version, status: 'READY', run_id: `run-${version}`, ...extra };
}

export interface FakeRegistryOptions {
  /** The versions; by default 3, 4 and 5 READY and 6 PENDING_REGISTRATION. */
  versions?: ModelVersionInfo[];
  /** The identity the client calls as, which a 403 explanation names. */
  identity?: string;
}

export class FakeRegistry {
  owner = 'ml-owners';
  readonly versions = new Map<number, ModelVersionInfo>();
  readonly aliases = new Map<string, number>();
  /** Writes answer 403 PERMISSION_DENIED. */
  forbidden = false;
  /** Called before an alias PUT is applied: simulates a concurrent writer. */
  beforeSet?: (alias: string, version: number) => void;
  /** Called after a write is applied: return true to lose the response and take the network down. */
  failAfterWrite?: (request: RecordedRequest) => boolean;
  /** Every request fails with a connection reset. */
  down = false;

  readonly transport = new FakeTransport();
  readonly clock = new FakeClock();
  private readonly identity: string;

  constructor(aliases: Record<string, number> = {}, options: FakeRegistryOptions = {}) {
    this.identity = options.identity ?? 'service principal 11111111-2222 (Databricks OAuth)';
    const versions = options.versions ?? [modelVersion(3), modelVersion(4), modelVersion(5), modelVersion(6, { status: 'PENDING_REGISTRATION' })];
    for (const version of versions) this.versions.set(version.version!, version);
    for (const [alias, version] of Object.entries(aliases)) this.aliases.set(alias, version);
    const aliasList = (version?: number): { alias_name: string; version_num: number }[] =>
      [...this.aliases].filter(([, v]) => version === undefined || v === version).map(([alias_name, version_num]) => ({ alias_name, version_num }));
    const versionInfo = (version: number): object => ({ ...this.versions.get(version), aliases: aliasList(version) });
    const lastSegment = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
    const refused = (): { status: number; body: unknown } | undefined => (this.forbidden ? apiError(403, 'PERMISSION_DENIED', 'User does not own registered model') : undefined);
    this.transport
      .on('GET', base, () => ({ body: { full_name: modelName, owner: this.owner, aliases: aliasList() } }))
      // Any other model: Unity Catalog's answer for a model that does not exist.
      .on('GET', new RegExp(`^/api/2\\.1/unity-catalog/models/(?!${modelName.replace(/\./g, '\\.')}$)[^/]+$`), (request) => apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Registered model ${lastSegment(request.path)} does not exist`))
      .on('GET', new RegExp(`^${base}/versions/\\d+$`), (request) => {
        const version = Number(lastSegment(request.path));
        return this.versions.has(version) ? { body: versionInfo(version) } : apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Model version ${version} does not exist`);
      })
      .on('PATCH', new RegExp(`^${base}/versions/\\d+$`), (request) => {
        const denied = refused();
        if (denied) return denied;
        const version = this.versions.get(Number(lastSegment(request.path)));
        if (!version) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'no version');
        version.comment = (request.json as { comment: string }).comment;
        return { body: versionInfo(version.version!) };
      })
      .on('GET', new RegExp(`^${base}/aliases/[^/]+$`), (request) => {
        const version = this.aliases.get(lastSegment(request.path));
        return version === undefined ? apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'Alias not found') : { body: versionInfo(version) };
      })
      .on('PUT', new RegExp(`^${base}/aliases/[^/]+$`), (request) => {
        const denied = refused();
        if (denied) return denied;
        const alias = lastSegment(request.path);
        const version = (request.json as { version_num: number }).version_num;
        this.beforeSet?.(alias, version);
        if (!this.versions.has(version)) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'no version');
        this.aliases.set(alias, version);
        return { body: { alias_name: alias, version_num: version } };
      })
      .on('DELETE', new RegExp(`^${base}/aliases/[^/]+$`), (request) => {
        const denied = refused();
        if (denied) return denied;
        if (!this.aliases.delete(lastSegment(request.path))) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', 'Alias not found');
        return { body: {} };
      });
  }

  /** The registry client over this fake, as the tasks build it. */
  client(): UnityCatalogModels {
    const transport = {
      send: async (request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> => {
        if (this.down) throw new TransportError('read ECONNRESET', 'ECONNRESET');
        const response = await this.transport.send(request, signal);
        const recorded = this.transport.requests[this.transport.requests.length - 1];
        if (recorded.method !== 'GET' && this.failAfterWrite?.(recorded)) {
          this.down = true;
          throw new TransportError('read ECONNRESET', 'ECONNRESET');
        }
        return response;
      },
    };
    return new UnityCatalogModels(
      new DatabricksApiClient({ host, transport, tokens: new StaticTokenProvider('dapi-x', this.identity), clock: this.clock, logger: silentLogger, userAgent: 'test', retry: { random: () => 0.5 } }),
    );
  }

  /** Every write, in order: `PUT alias=version`, `DELETE alias`, `PATCH version <n>` (a comment). */
  writes(): string[] {
    return this.transport.requests
      .filter((r) => r.method !== 'GET')
      .map((r) => {
        if (r.method === 'PATCH') return `PATCH version ${r.path.slice(r.path.lastIndexOf('/') + 1)}`;
        const alias = r.path.slice(base.length + '/aliases/'.length);
        return `${r.method} ${alias}${r.method === 'PUT' ? `=${(r.json as { version_num: number }).version_num}` : ''}`;
      });
  }

  /** The aliases, sorted by name. */
  state(): Record<string, number> {
    return Object.fromEntries([...this.aliases].sort(([a], [b]) => a.localeCompare(b)));
  }
}
