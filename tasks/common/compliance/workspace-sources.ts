/**
 * {@link ComplianceSources} over the Databricks REST API: the MLflow Unity Catalog registry routes
 * (the only ones that return tags, see
 * https://github.com/mlflow/mlflow/blob/master/mlflow/protos/databricks_uc_registry_messages.proto), MLflow runs and
 * MLflow 3 logged models, Unity Catalog for the owner, and the SQL statement API with named
 * parameters for the audit table and the lineage system table.
 */
import type { DatabricksApiClient } from '../databricks/api-client';
import type { MlflowClient } from '../databricks/mlflow';
import type { SqlStatements } from '../databricks/sql';
import type { UnityCatalogModels } from '../databricks/unity-catalog';
import type { ComplianceSources, ComplianceVersion, LoggedModel, RegistryModel } from './evidence';

/** What the sources read through. */
export interface WorkspaceClients {
  client: DatabricksApiClient;
  mlflow: MlflowClient;
  registry: UnityCatalogModels;
  /** With the warehouse id; absent when no SQL warehouse is configured. */
  sql?: { statements: Pick<SqlStatements, 'execute'>; warehouseId: string; deadlineMs: () => number };
  signal?: AbortSignal;
}

/** `GET /api/2.0/mlflow/unity-catalog/registered-models/alias?name=&alias=`: the version an alias points at, with its tags. */
export async function getVersionByAlias(client: DatabricksApiClient, modelName: string, alias: string, signal?: AbortSignal): Promise<ComplianceVersion> {
  const response = await client.call<{ model_version?: ComplianceVersion }>('GET', '/api/2.0/mlflow/unity-catalog/registered-models/alias', {
    query: { name: modelName, alias },
    signal,
  });
  if (!response.model_version) throw new Error(`The registry returned no version for alias '${alias}' of ${modelName}.`);
  return response.model_version;
}

/** Builds the sources for one task run. */
export function workspaceSources(clients: WorkspaceClients): ComplianceSources {
  const { client, mlflow, registry, sql, signal } = clients;
  return {
    getVersion: (modelName, version) => mlflow.getModelVersion(modelName, version, { signal }) as Promise<ComplianceVersion>,
    async getRegistryModel(modelName) {
      const response = await client.call<{ registered_model?: RegistryModel }>('GET', '/api/2.0/mlflow/unity-catalog/registered-models/get', { query: { name: modelName }, signal });
      if (!response.registered_model) throw new Error(`The registry returned no registered model for ${modelName}.`);
      return response.registered_model;
    },
    async getModelOwner(modelName) {
      return (await registry.getRegisteredModel(modelName, { signal })).owner;
    },
    getRun: (runId) => mlflow.getRun(runId, { signal }),
    async getLoggedModel(modelId) {
      const response = await client.call<{ model?: LoggedModel }>('GET', `/api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}`, { signal });
      if (!response.model) throw new Error(`MLflow returned no logged model for '${modelId}'.`);
      return response.model;
    },
    ...(sql
      ? {
          async query(statement, parameters) {
            const result = await sql.statements.execute(
              { statement, warehouseId: sql.warehouseId, parameters: parameters.map((p) => ({ ...p, type: 'STRING' })) },
              { signal, deadline: sql.deadlineMs() },
            );
            return result.rows;
          },
        }
      : {}),
  };
}
