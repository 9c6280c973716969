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
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function show(value: number | undefined): string {
  return value === undefined ? '—' : String(value);
}

function delta(check: CheckResult): string {
  if (check.candidate === undefined || check.champion === undefined) return '—';
  if (!Number.isFinite(check.candidate) || !Number.isFinite(check.champion)) return String(check.candidate - check.champion);
  // On the printed decimals, so 0.85 - 0.8 reads +0.05 rather than +0.04999999999999993.
  const difference = subtractDecimal(shortestDecimalOfDouble(check.candidate), shortestDecimalOfDouble(check.champion));
  return `${difference.coefficient > 0n ? '+' : ''}${formatDecimal(difference)}`;
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
  lines.push(`- Candidate: version ${comparison.candidate.version}`);
  lines.push(
    comparison.champion
      ? `- Champion: version ${comparison.champion.version} (alias \`${context.championAlias}\`)`
      : `- Champion: none (no version holds alias \`${context.championAlias}\`; noChampion: ${verdict.noChampion})`,
  );
  const provenance = Object.entries(comparison.metrics.provenance).map(([key, value]) => `${key} ${value}`).join(', ');
  lines.push(`- Metrics from: \`${comparison.metrics.source}\`${provenance ? ` (${cell(provenance)})` : ''}`);
  if (context.pipelineRunUrl) lines.push(`- Pipeline run: ${context.pipelineRunUrl}`);
  lines.push('');
  lines.push('| Metric | Rule | Candidate | Champion | Delta | Result |', '|---|---|---|---|---|---|');
  for (const check of verdict.checks) {
    lines.push(`| ${cell(check.metric)} | ${cell(`${check.kind}: ${check.rule}`)} | ${show(check.candidate)} | ${show(check.champion)} | ${delta(check)} | ${statusMark[check.status]} |`);
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
