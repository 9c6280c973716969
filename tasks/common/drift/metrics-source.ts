/**
 * Reading metric values: from Lakehouse Monitoring's output tables (`<table>_drift_metrics`,
 * `<table>_profile_metrics`) or from a user's query, through the SQL Statement API. Table and column
 * names are validated identifiers in backquotes; every value is a named parameter.
 */
import type { Logger } from '../ports';
import type { SqlParameter, SqlResult, SqlStatement, SqlStatements } from '../databricks/sql';
import type { AuditTableName } from '../audit';
import type { DriftRule, MetricTable } from './rules';

/** A validated three-part table name (see `parseAuditTableName`). */
export type TableName = AuditTableName;

/** Where the metrics come from. */
export type MetricsSource =
  /** The monitor's output tables; one may be absent when no rule reads it. */
  | { kind: 'monitor'; driftTable?: TableName; profileTable?: TableName }
  /** A SELECT returning `window` (or `window_start`, `window_end`), `column_name` (or `column`), `metric` and `value`. */
  | { kind: 'query'; statement: string };

/** One metric value of one window, whatever the source. */
export interface MetricRow {
  /** Window bounds in ms since the epoch. */
  windowStart: number;
  windowEnd: number;
  granularity: string | null;
  /** The monitored column, or `:table`. */
  column: string;
  sliceKey: string | null;
  sliceValue: string | null;
  /** `CONSECUTIVE`/`BASELINE` for drift rows, null for profile rows. */
  driftType: string | null;
  metric: string;
  /** Null when the monitor wrote none (e.g. a statistic that does not apply to the column's type). */
  value: number | null;
}

/** The markers a custom metrics query may use, bound by the task. */
export const queryParameterNames = ['now', 'lookback_windows', 'max_window_age_hours'] as const;

/** What the read needs. */
export interface MetricsReadOptions {
  warehouseId: string;
  now: number;
  lookbackWindows: number;
  maxWindowAgeHours: number;
  signal?: AbortSignal;
  /** Clock time after which a statement is cancelled. */
  deadline?: number;
}

/** The most rows one read returns; older windows beyond it are not needed to judge the latest ones. */
export const metricsRowLimit = 50_000;

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(name: string): string {
  // Rule metric names are schema-checked already; this keeps the SQL safe even if a caller is not.
  if (!identifier.test(name)) throw new Error(`Invalid column name '${name}': expected letters, digits and underscores`);
  return `\`${name}\``;
}

/** `<catalog>.<schema>.<table>` for messages. */
export function displayTableName(table: TableName): string {
  return `${table.catalog}.${table.schema}.${table.table}`;
}

/** The statement reading the given metric columns of one monitor output table, newest windows first. */
export function monitorStatement(kind: MetricTable, table: TableName, metricColumns: readonly string[], warehouseId: string): SqlStatement {
  const keys = ['window', 'granularity', 'column_name', 'slice_key', 'slice_value', ...(kind === 'drift' ? ['drift_type'] : [])];
  const columns = [...keys, ...metricColumns].map(quote).join(', ');
  // Profile rows of the baseline table describe the baseline, not a window of production data.
  const where = kind === 'profile' ? ' WHERE `log_type` = :log_type' : '';
  return {
    statement: `SELECT ${columns} FROM ${table.quoted}${where} ORDER BY \`window\`.\`start\` DESC`,
    warehouseId,
    parameters: kind === 'profile' ? [{ name: 'log_type', value: 'INPUT', type: 'STRING' }] : [],
    rowLimit: metricsRowLimit,
  };
}

