/** The model report of DatabricksModelCompare@1, built from the comparison it already made. */
import type { AuditOutcome } from '../audit/audit-record';
import type { PipelineRun } from '../task/pipeline-run';
import { bootstrapConfidence } from '../compare/bootstrap';
import type { CheckResult } from '../compare/checks';
import type { Comparison } from '../compare/compare-models';
import type { RulesDocument } from '../compare/rules';
import { auditRowLink, mlflowRunLink, modelVersionLink, pipelineRunLink } from './links';
import type { MetricComparison, ModelReport, ReportLink } from './model-report';

/** What the compare report needs besides the comparison. */
export interface CompareReportContext {
  modelName: string;
  championAlias: string;
  runMode: 'enabled' | 'dryRun';
  /** The workspace URL, for links. */
  host: string;
  task: string;
  extensionVersion?: string;
  pipelineRun: PipelineRun;
  audit?: AuditOutcome;
  /** Epoch milliseconds. */
  now: number;
}

function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

function metricComparison(metric: string, checks: CheckResult[], comparison: Comparison, rules: RulesDocument): MetricComparison {
  const rule = rules.metrics.find((r) => r.metric === metric);
  const guardrail = rules.guardrails.find((g) => g.metric === metric);
  const candidate = finite(comparison.metrics.candidate.get(metric)?.value ?? checks.find((c) => c.candidate !== undefined)?.candidate);
  const champion = finite(comparison.metrics.champion?.get(metric)?.value ?? checks.find((c) => c.champion !== undefined)?.champion);
  const interval = comparison.intervals.get(metric);
  return {
    name: metric,
    greaterIsBetter: rule?.greaterIsBetter ?? guardrail?.greaterIsBetter ?? true,
    candidate,
    champion,
    delta: candidate !== null && champion !== null ? candidate - champion : null,
    ...(rule?.threshold !== undefined ? { threshold: Number(rule.threshold) } : {}),
    ...(guardrail ? { guardrail: { tolerance: guardrail.tolerance } } : {}),
    ...(interval && [interval.lower, interval.upper, interval.meanDifference].every(Number.isFinite)
      ? {
          interval: {
            lower: interval.lower,
            upper: interval.upper,
            meanDifference: interval.meanDifference,
            examples: interval.examples,
            confidence: bootstrapConfidence,
            resamples: interval.resamples,
            seed: interval.seed,
          },
        }
      : {}),
    checks: checks.map((c) => ({ kind: c.kind, status: c.status, rule: c.rule, detail: c.detail })),
  };
}

function compareLinks(comparison: Comparison, context: CompareReportContext): ReportLink[] {
  const links: ReportLink[] = [modelVersionLink(context.host, context.modelName, comparison.candidate.version, 'candidate')];
  if (comparison.champion) links.push(modelVersionLink(context.host, context.modelName, comparison.champion.version, 'champion'));
  const runs = new Map<string, string>();
  if (comparison.candidate.run_id) runs.set(comparison.candidate.run_id, 'candidate');
  if (comparison.champion?.run_id) runs.set(comparison.champion.run_id, runs.has(comparison.champion.run_id) ? 'candidate and champion' : 'champion');
  const { provenance } = comparison.metrics;
  if (provenance.validationRunId) runs.set(provenance.validationRunId, 'validation');
  for (const [runId, role] of runs) links.push(mlflowRunLink(context.host, runId, role));
  if (provenance.evaluationRunUrl && /^https?:\/\//.test(provenance.evaluationRunUrl)) {
    links.push({ kind: 'databricksRun', label: `Evaluation job run ${provenance.evaluationRunId ?? ''}`.trim(), url: provenance.evaluationRunUrl });
  }
  return [...links, ...auditRowLink(context.audit), ...pipelineRunLink(context.pipelineRun)];
}

/** The compare report: every rule's metric with both values, delta, threshold, interval and verdict. */
export function buildCompareReport(comparison: Comparison, rules: RulesDocument, context: CompareReportContext): ModelReport {
  const byMetric = new Map<string, CheckResult[]>();
  for (const check of comparison.verdict.checks) byMetric.set(check.metric, [...(byMetric.get(check.metric) ?? []), check]);
  const { verdict } = comparison;
  const failed = verdict.checks.filter((c) => c.status === 'failed').length + verdict.preconditions.filter((p) => !p.passed).length;
  return {
    schemaVersion: 1,
    kind: 'compare',
    createdAt: new Date(context.now).toISOString(),
    producer: { task: context.task, ...(context.extensionVersion ? { extensionVersion: context.extensionVersion } : {}) },
    model: { name: context.modelName, version: comparison.candidate.version },
    outcome: {
      status: verdict.decision === 'promote' ? 'passed' : 'failed',
      summary:
        verdict.decision === 'promote'
          ? `Version ${comparison.candidate.version} beats ${comparison.champion ? `champion version ${comparison.champion.version}` : 'the rules (no champion)'}`
          : `Version ${comparison.candidate.version} rejected: ${failed} check(s) failed`,
    },
    compare: {
      verdict: verdict.decision,
      runMode: context.runMode,
      championAlias: context.championAlias,
      candidateVersion: comparison.candidate.version,
      championVersion: comparison.champion?.version ?? null,
      metricsSource: comparison.metrics.source,
      metrics: [...byMetric].map(([metric, checks]) => metricComparison(metric, checks, comparison, rules)),
      preconditions: verdict.preconditions.map((p) => ({ name: p.name, passed: p.passed, detail: p.detail })),
    },
    links: compareLinks(comparison, context),
  };
}
