/**
 * The model report: what a deciding task found and did for one model version, attached to the
 * pipeline run and drawn by the Model promotion tab. The JSON schema next to this file
 * (`model-report.schema.json`) is the contract; these types follow it.
 */

/** The timeline attachment type the tasks write and the tab lists (`##vso[task.addattachment type=...]`). */
export const modelReportAttachmentType = 'databricks-mlops.model-report';

/** The format this code writes and reads; a reader meeting a higher one says so instead of guessing. */
export const modelReportSchemaVersion = 1;

/** The step that wrote a report. */
export type ReportKind = 'compare' | 'promote' | 'compliance' | 'signoff' | 'serving' | 'drift';

/** passed / failed / skipped, as checks report them. */
export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** One rule applied to one metric. */
export interface MetricCheck {
  kind: 'threshold' | 'min_absolute_change' | 'min_relative_change' | 'guardrail' | 'significance';
  status: CheckStatus;
  /** The rule in words, e.g. `>= 0.8`. */
  rule: string;
  /** Why it passed, failed or was skipped, with the numbers. */
  detail: string;
}

/** Champion and candidate values of one metric, with the rules applied to it. */
export interface MetricComparison {
  name: string;
  greaterIsBetter: boolean;
  /** null: missing or not a finite number. */
  candidate: number | null;
  champion: number | null;
  /** candidate - champion; null when either is null. */
  delta: number | null;
  /** The absolute bar the candidate must reach. */
  threshold?: number;
  /** Present when the metric is a guardrail: it may not worsen by more than the tolerance. */
  guardrail?: { tolerance: number };
  /** Paired bootstrap interval of candidate - champion. */
  interval?: { lower: number; upper: number; meanDifference: number; examples: number; confidence: number; resamples?: number; seed?: number };
  checks: MetricCheck[];
}

/** The champion/challenger comparison. */
export interface CompareSection {
  verdict: 'promote' | 'reject';
  runMode: 'enabled' | 'dryRun';
  championAlias: string;
  candidateVersion: number;
  /** null: no version held the champion alias. */
  championVersion?: number | null;
  metricsSource?: string;
  metrics: MetricComparison[];
  preconditions: Array<{ name: string; passed: boolean; detail: string }>;
}

/** One compliance rule with its evidence. */
export interface ComplianceRule {
  id: string;
  title: string;
  status: 'passed' | 'failed' | 'warning' | 'skipped' | 'waived';
  detail?: string;
  evidence?: Array<{ label: string; value?: string; url?: string }>;
}

/** The compliance checklist. */
export interface ComplianceSection {
  policy?: string;
  /** e.g. `sha256:<hex>` of the policy file's bytes. */
  policyDigest?: string;
  rules: ComplianceRule[];
}

/** The human sign-off. */
export interface SignOffSection {
  status: 'pending' | 'approved' | 'refused' | 'timedOut' | 'cancelled';
  requestedAt: string;
  requestedBy?: string;
  approvers?: string[];
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  /** Where the sign-off lives, e.g. a work item. */
  record?: { label: string; url?: string };
  /** Earlier decisions, refused ones included, oldest first. */
  attempts?: Array<{ by: string; at: string; outcome: 'approved' | 'refused'; comment?: string }>;
}

/** One alias before and after the step. */
export interface AliasMove {
  alias: string;
  /** null: the alias pointed at no version; absent: the step did not read it. */
  before?: number | null;
  after: number | null;
  /** False when the alias already was where it had to be (a re-run). */
  changed: boolean;
}

/** Share of traffic per served model. */
export type TrafficSplit = Array<{ servedModel: string; modelVersion?: number; percent: number }>;

/** The serving endpoint rollout. */
export interface ServingSection {
  endpoint: string;
  /** e.g. replace, canary, promoteCanary. */
  strategy?: string;
  /** The endpoint's state at the end. */
  state?: string;
  /** Present when a failed smoke test asked for the previous configuration back. */
  rollback?: { done: boolean; detail: string };
  before: TrafficSplit;
  after: TrafficSplit;
  smokeTest?: { status: CheckStatus; detail?: string; requests?: number; failures?: number; latencyMsP95?: number };
}

/** One drift statistic over time against its threshold. */
export interface DriftCheck {
  name: string;
  statistic?: string;
  threshold: number;
  /** The side of the threshold that fails. */
  failWhen: 'above' | 'below';
  /** With failWhen `above`: the value also fails below this (a rule with both bounds). */
  lowerThreshold?: number;
  status: CheckStatus;
  detail?: string;
  points: Array<{ at: string; value: number }>;
}

/** Drift checks. */
export interface DriftSection {
  /** Where the metrics came from, e.g. the monitor's output tables. */
  source?: string;
  /** The newest window checked, as an ISO 8601 interval. */
  window?: string;
  checks: DriftCheck[];
}

/** A link to where the evidence lives. */
export interface ReportLink {
  kind: 'modelVersion' | 'mlflowRun' | 'databricksRun' | 'auditRow' | 'pipelineRun' | 'workItem' | 'servingEndpoint' | 'other';
  label: string;
  /** http(s) only; absent for evidence without a page (an audit row). */
  url?: string;
  detail?: string;
}

/** A model report, format 1. */
export interface ModelReport {
  schemaVersion: 1;
  kind: ReportKind;
  /** ISO 8601 UTC (`2026-12-05T17:00:00.000Z`). */
  createdAt: string;
  producer: { task: string; extensionVersion?: string };
  /** The model version; only a drift report may go without (a monitor watches a table). */
  model?: { name: string; version: number };
  outcome?: { status: 'passed' | 'failed' | 'warning' | 'refused' | 'pending'; summary: string };
  compare?: CompareSection;
  compliance?: ComplianceSection;
  signOff?: SignOffSection;
  aliasMoves?: AliasMove[];
  serving?: ServingSection;
  drift?: DriftSection;
  links?: ReportLink[];
}

/**
 * The `schemaVersion` of a parsed report: a positive integer, or undefined when the value is not a
 * report at all. Read before validating, so a newer format is named as such rather than as invalid.
 */
export function reportSchemaVersion(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  return typeof version === 'number' && Number.isInteger(version) && version > 0 ? version : undefined;
}

/** An Ajv error as both the task's validator and the tab's precompiled one report it. */
export interface SchemaErrorLike {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/compare/metrics/0/candidate: must be number,null`: one line per error, at most `limit`. */
export function describeSchemaErrors(errors: readonly SchemaErrorLike[], limit = 5): string[] {
  const lines = errors.slice(0, limit).map((error) => {
    const extra = error.params && typeof error.params.additionalProperty === 'string' ? ` '${error.params.additionalProperty}'` : '';
    return `${error.instancePath || '(report)'}: ${error.message ?? 'is invalid'}${extra}`;
  });
  if (errors.length > limit) lines.push(`... and ${errors.length - limit} more`);
  return lines;
}
