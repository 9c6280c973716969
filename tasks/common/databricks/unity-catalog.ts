/**
 * Unity Catalog registered models, model versions and aliases (`/api/2.1/unity-catalog`).
 * Versions are integers on this API (the MLflow UC registry endpoints use strings); every read asks
 * for `include_aliases=true`, because without it the service returns an empty `aliases` list.
 * See https://docs.databricks.com/api/azure/workspace/registeredmodels and
 * https://docs.databricks.com/api/azure/workspace/modelversions.
 */
import type {
  ModelVersionInfo,
  RegisteredModelAlias,
  RegisteredModelInfo,
  UpdateModelVersionRequest,
} from '@databricks/sdk-experimental/dist/apis/catalog/model';
import { ApiError } from '../http/errors';
import { isNotFound } from './not-found';
import type { DatabricksApiClient } from './api-client';

export type { ModelVersionInfo, RegisteredModelAlias, RegisteredModelInfo };

/** A three-level Unity Catalog model name, split. */
export interface ModelFullName {
  catalog: string;
  schema: string;
  model: string;
  /** `catalog.schema.model` as given. */
  fullName: string;
}

// Unquoted UC identifiers: letters, digits, underscores; hyphens are allowed in catalog and schema
// names created through the UI, so accept them too. Dots, slashes and spaces would change the path.
const namePart = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * Parses `<catalog>.<schema>.<model>`; throws naming the input and the expected form.
 * @param inputName used in the error message, e.g. `modelName`.
 */
export function parseModelFullName(inputName: string, value: string): ModelFullName {
  const parts = value.trim().split('.');
  if (parts.length !== 3 || !parts.every((part) => namePart.test(part) && part.length <= 255)) {
    throw new Error(`Invalid '${inputName}' '${value}': expected <catalog>.<schema>.<model>`);
  }
  const [catalog, schema, model] = parts;
  return { catalog, schema, model, fullName: parts.join('.') };
}

// MLflow/UC alias names: letters, digits, underscores and hyphens; `latest` and `v<n>` are reserved
// because `models:/name@latest` and version references would become ambiguous.
const aliasPattern = /^[A-Za-z0-9_-]{1,255}$/;

/** Checks an alias name (`champion`, `previous_champion`); `latest` and `v<n>` are refused as reserved. */
export function parseAliasName(inputName: string, value: string): string {
  const alias = value.trim();
  if (!aliasPattern.test(alias)) {
    throw new Error(`Invalid '${inputName}' '${value}': expected an alias name of letters, digits, underscores and hyphens`);
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new Error(`Invalid '${inputName}' '${value}': '${alias}' is reserved by MLflow and cannot be used as an alias`);
  }
  return alias;
}

/** Parses a model version number (a positive integer). */
export function parseVersionNumber(inputName: string, value: string): number {
  const trimmed = value.trim();
  if (!/^[1-9]\d{0,15}$/.test(trimmed)) {
    throw new Error(`Invalid '${inputName}' '${value}': expected a model version number (a positive integer)`);
  }
  return Number(trimmed);
}

/** True for the answers Unity Catalog gives for a missing model, version or alias (see `not-found.ts`). */
export { isNotFound };

/**
 * Turns Unity Catalog's 403 on an alias or comment write into a message that says what is needed:
 * ownership of the registered model, by the identity the task runs as. Other errors are returned
 * unchanged, so callers can `throw explainOwnershipRefusal(error, ...)` in any catch.
 */
export function explainOwnershipRefusal(error: unknown, context: { identity: string; modelName: string; owner?: string }): unknown {
  if (!(error instanceof ApiError) || error.status !== 403) return error;
  // The client already appended generic causes; quote the service's own words instead.
  const original = error.cause instanceof ApiError ? error.cause : error;
  const owner = context.owner ? `the model's owner is '${context.owner}'` : "the model's owner could not be read";
  return new ApiError(
    `Unity Catalog refused to change model ${context.modelName}: only the owner of a registered model may set or delete its aliases and edit its version comments. ` +
      `The task ran as ${context.identity}; ${owner}. Make that identity the owner (ALTER MODEL ${context.modelName} OWNER TO \`<principal>\`) ` +
      `or a member of the owning group. ${original.message}`,
    error.details,
    { cause: error },
  );
}

/** The result of looking up an alias: the version it points at, or that nothing holds it. */
export type AliasLookup =
  | { found: true; version: ModelVersionInfo }
  | { found: false };

/** Whether a delete removed the alias or found it already gone. */
export interface AliasDeletion {
  deleted: boolean;
}

/** Per-call options. */
export interface UnityCatalogCallOptions {
  signal?: AbortSignal;
}

