/**
 * What a compliance evaluation leaves behind: one JUnit case per rule, a Markdown summary with a
 * row per rule, the audit details, and the model-version tags gates read.
 */
import type { TestSuite } from '../junit/model';
import type { ComplianceVerdict, RuleResult } from './evaluate';

/** Tag keys written on the model version; DatabricksModelVersionGate@1 reads `compliance.status`. */
export const complianceTags = {
  status: 'compliance.status',
  policy: 'compliance.policy',
  run: 'compliance.run',
} as const;

/** How the task ran, for the report. */
export interface ComplianceReportContext {
  policyFile: string;
  /** `sha256:<hex>` of the policy file's bytes. */
  policyDigest: string;
  mode: 'enforce' | 'audit';
  pipelineRunUrl?: string;
}

/** One JUnit test case per rule, named by the rule's id; the message says what was expected and what was found. */
export function junitSuite(verdict: ComplianceVerdict, context: ComplianceReportContext): TestSuite {
  const classname = `compliance.${verdict.modelName}`;
  return {
    name: `Model compliance ${verdict.modelName} v${verdict.version}`,
    properties: { policy: context.policyFile, policyDigest: context.policyDigest, mode: context.mode },
    cases: verdict.results.map((result) => {
      const message = `expected ${result.expected}; found ${result.found}`;
      if (result.status === 'failed') return { name: result.id, classname, failure: { message, type: result.kind } };
      if (result.status === 'error') return { name: result.id, classname, error: { message, type: 'NotEvaluated' } };
      return { name: result.id, classname, systemOut: message };
    }),
  };
}

// Table cells hold text from Databricks (tag values, messages): keep it from breaking the table or
// turning into markup.
function cell(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

const statusText: Record<RuleResult['status'], string> = { passed: '✅ passed', failed: '❌ failed', error: '⚠️ not evaluated' };

/** The Markdown summary: the verdict, then a row per rule. */
export function renderSummary(verdict: ComplianceVerdict, context: ComplianceReportContext): string {
  const lines = [
    `## Model compliance: ${cell(verdict.modelName)} version ${verdict.version}`,
    '',
    verdict.compliant
      ? `**Compliant**: all ${verdict.results.length} rules passed.`
      : `**Not compliant**: ${verdict.violations} of ${verdict.results.length} rules did not pass${context.mode === 'audit' ? ' (audit mode: the step does not fail)' : ''}.`,
    '',
    `Policy \`${cell(context.policyFile)}\` (${context.policyDigest})${context.pipelineRunUrl ? `, [pipeline run](${context.pipelineRunUrl})` : ''}.`,
    '',
    '| Rule | Kind | Result | Expected | Found |',
    '|---|---|---|---|---|',
    ...verdict.results.map((r) => `| ${cell(r.id)} | ${r.kind} | ${statusText[r.status]} | ${cell(r.expected)} | ${cell(r.found)} |`),
    '',
  ];
  return lines.join('\n');
}

/** The audit row's details: the policy, the mode and each rule's result. */
export function auditDetails(verdict: ComplianceVerdict, context: ComplianceReportContext): Record<string, unknown> {
  return {
    policyFile: context.policyFile,
    policy: context.policyDigest,
    mode: context.mode,
    violations: verdict.violations,
    rules: verdict.results.map((r) => ({ id: r.id, kind: r.kind, status: r.status, expected: r.expected, found: r.found })),
  };
}

/** The tags that record the verdict on the version (`compliance.run` only when the run URL is known). */
export function verdictTags(verdict: ComplianceVerdict, context: ComplianceReportContext): Array<{ key: string; value: string }> {
  return [
    { key: complianceTags.status, value: verdict.compliant ? 'passed' : 'failed' },
    { key: complianceTags.policy, value: context.policyDigest },
    ...(context.pipelineRunUrl ? [{ key: complianceTags.run, value: context.pipelineRunUrl }] : []),
  ];
}
