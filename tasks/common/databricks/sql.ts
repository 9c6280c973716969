/**
 * SQL Statement Execution API (`/api/2.0/sql/statements`): run one statement on a SQL warehouse with
 * named parameters, wait for it, read its rows. See
 * https://docs.databricks.com/api/azure/workspace/statementexecution.
 */
import { toError } from '../http/errors';
import type {
  ExecuteStatementRequest,
  ResultData,
  ResultManifest,
  StatementParameterListItem,
  StatementResponse,
  StatementState,
} from '@databricks/sdk-experimental/dist/apis/sql/model';
import type { Clock, Logger } from '../ports';
import { silentLogger } from '../ports';
import { ApiError } from '../http/errors';
import type { DatabricksApiClient } from './api-client';

export type { StatementResponse, StatementState };

const statementsPath = '/api/2.0/sql/statements';

/** A named parameter `:name`. A `null` value is SQL NULL; `type` defaults to STRING on the service. */
export interface SqlParameter {
  name: string;
  value: string | null;
  /** A SQL type such as `INT`, `TIMESTAMP`, `DECIMAL(10,2)`; complex types are not supported. */
  type?: string;
}

/** One statement to run. */
export interface SqlStatement {
  /** The SQL text, with `:name` markers for every value. Never build values into it. */
  statement: string;
  warehouseId: string;
  parameters?: SqlParameter[];
  catalog?: string;
  schema?: string;
  /** Largest number of rows to return. */
  rowLimit?: number;
}

/** Per-call options. */
export interface SqlCallOptions {
  signal?: AbortSignal;
  /** Give up (and cancel the statement) once the clock passes this time, in ms since the epoch. */
  deadline?: number;
}

/** A finished statement's rows. Values are strings or null, as the JSON_ARRAY format sends them. */
export interface SqlResult {
  statementId: string;
  /** Column names in order. */
  columns: string[];
  rows: (string | null)[][];
  /** True when `row_limit` or `byte_limit` cut the result. */
  truncated: boolean;
}

/** Waiting between polls: starts short for quick statements, grows while a warehouse starts. */
export interface SqlPollOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

/** 1 s, growing by half each poll, at most 5 s: quick for a running warehouse, gentle while one starts. */
export const defaultSqlPollOptions: SqlPollOptions = { initialDelayMs: 1_000, maxDelayMs: 5_000, factor: 1.5 };

/**
 * A statement that ended in `FAILED`, `CANCELED` or `CLOSED`, or that did not end before the deadline
 * (`errorCode` `DEADLINE_EXCEEDED`). It is an {@link ApiError}, so callers handling API failures
 * handle it too; `errorCode` and the message are the statement's own.
 */
export class SqlStatementError extends ApiError {
  constructor(
    message: string,
    /** The statement, for the warehouse's query history. */
    readonly statementId: string,
    /** The last state seen. */
    readonly state: StatementState | undefined,
    errorCode: string | undefined,
    /** The ANSI SQLSTATE when the warehouse reported one. */
    readonly sqlState?: string,
  ) {
    super(message, { errorCode, method: 'GET', path: `${statementsPath}/${statementId}` });
    this.name = 'SqlStatementError';
  }
}

const parameterName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const terminalStates: ReadonlySet<StatementState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED']);

/** True once a statement can no longer change state. */
export function isTerminalState(state: StatementState | undefined): boolean {
  return state !== undefined && terminalStates.has(state);
}

function toRequest(statement: SqlStatement): ExecuteStatementRequest {
  const parameters: StatementParameterListItem[] | undefined = statement.parameters?.map((parameter) => {
    if (!parameterName.test(parameter.name)) {
      throw new Error(`Invalid SQL parameter name '${parameter.name}': expected letters, digits and underscores`);
    }
    const item: StatementParameterListItem = { name: parameter.name };
    // An omitted value is how the API spells NULL.
    if (parameter.value !== null) item.value = parameter.value;
    if (parameter.type) item.type = parameter.type;
    return item;
  });
  return {
    statement: statement.statement,
    warehouse_id: statement.warehouseId,
    ...(parameters ? { parameters } : {}),
    ...(statement.catalog ? { catalog: statement.catalog } : {}),
    ...(statement.schema ? { schema: statement.schema } : {}),
    ...(statement.rowLimit !== undefined ? { row_limit: statement.rowLimit } : {}),
    wait_timeout: '30s',
    on_wait_timeout: 'CONTINUE',
    disposition: 'INLINE',
    format: 'JSON_ARRAY',
  };
}

function failure(response: StatementResponse, statementId: string): SqlStatementError {
  const state = response.status?.state;
  const code = response.status?.error?.error_code;
  const text = response.status?.error?.message;
  const sqlState = (response.status as { sql_state?: string } | undefined)?.sql_state;
  const why =
    state === 'CLOSED'
      ? 'the statement was closed and its result is no longer available'
      : state === 'CANCELED'
        ? 'the statement was canceled'
        : 'the statement failed';
  const message = `SQL statement ${statementId} ${state ?? 'ended'}: ${text ? `${code ? `${code}: ` : ''}${text}` : why}`;
  return new SqlStatementError(message, statementId, state, code ?? state, sqlState);
}

/**
 * Runs statements on a SQL warehouse. Submitting is a plain POST (never retried after an ambiguous
 * failure, since a repeated INSERT would write twice); polling, chunk reads and cancel are safe to repeat.
 */
