/**
 * The lakehouse record of every decision (compare, promote, compliance, sign-off, tests): one row
 * per decision in a Delta table, written through the SQL Statement API with named parameters only.
 */
import { toError } from '../http/errors';
import type { Clock, Logger } from '../ports';
import type { PipelineRun } from '../task/pipeline-run';
import type { SqlParameter, SqlStatement, SqlStatements } from '../databricks/sql';
import type { AuditSettings, AuditTableName } from './audit-settings';

/** The `event_type` values, one per kind of deciding task; readers of the table may rely on this list. */
export const auditEventTypes = ['compare', 'promote', 'compliance', 'signoff', 'tests', 'serve', 'drift'] as const;

/** Which kind of task decided. */
export type AuditEventType = (typeof auditEventTypes)[number];

/** One decision to record. Absent optional fields are written as NULL. */
export interface AuditEvent {
  eventType: AuditEventType;
  /** `catalog.schema.model`. */
  modelName?: string;
  /** The version decided about (the candidate, the promoted version). */
  modelVersion?: string | number;
  /** The version it was weighed against or replaced (the champion). */
  otherVersion?: string | number;
  /** `promote`, `reject`, `rollback`, `pass`, `fail`, ... */
  decision: string;
  /** Anything JSON-serialisable: per-metric values, rules, results. Stored as a JSON string. */
  details: unknown;
  /** The task that decided, e.g. `DatabricksModelPromote@1`. */
  task: string;
  run: PipelineRun;
  /** Milliseconds since the epoch; the clock's now when absent. */
  eventTime?: number;
}

/** Column names and types of the audit table, in order. The contract with every reader of the table. */
export const auditColumns = [
  ['event_time', 'TIMESTAMP'],
  ['event_type', 'STRING'],
  ['model_name', 'STRING'],
  ['model_version', 'STRING'],
  ['other_version', 'STRING'],
  ['decision', 'STRING'],
  ['details', 'STRING'],
  ['pipeline_run_url', 'STRING'],
  ['source_commit', 'STRING'],
  ['requested_for', 'STRING'],
  ['task', 'STRING'],
] as const;

/** `CREATE TABLE IF NOT EXISTS <table> (...) USING DELTA`; the name is already validated and quoted. */
export function createAuditTableSql(table: AuditTableName): string {
  const columns = auditColumns.map(([name, type]) => `${name} ${type}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${table.quoted} (${columns}) USING DELTA`;
}

/** `INSERT INTO <table> (...) VALUES (:event_time, ...)`: every value is a named parameter. */
export function insertAuditRowSql(table: AuditTableName): string {
  const names = auditColumns.map(([name]) => name);
  return `INSERT INTO ${table.quoted} (${names.join(', ')}) VALUES (${names.map((name) => `:${name}`).join(', ')})`;
}

function text(value: string | number | undefined): string | null {
  return value === undefined || value === '' ? null : String(value);
}

/** The named parameters of one row, typed as the columns are. */
export function auditRowParameters(event: AuditEvent, nowMs: number): SqlParameter[] {
  const values: Record<(typeof auditColumns)[number][0], string | null> = {
    event_time: new Date(event.eventTime ?? nowMs).toISOString(),
    event_type: event.eventType,
    model_name: text(event.modelName),
    model_version: text(event.modelVersion),
    other_version: text(event.otherVersion),
    decision: event.decision,
    details: JSON.stringify(event.details ?? {}),
    pipeline_run_url: text(event.run.url),
    source_commit: text(event.run.sourceCommit),
    requested_for: text(event.run.requestedFor),
    task: event.task,
  };
  return auditColumns.map(([name, type]) => ({ name, value: values[name], type }));
}

/** The statements that write one row: create the table if missing, then insert. */
export function auditStatements(table: AuditTableName, warehouseId: string, event: AuditEvent, nowMs: number): SqlStatement[] {
  return [
    { statement: createAuditTableSql(table), warehouseId },
    { statement: insertAuditRowSql(table), warehouseId, parameters: auditRowParameters(event, nowMs) },
  ];
}

/** A required audit write failed; the task must fail. */
export class AuditWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditWriteError';
  }
}

/** What happened to the record. */
export type AuditOutcome =
  | { status: 'disabled' }
  | { status: 'written'; table: string; statementId: string }
  | { status: 'failed'; table: string; warning: string };

/** What {@link recordAuditEvent} needs. */
export interface AuditDependencies {
  sql: Pick<SqlStatements, 'execute'>;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  /** How long a cold warehouse may take to run both statements; 10 minutes by default. */
  timeoutMs?: number;
}

/**
 * Writes the decision when the settings enable the record. A failure throws {@link AuditWriteError}
 * when the record is required, and otherwise returns `failed` after logging a warning, so the
 * caller can finish with issues.
 */
export async function recordAuditEvent(deps: AuditDependencies, settings: AuditSettings, event: AuditEvent): Promise<AuditOutcome> {
  if (!settings.enabled) return { status: 'disabled' };
  const table = `${settings.table.catalog}.${settings.table.schema}.${settings.table.table}`;
  const now = deps.clock.now();
  const deadline = now + (deps.timeoutMs ?? 10 * 60_000);
  try {
    let statementId = '';
    for (const statement of auditStatements(settings.table, settings.warehouseId, event, now)) {
      statementId = (await deps.sql.execute(statement, { signal: deps.signal, deadline })).statementId;
    }
    deps.logger.info(`Recorded the ${event.eventType} decision '${event.decision}' in ${table}.`);
    return { status: 'written', table, statementId };
  } catch (error) {
    if (deps.signal?.aborted) throw error;
    const message = `Could not write the audit row to ${table} on SQL warehouse ${settings.warehouseId}: ${toError(error).message}`;
    if (settings.required) {
      throw new AuditWriteError(`${message}. Set 'auditRequired' to false to continue without the record.`, { cause: error });
    }
    deps.logger.warn(message);
    return { status: 'failed', table, warning: message };
  }
}

/** The decisions of one task run: the event without what is the same for every row of the run. */
export type AuditDecision = Omit<AuditEvent, 'task' | 'run'>;

/** Writes the decisions of one task run to the lakehouse record (see {@link createAuditRecorder}). */
export interface AuditRecorder {
  /** Writes one row when the record is enabled; throws {@link AuditWriteError} when a required write fails. */
  record(decision: AuditDecision): Promise<AuditOutcome>;
}

/**
 * The entry point for a deciding task: settings from {@link parseAuditInputs}, the task reference
 * (`DatabricksModelPromote@1`) and the pipeline run are bound once, so each decision names only
 * what was decided.
 */
export function createAuditRecorder(deps: AuditDependencies, settings: AuditSettings, origin: { task: string; run: PipelineRun }): AuditRecorder {
  return {
    record: (decision) => recordAuditEvent(deps, settings, { ...decision, task: origin.task, run: origin.run }),
  };
}
