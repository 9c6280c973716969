/**
 * SQL Statement Execution API (`/api/2.0/sql/statements`). A statement stays PENDING for the
 * scenario's number of polls (a cold warehouse), then runs once in the in-memory engine and ends
 * SUCCEEDED or FAILED. A failed statement is still HTTP 200 with `status.error`; only malformed
 * requests are 4xx. With `wait_timeout: "0s"` execute returns at once; with a wait, a statement that
 * is still pending comes back PENDING (or CANCELED with `on_wait_timeout: CANCEL`), as it would when
 * the warehouse outlives the wait.
 */
import { randomUUID } from 'node:crypto';
import type {
  ColumnInfo,
  ColumnInfoTypeName,
  ExecuteStatementRequest,
  ResultData,
  ResultManifest,
  ServiceErrorCode,
  StatementParameterListItem,
  StatementResponse,
} from '@databricks/sdk-experimental/dist/apis/sql/model';
import { EmulatorApiError, invalidParameter, jsonBody, ok, parseInteger, type EmulatorRequest, type Reply, type Route } from '../http-kit';
import type { EmulatorContext } from '../server';
import type { StatementRecord } from '../state';
import { executeStatement, parseStatement, SqlError } from '../sql-engine';

function typeName(typeText: string): ColumnInfoTypeName {
  const base = typeText.toUpperCase().replace(/[(<].*$/, '').trim();
  const names: Record<string, ColumnInfoTypeName> = {
    STRING: 'STRING',
    VARCHAR: 'STRING',
    INT: 'INT',
    INTEGER: 'INT',
    BIGINT: 'LONG',
    LONG: 'LONG',
    SMALLINT: 'SHORT',
    SHORT: 'SHORT',
    TINYINT: 'BYTE',
    BYTE: 'BYTE',
    DOUBLE: 'DOUBLE',
    FLOAT: 'FLOAT',
    REAL: 'FLOAT',
    BOOLEAN: 'BOOLEAN',
    TIMESTAMP: 'TIMESTAMP',
    DATE: 'DATE',
    DECIMAL: 'DECIMAL',
    NUMERIC: 'DECIMAL',
    BINARY: 'BINARY',
    STRUCT: 'STRUCT',
  };
  return names[base] ?? 'USER_DEFINED_TYPE';
}

function parseWaitTimeout(value: string | undefined): number {
  if (value === undefined) return 10;
  const match = /^(\d+)s$/.exec(value);
  const seconds = match ? Number(match[1]) : NaN;
  if (!(seconds === 0 || (seconds >= 5 && seconds <= 50))) {
    throw invalidParameter(`wait_timeout '${value}' is invalid: use "0s" or a value between "5s" and "50s".`);
  }
  return seconds;
}

export function sqlRoutes(context: EmulatorContext): Route[] {
  /** Rows per result chunk; small enough that tests can cover chunking with a few rows. */
  const rowsPerChunk = (): number => context.state.statementRowsPerChunk;

  function find(request: EmulatorRequest): StatementRecord {
    const statement = context.state.statements.get(request.params.id);
    if (!statement) throw new EmulatorApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Statement ${request.params.id} does not exist.`);
    return statement;
  }

  /** Runs a statement that has waited out its pending polls. */
  function run(statement: StatementRecord): void {
    try {
      const parsed = statement.parsed ?? parseStatement(statement.statement);
      statement.result = executeStatement(parsed, statement.parameters, {
        tables: context.state.tables,
        writeFault: (table) => context.faults.takeTableWrite(table),
      });
      if (statement.rowLimit !== undefined && statement.result.rows.length > statement.rowLimit) {
        statement.result.rows = statement.result.rows.slice(0, statement.rowLimit);
        statement.truncated = true;
      }
      statement.state = 'SUCCEEDED';
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      statement.state = 'FAILED';
      statement.error = { error_code: error.errorCode as ServiceErrorCode, message: error.message };
    }
  }

  function chunk(statement: StatementRecord, index: number): ResultData {
    const rows = statement.result?.rows ?? [];
    const size = rowsPerChunk();
    const chunkRows = rows.slice(index * size, (index + 1) * size);
    const count = Math.ceil(rows.length / size);
    return {
      chunk_index: index,
      row_offset: index * size,
      row_count: chunkRows.length,
      data_array: chunkRows as string[][],
      ...(index + 1 < count
        ? { next_chunk_index: index + 1, next_chunk_internal_link: `/api/2.0/sql/statements/${statement.id}/result/chunks/${index + 1}` }
        : {}),
    };
  }

  function response(statement: StatementRecord): StatementResponse {
    const base: StatementResponse = {
      statement_id: statement.id,
      status: { state: statement.state, ...(statement.error ? { error: statement.error } : {}) },
    };
    if (statement.state !== 'SUCCEEDED' || !statement.result) return base;
    const { columns, rows } = statement.result;
    const size = rowsPerChunk();
    const chunkCount = columns.length === 0 ? 0 : Math.ceil(rows.length / size);
    const manifest: ResultManifest = {
      format: 'JSON_ARRAY',
      schema: {
        column_count: columns.length,
        ...(columns.length > 0
          ? {
              columns: columns.map(
                (c, position): ColumnInfo => ({ name: c.name, position, type_name: typeName(c.type), type_text: c.type.toUpperCase() }),
              ),
            }
          : {}),
      },
      total_chunk_count: chunkCount,
      total_row_count: rows.length,
      ...(chunkCount > 0
        ? {
            chunks: Array.from({ length: chunkCount }, (_, i) => ({
              chunk_index: i,
              row_offset: i * size,
              row_count: Math.min(size, rows.length - i * size),
            })),
          }
        : {}),
      truncated: statement.truncated ?? false,
    };
    return { ...base, manifest, ...(columns.length > 0 ? { result: chunk(statement, 0) } : {}) };
  }

  function execute(request: EmulatorRequest): Reply {
    const body = jsonBody<Partial<ExecuteStatementRequest>>(request);
    if (typeof body.statement !== 'string' || body.statement.trim() === '') throw invalidParameter('Missing required field: statement');
    if (typeof body.warehouse_id !== 'string' || body.warehouse_id === '') throw invalidParameter('Missing required field: warehouse_id');
    if (context.state.warehouses.size > 0 && !context.state.warehouses.has(body.warehouse_id)) {
      throw invalidParameter(`Warehouse ${body.warehouse_id} does not exist or you do not have access to it.`);
    }
    const wait = parseWaitTimeout(body.wait_timeout);
    if (body.disposition !== undefined && body.disposition !== 'INLINE') throw invalidParameter('The emulator supports only disposition INLINE.');
    if (body.format !== undefined && body.format !== 'JSON_ARRAY') throw invalidParameter('The emulator supports only format JSON_ARRAY.');
    const parameters: StatementParameterListItem[] = body.parameters ?? [];
    if (!Array.isArray(parameters)) throw invalidParameter('parameters must be a list.');
    for (const parameter of parameters) {
      if (typeof parameter?.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(parameter.name)) {
        throw invalidParameter(`Invalid parameter name '${String(parameter?.name)}'.`);
      }
      if (parameter.value !== undefined && typeof parameter.value !== 'string') {
        throw invalidParameter(`Parameter '${parameter.name}' must have a string value (use 'type' for other SQL types).`);
      }
    }
    const rowLimit = body.row_limit === undefined ? undefined : parseInteger('row_limit', body.row_limit);
    if (rowLimit !== undefined && rowLimit < 0) throw invalidParameter('row_limit must not be negative.');
    const statement: StatementRecord = {
      id: `01ef${randomUUID().slice(4)}`,
      warehouseId: body.warehouse_id,
      statement: body.statement,
      parameters,
      state: 'PENDING',
      pendingPolls: context.state.statementPendingPolls,
      rowLimit,
      caller: request.caller!.identity,
      createdAt: context.now(),
    };
    try {
      statement.parsed = parseStatement(body.statement, { catalog: body.catalog, schema: body.schema });
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      // A syntax error is reported when the statement runs, like the warehouse does.
    }
    context.state.statements.set(statement.id, statement);
    if (wait > 0) {
      if (statement.pendingPolls <= 0) run(statement);
      else if (body.on_wait_timeout === 'CANCEL') statement.state = 'CANCELED';
    }
    return ok(response(statement));
  }

  function poll(request: EmulatorRequest): Reply {
    const statement = find(request);
    if (statement.state === 'PENDING') {
      if (statement.pendingPolls > 0) statement.pendingPolls -= 1;
      else run(statement);
    }
    return ok(response(statement));
  }

  function getChunk(request: EmulatorRequest): Reply {
    const statement = find(request);
    if (statement.state !== 'SUCCEEDED') throw new EmulatorApiError(400, 'BAD_REQUEST', `Statement ${statement.id} has no result: its state is ${statement.state}.`);
    const index = parseInteger('chunk_index', request.params.chunk);
    const count = Math.ceil((statement.result?.rows.length ?? 0) / rowsPerChunk());
    if (index < 0 || index >= count) throw invalidParameter(`Chunk index ${index} is out of range (${count} chunks).`);
    return ok(chunk(statement, index) satisfies ResultData);
  }

  function cancel(request: EmulatorRequest): Reply {
    const statement = find(request);
    if (statement.state === 'PENDING' || statement.state === 'RUNNING') statement.state = 'CANCELED';
    return ok({});
  }

  return [
    { method: 'POST', pattern: /^\/api\/2\.0\/sql\/statements\/?$/, auth: 'workspace', handle: execute },
    { method: 'GET', pattern: /^\/api\/2\.0\/sql\/statements\/(?<id>[^/]+)$/, auth: 'workspace', handle: poll },
    { method: 'GET', pattern: /^\/api\/2\.0\/sql\/statements\/(?<id>[^/]+)\/result\/chunks\/(?<chunk>[^/]+)$/, auth: 'workspace', handle: getChunk },
    { method: 'POST', pattern: /^\/api\/2\.0\/sql\/statements\/(?<id>[^/]+)\/cancel$/, auth: 'workspace', handle: cancel },
  ];
}
