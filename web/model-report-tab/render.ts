/**
 * The tab's content as a pure function of the reports read from the run: DOM built with
 * createElement and text nodes only (report text is data, never parsed as HTML), charts as SVG.
 */
import type { AliasMove, CompareSection, ComplianceSection, DriftSection, ModelReport, ReportLink, ServingSection, SignOffSection } from '../../tasks/common/report/model-report';
import { driftChart, metricChart, trafficChart } from './charts';
import { html, safeUrl, type Child } from './dom';
import { formatDelta, formatTime, formatValue, formatVersion } from './format';
import type { ReadReport } from './read-report';

type Status = 'passed' | 'failed' | 'skipped' | 'warning' | 'waived' | 'pending' | 'refused';

const statusText: Record<Status, string> = {
  passed: '✓ passed',
  failed: '✗ failed',
  skipped: '– skipped',
  warning: '! warning',
  waived: '~ waived',
  pending: '… pending',
  refused: '✗ refused',
};

/** A status in words and a symbol, never colour alone. */
function badge(doc: Document, status: Status, text = statusText[status]): HTMLElement {
  return html(doc, 'span', { class: `badge ${status}` }, text);
}

function heading(doc: Document, level: 2 | 3 | 4, text: string, id?: string): HTMLElement {
  return html(doc, `h${level}`, { id }, text);
}

function metricStatus(checks: CompareSection['metrics'][number]['checks']): 'passed' | 'failed' | 'skipped' {
  if (checks.some((c) => c.status === 'failed')) return 'failed';
  return checks.every((c) => c.status === 'skipped') ? 'skipped' : 'passed';
}

function intervalText(metric: CompareSection['metrics'][number]): string {
  if (!metric.interval) return '—';
  return `[${formatDelta(metric.interval.lower)}, ${formatDelta(metric.interval.upper)}] (n=${metric.interval.examples})`;
}

function renderCompare(doc: Document, compare: CompareSection): HTMLElement {
  const verdict = compare.verdict === 'promote' ? badge(doc, 'passed', '✓ PROMOTE') : badge(doc, 'failed', '✗ REJECT');
  const rows = compare.metrics.map((metric) => {
    const status = metricStatus(metric.checks);
    const rules = metric.checks.map((c) => html(doc, 'li', {}, badge(doc, c.status), ` ${c.kind}: ${c.rule} — ${c.detail}`));
    return html(
      doc,
      'tr',
      { 'data-metric': metric.name },
      html(doc, 'th', { scope: 'row' }, metric.name, metric.guardrail ? html(doc, 'span', { class: 'tag' }, 'guardrail') : undefined),
      html(doc, 'td', { class: 'num' }, formatValue(metric.champion)),
      html(doc, 'td', { class: 'num' }, formatValue(metric.candidate)),
      html(doc, 'td', { class: 'num' }, formatDelta(metric.delta)),
      html(doc, 'td', { class: 'num' }, metric.threshold === undefined ? '—' : formatValue(metric.threshold)),
      html(doc, 'td', { class: 'num' }, intervalText(metric)),
      html(doc, 'td', {}, metricChart(doc, metric, status)),
      html(doc, 'td', {}, html(doc, 'details', {}, html(doc, 'summary', {}, badge(doc, status)), html(doc, 'ul', { class: 'rules' }, ...rules))),
    );
  });
  const preconditions = compare.preconditions.map((p) => html(doc, 'li', {}, badge(doc, p.passed ? 'passed' : 'failed'), ` ${p.name}: ${p.detail}`));
  return html(
    doc,
    'section',
    { class: 'compare', 'aria-label': 'Champion and candidate' },
    html(
      doc,
      'p',
      { class: 'verdict' },
      verdict,
      ` candidate ${formatVersion(compare.candidateVersion)} against ${compare.championVersion ? `champion ${formatVersion(compare.championVersion)}` : 'no champion'} (alias '${compare.championAlias}')`,
      compare.metricsSource ? `, metrics from ${compare.metricsSource}` : '',
      compare.runMode === 'dryRun' ? ' — dry run: nothing was changed' : '',
    ),
    html(
      doc,
      'table',
      { class: 'metrics' },
      html(doc, 'caption', {}, 'Metrics: champion ○, candidate ◆, threshold dashed, guardrail limit shaded, 95% interval of the difference as error bar'),
      html(
        doc,
        'thead',
        {},
        html(doc, 'tr', {}, ...['Metric', 'Champion', 'Candidate', 'Delta', 'Threshold', '95% interval', 'Chart', 'Result'].map((t) => html(doc, 'th', { scope: 'col' }, t))),
      ),
      html(doc, 'tbody', {}, ...rows),
    ),
    preconditions.length > 0 ? html(doc, 'ul', { class: 'preconditions' }, ...preconditions) : undefined,
  );
}