/** The version number an alias points at on a registered model, from its `aliases` list. */
export function aliasVersion(model: Pick<RegisteredModelInfo, 'aliases'>, alias: string): number | undefined {
  return model.aliases?.find((entry) => entry.alias_name === alias)?.version_num;
}

function modelPath(fullName: string): string {
  return `/api/2.1/unity-catalog/models/${encodeURIComponent(fullName)}`;
}

/**
 * Typed calls for registered models, versions and aliases. Writes that are safe to repeat (alias
 * PUT/DELETE, comment PATCH) are marked idempotent so the client may retry them after a 5xx or a
 * dropped connection.
 */
export class UnityCatalogModels {
  constructor(private readonly client: DatabricksApiClient) {}

  /** The identity the client calls as, for messages. */
  get identity(): string {
    return this.client.identity;
  }

  /** `GET models/{full_name}?include_aliases=true`: owner, comment and every alias of the model. */
  getRegisteredModel(fullName: string, options: UnityCatalogCallOptions = {}): Promise<RegisteredModelInfo> {
    return this.client.call<RegisteredModelInfo>('GET', modelPath(fullName), {
      query: { include_aliases: true },
      signal: options.signal,
    });
  }

  /** `GET models/{full_name}/versions/{version}?include_aliases=true`. Throws ApiError 404 when missing. */
  getModelVersion(fullName: string, version: number, options: UnityCatalogCallOptions = {}): Promise<ModelVersionInfo> {
    return this.client.call<ModelVersionInfo>('GET', `${modelPath(fullName)}/versions/${version}`, {
      query: { include_aliases: true },
      signal: options.signal,
    });
  }

  /** `GET models/{full_name}/aliases/{alias}?include_aliases=true`. Throws ApiError 404 when nothing holds the alias. */
  getVersionByAlias(fullName: string, alias: string, options: UnityCatalogCallOptions = {}): Promise<ModelVersionInfo> {
    return this.client.call<ModelVersionInfo>('GET', `${modelPath(fullName)}/aliases/${encodeURIComponent(alias)}`, {
      query: { include_aliases: true },
      signal: options.signal,
    });
  }

  /**
   * Like {@link getVersionByAlias}, but a missing alias is a result, not an exception. Unity Catalog
   * answers 404 for a missing model too: callers that must tell the two apart read the model first.
   */
  async findVersionByAlias(fullName: string, alias: string, options: UnityCatalogCallOptions = {}): Promise<AliasLookup> {
    try {
      return { found: true, version: await this.getVersionByAlias(fullName, alias, options) };
    } catch (error) {
      if (isNotFound(error)) return { found: false };
      throw error;
    }
  }

  /**
   * `PUT models/{full_name}/aliases/{alias}` with `{version_num}`: points the alias at the version,
   * moving it if it points elsewhere. Requires owning the model. With `singleAttempt` the PUT is
   * sent once: a repeat after a backoff would land long after the caller's last read of the alias
   * and could overwrite a concurrent move (a lost update), so the caller re-reads instead.
   */
  setAlias(fullName: string, alias: string, version: number, options: UnityCatalogCallOptions & { singleAttempt?: boolean } = {}): Promise<RegisteredModelAlias> {
    return this.client.call<RegisteredModelAlias>('PUT', `${modelPath(fullName)}/aliases/${encodeURIComponent(alias)}`, {
      body: { version_num: version },
      idempotent: !options.singleAttempt,
      retries: options.singleAttempt ? 0 : undefined,
      signal: options.signal,
    });
  }

  /**
   * `DELETE models/{full_name}/aliases/{alias}`. An alias that is already gone is not an error
   * (`deleted: false`), so a re-run after a lost response reaches the same end state.
   */
  async deleteAlias(fullName: string, alias: string, options: UnityCatalogCallOptions = {}): Promise<AliasDeletion> {
    try {
      await this.client.call<unknown>('DELETE', `${modelPath(fullName)}/aliases/${encodeURIComponent(alias)}`, {
        idempotent: true,
        signal: options.signal,
      });
      return { deleted: true };
    } catch (error) {
      if (isNotFound(error)) return { deleted: false };
      throw error;
    }
  }

  /** `PATCH models/{full_name}/versions/{version}` with `{comment}`: replaces the version's comment. */
  updateVersionComment(fullName: string, version: number, comment: string, options: UnityCatalogCallOptions = {}): Promise<ModelVersionInfo> {
    const body: Pick<UpdateModelVersionRequest, 'comment'> = { comment };
    return this.client.call<ModelVersionInfo>('PATCH', `${modelPath(fullName)}/versions/${version}`, {
      body,
      idempotent: true,
      signal: options.signal,
    });
  }
}
