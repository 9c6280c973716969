/**
 * The emulator's mutable state: what the scenario seeded plus what requests changed. Tests may read
 * and change it directly (e.g. move an alias behind a client's back to simulate a concurrent writer).
 * Names that Databricks treats case-insensitively (models, tables) are keyed in lower case.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceError, StatementParameterListItem } from '@databricks/sdk-experimental/dist/apis/sql/model';
import type { ModelVersionInfoStatus } from '@databricks/sdk-experimental/dist/apis/catalog/model';
import type {
  IdentityName,
  Scenario,
  ScenarioColumn,
  ScenarioJob,
  ScenarioLoggedModel,
  ScenarioMlflowRun,
  ScenarioServicePrincipal,
  TaskScript,
} from './scenario';
import { TokenStore } from './tokens';
import type { JobRunRecord, TaskRunRecord } from './runs';
import type { ParsedStatement } from './sql-engine';
import { ServingState } from './serving-state';
import { seedServing } from './serving-config';

/** The default workspace identity that owns things the scenario does not assign. */
export const defaultOwner = 'owner@example.com';

export interface JobRecord extends Omit<ScenarioJob, 'jobId'> {
  jobId: number;
  createdAt: number;
  creator: IdentityName;
  /** Counts runs for `number_in_job`. */
  runCount: number;
}

export interface ModelVersionRecord {
  version: number;
  id: string;
  status: ModelVersionInfoStatus;
  runId?: string;
  source: string;
  comment?: string;
  createdAt: number;
  createdBy: IdentityName;
  updatedAt: number;
  updatedBy: IdentityName;
  tags: Map<string, string>;
  /** MLflow 3 logged model id. */
  modelId?: string;
}

export interface ModelRecord {
  id: string;
  fullName: string;
  catalog: string;
  schema: string;
  name: string;
  owner: IdentityName;
  comment?: string;
  createdAt: number;
  createdBy: IdentityName;
  updatedAt: number;
  updatedBy: IdentityName;
  versions: Map<number, ModelVersionRecord>;
  /** alias → version number; one alias points at exactly one version. */
  aliases: Map<string, number>;
  tags: Map<string, string>;
}

export interface FileRecord {
  content: Buffer;
  modifiedAt: number;
}

export interface TableRecord {
  /** Three-part name, lower case. */
  name: string;
  columns: ScenarioColumn[];
  rows: Array<Array<string | null>>;
}

export interface StatementRecord {
  id: string;
  warehouseId: string;
  statement: string;
  /** Parameters exactly as the client sent them (proof that values were not spliced into SQL). */
  parameters: StatementParameterListItem[];
  /** What the engine understood, or undefined when it could not parse the statement. */
  parsed?: ParsedStatement;
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';
  /** GETs left before the statement leaves PENDING. */
  pendingPolls: number;
  error?: ServiceError;
  result?: { columns: ScenarioColumn[]; rows: Array<Array<string | null>> };
  /** `row_limit` of the request; rows beyond it are dropped and the manifest says `truncated`. */
  rowLimit?: number;
  truncated?: boolean;
  caller: IdentityName;
  createdAt: number;
}

export interface WorkspaceObjectRecord {
  path: string;
  type: 'NOTEBOOK' | 'FILE' | 'DIRECTORY' | 'REPO';
  language?: 'PYTHON' | 'SQL' | 'SCALA' | 'R';
  objectId: number;
  createdAt: number;
}

/** Resolved ADO settings. */
export interface AzureDevOpsState {
  organization: string;
  organizationId: string;
  systemAccessTokens: Set<string>;
  pipelineSubject?: string;
  oidcTokenLifetimeSeconds: number;
}