function renderCompliance(doc: Document, compliance: ComplianceSection): HTMLElement {
  const items = compliance.rules.map((rule) =>
    html(
      doc,
      'li',
      { 'data-rule': rule.id },
      badge(doc, rule.status),
      ' ',
      html(doc, 'strong', {}, rule.title),
      rule.detail ? ` — ${rule.detail}` : '',
      rule.evidence && rule.evidence.length > 0
        ? html(
            doc,
            'ul',
            { class: 'evidence' },
            ...rule.evidence.map((e) => {
              const url = safeUrl(e.url);
              return html(doc, 'li', {}, `${e.label}${e.value ? `: ${e.value}` : ''}`, url ? ' ' : undefined, url ? externalLink(doc, url, 'open') : undefined);
            }),
          )
        : undefined,
    ),
  );
  return html(
    doc,
    'section',
    { class: 'compliance' },
    heading(doc, 4, `Compliance${compliance.policy ? `: ${compliance.policy}` : ''}`),
    compliance.policyDigest ? html(doc, 'p', { class: 'muted policy-digest' }, `Policy digest ${compliance.policyDigest}`) : undefined,
    html(doc, 'ul', { class: 'checklist' }, ...items),
  );
}

const signOffStatus: Record<SignOffSection['status'], [Status, string]> = {
  approved: ['passed', '✓ approved'],
  refused: ['refused', '✗ refused'],
  pending: ['pending', '… pending'],
  timedOut: ['failed', '✗ timed out'],
  cancelled: ['skipped', '– cancelled'],
};

function renderSignOff(doc: Document, signOff: SignOffSection): HTMLElement {
  const [status, text] = signOffStatus[signOff.status];
  const facts: Array<[string, Child]> = [
    ['Status', badge(doc, status, text)],
    ['Requested', `${formatTime(signOff.requestedAt)}${signOff.requestedBy ? ` by ${signOff.requestedBy}` : ''}`],
  ];
  if (signOff.approvers?.length) facts.push(['Approvers', signOff.approvers.join(', ')]);
  if (signOff.decidedBy || signOff.decidedAt) facts.push(['Decided', `${signOff.decidedBy ?? 'unknown'}${signOff.decidedAt ? `, ${formatTime(signOff.decidedAt)}` : ''}`]);
  if (signOff.comment) facts.push(['Comment', signOff.comment]);
  if (signOff.record) facts.push(['Record', safeUrl(signOff.record.url) ? externalLink(doc, safeUrl(signOff.record.url)!, signOff.record.label) : signOff.record.label]);
  const attempts = signOff.attempts ?? [];
  return html(
    doc,
    'section',
    { class: 'signoff' },
    heading(doc, 4, 'Sign-off'),
    html(doc, 'dl', {}, ...facts.flatMap(([term, value]) => [html(doc, 'dt', {}, term), html(doc, 'dd', {}, value)])),
    attempts.length > 0
      ? html(
          doc,
          'ol',
          { class: 'attempts', 'aria-label': 'Earlier decisions' },
          ...attempts.map((a) => html(doc, 'li', {}, badge(doc, ...signOffStatus[a.outcome]), ` ${a.by}, ${formatTime(a.at)}${a.comment ? `: ${a.comment}` : ''}`)),
        )
      : undefined,
  );
}

