/**
 * The drift decision, pure: metric values and rules in, one check per rule and series (monitored
 * column, slice, drift type, granularity) out. No data is its own status, never "no drift".
 */
import { anyColumn, type DriftRule } from './rules';
import type { MetricRow } from './metrics-source';

/** A metric window: start and end in ms since the epoch. */
export interface MetricWindow {
  start: number;
  end: number;
}

/** One point of a series. */
export interface TrendPoint {
  window: MetricWindow;
  value: number;
  breached: boolean;
}

/** `drift`: the rule alerted; `ok`: checked and within bounds; `noData`: nothing fresh to check. */
export type CheckStatus = 'drift' | 'ok' | 'noData';

/** The verdict on one rule for one series, or on a rule that found no series at all. */
export interface DriftCheck {
  rule: DriftRule;
  /** The monitored column (`:table` for table-level rows); the rule's column when there is no data. */
  column: string;
  sliceKey: string | null;
  sliceValue: string | null;
  driftType: string | null;
  granularity: string | null;
  status: CheckStatus;
  /** The newest window's value; undefined without data. */
  latest?: TrendPoint;
  /** The newest windows, oldest first: those the decision looked at and a few before them. */
  trend: TrendPoint[];
  /** Why the check has no data, or which windows breached. */
  detail: string;
}

/** What the evaluation needs besides rules and rows. */
export interface EvaluationSettings {
  /** Clock time in ms: windows ending later are not complete yet. */
  now: number;
  /** How many of the newest complete windows may raise the alert. */
  lookbackWindows: number;
  /** A series whose newest complete window ended longer ago than this has no data. */
  maxWindowAgeHours: number;
}

/** The evaluation of every rule. */
export interface DriftEvaluation {
  checks: DriftCheck[];
  /** Some rule alerted. */
  driftDetected: boolean;
  /** Every check lacked fresh data. */
  noData: boolean;
  /** The newest complete, fresh window among the checks; undefined when there is none. */
  window?: MetricWindow;
}

/** At least this many points are shown as the trend. */
const minimumTrendPoints = 5;

function matches(rule: DriftRule, row: MetricRow): boolean {
  if (row.metric !== rule.metric || row.value === null) return false;
  if (rule.column !== anyColumn && row.column !== rule.column) return false;
  if (rule.driftType !== undefined && row.driftType?.toUpperCase() !== rule.driftType) return false;
  if (rule.granularity !== undefined && row.granularity !== rule.granularity) return false;
  if (rule.slice === undefined) return row.sliceKey === null;
  return row.sliceKey === rule.slice.key && (rule.slice.value === undefined || row.sliceValue === rule.slice.value);
}

/** True when `value` is outside the rule's bounds. */
export function breaches(rule: Pick<DriftRule, 'min' | 'max'>, value: number): boolean {
  return (rule.max !== undefined && value > rule.max) || (rule.min !== undefined && value < rule.min);
}

/** Of two values of one window (several models or duplicated rows), the one nearer a breach. */
function worse(rule: DriftRule, a: number, b: number): number {
  return rule.max !== undefined ? Math.max(a, b) : Math.min(a, b);
}

function seriesKey(row: MetricRow): string {
  return JSON.stringify([row.column, row.sliceKey, row.sliceValue, row.driftType, row.granularity]);
}

/** The series' points, one per window, oldest first. */
function seriesPoints(rule: DriftRule, rows: MetricRow[]): TrendPoint[] {
  const byWindow = new Map<string, { window: MetricWindow; value: number }>();
  for (const row of rows) {
    const key = `${row.windowStart}/${row.windowEnd}`;
    const seen = byWindow.get(key);
    const value = seen ? worse(rule, seen.value, row.value as number) : (row.value as number);
    byWindow.set(key, { window: { start: row.windowStart, end: row.windowEnd }, value });
  }
  return [...byWindow.values()]
    .sort((a, b) => a.window.start - b.window.start || a.window.end - b.window.end)
    .map((point) => ({ ...point, breached: breaches(rule, point.value) }));
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(':00.000Z', 'Z');
}