/** Everything the emulator knows. */
export class WorkspaceState {
  readonly tokens: TokenStore;
  /** Personal access token → identity. */
  readonly pats = new Map<string, IdentityName>();
  /** Application id → service principal. */
  readonly servicePrincipals = new Map<string, ScenarioServicePrincipal>();
  readonly azureDevOps: AzureDevOpsState = {
    organization: 'org',
    organizationId: '00000000-0000-4000-8000-0000000000ad',
    systemAccessTokens: new Set(),
    oidcTokenLifetimeSeconds: 600,
  };
  readonly jobs = new Map<number, JobRecord>();
  /** Parent runs by run id. */
  readonly runs = new Map<number, JobRunRecord>();
  /** Task runs by their own run id. */
  readonly taskRuns = new Map<number, { run: JobRunRecord; task: TaskRunRecord }>();
  /** `idempotency_token` → run it created (submit and run-now share one namespace). */
  readonly idempotencyTokens = new Map<string, number>();
  readonly notebooks = new Map<string, TaskScript>();
  readonly pythonFiles = new Map<string, TaskScript>();
  readonly workspaceObjects = new Map<string, WorkspaceObjectRecord>();
  /** Volume files by absolute path. */
  readonly files = new Map<string, FileRecord>();
  /** Directories created explicitly (parents of files exist implicitly). */
  readonly directories = new Set<string>();
  readonly models = new Map<string, ModelRecord>();
  readonly mlflowRuns = new Map<string, ScenarioMlflowRun>();
  readonly loggedModels = new Map<string, ScenarioLoggedModel>();
  readonly warehouses = new Set<string>();
  readonly tables = new Map<string, TableRecord>();
  readonly statements = new Map<string, StatementRecord>();
  statementPendingPolls = 1;
  statementRowsPerChunk = 1000;
  readonly serving = new ServingState();
  private nextJobId = 1001;
  private nextRunId = 50001;
  private nextObjectId = 7001;

  constructor(readonly now: () => number) {
    this.tokens = new TokenStore(now);
  }

  allocateJobId(): number {
    return this.nextJobId++;
  }

  allocateRunId(): number {
    return this.nextRunId++;
  }