function renderAliasMoves(doc: Document, moves: AliasMove[]): HTMLElement {
  return html(
    doc,
    'section',
    { class: 'aliases' },
    heading(doc, 4, 'Alias moves'),
    html(
      doc,
      'table',
      {},
      html(doc, 'thead', {}, html(doc, 'tr', {}, ...['Alias', 'Before', '', 'After', ''].map((t) => html(doc, 'th', { scope: 'col' }, t)))),
      html(
        doc,
        'tbody',
        {},
        ...moves.map((m) =>
          html(
            doc,
            'tr',
            { 'data-alias': m.alias },
            html(doc, 'th', { scope: 'row' }, m.alias),
            html(doc, 'td', {}, formatVersion(m.before)),
            html(doc, 'td', { 'aria-hidden': 'true' }, '→'),
            html(doc, 'td', {}, formatVersion(m.after)),
            html(doc, 'td', {}, m.changed ? 'moved' : 'unchanged'),
          ),
        ),
      ),
    ),
  );
}

/** Each served model's share before → after, in the colour order of the traffic chart. */
function trafficLegend(serving: ServingSection): Array<[string, number, string]> {
  const names = [...new Set([...serving.before, ...serving.after].map((s) => s.servedModel))];
  const share = (split: ServingSection['before'], name: string): string => `${formatValue(split.filter((s) => s.servedModel === name).reduce((sum, s) => sum + s.percent, 0))}%`;
  return names.map((name, index) => {
    const version = [...serving.before, ...serving.after].find((s) => s.servedModel === name)?.modelVersion;
    return [`${name}${version ? ` (version ${version})` : ''}`, index, `${share(serving.before, name)} → ${share(serving.after, name)}`];
  });
}

function renderServing(doc: Document, serving: ServingSection): HTMLElement {
  const smoke = serving.smokeTest;
  return html(
    doc,
    'section',
    { class: 'serving' },
    heading(doc, 4, `Serving endpoint ${serving.endpoint}`),
    serving.strategy || serving.state
      ? html(doc, 'p', { class: 'serving-state' }, [serving.strategy ? `Strategy ${serving.strategy}` : '', serving.state ? `state ${serving.state}` : ''].filter(Boolean).join(', '))
      : undefined,
    trafficChart(doc, serving.before, serving.after),
    html(doc, 'ul', { class: 'inline legend' }, ...trafficLegend(serving).map(([name, index, change]) => html(doc, 'li', { 'data-served-model': name }, html(doc, 'span', { class: `swatch segment-${index % 4}`, 'aria-hidden': 'true' }), ` ${name}: ${change}`))),
    smoke
      ? html(
          doc,
          'p',
          {},
          'Smoke test: ',
          badge(doc, smoke.status),
          smoke.requests !== undefined ? ` ${smoke.requests} requests, ${smoke.failures ?? 0} failed` : '',
          smoke.latencyMsP95 !== undefined ? `, p95 ${formatValue(smoke.latencyMsP95)} ms` : '',
          smoke.detail ? ` — ${smoke.detail}` : '',
        )
      : undefined,
    serving.rollback
      ? html(doc, 'p', { class: 'rollback' }, 'Rollback: ', badge(doc, serving.rollback.done ? 'passed' : 'failed', serving.rollback.done ? '✓ done' : '✗ not done'), ` ${serving.rollback.detail}`)
      : undefined,
  );
}

