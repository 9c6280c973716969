import type { AuditOutcome } from '../audit/audit-record';
import type { PipelineRun } from '../azure-devops/pipeline-run';
import type { PromotionRequest, PromotionResult } from './alias-promotion';

function cell(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function versionText(version: number | undefined): string {
  return version === undefined ? 'none' : `version ${version}`;
}

function auditLine(audit: AuditOutcome | undefined): string {
  if (!audit || audit.status === 'disabled') return 'not configured';
  if (audit.status === 'written') return `one row written to \`${audit.table}\``;
  return `**not written** to \`${audit.table}\`: ${cell(audit.warning)}`;
}

/** The Markdown summary of a finished promotion or rollback, for the run's Extensions tab. */
export function promotionSummary(result: PromotionResult, audit: AuditOutcome | undefined, run: PipelineRun): string {
  const verb = result.action === 'promote' ? 'Promotion' : 'Rollback';
  const lines = [
    `## ${verb} of \`${result.modelName}\``,
    '',
    result.alreadyDone
      ? `Already done: alias \`${result.alias}\` points at version ${result.promotedVersion}; nothing had to move.`
      : `Alias \`${result.alias}\` now points at **version ${result.promotedVersion}** (before: ${versionText(result.previousVersion)}).`,
    '',
    '| Alias | Operation | Version | Result |',
    '| --- | --- | --- | --- |',
    ...result.changes.map(
      (change) =>
        `| \`${change.alias}\` | ${change.operation === 'set' ? 'set to' : 'removed from'} | ${change.version} | ${change.changed ? 'changed' : 'already so'} |`,
    ),
    '',
    `- Model owner: ${result.modelOwner ? cell(result.modelOwner) : 'unknown'}`,
    `- Audit record: ${auditLine(audit)}`,
    ...runLines(run),
  ];
  return `${lines.join('\n')}\n`;
}

/** Where the decision was made: the pipeline run and the commit it built, when known. */
function runLines(run: PipelineRun): string[] {
  const lines: string[] = [];
  if (run.url) lines.push(`- Pipeline run: ${run.url}`);
  if (run.sourceCommit) lines.push(`- Source commit: \`${cell(run.sourceCommit)}\``);
  return lines;
}

/** The Markdown summary of a refused promotion: why nothing moved. */
export function refusalSummary(request: PromotionRequest, reason: string, audit: AuditOutcome | undefined, run: PipelineRun = {}): string {
  const verb = request.action === 'promote' ? 'Promotion' : 'Rollback';
  return [
    `## ${verb} of \`${request.modelName}\` refused`,
    '',
    cell(reason),
    '',
    'No alias was changed by this run.',
    '',
    `- Audit record: ${auditLine(audit)}`,
    ...runLines(run),
    '',
  ].join('\n');
}
