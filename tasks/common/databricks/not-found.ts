import { ApiError } from '../http/errors';

/**
 * The `error_code`s with which Databricks says a resource does not exist: `RESOURCE_DOES_NOT_EXIST`
 * (Unity Catalog, MLflow, Jobs, Workspace) and `NOT_FOUND` (Files API, SQL). See the error codes
 * the Databricks SDKs map, e.g. https://github.com/databricks/databricks-sdk-go/blob/main/apierr/error_mapping.go.
 */
export const notFoundErrorCodes: ReadonlySet<string> = new Set(['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND']);

/**
 * True only when the workspace itself said the resource is absent: a documented not-found
 * `error_code` in its JSON error body. A 404 without one comes from something else on the way (a
 * proxy, a gateway, a wrong host or path) and says nothing about the resource, so it is an error,
 * never "no such alias" or "no champion", which would let a task decide on a state it never saw.
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.errorCode !== undefined && notFoundErrorCodes.has(error.errorCode);
}
