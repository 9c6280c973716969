/**
 * The model report of a sign-off step, from plain data: who asked and when, where the sign-off
 * lives (a work item), the decision, and the refused attempts before it. Pure, so wiring it into
 * the sign-off task is one call after its decision and audit row.
 */
import type { AuditOutcome } from '../audit/audit-record';
import type { PipelineRun } from '../task/pipeline-run';
import { auditRowLink, modelVersionLink, pipelineRunLink } from './links';
import type { ModelReport, ReportLink, SignOffSection } from './model-report';
import { clip, nameLimit, reportHeader, reportTime } from './report-text';

/** A time as epoch milliseconds or ISO 8601 (work-item fields come as ISO strings). */
export type ReportTimeInput = number | string;

/** One decision on the sign-off. */
export interface SignOffDecision {
  by: string;
  at: ReportTimeInput;
  comment?: string;
}

/** What the sign-off report is built from. */
export interface SignOffReportInput {
  modelName: string;
  version: number;
  requestedAt: ReportTimeInput;
  requestedBy?: string;
  /** Who may approve, when the step knows. */
  approvers?: string[];
  /** The work item that holds the sign-off. */
  workItem?: { id: number; url?: string };
  /** `pending` while nobody decided; `timedOut`/`cancelled` when the step stopped waiting. */
  status: SignOffSection['status'];
  /** The decision that ended the sign-off (approved or refused). */
  decision?: SignOffDecision;
  /** Refused attempts before the decision, oldest first. */
  refusedAttempts?: SignOffDecision[];
  /** The workspace URL, for the model version link. */
  host: string;
  task: string;
  extensionVersion?: string;
  pipelineRun: PipelineRun;
  audit?: AuditOutcome;
  /** Epoch milliseconds. */
  now: number;
}

function attempt(decision: SignOffDecision, outcome: 'approved' | 'refused'): NonNullable<SignOffSection['attempts']>[number] {
  return { by: clip(decision.by, nameLimit), at: reportTime(decision.at), outcome, ...(decision.comment ? { comment: clip(decision.comment) } : {}) };
}

const summaries: Record<SignOffSection['status'], (input: SignOffReportInput) => string> = {
  approved: (i) => `Approved by ${i.decision?.by ?? 'an approver'}`,
  refused: (i) => `Refused by ${i.decision?.by ?? 'an approver'}`,
  pending: () => 'Waiting for a sign-off',
  timedOut: () => 'Nobody signed off in time',
  cancelled: () => 'The sign-off was cancelled',
};

const outcomes: Record<SignOffSection['status'], NonNullable<ModelReport['outcome']>['status']> = {
  approved: 'passed',
  refused: 'refused',
  pending: 'pending',
  timedOut: 'failed',
  cancelled: 'failed',
};

/** The work item's link, when it has a page. */
function workItemLink(workItem: SignOffReportInput['workItem']): ReportLink[] {
  if (!workItem) return [];
  return [{ kind: 'workItem', label: `Work item ${workItem.id}`, ...(workItem.url ? { url: workItem.url } : {}) }];
}

/** The sign-off report: the request, the decision, earlier refusals, and links to the work item and the audit row. */
export function buildSignOffReport(input: SignOffReportInput): ModelReport {
  const refused = input.refusedAttempts ?? [];
  const decided = input.decision && (input.status === 'approved' || input.status === 'refused') ? input.decision : undefined;
  const summary = summaries[input.status](input) + (refused.length > 0 ? ` after ${refused.length} refusal(s)` : '');
  return {
    ...reportHeader('signoff', input),
    model: { name: input.modelName, version: input.version },
    outcome: { status: outcomes[input.status], summary: clip(summary) },
    signOff: {
      status: input.status,
      requestedAt: reportTime(input.requestedAt),
      ...(input.requestedBy ? { requestedBy: clip(input.requestedBy, nameLimit) } : {}),
      ...(input.approvers?.length ? { approvers: input.approvers.slice(0, 50).map((a) => clip(a, nameLimit)) } : {}),
      ...(decided ? { decidedBy: clip(decided.by, nameLimit), decidedAt: reportTime(decided.at), ...(decided.comment ? { comment: clip(decided.comment) } : {}) } : {}),
      ...(input.workItem ? { record: { label: `Work item ${input.workItem.id}`, ...(input.workItem.url ? { url: input.workItem.url } : {}) } } : {}),
      ...(refused.length > 0 ? { attempts: refused.slice(-100).map((r) => attempt(r, 'refused')) } : {}),
    },
    links: [
      modelVersionLink(input.host, input.modelName, input.version, 'signed off'),
      ...workItemLink(input.workItem),
      ...auditRowLink(input.audit),
      ...pipelineRunLink(input.pipelineRun),
    ],
  };
}
