/**
 * Where the compliance rules get their facts, as one port the task wires to the Databricks clients
 * and tests fake. Each fact is read at most once per evaluation, and a failed read is kept as the
 * failure, so every rule that needs it reports the same reason.
 */
import type { LoggedModel } from '@databricks/sdk-experimental/dist/apis/ml/model';
import type { Run, UcModelVersion } from '../databricks/mlflow';

export type { LoggedModel };

/** A registered model as the MLflow UC registry returns it (the only route with its tags). */
export interface RegistryModel {
  name: string;
  tags?: Array<{ key?: string; value?: string }>;
}

/** A UC model version as the MLflow UC registry returns it, with MLflow 3's `model_id` when set. */
export type ComplianceVersion = UcModelVersion & { model_id?: string };

/** The reads the rules need. Implementations throw on failure (the client's retries already done). */
export interface ComplianceSources {
  /** The version with its tags (`GET /api/2.0/mlflow/unity-catalog/model-versions/get`). */
  getVersion(modelName: string, version: number): Promise<ComplianceVersion>;
  /** The registered model with its tags (`GET /api/2.0/mlflow/unity-catalog/registered-models/get`). */
  getRegistryModel(modelName: string): Promise<RegistryModel>;
  /** The registered model's owner (`GET /api/2.1/unity-catalog/models/{name}`; the MLflow route has none). */
  getModelOwner(modelName: string): Promise<string | undefined>;
  getRun(runId: string): Promise<Run>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  /**
   * Rows of a SELECT through the SQL statement API with named parameters; undefined when no SQL
   * warehouse is configured.
   */
  query?: (statement: string, parameters: Array<{ name: string; value: string }>) => Promise<Array<Array<string | null>>>;
}

/** A read that either produced a value or failed with a reason. */
export type Fact<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Memoises each read of one evaluation, failures included. */
export class EvidenceCache {
  private readonly facts = new Map<string, Promise<Fact<unknown>>>();

  /** The fact named `key`, read by `read` the first time it is asked for. */
  get<T>(key: string, read: () => Promise<T>): Promise<Fact<T>> {
    let fact = this.facts.get(key);
    if (!fact) {
      fact = read().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, reason: error instanceof Error ? error.message : String(error) }),
      );
      this.facts.set(key, fact);
    }
    return fact as Promise<Fact<T>>;
  }
}