export class SqlStatements {
  private readonly poll: SqlPollOptions;
  private readonly logger: Logger;

  constructor(
    private readonly client: DatabricksApiClient,
    private readonly clock: Clock,
    options: { poll?: Partial<SqlPollOptions>; logger?: Logger } = {},
  ) {
    this.poll = { ...defaultSqlPollOptions, ...options.poll };
    this.logger = options.logger ?? silentLogger;
  }

  /** `POST /api/2.0/sql/statements` with `wait_timeout: 30s`, `on_wait_timeout: CONTINUE`. */
  submit(statement: SqlStatement, options: SqlCallOptions = {}): Promise<StatementResponse> {
    return this.client.call<StatementResponse>('POST', statementsPath, { body: toRequest(statement), signal: options.signal });
  }

  /** `GET /api/2.0/sql/statements/{id}`. */
  get(statementId: string, options: SqlCallOptions = {}): Promise<StatementResponse> {
    return this.client.call<StatementResponse>('GET', `${statementsPath}/${encodeURIComponent(statementId)}`, { signal: options.signal });
  }

  /** `GET .../result/chunks/{index}`: one chunk of a succeeded statement's rows. */
  fetchChunk(statementId: string, chunkIndex: number, options: SqlCallOptions = {}): Promise<ResultData> {
    return this.client.call<ResultData>('GET', `${statementsPath}/${encodeURIComponent(statementId)}/result/chunks/${chunkIndex}`, {
      signal: options.signal,
    });
  }

  /** `POST .../cancel`. The service may ignore it silently, so callers that need certainty keep polling. */
  async cancel(statementId: string, options: SqlCallOptions = {}): Promise<void> {
    await this.client.call<unknown>('POST', `${statementsPath}/${encodeURIComponent(statementId)}/cancel`, {
      idempotent: true,
      signal: options.signal,
    });
  }

  /**
   * Polls until the statement is terminal. `PENDING` (warehouse starting) and `RUNNING` keep waiting.
   * On abort or deadline the statement is cancelled (best effort) before the error is thrown.
   * Resolves with the SUCCEEDED response; throws {@link SqlStatementError} for any other end.
   */
  async waitForCompletion(first: StatementResponse, options: SqlCallOptions = {}): Promise<StatementResponse> {
    const statementId = first.statement_id;
    if (!statementId) throw new ApiError('The SQL statement API returned no statement_id', { errorCode: 'MALFORMED_RESPONSE', method: 'POST', path: statementsPath });
    let response = first;
    let delay = this.poll.initialDelayMs;
    try {
      while (!isTerminalState(response.status?.state)) {
        let wait = delay;
        if (options.deadline !== undefined) {
          const left = options.deadline - this.clock.now();
          if (left <= 0) {
            await this.cancelQuietly(statementId);
            throw new SqlStatementError(
              `SQL statement ${statementId} did not finish in time (last state ${response.status?.state ?? 'unknown'}); it was cancelled`,
              statementId,
              response.status?.state,
              'DEADLINE_EXCEEDED',
            );
          }
          wait = Math.min(wait, left);
        }
        this.logger.debug(`SQL statement ${statementId} is ${response.status?.state ?? 'unknown'}; polling again in ${wait} ms`);
        await this.clock.sleep(wait, options.signal);
        response = await this.get(statementId, options);
        delay = Math.min(this.poll.maxDelayMs, Math.round(delay * this.poll.factor));
      }
    } catch (error) {
      if (options.signal?.aborted) {
        await this.cancelQuietly(statementId);
        throw options.signal.reason ?? error;
      }
      throw error;
    }
    if (response.status?.state !== 'SUCCEEDED') throw failure(response, statementId);
    return response;
  }

  /**
   * Runs a statement to the end and reads every chunk of its result.
   * Throws {@link SqlStatementError} when it fails, is cancelled or closed, or passes the deadline.
   */
  async execute(statement: SqlStatement, options: SqlCallOptions = {}): Promise<SqlResult> {
    const submitted = await this.submit(statement, options);
    const done = await this.waitForCompletion(submitted, options);
    const statementId = done.statement_id as string;
    return {
      statementId,
      columns: columnNames(done.manifest),
      rows: await this.readRows(statementId, done.result, options),
      truncated: done.manifest?.truncated === true,
    };
  }

  private async readRows(statementId: string, first: ResultData | undefined, options: SqlCallOptions): Promise<(string | null)[][]> {
    const rows: (string | null)[][] = [];
    let chunk = first;
    while (chunk) {
      rows.push(...((chunk.data_array ?? []) as (string | null)[][]));
      if (chunk.next_chunk_index === undefined) break;
      chunk = await this.fetchChunk(statementId, chunk.next_chunk_index, options);
    }
    return rows;
  }

  private async cancelQuietly(statementId: string): Promise<void> {
    try {
      // Without the (possibly aborted) signal: the cancel must still go out.
      await this.cancel(statementId);
    } catch (error) {
      this.logger.debug(`Cancelling SQL statement ${statementId} failed: ${toError(error).message}`);
    }
  }
}

function columnNames(manifest: ResultManifest | undefined): string[] {
  return (manifest?.schema?.columns ?? []).map((column) => column.name ?? '');
}