/** Markers `:name` in a statement, outside string literals and quoted identifiers. */
export function statementMarkers(statement: string): string[] {
  const bare = statement.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`[^`]*`|--[^\n]*/g, ' ');
  return [...new Set([...bare.matchAll(/(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]))];
}

/** The custom query with the markers it uses bound. */
export function customStatement(statement: string, options: MetricsReadOptions): SqlStatement {
  const values: Record<(typeof queryParameterNames)[number], SqlParameter> = {
    now: { name: 'now', value: new Date(options.now).toISOString(), type: 'TIMESTAMP' },
    lookback_windows: { name: 'lookback_windows', value: String(options.lookbackWindows), type: 'INT' },
    max_window_age_hours: { name: 'max_window_age_hours', value: String(options.maxWindowAgeHours), type: 'INT' },
  };
  const parameters = statementMarkers(statement).map((name) => values[name as keyof typeof values]);
  return { statement, warehouseId: options.warehouseId, parameters, rowLimit: metricsRowLimit };
}

/** Milliseconds since the epoch of a timestamp as JSON_ARRAY results spell it (`2026-01-01T00:00:00.000Z`, `2026-01-01 00:00:00`). */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  let text = value.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += 'T00:00:00';
  // Spark sends session-time-zone timestamps without an offset; the warehouse default is UTC.
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += 'Z';
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A struct column as JSON_ARRAY sends it: JSON text. */
function parseStruct(value: string | null): Record<string, unknown> | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** Thrown when a result lacks a column the task needs or holds a value it cannot read. */
export class MetricsShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsShapeError';
  }
}

function columnIndexes(result: SqlResult, source: string, required: string[][]): number[] {
  const lower = result.columns.map((c) => c.toLowerCase());
  return required.map((names) => {
    const index = lower.findIndex((c) => names.includes(c));
    if (index < 0) throw new MetricsShapeError(`${source} returned no column ${names.map((n) => `'${n}'`).join(' or ')} (columns: ${result.columns.join(', ')})`);
    return index;
  });
}

function optionalIndex(result: SqlResult, name: string): number {
  return result.columns.findIndex((c) => c.toLowerCase() === name);
}

/** Where the window is: one struct column, or a start and an end column. */
type WindowIndexes = { window: number } | { start: number; end: number };

function readWindow(row: (string | null)[], indexes: WindowIndexes, source: string): { start: number; end: number } {
  let start: number | undefined;
  let end: number | undefined;
  if ('window' in indexes) {
    const struct = parseStruct(row[indexes.window]);
    start = parseTimestamp(struct?.start);
    end = parseTimestamp(struct?.end);
  } else {
    start = parseTimestamp(row[indexes.start]);
    end = parseTimestamp(row[indexes.end]);
  }
  if (start === undefined || end === undefined) throw new MetricsShapeError(`${source} returned a row without a readable window start and end`);
  return { start, end };
}

/** Where the optional series columns are (-1 when absent): granularity, slice and drift type. */
interface SeriesIndexes {
  granularity: number;
  sliceKey: number;
  sliceValue: number;
  driftType: number;
}

function seriesIndexes(result: SqlResult, withDriftType: boolean): SeriesIndexes {
  return {
    granularity: optionalIndex(result, 'granularity'),
    sliceKey: optionalIndex(result, 'slice_key'),
    sliceValue: optionalIndex(result, 'slice_value'),
    driftType: withDriftType ? optionalIndex(result, 'drift_type') : -1,
  };
}

/** What identifies a row's series besides its metric: window, column, granularity, slice, drift type. */
function seriesOf(row: SqlResult['rows'][number], indexes: SeriesIndexes, window: { start: number; end: number }, column: number): Omit<MetricRow, 'metric' | 'value'> {
  const optional = (index: number): string | null => (index >= 0 ? row[index] : null);
  return {
    windowStart: window.start,
    windowEnd: window.end,
    granularity: optional(indexes.granularity),
    column: row[column] ?? '',
    sliceKey: optional(indexes.sliceKey),
    sliceValue: optional(indexes.sliceValue),
    driftType: optional(indexes.driftType),
  };
}

/** Rows of a monitor output table, one {@link MetricRow} per row and requested metric. */
export function monitorRows(result: SqlResult, kind: MetricTable, metrics: readonly string[], source: string): MetricRow[] {
  const [window, column] = columnIndexes(result, source, [['window'], ['column_name']]);
  const series = seriesIndexes(result, kind === 'drift');
  const metricIndexes = metrics.map((metric) => {
    const [name, field] = metric.split('.');
    return { metric, field, index: columnIndexes(result, source, [[name.toLowerCase()]])[0] };
  });
  const rows: MetricRow[] = [];
  for (const row of result.rows) {
    const base = seriesOf(row, series, readWindow(row, { window }, source), column);
    for (const { metric, field, index } of metricIndexes) {
      const raw = row[index];
      const value = field === undefined ? parseNumber(raw) : parseNumber(parseStruct(raw)?.[field]);
      rows.push({ ...base, metric, value });
    }
  }
  return rows;
}

/** Rows of a custom metrics query (`window` or `window_start`/`window_end`, `column_name` or `column`, `metric`, `value`). */
export function customRows(result: SqlResult, source: string): MetricRow[] {
  const window = optionalIndex(result, 'window');
  let windowIndexes: WindowIndexes = { window };
  if (window < 0) {
    const [start, end] = columnIndexes(result, source, [['window_start'], ['window_end']]);
    windowIndexes = { start, end };
  }
  const [column, metric, value] = columnIndexes(result, source, [['column_name', 'column'], ['metric'], ['value']]);
  const series = seriesIndexes(result, true);
  return result.rows.map((row) => ({
    ...seriesOf(row, series, readWindow(row, windowIndexes, source), column),
    metric: row[metric] ?? '',
    value: parseNumber(row[value]),
  }));
}

/**
 * Rules that read a monitor table the source does not name, as messages; checked before any
 * statement is sent.
 */
export function unreadableRules(source: MetricsSource, rules: readonly DriftRule[]): string[] {
  if (source.kind !== 'monitor') return [];
  return rules
    .filter((rule) => (rule.table === 'drift' ? source.driftTable : source.profileTable) === undefined)
    .map((rule) => `the rule at line ${rule.line} reads '${rule.metric}' from the ${rule.table} metrics table, which is not set`);
}

/** A result cut at the row limit may end in the middle of its oldest window: drop that window. */
function dropPartialWindow(rows: MetricRow[], truncated: boolean, source: string, logger: Logger): MetricRow[] {
  if (!truncated || rows.length === 0) return rows;
  const oldest = Math.min(...rows.map((r) => r.windowStart));
  logger.warn(`${source} has more than ${metricsRowLimit} rows; only the newest windows were read.`);
  return rows.filter((r) => r.windowStart !== oldest);
}

/** What reading the metrics needs. */
export interface MetricsReadDependencies {
  sql: Pick<SqlStatements, 'execute'>;
  logger: Logger;
}

/**
 * Runs the statements for the rules' metrics (one per monitor table that a rule reads) and returns
 * every metric value found. Throws the SQL error when a statement fails (a missing table is not
 * "no drift").
 */
export async function readMetrics(deps: MetricsReadDependencies, source: MetricsSource, rules: readonly DriftRule[], options: MetricsReadOptions): Promise<MetricRow[]> {
  const call = { signal: options.signal, deadline: options.deadline };
  if (source.kind === 'query') {
    const result = await deps.sql.execute(customStatement(source.statement, options), call);
    return dropPartialWindow(customRows(result, "'metricsQuery'"), result.truncated, "'metricsQuery'", deps.logger);
  }
  const rows: MetricRow[] = [];
  for (const kind of ['drift', 'profile'] as const) {
    const metrics = [...new Set(rules.filter((rule) => rule.table === kind).map((rule) => rule.metric))];
    if (metrics.length === 0) continue;
    const table = kind === 'drift' ? source.driftTable : source.profileTable;
    if (!table) throw new Error(unreadableRules(source, rules).join('; '));
    const columns = [...new Set(metrics.map((metric) => metric.split('.')[0]))];
    const name = displayTableName(table);
    deps.logger.info(`Reading ${metrics.join(', ')} from ${name}.`);
    const result = await deps.sql.execute(monitorStatement(kind, table, columns, options.warehouseId), call);
    rows.push(...dropPartialWindow(monitorRows(result, kind, metrics, name), result.truncated, name, deps.logger));
  }
  return rows;
}
