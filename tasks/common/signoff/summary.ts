import type { AuditOutcome } from '../audit';
import type { WaitOutcome } from './wait';

/** Escapes text for a Markdown table cell or line (pipes and line breaks). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** What the summary tab shows about a sign-off. */
export interface SignOffSummary {
  modelName: string;
  version: number;
  workItem: { id: number; url: string; created?: boolean };
  approvers: string;
  outcome?: WaitOutcome;
  audit?: AuditOutcome;
}

/** The Markdown summary of the step. */
export function signOffSummary(summary: SignOffSummary): string {
  const lines = [
    `## Model sign-off: ${cell(summary.modelName)} version ${summary.version}`,
    '',
    `Work item [${summary.workItem.id}](${summary.workItem.url})${summary.workItem.created === false ? ' (existing request, evidence refreshed)' : ''}. Approvers: ${cell(summary.approvers)}.`,
    '',
  ];
  const { outcome } = summary;
  if (outcome) {
    lines.push(
      outcome.status === 'timedOut'
        ? `**Timed out**: no valid decision while the work item stayed in '${cell(outcome.item.state)}'.`
        : `**${outcome.status === 'approved' ? 'Approved' : 'Rejected'}** by ${cell(outcome.by.uniqueName)} (${cell(outcome.via)}) at ${outcome.at}.`,
    );
    if (outcome.refused.length > 0) {
      lines.push('', '| Refused transition | By | At | Why |', '| --- | --- | --- | --- |');
      for (const { transition, reason } of outcome.refused) lines.push(`| to ${cell(transition.to)} | ${cell(transition.by.uniqueName)} | ${transition.at} | ${cell(reason)} |`);
    }
  }
  if (summary.audit?.status === 'written') lines.push('', 'Recorded in the audit table.');
  if (summary.audit?.status === 'failed') lines.push('', `Audit row not written: ${cell(summary.audit.warning)}`);
  return `${lines.join('\n')}\n`;
}
