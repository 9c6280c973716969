/**
 * Unity Catalog registered models, versions and aliases (`/api/2.1/unity-catalog/models/...`).
 * Quirks reproduced: version numbers are integers here (strings in the MLflow routes), `aliases` are
 * returned only with `include_aliases=true`, missing model/version/alias is 404
 * RESOURCE_DOES_NOT_EXIST, and alias or comment writes need ownership of the model (403 otherwise),
 * which is exactly what trips a service principal that was granted only EXECUTE.
 */
import type {
  ModelVersionInfo,
  RegisteredModelAlias,
  RegisteredModelInfo,
  SetRegisteredModelAliasRequest,
  UpdateModelVersionRequest,
} from '@databricks/sdk-experimental/dist/apis/catalog/model';
import {
  decodePageToken,
  encodePageToken,
  invalidParameter,
  jsonBody,
  notFound,
  ok,
  parseInteger,
  permissionDenied,
  type EmulatorRequest,
  type Reply,
  type Route,
} from '../http-kit';
import type { EmulatorContext } from '../server';
import type { ModelRecord, ModelVersionRecord, WorkspaceState } from '../state';

export const metastoreId = '11111111-2222-4333-8444-555555555555';

/** A model by full name (case-insensitive), or 404 as Unity Catalog answers. */
export function findModel(state: WorkspaceState, fullName: string): ModelRecord {
  const model = state.models.get(fullName.toLowerCase());
  if (!model) throw notFound(`Routine or Model '${fullName}' does not exist.`);
  return model;
}

export function findVersion(model: ModelRecord, version: number): ModelVersionRecord {
  const record = model.versions.get(version);
  if (!record) throw notFound(`Routine or Model '${model.fullName}' version ${version} does not exist.`);
  return record;
}

/** The version an alias points at, or 404. */
export function findAlias(model: ModelRecord, alias: string): ModelVersionRecord {
  const version = model.aliases.get(alias.toLowerCase()) ?? model.aliases.get(alias);
  if (version === undefined) throw notFound(`Alias '${alias}' does not exist for registered model '${model.fullName}'.`);
  return findVersion(model, version);
}

/** Writes that need ownership: aliases, comments. */
export function requireOwner(model: ModelRecord, identity: string, action: string): void {
  if (model.owner !== identity) {
    throw permissionDenied(`User '${identity}' does not have permission to ${action} on registered model '${model.fullName}': only the owner '${model.owner}' may.`);
  }
}

/** Alias names as MLflow/UC accept them: `latest` and `v<n>` are reserved. */
export function checkAliasName(alias: string): void {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(alias)) throw invalidParameter(`Invalid alias name '${alias}': use letters, digits, '_' and '-'.`);
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) throw invalidParameter(`Alias name '${alias}' is reserved.`);
}

export function aliasInfo(model: ModelRecord, alias: string, version: number): RegisteredModelAlias {
  return { alias_name: alias, version_num: version, catalog_name: model.catalog, schema_name: model.schema, model_name: model.name };
}

function versionAliases(model: ModelRecord, version: number): RegisteredModelAlias[] {
  return [...model.aliases].filter(([, v]) => v === version).map(([alias]) => aliasInfo(model, alias, version));
}

function versionInfo(model: ModelRecord, record: ModelVersionRecord, includeAliases: boolean): ModelVersionInfo {
  const aliases = includeAliases ? versionAliases(model, record.version) : [];
  return {
    model_name: model.name,
    catalog_name: model.catalog,
    schema_name: model.schema,
    version: record.version,
    id: record.id,
    status: record.status,
    source: record.source,
    ...(record.runId ? { run_id: record.runId, run_workspace_id: 1234567890123456 } : {}),
    ...(record.comment !== undefined ? { comment: record.comment } : {}),
    storage_location: `abfss://metastore@emulator.dfs.core.windows.net/models/${model.id}/versions/${record.id}`,
    metastore_id: metastoreId,
    created_at: record.createdAt,
    created_by: record.createdBy,
    updated_at: record.updatedAt,
    updated_by: record.updatedBy,
    // Protobuf JSON omits empty lists: without include_aliases there is no `aliases` key at all.
    ...(aliases.length > 0 ? { aliases } : {}),
  };
}

function modelInfo(model: ModelRecord, includeAliases: boolean): RegisteredModelInfo {
  const aliases = includeAliases ? [...model.aliases].map(([alias, version]) => aliasInfo(model, alias, version)) : [];
  return {
    full_name: model.fullName,
    name: model.name,
    catalog_name: model.catalog,
    schema_name: model.schema,
    owner: model.owner,
    ...(model.comment !== undefined ? { comment: model.comment } : {}),
    storage_location: `abfss://metastore@emulator.dfs.core.windows.net/models/${model.id}`,
    metastore_id: metastoreId,
    created_at: model.createdAt,
    created_by: model.createdBy,
    updated_at: model.updatedAt,
    updated_by: model.updatedBy,
    browse_only: false,
    ...(aliases.length > 0 ? { aliases } : {}),
  };
}

