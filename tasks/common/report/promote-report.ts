/** The model report of DatabricksModelPromote@1: the alias moves it made. */
import type { AuditOutcome } from '../audit/audit-record';
import type { PipelineRun } from '../task/pipeline-run';
import type { PromotionResult } from '../promote/alias-promotion';
import { auditRowLink, modelVersionLink, pipelineRunLink } from './links';
import type { AliasMove, ModelReport } from './model-report';

/** What the promote report needs besides the result. */
export interface PromoteReportContext {
  host: string;
  task: string;
  extensionVersion?: string;
  pipelineRun: PipelineRun;
  audit?: AuditOutcome;
  /** Epoch milliseconds. */
  now: number;
}

/** Before → after of every alias the promotion touched, the main alias first. */
export function aliasMoves(result: PromotionResult): AliasMove[] {
  const moves: AliasMove[] = [
    { alias: result.alias, before: result.previousVersion ?? null, after: result.promotedVersion, changed: result.previousVersion !== result.promotedVersion },
  ];
  for (const change of result.changes) {
    if (change.alias === result.alias) continue;
    moves.push(
      change.operation === 'set'
        ? { alias: change.alias, ...(change.changed ? {} : { before: change.version }), after: change.version, changed: change.changed }
        : { alias: change.alias, before: change.version, after: null, changed: change.changed },
    );
  }
  return moves;
}

/** The promote report: the alias moves, the model version links and the audit row. */
export function buildPromoteReport(result: PromotionResult, context: PromoteReportContext): ModelReport {
  const before = result.previousVersion === undefined ? 'no version' : `version ${result.previousVersion}`;
  return {
    schemaVersion: 1,
    kind: 'promote',
    createdAt: new Date(context.now).toISOString(),
    producer: { task: context.task, ...(context.extensionVersion ? { extensionVersion: context.extensionVersion } : {}) },
    model: { name: result.modelName, version: result.promotedVersion },
    outcome: {
      status: 'passed',
      summary: result.alreadyDone
        ? `'${result.alias}' already pointed at version ${result.promotedVersion}: nothing moved`
        : `${result.action === 'promote' ? 'Promoted' : 'Rolled back'}: '${result.alias}' moved from ${before} to version ${result.promotedVersion}`,
    },
    aliasMoves: aliasMoves(result),
    links: [
      modelVersionLink(context.host, result.modelName, result.promotedVersion, result.action === 'promote' ? 'promoted' : 'restored'),
      ...(result.previousVersion !== undefined && result.previousVersion !== result.promotedVersion
        ? [modelVersionLink(context.host, result.modelName, result.previousVersion, 'replaced')]
        : []),
      ...auditRowLink(context.audit),
      ...pipelineRunLink(context.pipelineRun),
    ],
  };
}