  /** Adds (or replaces) what `scenario` describes; what it does not mention stays. */
  apply(scenario: Scenario): void {
    const now = this.now();
    for (const [token, identity] of Object.entries(scenario.identities?.pats ?? {})) {
      this.pats.set(token, identity);
      this.tokens.register(token, 'pat', identity);
    }
    for (const sp of scenario.identities?.servicePrincipals ?? []) this.servicePrincipals.set(sp.applicationId, sp);
    const ado = scenario.azureDevOps;
    if (ado) {
      if (ado.organization) this.azureDevOps.organization = ado.organization;
      if (ado.organizationId) this.azureDevOps.organizationId = ado.organizationId;
      if (ado.pipelineSubject) this.azureDevOps.pipelineSubject = ado.pipelineSubject;
      if (ado.oidcTokenLifetimeSeconds) this.azureDevOps.oidcTokenLifetimeSeconds = ado.oidcTokenLifetimeSeconds;
      for (const token of ado.systemAccessTokens ?? []) {
        this.azureDevOps.systemAccessTokens.add(token);
        this.tokens.register(token, 'ado-system', 'Project Collection Build Service');
      }
    }
    for (const [path, script] of Object.entries(scenario.notebooks ?? {})) {
      this.notebooks.set(path, script);
      this.addWorkspaceObject({ path, type: 'NOTEBOOK', language: 'PYTHON' });
    }
    for (const [path, script] of Object.entries(scenario.pythonFiles ?? {})) {
      this.pythonFiles.set(path, script);
      if (!path.startsWith('/Volumes/') && !path.startsWith('dbfs:')) this.addWorkspaceObject({ path, type: 'FILE' });
    }
    for (const object of scenario.workspaceObjects ?? []) this.addWorkspaceObject(object);
    for (const job of scenario.jobs ?? []) {
      const jobId = job.jobId ?? this.allocateJobId();
      if (jobId >= this.nextJobId) this.nextJobId = jobId + 1;
      this.jobs.set(jobId, { ...job, jobId, createdAt: now, creator: job.creator ?? defaultOwner, runCount: 0 });
      for (const task of job.tasks) {
        if (task.notebookPath && !this.workspaceObjects.has(task.notebookPath)) {
          this.addWorkspaceObject({ path: task.notebookPath, type: 'NOTEBOOK', language: 'PYTHON' });
        }
      }
    }
    for (const [path, content] of Object.entries(scenario.files ?? {})) {
      this.files.set(path, { content: Buffer.from(content), modifiedAt: now });
    }
    for (const model of scenario.models ?? []) this.applyModel(model, now);
    for (const run of scenario.mlflowRuns ?? []) this.mlflowRuns.set(run.runId, run);
    for (const logged of scenario.loggedModels ?? []) this.loggedModels.set(logged.modelId, logged);
    for (const id of scenario.warehouses ?? []) this.warehouses.add(id);
    for (const table of scenario.tables ?? []) {
      const name = table.name.replace(/`/g, '').toLowerCase();
      this.tables.set(name, { name, columns: table.columns.map((c) => ({ ...c })), rows: (table.rows ?? []).map((r) => [...r]) });
    }
    if (scenario.statementPendingPolls !== undefined) this.statementPendingPolls = scenario.statementPendingPolls;
    if (scenario.statementRowsPerChunk !== undefined) this.statementRowsPerChunk = scenario.statementRowsPerChunk;
    if (scenario.serving) seedServing(this, scenario.serving);
  }

  private applyModel(model: NonNullable<Scenario['models']>[number], now: number): void {
    const parts = model.fullName.split('.');
    if (parts.length !== 3) throw new Error(`Scenario model '${model.fullName}': expected <catalog>.<schema>.<model>`);
    const [catalog, schema, name] = parts.map((p) => p.toLowerCase());
    const record: ModelRecord = {
      id: randomUUID(),
      fullName: `${catalog}.${schema}.${name}`,
      catalog,
      schema,
      name,
      owner: model.owner,
      comment: model.comment,
      createdAt: now,
      createdBy: model.owner,
      updatedAt: now,
      updatedBy: model.owner,
      versions: new Map(),
      aliases: new Map(Object.entries(model.aliases ?? {})),
      tags: new Map(Object.entries(model.tags ?? {})),
    };
    for (const v of model.versions) {
      const createdAt = v.createdAt ?? now;
      record.versions.set(v.version, {
        version: v.version,
        id: randomUUID(),
        status: v.status ?? 'READY',
        runId: v.runId,
        source: v.source ?? `models:/${record.fullName}/${v.version}`,
        comment: v.comment,
        createdAt,
        createdBy: v.createdBy ?? model.owner,
        updatedAt: createdAt,
        updatedBy: v.createdBy ?? model.owner,
        tags: new Map(Object.entries(v.tags ?? {})),
        ...(v.modelId ? { modelId: v.modelId } : {}),
      });
    }
    for (const [alias, version] of record.aliases) {
      if (!record.versions.has(version)) throw new Error(`Scenario model '${model.fullName}': alias '${alias}' points at missing version ${version}`);
    }
    this.models.set(record.fullName, record);
  }

  /** Adds a workspace object and its parent directories. */
  addWorkspaceObject(object: { path: string; type: WorkspaceObjectRecord['type']; language?: WorkspaceObjectRecord['language'] }): void {
    const segments = object.path.split('/').filter(Boolean);
    for (let i = 1; i < segments.length; i++) {
      const dir = `/${segments.slice(0, i).join('/')}`;
      if (!this.workspaceObjects.has(dir)) {
        this.workspaceObjects.set(dir, { path: dir, type: 'DIRECTORY', objectId: this.nextObjectId++, createdAt: this.now() });
      }
    }
    this.workspaceObjects.set(object.path, { ...object, objectId: this.nextObjectId++, createdAt: this.now() });
  }
}
