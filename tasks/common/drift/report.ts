/** The evidence of a drift check: the run summary, the JUnit cases and the audit details. */
import type { AuditOutcome } from '../audit';
import type { TestCase, TestSuite } from '../junit/model';
import { checkLabel, formatWindow, type DriftCheck, type DriftEvaluation, type TrendPoint } from './evaluate';
import type { RetrainResult } from './retrain';
import { describeThreshold } from './rules';

/** What happens with drift and with missing data (the task's `onDrift` and `onNoData`). */
export interface DriftPolicy {
  onDrift: 'runJob' | 'notify' | 'fail';
  onNoData: 'fail' | 'warn' | 'pass';
}

/** Everything the summary shows besides the evaluation. */
export interface DriftReportContext {
  /** Where the metrics came from, e.g. `main.ml.churn_inference_drift_metrics, ...` or `metricsQuery`. */
  source: string;
  policy: DriftPolicy;
  retrain?: RetrainResult;
  audit?: AuditOutcome;
  pipelineRunUrl?: string;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const bars = '▁▂▃▄▅▆▇█';

/** A sparkline and the values, oldest first; breached values in bold. */
export function trendText(points: readonly TrendPoint[]): string {
  if (points.length === 0) return '—';
  const values = points.map((p) => p.value);
  const low = Math.min(...values);
  const span = Math.max(...values) - low;
  const line = values.map((v) => bars[span === 0 ? 3 : Math.round(((v - low) / span) * (bars.length - 1))]).join('');
  return `${line} ${points.map((p) => (p.breached ? `**${round(p.value)}**` : round(p.value))).join(', ')}`;
}

function round(value: number): string {
  return String(Number(value.toPrecision(4)));
}

const statusMark: Record<DriftCheck['status'], string> = { drift: '❌ drift', ok: '✅ ok', noData: '⚠️ no data' };

function sliceText(check: DriftCheck): string {
  if (check.sliceKey === null) return 'all';
  return `${check.sliceKey}=${check.sliceValue ?? '*'}`;
}

function headline(evaluation: DriftEvaluation): string {
  if (evaluation.driftDetected) return '❌ DRIFT';
  if (evaluation.noData) return '⚠️ NO DATA';
  return evaluation.checks.some((c) => c.status === 'noData') ? '✅ NO DRIFT (some rules had no data)' : '✅ NO DRIFT';
}

function retrainLine(retrain: RetrainResult | undefined, policy: DriftPolicy, drift: boolean): string | undefined {
  if (!drift) return undefined;
  if (policy.onDrift !== 'runJob') return `- On drift: \`${policy.onDrift}\``;
  if (!retrain) return '- Retraining: not started';
  const page = retrain.run?.run_page_url ? ` (${retrain.run.run_page_url})` : '';
  const end = retrain.outcome ? `, ${cell(retrain.outcome)}` : ', not waited for';
  return `- Retraining: job ${retrain.jobId}, run ${retrain.runId}${page}${end}`;
}

/** The Markdown summary: the decision, the window and one row per check with its trend. */
export function renderDriftSummary(evaluation: DriftEvaluation, context: DriftReportContext): string {
  const lines = [`## Drift check: ${headline(evaluation)}`, ''];
  lines.push(`- Window: ${evaluation.window ? formatWindow(evaluation.window) : 'none'}`);
  lines.push(`- Metrics from: ${cell(context.source)}`);
  const retrain = retrainLine(context.retrain, context.policy, evaluation.driftDetected);
  if (retrain) lines.push(retrain);
  if (context.audit?.status === 'written') lines.push(`- Audit record: written to \`${context.audit.table}\``);
  if (context.audit?.status === 'failed') lines.push(`- Audit record: **not written** to \`${context.audit.table}\`: ${cell(context.audit.warning)}`);
  if (context.pipelineRunUrl) lines.push(`- Pipeline run: ${context.pipelineRunUrl}`);
  lines.push('', '| Metric | Column | Slice | Drift type | Granularity | Latest | Allowed | Trend (oldest → newest) | Result |', '|---|---|---|---|---|---|---|---|---|');
  for (const check of evaluation.checks) {
    const latest = check.latest ? round(check.latest.value) : '—';
    lines.push(
      `| ${cell(check.rule.metric)} | ${cell(check.column)} | ${cell(sliceText(check))} | ${check.driftType ?? '—'} | ${cell(check.granularity ?? '—')} | ${latest} | ${describeThreshold(check.rule)} | ${trendText(check.trend)} | ${statusMark[check.status]} |`,
    );
  }
  const notes = evaluation.checks.filter((c) => c.status !== 'ok');
  if (notes.length > 0) {
    lines.push('', '**Details**', '');
    for (const check of notes) lines.push(`- \`${cell(checkLabel(check))}\` (rule at line ${check.rule.line}): ${cell(check.detail)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One JUnit case per check: drift fails, no data fails or is skipped as `onNoData` says. */
export function driftJUnitSuite(evaluation: DriftEvaluation, policy: DriftPolicy): TestSuite {
  const cases: TestCase[] = evaluation.checks.map((check) => {
    const name = [checkLabel(check), check.sliceKey === null ? '' : `slice ${sliceText(check)}`, check.driftType ?? '', check.granularity ?? '']
      .filter(Boolean)
      .join(' ');
    const testCase: TestCase = { name, classname: 'drift.check' };
    const message = `${check.latest ? `latest ${round(check.latest.value)}, ` : ''}allowed ${describeThreshold(check.rule)}: ${check.detail}`;
    if (check.status === 'drift') testCase.failure = { message, type: 'Drift' };
    if (check.status === 'noData') {
      if (policy.onNoData === 'fail') testCase.failure = { message, type: 'NoData' };
      else testCase.skipped = { message };
    }
    return testCase;
  });
  return { name: 'Drift check', cases };
}

/** The audit row's details: the window, the policy, every check's value and the retraining run. */
export function driftAuditDetails(evaluation: DriftEvaluation, context: DriftReportContext): Record<string, unknown> {
  return {
    window: evaluation.window ? formatWindow(evaluation.window) : null,
    source: context.source,
    onDrift: context.policy.onDrift,
    onNoData: context.policy.onNoData,
    retrainJobId: context.retrain?.jobId ?? null,
    retrainRunId: context.retrain?.runId ?? null,
    checks: evaluation.checks.map((check) => ({
      metric: check.rule.metric,
      column: check.column,
      slice: check.sliceKey === null ? null : { key: check.sliceKey, value: check.sliceValue },
      driftType: check.driftType,
      granularity: check.granularity,
      min: check.rule.min ?? null,
      max: check.rule.max ?? null,
      consecutiveWindows: check.rule.consecutiveWindows,
      value: check.latest?.value ?? null,
      status: check.status,
    })),
  };
}
