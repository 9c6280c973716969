/**
 * The tab's charts as plain SVG built by pure functions. Each chart is an `img` with a title and a
 * description that say in words what it draws, so the numbers reach screen readers too.
 */
import type { DriftCheck, MetricComparison, TrafficSplit } from '../../tasks/common/report/model-report';
import { svg } from './dom';
import { formatDelta, formatValue } from './format';

let nextId = 0;
function chartId(doc: Document, prefix: string): string {
  // Ids must be unique in the page; the counter resets per document in tests through the prefix.
  do nextId += 1;
  while (doc.getElementById(`${prefix}-${nextId}`));
  return `${prefix}-${nextId}`;
}

/** An accessible SVG image: role img, <title> and <desc>, focusable so keyboard users reach the text. */
function chart(doc: Document, width: number, height: number, title: string, description: string, className: string): SVGElement {
  const id = chartId(doc, className);
  return svg(
    doc,
    'svg',
    { class: className, width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', tabindex: 0, 'aria-labelledby': `${id}-title ${id}-desc` },
    svg(doc, 'title', { id: `${id}-title` }, title),
    svg(doc, 'desc', { id: `${id}-desc` }, description),
  );
}

/** A linear scale from the domain [min, max] (padded by 8%) onto [left, right]. */
export function linearScale(values: readonly number[], left: number, right: number): ((value: number) => number) & { invert(position: number): number } {
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const pad = (max - min) * 0.08;
  min -= pad;
  max += pad;
  const scale = (value: number): number => left + ((value - min) / (max - min)) * (right - left);
  return Object.assign(scale, { invert: (position: number) => min + ((position - left) / (right - left)) * (max - min) });
}

/** What the metric chart says in words. */
export function describeMetric(metric: MetricComparison, status: string): string {
  const parts = [`candidate ${formatValue(metric.candidate)}`, `champion ${formatValue(metric.champion)}`, `delta ${formatDelta(metric.delta)}`];
  if (metric.threshold !== undefined) parts.push(`threshold ${formatValue(metric.threshold)}`);
  if (metric.guardrail) parts.push(`guardrail: may worsen by at most ${formatValue(metric.guardrail.tolerance * 100)}%`);
  if (metric.interval) {
    parts.push(`${Math.round(metric.interval.confidence * 100)}% interval of the difference [${formatValue(metric.interval.lower)}, ${formatValue(metric.interval.upper)}] over ${metric.interval.examples} examples`);
  }
  parts.push(`${metric.greaterIsBetter ? 'higher' : 'lower'} is better`, status);
  return `${metric.name}: ${parts.join('; ')}.`;
}

/** The worst value the guardrail allows, relative to the champion. */
function guardrailLimit(metric: MetricComparison): number | undefined {
  if (!metric.guardrail || metric.champion === null) return undefined;
  const allowance = Math.abs(metric.champion) * metric.guardrail.tolerance;
  return metric.greaterIsBetter ? metric.champion - allowance : metric.champion + allowance;
}

/**
 * Champion (hollow circle) and candidate (filled diamond) on one axis, an arrow between them, the
 * threshold as a dashed line, the guardrail's failing side shaded, and the bootstrap interval of
 * the difference as an error bar around the candidate.
 */
export function metricChart(doc: Document, metric: MetricComparison, status: 'passed' | 'failed' | 'skipped'): SVGElement {
  const width = 320;
  const height = 56;
  const axisY = 28;
  // Labels near an edge are anchored inside the chart rather than cut off.
  const anchor = (position: number): string => (position < 40 ? 'start' : position > width - 40 ? 'end' : 'middle');
  const root = chart(doc, width, height, `${metric.name}: champion and candidate`, describeMetric(metric, status), 'metric-chart');
  const limit = guardrailLimit(metric);
  const intervalBounds = metric.interval && metric.champion !== null ? [metric.champion + metric.interval.lower, metric.champion + metric.interval.upper] : [];
  const values = [metric.candidate, metric.champion, metric.threshold, limit, ...intervalBounds].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) {
    root.appendChild(svg(doc, 'text', { x: 8, y: axisY, class: 'muted' }, 'no values'));
    return root;
  }
  const x = linearScale(values, 14, width - 14);
  root.appendChild(svg(doc, 'line', { x1: 8, x2: width - 8, y1: axisY + 10, y2: axisY + 10, class: 'axis' }));
  // The axis ends, so a short arrow between close values is not read as a large change.
  const [low, high] = [x.invert(8), x.invert(width - 8)];
  root.appendChild(svg(doc, 'text', { x: 8, y: height - 2, class: 'label' }, formatValue(Number(low.toPrecision(3)))));
  root.appendChild(svg(doc, 'text', { x: width - 8, y: height - 2, class: 'label', 'text-anchor': 'end' }, formatValue(Number(high.toPrecision(3)))));
  if (limit !== undefined) {
    const [from, to] = metric.greaterIsBetter ? [8, x(limit)] : [x(limit), width - 8];
    root.appendChild(svg(doc, 'rect', { x: Math.min(from, to), y: 14, width: Math.abs(to - from), height: 24, class: 'guardrail-zone' }));
    root.appendChild(svg(doc, 'text', { x: x(limit), y: 10, class: 'label', 'text-anchor': anchor(x(limit)) }, `guardrail ${formatValue(limit)}`));
  }
  if (metric.threshold !== undefined) {
    const tx = x(metric.threshold);
    root.appendChild(svg(doc, 'line', { x1: tx, x2: tx, y1: 14, y2: axisY + 10, class: 'threshold' }));
    root.appendChild(svg(doc, 'text', { x: tx, y: 10, class: 'label', 'text-anchor': anchor(tx) }, `threshold ${formatValue(metric.threshold)}`));
  }
  if (intervalBounds.length === 2) {
    const [lo, hi] = intervalBounds.map(x);
    root.appendChild(svg(doc, 'path', { d: `M${lo},${axisY - 6}v12M${lo},${axisY}H${hi}M${hi},${axisY - 6}v12`, class: 'interval' }));
  }
  if (metric.champion !== null) {
    const cx = x(metric.champion);
    if (metric.candidate !== null) root.appendChild(svg(doc, 'line', { x1: cx, x2: x(metric.candidate), y1: axisY, y2: axisY, class: 'change' }));
    root.appendChild(svg(doc, 'circle', { cx, cy: axisY, r: 5, class: 'champion' }));
  }
  if (metric.candidate !== null) {
    const cx = x(metric.candidate);
    root.appendChild(svg(doc, 'path', { d: `M${cx},${axisY - 7}l7,7l-7,7l-7,-7z`, class: `candidate ${status}` }));
  }
  return root;
}

