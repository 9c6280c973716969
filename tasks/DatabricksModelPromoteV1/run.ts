import { createAuditRecorder, recordAndRethrow } from '../common/audit';
import { resolveWorkspaceAccess } from '../common/azure-devops/connection';
import { createMessages } from '../common/task/messages';
import { describePipelineRun, type PipelineRun } from '../common/task/pipeline-run';
import type { TaskContext, TaskOutcome } from '../common/task/task-context';
import { DatabricksApiClient } from '../common/databricks/api-client';
import { SqlStatements } from '../common/databricks/sql';
import { UnityCatalogModels } from '../common/databricks/unity-catalog';
import {
  AliasMovedAfterWriteError,
  PromotionRefusedError,
  promoteModel,
  type PromotionRequest,
  type PromotionResult,
} from '../common/promote/alias-promotion';
import { promotionSummary, refusalSummary } from '../common/promote/summary';
import { attachModelReport, buildPromoteReport } from '../common/report';
import manifest from './task.json';
import { parseInputs } from './inputs';
import { noneKeyword, outputNames, taskReference } from './names';

const message = createMessages(manifest.messages);

function writeSummary(context: TaskContext, markdown: string): void {
  context.outputs.uploadSummary(context.files.writeTemp('model-promote.md', markdown), 'Model promotion');
}

function resultMessage(result: PromotionResult): string {
  const before = result.previousVersion === undefined ? 'none' : String(result.previousVersion);
  if (result.alreadyDone) return message('AlreadyDone', result.alias, result.modelName, result.promotedVersion);
  return result.action === 'promote'
    ? message('Promoted', result.alias, result.modelName, result.promotedVersion, before)
    : message('RolledBack', result.alias, result.modelName, result.promotedVersion, before);
}

function auditDetails(request: PromotionRequest, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    action: request.action,
    alias: request.alias,
    previousAlias: request.previousAlias ?? null,
    removeAliases: request.removeAliases,
    expectedCurrentVersion:
      request.expected.kind === 'version' ? request.expected.version : request.expected.kind === 'none' ? noneKeyword : null,
    ...extra,
  };
}

/** Moves the alias, records the decision, writes outputs and the summary. */
export async function run(context: TaskContext): Promise<TaskOutcome> {
  const settings = parseInputs(context.inputs);
  const { request } = settings;
  const { host, tokens } = resolveWorkspaceAccess(context, settings.connection);
  const access = { host, tokens, transport: context.transport, clock: context.clock, logger: context.logger, userAgent: context.userAgent };
  const client = new DatabricksApiClient(access);
  const registry = new UnityCatalogModels(client);
  const sql = new SqlStatements(client, context.clock, { logger: context.logger });
  const pipelineRun: PipelineRun = describePipelineRun(context.inputs);
  const auditRecord = createAuditRecorder({ sql, clock: context.clock, logger: context.logger, signal: context.signal }, settings.audit, { task: taskReference, run: pipelineRun });

  let result: PromotionResult;
  try {
    result = await promoteModel({ registry, logger: context.logger, signal: context.signal, clock: context.clock }, request);
  } catch (thrown) {
    if (thrown instanceof AliasMovedAfterWriteError) {
      // Our write did happen before another writer's: record it, or the registry holds a move
      // no row accounts for (a re-run is refused and records only the refusal).
      return recordAndRethrow(
        auditRecord,
        {
          eventType: 'promote',
          modelName: request.modelName,
          modelVersion: thrown.setVersion,
          decision: request.action,
          details: auditDetails(request, { outcome: 'alias-moved-after-write', foundVersion: thrown.foundVersion ?? null, message: thrown.message }),
        },
        thrown,
      );
    }
    if (!(thrown instanceof PromotionRefusedError)) throw thrown;
    // A refusal is a decision too: record it, then fail with the refusal as the reason.
    return recordAndRethrow(
      auditRecord,
      {
        eventType: 'promote',
        modelName: request.modelName,
        modelVersion: request.version,
        otherVersion: thrown.currentVersion,
        decision: 'refused',
        details: auditDetails(request, { reason: thrown.reason, message: thrown.message }),
      },
      thrown,
      (audit) => writeSummary(context, refusalSummary(request, thrown.message, audit, pipelineRun)),
    );
  }

  context.outputs.setOutput(outputNames.previousVersion, result.previousVersion === undefined ? '' : String(result.previousVersion));
  context.outputs.setOutput(outputNames.promotedVersion, String(result.promotedVersion));

  // After the move, so the row states what happened; a required write that fails fails the task,
  // and the idempotent re-run then writes it.
  const audit = await auditRecord.record({
    eventType: 'promote',
    modelName: result.modelName,
    modelVersion: result.promotedVersion,
    otherVersion: result.previousVersion,
    decision: result.action,
    details: auditDetails(request, { alreadyDone: result.alreadyDone, changes: result.changes }),
  });
  writeSummary(context, promotionSummary(result, audit, pipelineRun));
  attachModelReport(context, buildPromoteReport(result, { host, task: taskReference, pipelineRun, audit, now: context.clock.now() }));

  const done = resultMessage(result);
  context.logger.info(done);
  if (audit.status === 'failed') return { result: 'SucceededWithIssues', message: `${done} ${message('AuditNotWritten', audit.warning)}` };
  return { result: 'Succeeded', message: done };
}
