/**
 * Tables shaped like Databricks Lakehouse Monitoring's output (`<table>_drift_metrics`,
 * `<table>_profile_metrics`), with the documented columns: `window` and `window_cmp` structs,
 * `granularity`, `slice_key`/`slice_value`, `column_name` (`:table` for table-level rows),
 * `drift_type` CONSECUTIVE|BASELINE, the drift statistics (`ks_test` and `chi_squared_test` as
 * statistic/pvalue structs) and, for inference-log monitors, model quality. Struct values are the
 * JSON text the JSON_ARRAY result format returns for them.
 */
import type { ScenarioColumn, ScenarioTable } from './scenario';

const windowType = 'STRUCT<start: TIMESTAMP, end: TIMESTAMP>';
const testType = 'STRUCT<statistic: DOUBLE, pvalue: DOUBLE>';

/** Columns of a drift metrics table. */
export const driftMetricsColumns: ScenarioColumn[] = [
  { name: 'window', type: windowType },
  { name: 'window_cmp', type: windowType },
  { name: 'drift_type', type: 'STRING' },
  { name: 'granularity', type: 'STRING' },
  { name: 'monitor_version', type: 'BIGINT' },
  { name: 'slice_key', type: 'STRING' },
  { name: 'slice_value', type: 'STRING' },
  { name: 'column_name', type: 'STRING' },
  { name: 'data_type', type: 'STRING' },
  { name: 'count_delta', type: 'DOUBLE' },
  { name: 'avg_delta', type: 'DOUBLE' },
  { name: 'percent_null_delta', type: 'DOUBLE' },
  { name: 'js_distance', type: 'DOUBLE' },
  { name: 'population_stability_index', type: 'DOUBLE' },
  { name: 'wasserstein_distance', type: 'DOUBLE' },
  { name: 'tv_distance', type: 'DOUBLE' },
  { name: 'l_infinity_distance', type: 'DOUBLE' },
  { name: 'ks_test', type: testType },
  { name: 'chi_squared_test', type: testType },
];

/** Columns of a profile metrics table of an inference-log monitor (classification and regression quality). */
export const profileMetricsColumns: ScenarioColumn[] = [
  { name: 'window', type: windowType },
  { name: 'log_type', type: 'STRING' },
  { name: 'logging_table_commit_version', type: 'BIGINT' },
  { name: 'monitor_version', type: 'BIGINT' },
  { name: 'granularity', type: 'STRING' },
  { name: 'slice_key', type: 'STRING' },
  { name: 'slice_value', type: 'STRING' },
  { name: 'column_name', type: 'STRING' },
  { name: 'data_type', type: 'STRING' },
  { name: 'model_id', type: 'STRING' },
  { name: 'count', type: 'BIGINT' },
  { name: 'num_nulls', type: 'BIGINT' },
  { name: 'avg', type: 'DOUBLE' },
  { name: 'percent_null', type: 'DOUBLE' },
  { name: 'accuracy_score', type: 'DOUBLE' },
  { name: 'roc_auc', type: 'DOUBLE' },
  { name: 'f1_score', type: 'STRUCT<one_vs_all: MAP<STRING, DOUBLE>, macro: DOUBLE, weighted: DOUBLE>' },
  { name: 'mean_squared_error', type: 'DOUBLE' },
  { name: 'r2_score', type: 'DOUBLE' },
];

/** A window as ISO timestamps. */
export interface MonitorWindow {
  start: string;
  end: string;
}

/** `count` windows of `hours` each, the last one ending at `end` (ms), oldest first. */
export function windowsEndingAt(end: number, count: number, hours = 24): MonitorWindow[] {
  const length = hours * 3_600_000;
  return Array.from({ length: count }, (_, i) => {
    const stop = end - (count - 1 - i) * length;
    return { start: new Date(stop - length).toISOString(), end: new Date(stop).toISOString() };
  });
}

/** A value of a drift statistic: a number, or statistic/pvalue for the tests. */
export type MonitorValue = number | null | { statistic: number; pvalue: number } | Record<string, unknown>;

/** One row of a monitor table, by column name; unnamed columns are NULL. */
export interface MonitorRow {
  window: MonitorWindow;
  column: string;
  granularity?: string;
  driftType?: 'CONSECUTIVE' | 'BASELINE';
  slice?: { key: string; value: string };
  logType?: 'INPUT' | 'BASELINE';
  values: Record<string, MonitorValue>;
}

function cellOf(value: MonitorValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function toRow(columns: ScenarioColumn[], row: MonitorRow, kind: 'drift' | 'profile'): Array<string | null> {
  const base: Record<string, string | null> = {
    window: JSON.stringify({ start: row.window.start, end: row.window.end }),
    granularity: row.granularity ?? '1 day',
    slice_key: row.slice?.key ?? null,
    slice_value: row.slice?.value ?? null,
    column_name: row.column,
    monitor_version: '1',
    ...(kind === 'drift' ? { drift_type: row.driftType ?? 'CONSECUTIVE' } : { log_type: row.logType ?? 'INPUT', logging_table_commit_version: '1' }),
  };
  return columns.map((column) => (column.name in row.values ? cellOf(row.values[column.name]) : (base[column.name] ?? null)));
}

/** A `<table>_drift_metrics` table. */
export function driftMetricsTable(name: string, rows: MonitorRow[]): ScenarioTable {
  return { name, columns: driftMetricsColumns, rows: rows.map((row) => toRow(driftMetricsColumns, row, 'drift')) };
}

/** A `<table>_profile_metrics` table. */
export function profileMetricsTable(name: string, rows: MonitorRow[]): ScenarioTable {
  return { name, columns: profileMetricsColumns, rows: rows.map((row) => toRow(profileMetricsColumns, row, 'profile')) };
}