export function unityCatalogRoutes(context: EmulatorContext): Route[] {
  const includeAliases = (request: EmulatorRequest): boolean => request.query.get('include_aliases') === 'true';
  const model = (request: EmulatorRequest): ModelRecord => findModel(context.state, decodeURIComponent(request.params.name));
  const versionNumber = (request: EmulatorRequest): number => parseInteger('version', request.params.version);

  function getModel(request: EmulatorRequest): Reply {
    return ok(modelInfo(model(request), includeAliases(request)) satisfies RegisteredModelInfo);
  }

  function listVersions(request: EmulatorRequest): Reply {
    const found = model(request);
    const maxText = request.query.get('max_results');
    const max = maxText === null ? 100 : parseInteger('max_results', maxText);
    if (max < 0 || max > 1000) throw invalidParameter('max_results must be between 0 and 1000.');
    const offset = decodePageToken(request.query.get('page_token'));
    const all = [...found.versions.values()].sort((a, b) => b.version - a.version);
    const size = max === 0 ? 100 : max;
    const page = all.slice(offset, offset + size).map((v) => versionInfo(found, v, false));
    return ok({
      ...(page.length > 0 ? { model_versions: page } : {}),
      ...(offset + size < all.length ? { next_page_token: encodePageToken(offset + size) } : {}),
    });
  }

  function getVersion(request: EmulatorRequest): Reply {
    const found = model(request);
    return ok(versionInfo(found, findVersion(found, versionNumber(request)), includeAliases(request)) satisfies ModelVersionInfo);
  }

  function updateVersion(request: EmulatorRequest): Reply {
    const found = model(request);
    const record = findVersion(found, versionNumber(request));
    const body = jsonBody<Partial<UpdateModelVersionRequest>>(request);
    requireOwner(found, request.caller!.identity, 'update the comment of a version');
    if (body.comment !== undefined) {
      if (typeof body.comment !== 'string') throw invalidParameter('comment must be a string.');
      record.comment = body.comment;
      record.updatedAt = context.now();
      record.updatedBy = request.caller!.identity;
    }
    return ok(versionInfo(found, record, false) satisfies ModelVersionInfo);
  }

  function getByAlias(request: EmulatorRequest): Reply {
    const found = model(request);
    return ok(versionInfo(found, findAlias(found, request.params.alias), includeAliases(request)) satisfies ModelVersionInfo);
  }

  function setAlias(request: EmulatorRequest): Reply {
    const found = model(request);
    const alias = request.params.alias;
    checkAliasName(alias);
    const body = jsonBody<Partial<SetRegisteredModelAliasRequest>>(request);
    if (body.version_num === undefined) throw invalidParameter('Missing required field: version_num');
    const version = parseInteger('version_num', body.version_num);
    requireOwner(found, request.caller!.identity, 'set an alias');
    findVersion(found, version);
    found.aliases.set(alias, version);
    found.updatedAt = context.now();
    found.updatedBy = request.caller!.identity;
    return ok(aliasInfo(found, alias, version) satisfies RegisteredModelAlias);
  }

  function deleteAlias(request: EmulatorRequest): Reply {
    const found = model(request);
    const alias = request.params.alias;
    requireOwner(found, request.caller!.identity, 'delete an alias');
    findAlias(found, alias);
    found.aliases.delete(alias);
    found.updatedAt = context.now();
    found.updatedBy = request.caller!.identity;
    return ok({});
  }

  const base = '^/api/2\\.1/unity-catalog/models/(?<name>[^/]+)';
  const modelPath = new RegExp(`${base}$`);
  const versionsPath = new RegExp(`${base}/versions$`);
  const versionPath = new RegExp(`${base}/versions/(?<version>[^/]+)$`);
  const aliasPath = new RegExp(`${base}/aliases/(?<alias>[^/]+)$`);
  return [
    { method: 'GET', pattern: modelPath, auth: 'workspace', handle: getModel },
    { method: 'GET', pattern: versionsPath, auth: 'workspace', handle: listVersions },
    { method: 'GET', pattern: versionPath, auth: 'workspace', handle: getVersion },
    { method: 'PATCH', pattern: versionPath, auth: 'workspace', handle: updateVersion },
    { method: 'GET', pattern: aliasPath, auth: 'workspace', handle: getByAlias },
    { method: 'PUT', pattern: aliasPath, auth: 'workspace', handle: setAlias },
    { method: 'DELETE', pattern: aliasPath, auth: 'workspace', handle: deleteAlias },
  ];
}
