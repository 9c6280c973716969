/** The model report of DatabricksModelCompliance@1: every rule with what it required and found. */
import type { AuditOutcome } from '../audit/audit-record';
import type { PipelineRun } from '../task/pipeline-run';
import type { ComplianceVerdict, RuleResult } from '../compliance/evaluate';
import { auditRowLink, mlflowRunLink, modelVersionLink, pipelineRunLink } from './links';
import type { ComplianceRule, ModelReport } from './model-report';
import { clip, nameLimit, reportHeader } from './report-text';

/** What the compliance report needs besides the verdict. */
export interface ComplianceReportInput {
  /** The `policyFile` input. */
  policyFile: string;
  /** `sha256:<hex>` of the policy file's bytes. */
  policyDigest: string;
  /** `audit` reports a refusal without failing the step. */
  mode: 'enforce' | 'audit';
  /** The version's source run, for its MLflow link. */
  sourceRunId?: string;
  /** The workspace URL, for links. */
  host: string;
  task: string;
  extensionVersion?: string;
  pipelineRun: PipelineRun;
  audit?: AuditOutcome;
  /** Epoch milliseconds. */
  now: number;
}

function complianceRule(result: RuleResult): ComplianceRule {
  // A rule that could not be evaluated counts as a violation (fail closed), so it shows as failed.
  return {
    id: clip(result.id, nameLimit),
    title: clip(`${result.id} (${result.kind})`),
    status: result.status === 'passed' ? 'passed' : 'failed',
    detail: clip(`requires ${result.expected}`),
    evidence: [{ label: result.status === 'error' ? 'Not evaluated' : 'Found', value: clip(result.found) }],
  };
}

/** The policy's file name: the agent's folders mean nothing to a reader of the tab, the digest identifies the policy. */
function policyName(file: string): string {
  return file.split(/[\\/]/).filter(Boolean).pop() ?? file;
}

/** The compliance report: the checklist, the policy and its digest, and links to the version and the audit row. */
export function buildComplianceReport(verdict: ComplianceVerdict, input: ComplianceReportInput): ModelReport {
  const total = verdict.results.length;
  const audit = input.mode === 'audit' ? ' (audit mode: the step does not fail)' : '';
  const policy = clip(policyName(input.policyFile), nameLimit);
  return {
    ...reportHeader('compliance', input),
    model: { name: verdict.modelName, version: verdict.version },
    outcome: verdict.compliant
      ? { status: 'passed', summary: `Compliant: all ${total} rules of ${policy} passed` }
      : { status: 'failed', summary: `Not compliant: ${verdict.violations} of ${total} rules of ${policy} did not pass${audit}` },
    compliance: {
      policy,
      policyDigest: clip(input.policyDigest, nameLimit),
      rules: verdict.results.slice(0, 200).map(complianceRule),
    },
    links: [
      modelVersionLink(input.host, verdict.modelName, verdict.version, 'checked'),
      ...(input.sourceRunId ? [mlflowRunLink(input.host, input.sourceRunId, 'checked version')] : []),
      ...auditRowLink(input.audit),
      ...pipelineRunLink(input.pipelineRun),
    ],
  };
}
