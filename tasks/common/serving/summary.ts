/** The Markdown summary of a serving rollout: before → after, state, smoke test, timings. */
import type { AuditOutcome } from '../audit/audit-record';
import { formatDuration } from '../runs/format';
import type { RolloutReport } from './rollout';
import { describeTraffic } from './traffic-plan';

function cell(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function auditLine(audit: AuditOutcome | undefined): string {
  if (!audit || audit.status === 'disabled') return 'not configured';
  if (audit.status === 'written') return `one row written to \`${audit.table}\``;
  return `**not written** to \`${audit.table}\`: ${cell(audit.warning)}`;
}

const headlines: Record<RolloutReport['outcome'], string> = {
  served: 'serves the new version',
  unchanged: 'already served this configuration: nothing was sent',
  'update-failed': '**update failed**: the previous configuration keeps serving',
  'smoke-test-failed': '**smoke test failed**',
  'timed-out': '**timed out** waiting for the endpoint',
};

function fence(text: string): string[] {
  // A fence longer than any backtick run in the log, so log text cannot close it.
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const marker = '`'.repeat(longest + 1);
  return [marker, text, marker];
}

/** The summary for the run's Extensions tab, for a finished or a failed rollout. */
export function rolloutSummary(report: RolloutReport, audit?: AuditOutcome): string {
  const before = describeTraffic(report.before);
  const after = describeTraffic(report.after);
  const rows = Math.max(before.length, after.length, 1);
  const lines = [
    `## Serving endpoint \`${cell(report.endpointName)}\`: ${headlines[report.outcome]}`,
    '',
    `Model \`${cell(report.modelName)}\` version **${cell(report.version || '?')}**, strategy \`${report.strategy}\`${report.created ? ' (endpoint created by this run)' : ''}.`,
    '',
    '| Before | After |',
    '| --- | --- |',
    ...Array.from({ length: rows }, (_, i) => `| ${cell(before[i] ?? (i === 0 ? 'nothing' : ''))} | ${cell(after[i] ?? (i === 0 ? 'nothing' : ''))} |`),
    '',
    `- Previous version: ${report.previousVersion ?? 'none'}`,
    `- Endpoint state: ${cell(report.finalState ?? 'unknown')}`,
    `- Smoke test: ${report.smokeTest ? `${report.smokeTest.passed ? 'passed' : '**failed**'} on ${cell(report.smokeTest.target)}: ${cell(report.smokeTest.detail)}` : 'not configured'}`,
  ];
  if (report.rollback) lines.push(`- Rollback: ${report.rollback.done ? 'done' : '**not done**'}: ${cell(report.rollback.detail)}`);
  lines.push(
    `- Timings: waited ${formatDuration(report.timings.waitedForOtherUpdateMs)} for an earlier update, ${formatDuration(report.timings.updateMs)} for this one, ${formatDuration(report.timings.totalMs)} in all`,
    `- Invocation URL: ${report.endpointUrl}`,
    `- Audit record: ${auditLine(audit)}`,
  );
  if (report.failure) {
    lines.push('', `### Why the update failed`, '', cell(report.failure.message), '', 'Build log (tail):', '', ...fence(report.failure.buildLog || '(empty)'));
    lines.push('', 'Server log (tail):', '', ...fence(report.failure.serverLog || '(empty)'));
  }
  return `${lines.join('\n')}\n`;
}