function thresholdText(check: DriftSection['checks'][number]): string {
  if (check.lowerThreshold !== undefined) return `allowed ${formatValue(check.lowerThreshold)} to ${formatValue(check.threshold)}`;
  return `threshold ${formatValue(check.threshold)}, fails ${check.failWhen}`;
}

function renderDrift(doc: Document, drift: DriftSection): HTMLElement {
  return html(
    doc,
    'section',
    { class: 'drift' },
    heading(doc, 4, 'Drift'),
    drift.source || drift.window
      ? html(doc, 'p', { class: 'muted drift-source' }, [drift.source ? `Metrics from ${drift.source}` : '', drift.window ? `newest window ${drift.window}` : ''].filter(Boolean).join('; '))
      : undefined,
    html(
      doc,
      'ul',
      { class: 'drift-list' },
      ...drift.checks.map((check) =>
        html(
          doc,
          'li',
          { 'data-check': check.name },
          driftChart(doc, check),
          html(
            doc,
            'span',
            {},
            badge(doc, check.status),
            ` ${check.name}: last ${formatValue(check.points.at(-1)?.value)} (${thresholdText(check)})`,
            check.detail ? html(doc, 'span', { class: 'muted' }, ` — ${check.detail}`) : undefined,
          ),
        ),
      ),
    ),
  );
}

