/** The report of DatabricksDriftCheck@1: each checked series' recent windows against its threshold. */
import type { AuditOutcome } from '../audit/audit-record';
import type { PipelineRun } from '../task/pipeline-run';
import { decideDriftVerdict, type DriftCheckResult } from '../drift/drift-check';
import { checkLabel, formatWindow, type DriftCheck as EvaluatedCheck } from '../drift/evaluate';
import type { DriftPolicy } from '../drift/report';
import { auditRowLink, modelVersionLink, pipelineRunLink } from './links';
import type { DriftCheck, ModelReport, ReportLink } from './model-report';
import { clip, nameLimit, reportHeader, reportTime } from './report-text';

/** What the drift report needs besides the check's result. */
export interface DriftReportInput {
  /** Where the metrics came from, e.g. the monitor's output tables. */
  source: string;
  policy: DriftPolicy;
  /** The model the monitor watches, when the pipeline names one; a table monitor has none. */
  model?: { name: string; version: number };
  /** The workspace URL, for links. */
  host: string;
  task: string;
  extensionVersion?: string;
  pipelineRun: PipelineRun;
  audit?: AuditOutcome;
  /** Epoch milliseconds. */
  now: number;
}

const statuses = { drift: 'failed', ok: 'passed', noData: 'skipped' } as const;

/** `js_distance(age) slice region=EU CONSECUTIVE 1 day`: the series, as the JUnit case names it. */
function seriesName(check: EvaluatedCheck): string {
  const slice = check.sliceKey === null ? '' : `slice ${check.sliceKey}=${check.sliceValue ?? '*'}`;
  return [checkLabel(check), slice, check.driftType ?? '', check.granularity ?? ''].filter(Boolean).join(' ');
}

function driftCheck(check: EvaluatedCheck): DriftCheck {
  const { min, max } = check.rule;
  const bounds =
    max !== undefined ? { threshold: max, failWhen: 'above' as const, ...(min !== undefined ? { lowerThreshold: min } : {}) } : { threshold: min as number, failWhen: 'below' as const };
  return {
    name: clip(seriesName(check), nameLimit),
    statistic: clip(check.rule.metric, nameLimit),
    ...bounds,
    status: statuses[check.status],
    detail: clip(check.detail),
    // Oldest first; a point is placed at the end of its window, when its value became known.
    points: check.trend.filter((point) => Number.isFinite(point.value)).slice(-500).map((point) => ({ at: reportTime(point.window.end), value: point.value })),
  };
}

function outcome(result: DriftCheckResult, policy: DriftPolicy): NonNullable<ModelReport['outcome']> {
  const { evaluation } = result;
  const verdict = decideDriftVerdict(result, policy);
  const noData = evaluation.checks.filter((check) => check.status === 'noData').length;
  const missing = noData > 0 ? `; ${noData} of ${evaluation.checks.length} checks had no fresh data` : '';
  if (evaluation.driftDetected) {
    const action =
      policy.onDrift === 'runJob'
        ? result.retrain
          ? `, retraining run ${result.retrain.runId}${result.retrain.outcome ? ` ${result.retrain.outcome}` : ' started'}`
          : ''
        : policy.onDrift === 'notify'
          ? ', reported'
          : ', the step fails';
    return { status: 'failed', summary: clip(`Drift in ${result.driftedMetrics.join(', ')}${action}${missing}`) };
  }
  if (noData > 0) {
    const status = verdict.result === 'Failed' ? 'failed' : policy.onNoData === 'warn' ? 'warning' : 'passed';
    return { status, summary: clip(evaluation.noData ? `No fresh data for any of the ${noData} checks` : `No drift${missing}`) };
  }
  return { status: 'passed', summary: `No drift: ${evaluation.checks.length} checks within bounds` };
}

function retrainLink(host: string, result: DriftCheckResult): ReportLink[] {
  const retrain = result.retrain;
  if (!retrain) return [];
  const page = retrain.run?.run_page_url;
  const url = page && /^https?:\/\//.test(page) ? page : `${host.replace(/\/+$/, '')}/#job/${retrain.jobId}/run/${retrain.runId}`;
  return [{ kind: 'databricksRun', label: `Retraining run ${retrain.runId}`, url, ...(retrain.outcome ? { detail: clip(retrain.outcome) } : {}) }];
}

/**
 * The drift report, drift alerts and missing data included (they are what people need to see).
 * Without a model it is about the monitored table, which `source` names.
 */
export function buildDriftReport(result: DriftCheckResult, input: DriftReportInput): ModelReport {
  const { evaluation } = result;
  return {
    ...reportHeader('drift', input),
    ...(input.model ? { model: input.model } : {}),
    outcome: outcome(result, input.policy),
    drift: {
      source: clip(input.source),
      ...(evaluation.window ? { window: formatWindow(evaluation.window) } : {}),
      checks: evaluation.checks.slice(0, 100).map(driftCheck),
    },
    links: [
      ...(input.model ? [modelVersionLink(input.host, input.model.name, input.model.version, 'monitored')] : []),
      ...retrainLink(input.host, result),
      ...auditRowLink(input.audit),
      ...pipelineRunLink(input.pipelineRun),
    ],
  };
}
