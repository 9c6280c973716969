/**
 * What an emulated workspace contains, as plain data. A scenario is the only input a test needs to
 * describe the world it runs against: identities and their credentials, jobs and how their runs end,
 * notebooks, files, models, MLflow runs and SQL tables. `startEmulator({ scenario })` and
 * `emulator.seed(partial)` take this shape; everything is optional so tests state only what matters.
 */
import type { RunResultState, TerminationCodeCode } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { ModelVersionInfoStatus } from '@databricks/sdk-experimental/dist/apis/catalog/model';
import type { RunInfoStatus } from '@databricks/sdk-experimental/dist/apis/ml/model';
import type { ScenarioServedModel, ScenarioServingEndpoint } from './serving-state';

/** A user or service principal name, as Databricks shows it in `owner`/`creator_user_name`. */
export type IdentityName = string;

/**
 * A Databricks service principal. Its identity name is its application (client) id, as in the
 * workspace. Which credentials it accepts decides which auth paths can reach it.
 */
export interface ScenarioServicePrincipal {
  /** Application id; the OAuth `client_id` and the identity name used for ownership checks. */
  applicationId: string;
  displayName?: string;
  /** Databricks-managed OAuth secret (M2M `client_credentials` at `/oidc/v1/token`). */
  oauthSecret?: string;
  /**
   * Databricks federation policy: this principal accepts Azure DevOps pipeline OIDC tokens in a
   * token exchange at `/oidc/v1/token`. `subjects` limits the accepted `sub` claims (any pipeline
   * token when omitted).
   */
  federation?: { subjects?: string[] };
  /** Entra ID app registration in `tenantId`, reachable at `/entra/{tenantId}/oauth2/...`. */
  entra?: {
    tenantId: string;
    /** Client secret for the secret scheme. */
    clientSecret?: string;
    /**
     * Service connection ids whose ADO OIDC tokens Entra accepts as a client assertion for this app
     * (the federated credential of a workload identity federation service connection).
     */
    federatedServiceConnectionIds?: string[];
  };
}

/** The Azure DevOps side: the org served under `/ado/<organization>/` and the pipeline's tokens. */
export interface ScenarioAzureDevOps {
  /** Organization name in the collection URI (`${url}/ado/<organization>/`). Default `org`. */
  organization?: string;
  /** Organization GUID, used in the OIDC issuer `https://vstoken.dev.azure.com/{id}`. */
  organizationId?: string;
  /** `System.AccessToken` values accepted by the OIDC-token endpoint. */
  systemAccessTokens?: string[];
  /** Pipeline subject for tokens requested without a service connection, e.g. `p://org/proj/pipe`. */
  pipelineSubject?: string;
  /** Lifetime of issued ADO OIDC tokens in seconds (ADO issues 10-minute tokens). Default 600. */
  oidcTokenLifetimeSeconds?: number;
}

/** Who may call the workspace. */
export interface ScenarioIdentities {
  /** Personal access tokens: token value → user or service principal name. */
  pats?: Record<string, IdentityName>;
  servicePrincipals?: ScenarioServicePrincipal[];
}

/**
 * How one task run behaves, as data. Each `runs/get` of the run (or each clock step when the emulator
 * has a clock) advances it by one step: `pending` steps in PENDING, then `running` steps in RUNNING,
 * then terminal with `result`.
 */
export interface TaskScript {
  /** Steps spent PENDING. Default 1. */
  pending?: number;
  /** Steps spent RUNNING; `'forever'` stays RUNNING until cancelled. Default 1. */
  running?: number | 'forever';
  /** Final result. Default SUCCESS. */
  result?: RunResultState;
  /** Overrides the `status.termination_details.code` derived from `result`. */
  terminationCode?: TerminationCodeCode;
  /** Ends with life cycle `INTERNAL_ERROR` instead of `TERMINATED`. */
  internalError?: boolean;
  /** The value passed to `dbutils.notebook.exit()`; objects are sent as JSON. */
  notebookOutput?: NotebookOutputSource;
  /** `get-output` `error` once failed. */
  error?: string;
  errorTrace?: string;
  /** stdout/stderr of python tasks. */
  logs?: string;
  logsTruncated?: boolean;
  /** Files (volume path → content) written to the volume store when the task finishes. */
  files?: Record<string, string | Uint8Array>;
  /** `state_message` while running / at the end. */
  stateMessage?: string;
}

/** What a task's exit value may be derived from, for outputs that echo parameters. */
export interface TaskRunContext {
  runId: number;
  taskKey: string;
  jobParameters: Record<string, string>;
  baseParameters: Record<string, string>;
}

/** A fixed exit value, or one computed from the run's parameters (e.g. an evaluation job). */
export type NotebookOutputSource = string | object | ((context: TaskRunContext) => string | object);