function externalLink(doc: Document, url: string, text: string): HTMLElement {
  return html(doc, 'a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text);
}

function renderLinks(doc: Document, links: ReportLink[]): HTMLElement {
  return html(
    doc,
    'section',
    { class: 'links' },
    heading(doc, 4, 'Evidence'),
    html(
      doc,
      'ul',
      { class: 'inline' },
      ...links.map((link) => {
        const url = safeUrl(link.url);
        return html(doc, 'li', { 'data-kind': link.kind }, url ? externalLink(doc, url, link.label) : link.label, link.detail ? html(doc, 'span', { class: 'muted' }, ` ${link.detail}`) : undefined);
      }),
    ),
  );
}

const kindTitles: Record<ModelReport['kind'], string> = {
  compare: 'Comparison',
  promote: 'Promotion',
  compliance: 'Compliance',
  signoff: 'Sign-off',
  serving: 'Serving rollout',
  drift: 'Drift',
};

/** One report: its outcome, then whichever sections it carries. */
export function renderReport(doc: Document, report: ModelReport): HTMLElement {
  const outcome = report.outcome;
  return html(
    doc,
    'article',
    { class: 'report', 'data-kind': report.kind },
    html(
      doc,
      'header',
      {},
      html(doc, 'h3', { class: 'report-title' }, kindTitles[report.kind], html(doc, 'span', { class: 'muted' }, ` · ${report.producer.task} · ${formatTime(report.createdAt)}`)),
      outcome ? html(doc, 'p', { class: 'outcome' }, badge(doc, outcome.status), ` ${outcome.summary}`) : undefined,
    ),
    report.compare ? renderCompare(doc, report.compare) : undefined,
    report.compliance ? renderCompliance(doc, report.compliance) : undefined,
    report.signOff ? renderSignOff(doc, report.signOff) : undefined,
    report.aliasMoves && report.aliasMoves.length > 0 ? renderAliasMoves(doc, report.aliasMoves) : undefined,
    report.serving ? renderServing(doc, report.serving) : undefined,
    report.drift ? renderDrift(doc, report.drift) : undefined,
    report.links && report.links.length > 0 ? renderLinks(doc, report.links) : undefined,
  );
}

const kindOrder: ModelReport['kind'][] = ['compare', 'compliance', 'signoff', 'promote', 'serving', 'drift'];

/** The reports about one model version (or, for a drift check without a model, one monitor). */
export interface ReportGroup {
  key: string;
  /** The group's heading. */
  title: string;
  reports: ModelReport[];
}

/** Reports grouped by model version, in pipeline order within each; model-less drift reports by their metrics source. */
export function groupByModelVersion(reports: ModelReport[]): ReportGroup[] {
  const groups = new Map<string, ReportGroup>();
  for (const report of reports) {
    const source = report.drift?.source ?? 'drift check';
    const key = report.model ? `${report.model.name} v${report.model.version}` : `monitor ${source}`;
    const title = report.model ? `${report.model.name} · version ${report.model.version}` : `Monitor: ${source}`;
    const group = groups.get(key) ?? { key, title, reports: [] };
    group.reports.push(report);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    group.reports.sort((a, b) => kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) || a.createdAt.localeCompare(b.createdAt));
  }
  return [...groups.values()];
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** What the tab is for, shown when the run has no report. */
export function renderEmpty(doc: Document): HTMLElement {
  return html(
    doc,
    'div',
    { class: 'empty', role: 'status' },
    html(doc, 'h2', {}, 'No model report in this run'),
    html(
      doc,
      'p',
      {},
      'This tab shows the evidence behind each model version a pipeline run handles: champion vs candidate metrics with their thresholds, compliance checks, sign-off, alias moves, serving rollout and drift, with links to Databricks.',
    ),
    html(
      doc,
      'p',
      {},
      'It fills in when a step of DatabricksModelCompare@1, DatabricksModelCompliance@1, DatabricksModelPromote@1, DatabricksServingRollout@1 or DatabricksDriftCheck@1 (or another task of this extension that decides about a model) runs in the pipeline.',
    ),
  );
}

/** The tab's message when the reports cannot be listed (permissions, network). */
export function renderLoadError(doc: Document, message: string): HTMLElement {
  return html(doc, 'div', { class: 'problem', role: 'alert' }, html(doc, 'h2', {}, 'The model reports could not be read'), html(doc, 'p', {}, message));
}

function renderUnreadable(doc: Document, items: Array<Exclude<ReadReport, { status: 'ok' }>>): HTMLElement {
  return html(
    doc,
    'div',
    { class: 'problem', role: 'alert' },
    html(doc, 'h2', {}, `${items.length} report(s) could not be shown`),
    html(
      doc,
      'ul',
      {},
      ...items.map((item) =>
        item.status === 'newer'
          ? html(doc, 'li', { 'data-status': 'newer' }, `${item.name} is in report format ${item.version}, written by a newer version of the extension; this tab reads format 1. Update the extension to see it.`)
          : html(doc, 'li', { 'data-status': 'invalid' }, `${item.name} is not a valid model report: ${item.problems.join('; ')}`),
      ),
    ),
  );
}

/** The whole tab: problems first, then one section per model version with a keyboard-reachable index. */
export function renderTab(doc: Document, read: ReadReport[]): HTMLElement {
  const reports = read.flatMap((r) => (r.status === 'ok' ? [r.report] : []));
  const problems = read.filter((r): r is Exclude<ReadReport, { status: 'ok' }> => r.status !== 'ok');
  const root = html(doc, 'main', { class: 'model-report-tab', 'aria-label': 'Model promotion' });
  if (problems.length > 0) root.appendChild(renderUnreadable(doc, problems));
  if (read.length === 0) {
    root.appendChild(renderEmpty(doc));
    return root;
  }
  const groups = groupByModelVersion(reports);
  if (groups.length > 1) {
    root.appendChild(
      html(doc, 'nav', { 'aria-label': 'Model versions in this run' }, html(doc, 'ul', {}, ...groups.map((g) => html(doc, 'li', {}, html(doc, 'a', { href: `#${slug(g.key)}` }, g.key))))),
    );
  }
  for (const group of groups) {
    const id = slug(group.key);
    root.appendChild(
      html(
        doc,
        'section',
        { class: 'model-version', id, 'aria-labelledby': `${id}-heading` },
        heading(doc, 2, group.title, `${id}-heading`),
        ...group.reports.map((report) => renderReport(doc, report)),
      ),
    );
  }
  return root;
}