/** `2026-12-04T00:00Z/2026-12-05T00:00Z`: an ISO 8601 interval, the `window` output. */
export function formatWindow(window: MetricWindow): string {
  return `${formatTime(window.start)}/${formatTime(window.end)}`;
}

function judgeSeries(rule: DriftRule, points: TrendPoint[], settings: EvaluationSettings): Pick<DriftCheck, 'status' | 'latest' | 'trend' | 'detail'> {
  const latest = points[points.length - 1];
  const oldestFresh = settings.now - settings.maxWindowAgeHours * 3_600_000;
  const shown = Math.max(minimumTrendPoints, settings.lookbackWindows + rule.consecutiveWindows - 1);
  const trend = points.slice(-shown);
  if (latest.window.end < oldestFresh) {
    return { status: 'noData', latest, trend, detail: `the newest window ended ${formatTime(latest.window.end)}, more than ${settings.maxWindowAgeHours} h ago (stale)` };
  }
  // Window i alerts when it and the consecutiveWindows - 1 windows before it all breach.
  const alerting: MetricWindow[] = [];
  for (let i = Math.max(0, points.length - settings.lookbackWindows); i < points.length; i++) {
    const first = i - rule.consecutiveWindows + 1;
    if (first >= 0 && points.slice(first, i + 1).every((point) => point.breached)) alerting.push(points[i].window);
  }
  if (alerting.length > 0) {
    const inRow = rule.consecutiveWindows > 1 ? ` in ${rule.consecutiveWindows} windows in a row` : '';
    return { status: 'drift', latest, trend, detail: `breached${inRow} up to ${alerting.map(formatWindow).join(', ')}` };
  }
  const breachedNow = points.slice(-settings.lookbackWindows).filter((point) => point.breached).length;
  const detail =
    breachedNow > 0 ? `breached in ${breachedNow} window(s), fewer than the ${rule.consecutiveWindows} in a row that count as drift` : 'within bounds';
  return { status: 'ok', latest, trend, detail };
}

/** Checks every rule against the rows; a rule matching no complete window is one `noData` check. */
export function evaluateDrift(rules: readonly DriftRule[], rows: readonly MetricRow[], settings: EvaluationSettings): DriftEvaluation {
  const complete = rows.filter((row) => row.windowEnd <= settings.now);
  const checks: DriftCheck[] = [];
  for (const rule of rules) {
    const series = new Map<string, MetricRow[]>();
    for (const row of complete) {
      if (!matches(rule, row)) continue;
      const key = seriesKey(row);
      series.set(key, [...(series.get(key) ?? []), row]);
    }
    if (series.size === 0) {
      checks.push({
        rule,
        column: rule.column,
        sliceKey: rule.slice?.key ?? null,
        sliceValue: rule.slice?.value ?? null,
        driftType: rule.driftType ?? null,
        granularity: rule.granularity ?? null,
        status: 'noData',
        trend: [],
        detail: 'no value in any complete window',
      });
      continue;
    }
    for (const seriesRows of series.values()) {
      const first = seriesRows[0];
      checks.push({
        rule,
        column: first.column,
        sliceKey: first.sliceKey,
        sliceValue: first.sliceValue,
        driftType: first.driftType,
        granularity: first.granularity,
        ...judgeSeries(rule, seriesPoints(rule, seriesRows), settings),
      });
    }
  }
  const fresh = checks.filter((check) => check.status !== 'noData' && check.latest);
  const window = fresh.map((check) => check.latest!.window).sort((a, b) => b.end - a.end || b.start - a.start)[0];
  return {
    checks,
    driftDetected: checks.some((check) => check.status === 'drift'),
    noData: fresh.length === 0,
    ...(window ? { window } : {}),
  };
}

/** `js_distance(age)`: how a drifted check is named in `driftedMetrics`. */
export function checkLabel(check: Pick<DriftCheck, 'rule' | 'column'>): string {
  return `${check.rule.metric}(${check.column})`;
}

/** The drifted checks' labels, each once, in rule order. */
export function driftedMetrics(evaluation: DriftEvaluation): string[] {
  return [...new Set(evaluation.checks.filter((check) => check.status === 'drift').map(checkLabel))];
}
