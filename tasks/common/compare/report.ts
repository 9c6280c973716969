import type { TestCase, TestSuite } from '../junit/model';
import type { BootstrapInterval } from './bootstrap';
import { bootstrapConfidence, bootstrapResamples } from './bootstrap';
import type { CheckResult } from './checks';
import type { Comparison } from './compare-models';
import { formatDecimal, shortestDecimalOfDouble, subtractDecimal } from './exact-decimal';
import type { RulesDocument } from './rules';

/** What the report needs besides the comparison. */
export interface ReportContext {
  modelName: string;
  championAlias: string;
  runMode: 'enabled' | 'dryRun';
  requireSignificance: boolean;
  bootstrapSeed: number;
  pipelineRunUrl?: string;
  /** The workspace URL, to link the model versions and MLflow runs. */
  workspaceUrl?: string;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Significant digits people read in the summary; JUnit and the audit record keep full precision. */
const shownDigits = 4;

/** A value rounded for people: 0.912345678 reads 0.9123, 1234.5678 reads 1235. */
export function roundForPeople(value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  return String(Number(value.toPrecision(shownDigits)));
}

/**
 * Candidate and champion of a row, rounded, unless rounding would make two different values look
 * equal: then both are shown in full, since that is where the last digits decide.
 */
function showPair(check: CheckResult): [string, string] {
  const { candidate, champion } = check;
  const rounded = [candidate, champion].map((value) => (value === undefined ? '—' : roundForPeople(value))) as [string, string];
  if (candidate !== undefined && champion !== undefined && candidate !== champion && rounded[0] === rounded[1]) return [String(candidate), String(champion)];
  return rounded;
}

/** Candidate − champion on the printed decimals (0.85 − 0.8 reads +0.05), rounded, with the relative change in percent. */
function delta(check: CheckResult): string {
  if (check.candidate === undefined || check.champion === undefined) return '—';
  if (!Number.isFinite(check.candidate) || !Number.isFinite(check.champion)) return String(check.candidate - check.champion);
  const difference = subtractDecimal(shortestDecimalOfDouble(check.candidate), shortestDecimalOfDouble(check.champion));
  const exact = Number(formatDecimal(difference));
  const absolute = `${difference.coefficient > 0n ? '+' : ''}${roundForPeople(exact)}`;
  if (check.champion === 0) return absolute;
  const percent = Number(((exact / Math.abs(check.champion)) * 100).toPrecision(3));
  return `${absolute} (${percent > 0 ? '+' : ''}${percent}%)`;
}

/** One row of inline bars: a value as a bar scaled to `max`, in eighths of a character. */
function bar(value: number, max: number, width = 24): string {
  const eighths = Math.round((Math.max(0, value) / max) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 ? ' ▏▎▍▌▋▊▉'[eighths % 8] : '');
}

/**
 * Bars for people who would rather look than read: per metric with a champion, the champion, the
 * candidate and the bound it had to reach (the threshold, or champion ± change), on one scale.
 * Only for non-negative values, where a bar's length means something.
 */
function metricBars(comparison: Comparison): string[] {
  const blocks: string[] = [];
  for (const rule of comparison.verdict.checks.filter((check) => check.kind === 'threshold' || check.kind === 'min_absolute_change' || check.kind === 'guardrail')) {
    const rows: Array<[string, number]> = [];
    if (rule.champion !== undefined) rows.push(['champion', rule.champion]);
    if (rule.candidate !== undefined) rows.push(['candidate', rule.candidate]);
    const bound = /(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(rule.rule);
    if (rule.kind === 'threshold' && bound) rows.push(['threshold', Number(bound[1])]);
    const change = /champion ([+-]) (\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(rule.rule);
    if (rule.kind === 'min_absolute_change' && change && rule.champion !== undefined) {
      rows.push(['bound', change[1] === '+' ? rule.champion + Number(change[2]) : rule.champion - Number(change[2])]);
    }
    if (rows.length < 2 || rows.some(([, value]) => !Number.isFinite(value) || value < 0)) continue;
    const max = Math.max(...rows.map(([, value]) => value));
    if (max <= 0) continue;
    const label = `${rule.metric} (${rule.kind})`;
    blocks.push(`${label}\n${rows.map(([name, value]) => `  ${name.padEnd(9)} ${bar(value, max).padEnd(24)} ${roundForPeople(value)}`).join('\n')}`);
  }
  return blocks;
}

/** `https://host/explore/data/models/<catalog>/<schema>/<model>/version/<n>`: the version's page in Catalog Explorer. */
function versionLink(context: ReportContext, version: number): string {
  if (!context.workspaceUrl) return `version ${version}`;
  const path = context.modelName.split('.').map(encodeURIComponent).join('/');
  return `[version ${version}](${context.workspaceUrl.replace(/\/+$/, '')}/explore/data/models/${path}/version/${version})`;
}

/** The MLflow run behind a version, linked when its experiment is known. */
function runLink(context: ReportContext, runId: string | undefined, experiments: Record<string, string> | undefined): string {
  if (!runId) return '';
  const experiment = experiments?.[runId];
  if (!context.workspaceUrl || !experiment) return `, MLflow run \`${runId}\``;
  return `, [MLflow run ${runId}](${context.workspaceUrl.replace(/\/+$/, '')}/ml/experiments/${encodeURIComponent(experiment)}/runs/${encodeURIComponent(runId)})`;
}

function datasetLine(comparison: Comparison): string {
  const dataset = comparison.dataset;
  if (!comparison.champion) return '';
  switch (dataset.kind) {
    case 'named':
      return `- Dataset: \`${cell(dataset.name ?? '?')}\`${dataset.digest ? ` (digest \`${cell(dataset.digest)}\`)` : ''}, the same for both`;
    case 'oneEvaluation':
      return '- Dataset: one validation run scored both models on the same data';
    case 'unnamed':
      return "- Dataset: ⚠️ **not checked**: neither side's metrics name an evaluation dataset, so metrics computed on different data would not be noticed (set `requireSameDataset: true` to refuse this)";
  }
}

const statusMark: Record<CheckResult['status'], string> = { passed: '✅ pass', failed: '❌ fail', skipped: '➖ skipped' };

function intervalText(interval: BootstrapInterval): string {
  return `[${interval.lower}, ${interval.upper}]`;
}

/** The Markdown summary: decision, versions, source, one table row per check, intervals and failures. */
export function renderSummary(comparison: Comparison, context: ReportContext): string {
  const { verdict } = comparison;
  const lines: string[] = [];
  const decision = verdict.decision === 'promote' ? '✅ PROMOTE' : '❌ REJECT';
  lines.push(`## Model comparison: ${cell(context.modelName)}`, '');
  lines.push(`**Decision: ${decision}**${context.runMode === 'dryRun' ? ' (dry run: reported only, nothing changed)' : ''}`, '');
  const experiments = comparison.metrics.runExperiments;
  lines.push(`- Candidate: ${versionLink(context, comparison.candidate.version)}${runLink(context, comparison.candidate.run_id, experiments)}`);
  lines.push(
    comparison.champion
      ? `- Champion: ${versionLink(context, comparison.champion.version)} (alias \`${context.championAlias}\`)${runLink(context, comparison.champion.run_id, experiments)}`
      : `- Champion: none (no version holds alias \`${context.championAlias}\`; noChampion: ${verdict.noChampion})`,
  );
  const provenance = Object.entries(comparison.metrics.provenance).map(([key, value]) => `${key} ${value}`).join(', ');
  lines.push(`- Metrics from: \`${comparison.metrics.source}\`${provenance ? ` (${cell(provenance)})` : ''}`);
  const dataset = datasetLine(comparison);
  if (dataset) lines.push(dataset);
  if (context.pipelineRunUrl) lines.push(`- Pipeline run: ${context.pipelineRunUrl}`);
  lines.push('');
  lines.push('| Metric | Rule | Candidate | Champion | Change | Result |', '|---|---|---|---|---|---|');
  for (const check of verdict.checks) {
    const interval = check.kind === 'significance' ? comparison.intervals.get(check.metric) : undefined;
    // The significance row is about the interval of the difference, not the two values again.
    const [candidate, champion] = interval ? ['—', '—'] : showPair(check);
    const change = interval ? `95% interval ${intervalText(interval)}` : delta(check);
    lines.push(`| ${cell(check.metric)} | ${cell(`${check.kind}: ${check.rule}`)} | ${candidate} | ${champion} | ${change} | ${statusMark[check.status]} |`);
  }
  for (const precondition of verdict.preconditions) {
    lines.push(`| — | ${cell(precondition.name)} | — | — | — | ${precondition.passed ? statusMark.passed : statusMark.failed} |`);
  }
  if (comparison.intervals.size > 0) {
    lines.push('');
    lines.push(
      `**Paired bootstrap** (${Math.round(bootstrapConfidence * 100)}% interval of candidate − champion, ${bootstrapResamples} resamples, seed ${context.bootstrapSeed}, scores from ${comparison.pairedSource ?? 'the source'}; ` +
        `${context.requireSignificance ? 'required' : 'informational: requireSignificance is false'})`,
      '',
    );
    lines.push('| Metric | Examples | Mean difference | 95% interval |', '|---|---|---|---|');
    for (const [metric, interval] of comparison.intervals) {
      lines.push(`| ${cell(metric)} | ${interval.examples} | ${interval.meanDifference} | ${intervalText(interval)} |`);
    }
  }
  const bars = metricBars(comparison);
  if (bars.length > 0) lines.push('', '```text', bars.join('\n\n'), '```');
  const failures = [
    ...verdict.checks.filter((c) => c.status === 'failed').map((c) => `\`${c.metric}.${c.kind}\`: ${c.detail}`),
    ...verdict.preconditions.filter((p) => !p.passed).map((p) => `\`${p.name}\`: ${p.detail}`),
  ];
  if (failures.length > 0) {
    lines.push('', '**Why it was rejected**', '');
    for (const failure of failures) lines.push(`- ${cell(failure)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One JUnit test case per metric and rule kind (`roc_auc.threshold`, ...), plus the preconditions. */
export function junitSuite(comparison: Comparison, context: ReportContext): TestSuite {
  const cases: TestCase[] = comparison.verdict.checks.map((check) => ({
    name: `${check.metric}.${check.kind}`,
    classname: `DatabricksModelCompare.${context.modelName}`,
    time: 0,
    ...(check.status === 'failed' ? { failure: { message: check.detail, type: check.kind } } : {}),
    ...(check.status === 'skipped' ? { skipped: { message: check.detail } } : {}),
    systemOut: `${check.rule}\n${check.detail}`,
  }));
  for (const precondition of comparison.verdict.preconditions) {
    cases.push({
      name: `precondition.${precondition.name}`,
      classname: `DatabricksModelCompare.${context.modelName}`,
      time: 0,
      ...(precondition.passed ? {} : { failure: { message: precondition.detail, type: 'precondition' } }),
      systemOut: precondition.detail,
    });
  }
  return {
    name: `Model comparison ${context.modelName} v${comparison.candidate.version} vs ${comparison.champion ? `v${comparison.champion.version}` : 'no champion'}`,
    properties: {
      decision: comparison.verdict.decision,
      candidateVersion: String(comparison.candidate.version),
      championVersion: comparison.champion ? String(comparison.champion.version) : 'none',
      metricsSource: comparison.metrics.source,
    },
    cases,
  };
}

function ruleJson(rules: RulesDocument): unknown {
  const number = (value: number | bigint | undefined): number | string | undefined => (typeof value === 'bigint' ? value.toString() : value);
  return {
    metrics: Object.fromEntries(
      rules.metrics.map((r) => [
        r.metric,
        { greater_is_better: r.greaterIsBetter, threshold: number(r.threshold), min_absolute_change: number(r.minAbsoluteChange), min_relative_change: r.minRelativeChange },
      ]),
    ),
    guardrails: Object.fromEntries(rules.guardrails.map((r) => [r.metric, { greater_is_better: r.greaterIsBetter, tolerance: r.tolerance }])),
  };
}

/** A JSON-safe value: non-finite numbers become strings. */
function finite(value: number | undefined): number | string | undefined {
  return value === undefined || Number.isFinite(value) ? value : String(value);
}

/** The audit row's `details`: per-metric values, rules, results, intervals and where the numbers came from. */
export function auditDetails(comparison: Comparison, context: ReportContext, rules: RulesDocument): unknown {
  return {
    runMode: context.runMode,
    championAlias: context.championAlias,
    noChampion: comparison.verdict.noChampion,
    metricsSource: comparison.metrics.source,
    provenance: comparison.metrics.provenance,
    rules: ruleJson(rules),
    checks: comparison.verdict.checks.map((c) => ({ ...c, candidate: finite(c.candidate), champion: finite(c.champion) })),
    preconditions: comparison.verdict.preconditions,
    significance: {
      required: context.requireSignificance,
      seed: context.bootstrapSeed,
      resamples: bootstrapResamples,
      intervals: Object.fromEntries(comparison.intervals),
    },
  };
}
