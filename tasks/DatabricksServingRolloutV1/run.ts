import { createAuditRecorder, recordAndRethrow, type AuditDecision, type AuditOutcome, type AuditRecorder } from '../common/audit';
import { resolveWorkspaceAccess } from '../common/azure-devops/connection';
import { createMessages } from '../common/task/messages';
import { describePipelineRun } from '../common/task/pipeline-run';
import type { TaskContext, TaskOutcome } from '../common/task/task-context';
import { DatabricksApiClient } from '../common/databricks/api-client';
import { ServingEndpoints } from '../common/databricks/serving';
import { SqlStatements } from '../common/databricks/sql';
import { UnityCatalogModels } from '../common/databricks/unity-catalog';
import { ServingRolloutError, rolloutModel, type RolloutReport, type RolloutRequest } from '../common/serving/rollout';
import { rolloutSummary } from '../common/serving/summary';
import { attachModelReport, buildServingReport } from '../common/report';
import { parseInputs, parseSmokeTestBody } from './inputs';
import { outputNames, taskReference } from './names';
import manifest from './task.json';

const message = createMessages(manifest.messages);

function writeSummary(context: TaskContext, markdown: string): void {
  context.outputs.uploadSummary(context.files.writeTemp('serving-rollout.md', markdown));
}

function decision(report: RolloutReport): string {
  if (report.outcome === 'served') return report.strategy;
  if (report.outcome === 'smoke-test-failed' && report.rollback?.done) return 'rolled-back';
  return report.outcome;
}

function rolloutDecision(report: RolloutReport): AuditDecision {
  return {
    eventType: 'serve',
    modelName: report.modelName,
    modelVersion: report.version || undefined,
    otherVersion: report.previousVersion,
    decision: decision(report),
    details: {
      endpoint: report.endpointName,
      strategy: report.strategy,
      outcome: report.outcome,
      servedEntity: report.servedName ?? null,
      created: report.created,
      finalState: report.finalState ?? null,
      smokeTest: report.smokeTest ?? null,
      rollback: report.rollback ?? null,
      timings: report.timings,
    },
  };
}

function recordRollout(audit: AuditRecorder, report: RolloutReport): Promise<AuditOutcome> {
  return audit.record(rolloutDecision(report));
}

function doneMessage(report: RolloutReport): string {
  if (report.outcome === 'unchanged') return message('Unchanged', report.endpointName, report.modelName, report.version);
  const before = report.previousVersion ?? 'none';
  return report.strategy === 'canary'
    ? message('Canary', report.endpointName, report.modelName, report.version, before)
    : message('Served', report.endpointName, report.modelName, report.version, before);
}

/** DatabricksServingRollout@1: roll the model version out to the endpoint, report, record. */
export async function run(context: TaskContext): Promise<TaskOutcome> {
  // Every input, the smoke-test file included, is checked before the first call to the workspace.
  const settings = parseInputs(context.inputs);
  const request: RolloutRequest = {
    ...settings.request,
    smokeTest: settings.smokeTestFile === undefined ? undefined : { body: parseSmokeTestBody(settings.smokeTestFile, (file) => context.files.readText(file)), expect: settings.smokeTestExpect },
  };
  const { host, tokens } = resolveWorkspaceAccess(context, settings.connection);
  const client = new DatabricksApiClient({ host, tokens, transport: context.transport, clock: context.clock, logger: context.logger, userAgent: context.userAgent });
  const sql = new SqlStatements(client, context.clock, { logger: context.logger });
  const audit = createAuditRecorder({ sql, clock: context.clock, logger: context.logger, signal: context.signal }, settings.audit, {
    task: taskReference,
    run: describePipelineRun(context.inputs),
  });

  let report: RolloutReport;
  try {
    report = await rolloutModel(
      { serving: new ServingEndpoints(client), registry: new UnityCatalogModels(client), clock: context.clock, logger: context.logger, signal: context.signal },
      request,
    );
  } catch (thrown) {
    if (!(thrown instanceof ServingRolloutError)) throw thrown;
    const failed = thrown.report;
    context.outputs.setOutput(outputNames.endpointUrl, failed.endpointUrl);
    if (failed.failure) {
      context.logger.warn(`Build log of the failed served entity (tail):\n${failed.failure.buildLog}`);
      context.logger.warn(`Server log of the failed served entity (tail):\n${failed.failure.serverLog}`);
    }
    return recordAndRethrow(audit, rolloutDecision(failed), thrown, (outcome) => {
      writeSummary(context, rolloutSummary(failed, outcome));
      attachModelReport(context, buildServingReport(failed, { host, task: taskReference, pipelineRun: describePipelineRun(context.inputs), audit: outcome, now: context.clock.now() }));
    });
  }

  context.outputs.setOutput(outputNames.servedVersion, report.version);
  context.outputs.setOutput(outputNames.previousVersion, report.previousVersion ?? '');
  context.outputs.setOutput(outputNames.endpointUrl, report.endpointUrl);
  const outcome = await recordRollout(audit, report);
  writeSummary(context, rolloutSummary(report, outcome));
  attachModelReport(context, buildServingReport(report, { host, task: taskReference, pipelineRun: describePipelineRun(context.inputs), audit: outcome, now: context.clock.now() }));
  const done = doneMessage(report);
  context.logger.info(done);
  if (outcome.status === 'failed') return { result: 'SucceededWithIssues', message: `${done} ${message('AuditNotWritten', outcome.warning)}` };
  return { result: 'Succeeded', message: done };
}