/** What the drift chart says in words. */
export function describeDrift(check: DriftCheck): string {
  const last = check.points.at(-1);
  const range = check.points.length > 0 ? ` from ${check.points[0].at.slice(0, 10)} to ${last!.at.slice(0, 10)}` : '';
  const values = check.points.map((p) => formatValue(p.value)).join(', ');
  return (
    `${check.name}${check.statistic ? ` (${check.statistic})` : ''}: ${check.points.length} points${range}` +
    `${values ? ` (${values})` : ''}; ${
      check.lowerThreshold !== undefined
        ? `allowed from ${formatValue(check.lowerThreshold)} to ${formatValue(check.threshold)}, fails outside`
        : `threshold ${formatValue(check.threshold)}, fails ${check.failWhen} it`
    }; ${check.status}.`
  );
}

/** A small trend line with the threshold dashed and the failing side shaded (both sides for a two-sided rule). */
export function driftChart(doc: Document, check: DriftCheck): SVGElement {
  const width = 220;
  const height = 48;
  const root = chart(doc, width, height, `${check.name} trend`, describeDrift(check), 'drift-chart');
  const lower = check.failWhen === 'above' ? check.lowerThreshold : undefined;
  const values = [check.threshold, ...(lower !== undefined ? [lower] : []), ...check.points.map((p) => p.value)];
  const y = linearScale(values, height - 4, 4);
  const ty = y(check.threshold);
  root.appendChild(svg(doc, 'rect', { x: 0, y: check.failWhen === 'above' ? 0 : ty, width, height: check.failWhen === 'above' ? ty : height - ty, class: 'guardrail-zone' }));
  root.appendChild(svg(doc, 'line', { x1: 0, x2: width, y1: ty, y2: ty, class: 'threshold' }));
  if (lower !== undefined) {
    const ly = y(lower);
    root.appendChild(svg(doc, 'rect', { x: 0, y: ly, width, height: height - ly, class: 'guardrail-zone' }));
    root.appendChild(svg(doc, 'line', { x1: 0, x2: width, y1: ly, y2: ly, class: 'threshold' }));
  }
  const step = check.points.length > 1 ? (width - 12) / (check.points.length - 1) : 0;
  const points = check.points.map((p, i) => `${6 + i * step},${y(p.value)}`);
  if (points.length > 1) root.appendChild(svg(doc, 'polyline', { points: points.join(' '), class: 'trend' }));
  const lastPoint = points.at(-1);
  if (lastPoint) {
    const [px, py] = lastPoint.split(',');
    root.appendChild(svg(doc, 'circle', { cx: px, cy: py, r: 3.5, class: `candidate ${check.status}` }));
  }
  return root;
}

/** Traffic before and after as two stacked bars, one segment per served model. */
export function trafficChart(doc: Document, before: TrafficSplit, after: TrafficSplit): SVGElement {
  const width = 360;
  const height = 60;
  const words = (split: TrafficSplit): string => split.map((s) => `${s.servedModel}${s.modelVersion ? ` (version ${s.modelVersion})` : ''} ${formatValue(s.percent)}%`).join(', ') || 'no traffic';
  const root = chart(doc, width, height, 'Traffic split before and after', `Before: ${words(before)}. After: ${words(after)}.`, 'traffic-chart');
  const names = [...new Set([...before, ...after].map((s) => s.servedModel))];
  const bar = (split: TrafficSplit, top: number, label: string): void => {
    root.appendChild(svg(doc, 'text', { x: 0, y: top + 14, class: 'label' }, label));
    let left = 48;
    for (const segment of split) {
      const w = ((width - 52) * segment.percent) / 100;
      root.appendChild(svg(doc, 'rect', { x: left, y: top, width: w, height: 20, class: `segment segment-${names.indexOf(segment.servedModel) % 4}` }));
      if (w > 40) root.appendChild(svg(doc, 'text', { x: left + 4, y: top + 14, class: 'segment-label' }, `${formatValue(segment.percent)}%`));
      left += w;
    }
  };
  bar(before, 4, 'before');
  bar(after, 34, 'after');
  return root;
}