/** A task of a job defined in the workspace. */
export interface ScenarioJobTask {
  taskKey: string;
  notebookPath?: string;
  pythonFile?: string;
  baseParameters?: Record<string, string>;
  dependsOn?: string[];
  /** Behaviour of this task's runs; falls back to `notebooks[notebookPath]`, then success. */
  script?: TaskScript;
}

/** A job defined in the workspace (what `jobs/list`, `jobs/get` and `run-now` see). */
export interface ScenarioJob {
  /** Assigned when omitted. */
  jobId?: number;
  name: string;
  creator?: IdentityName;
  /** Job parameter definitions: name → default value. */
  parameters?: Record<string, string>;
  tasks: ScenarioJobTask[];
  timeoutSeconds?: number;
  tags?: Record<string, string>;
}

/** A model version in Unity Catalog, with its registry metadata. */
export interface ScenarioModelVersion {
  version: number;
  status?: ModelVersionInfoStatus;
  /** MLflow run that produced it (see `mlflowRuns`). */
  runId?: string;
  source?: string;
  comment?: string;
  createdBy?: IdentityName;
  createdAt?: number;
  /** MLflow UC registry tags (not returned by `/api/2.1/unity-catalog`). */
  tags?: Record<string, string>;
  /** MLflow 3: the logged model the version was registered from (see `loggedModels`). */
  modelId?: string;
}

/** A registered model in Unity Catalog. */
export interface ScenarioModel {
  /** `<catalog>.<schema>.<model>`. */
  fullName: string;
  owner: IdentityName;
  comment?: string;
  versions: ScenarioModelVersion[];
  /** alias → version. */
  aliases?: Record<string, number>;
  tags?: Record<string, string>;
}

/** One logged value of a metric. */
export interface ScenarioMetric {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
  datasetName?: string;
  datasetDigest?: string;
  modelId?: string;
}

/** An MLflow run (tracking). */
export interface ScenarioMlflowRun {
  runId: string;
  runName?: string;
  experimentId?: string;
  status?: RunInfoStatus;
  userId?: IdentityName;
  startTime?: number;
  endTime?: number;
  /** Every logged value; `runs/get` shows the latest per key, `get-history` all of them. */
  metrics?: ScenarioMetric[];
  params?: Record<string, string>;
  tags?: Record<string, string>;
  datasets?: Array<{ name: string; digest: string; sourceType?: string; source?: string; context?: string }>;
}

/** An MLflow 3 logged model (`GET /api/2.0/mlflow/logged-models/{model_id}`). */
export interface ScenarioLoggedModel {
  modelId: string;
  name?: string;
  experimentId?: string;
  sourceRunId?: string;
  /** Default LOGGED_MODEL_READY. */
  status?: 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';
  modelType?: string;
  tags?: Record<string, string>;
  params?: Record<string, string>;
}

/** A column of an in-memory table. */
export interface ScenarioColumn {
  name: string;
  /** SQL type text: STRING, INT, BIGINT, DOUBLE, BOOLEAN, TIMESTAMP, DECIMAL(10,2), ... */
  type: string;
}

/** A Delta table served by the SQL statements API. Values are kept as strings, like JSON_ARRAY results. */
export interface ScenarioTable {
  /** Three-part name `<catalog>.<schema>.<table>`. */
  name: string;
  columns: ScenarioColumn[];
  rows?: Array<Array<string | null>>;
}

/** A workspace object other than the notebooks in `notebooks`. */
export interface ScenarioWorkspaceObject {
  path: string;
  type: 'NOTEBOOK' | 'FILE' | 'DIRECTORY' | 'REPO';
  language?: 'PYTHON' | 'SQL' | 'SCALA' | 'R';
}

/** The whole workspace. */
export interface Scenario {
  identities?: ScenarioIdentities;
  azureDevOps?: ScenarioAzureDevOps;
  jobs?: ScenarioJob[];
  /** Notebook path → behaviour of runs of that notebook; the notebooks also exist in the workspace tree. */
  notebooks?: Record<string, TaskScript>;
  /** Python file path → behaviour of `spark_python_task` runs. */
  pythonFiles?: Record<string, TaskScript>;
  workspaceObjects?: ScenarioWorkspaceObject[];
  /** Volume files: `/Volumes/<catalog>/<schema>/<volume>/...` → content. */
  files?: Record<string, string | Uint8Array>;
  models?: ScenarioModel[];
  mlflowRuns?: ScenarioMlflowRun[];
  /** MLflow 3 logged models. */
  loggedModels?: ScenarioLoggedModel[];
  /** SQL warehouse ids that exist; statements on other ids are rejected. */
  warehouses?: string[];
  tables?: ScenarioTable[];
  /** Polls a statement stays PENDING before it runs. Default 1. */
  statementPendingPolls?: number;
  /** Rows per result chunk of the statements API. Default 1000. */
  statementRowsPerChunk?: number;
  /** Model Serving endpoints, how served model versions behave, and how long an update takes (see serving-state.ts). */
  serving?: { endpoints?: ScenarioServingEndpoint[]; models?: ScenarioServedModel[]; updateMs?: number };
}
