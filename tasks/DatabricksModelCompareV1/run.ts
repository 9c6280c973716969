import { createAuditRecorder, recordAndRethrow, type AuditDecision, type AuditOutcome, type AuditRecorder } from '../common/audit';
import { connectWorkspace } from '../common/azure-devops/connection';
import { createMessages } from '../common/task/messages';
import { describePipelineRun } from '../common/task/pipeline-run';
import type { TaskContext, TaskOutcome } from '../common/task/task-context';
import { JobsClient } from '../common/databricks/jobs';
import { MlflowClient } from '../common/databricks/mlflow';
import { SqlStatements } from '../common/databricks/sql';
import { UnityCatalogModels } from '../common/databricks/unity-catalog';
import { applyVerdict, verdictCommentLine } from '../common/compare/apply-verdict';
import { ComparisonRefusedError } from '../common/compare/checks';
import { compareModels, type Comparison, type ComparisonDependencies, type PairedScoresSource } from '../common/compare/compare-models';
import { createEvaluationJobRunner } from '../common/compare/evaluation-job';
import { readPairedScores } from '../common/compare/paired-table';
import { auditDetails, junitSuite, renderSummary, type ReportContext } from '../common/compare/report';
import { writeJUnitXml } from '../common/junit/writer';
import { attachModelReport, buildCompareReport } from '../common/report';
import { idempotencyToken } from '../common/runs/idempotency';
import manifest from './task.json';
import { loadRules, type CompareTaskSettings, parseInputs } from './inputs';
import { noChampionVersion, outputNames, taskReference } from './names';

const message = createMessages(manifest.messages);

function failureList(comparison: Comparison): string {
  const failed = [
    ...comparison.verdict.checks.filter((c) => c.status === 'failed').map((c) => `${c.metric}.${c.kind}: ${c.detail}`),
    ...comparison.verdict.preconditions.filter((p) => !p.passed).map((p) => `${p.name}: ${p.detail}`),
  ];
  return failed.join('; ');
}

/** A refusal is a decision too: the row that records it. */
function refusalDecision(settings: CompareTaskSettings, refusal: ComparisonRefusedError): AuditDecision {
  return {
    eventType: 'compare',
    modelName: settings.model.fullName,
    modelVersion: refusal.versions.candidate ?? ('version' in settings.candidate ? settings.candidate.version : undefined),
    otherVersion: refusal.versions.champion,
    decision: 'refused',
    details: { reason: refusal.name, message: refusal.message, runMode: settings.runMode, metricsSource: settings.metricsSource.kind, championAlias: settings.championAlias },
  };
}

/** The workspace clients and ports one comparison uses. */
function connectComparison(context: TaskContext, settings: CompareTaskSettings) {
  const client = connectWorkspace(context, settings.connection);
  const registry = new UnityCatalogModels(client);
  const sql = new SqlStatements(client, context.clock, { logger: context.logger });
  const { pairedScores: paired } = settings;
  const pairedScores: PairedScoresSource | undefined = paired
    ? (metrics, signal) =>
        readPairedScores(sql, {
          quotedTable: paired.table.quoted,
          displayName: `${paired.table.catalog}.${paired.table.schema}.${paired.table.table}`,
          warehouseId: paired.warehouseId,
          metrics,
          signal,
          deadline: context.clock.now() + 10 * 60_000,
        })
    : undefined;
  const dependencies: ComparisonDependencies = {
    registry,
    metrics: new MlflowClient(client),
    evaluation: createEvaluationJobRunner({
      jobs: new JobsClient(client),
      clock: context.clock,
      logger: context.logger,
      idempotencyToken: idempotencyToken((name) => context.inputs.variable(name)),
      timeoutMs: settings.evaluationTimeoutMs,
    }),
    ...(pairedScores ? { pairedScores } : {}),
    logger: context.logger,
    signal: context.signal,
  };
  return { client, registry, sql, dependencies };
}

/** Outputs, the summary section and the JUnit results of a comparison. */
function publishComparison(context: TaskContext, comparison: Comparison, report: ReportContext): void {
  context.outputs.setOutput(outputNames.decision, comparison.verdict.decision);
  context.outputs.setOutput(outputNames.candidateVersion, String(comparison.candidate.version));
  context.outputs.setOutput(outputNames.championVersion, comparison.champion ? String(comparison.champion.version) : noChampionVersion);
  context.outputs.uploadSummary(context.files.writeTemp('model-compare-summary.md', renderSummary(comparison, report)), `Model comparison: ${report.modelName}`);
  const junitFile = context.files.writeTemp('model-compare-junit.xml', writeJUnitXml([junitSuite(comparison, report)], `Model comparison ${report.modelName}`));
  context.outputs.publishTestResults({ format: 'JUnit', files: [junitFile], runTitle: `Model comparison ${report.modelName} v${comparison.candidate.version}` });
}

/** The step's result: promote passes; a rejection fails, or warns in a dry run; a missing audit row adds an issue. */
function outcomeOf(comparison: Comparison, settings: CompareTaskSettings, audit: AuditOutcome): TaskOutcome {
  const { verdict } = comparison;
  const modelName = settings.model.fullName;
  const championText = comparison.champion ? `champion version ${comparison.champion.version}` : 'no champion';
  const auditIssue = audit.status === 'failed' ? ` ${message('AuditNotWritten', audit.warning)}` : '';
  if (verdict.decision === 'promote') {
    const done = message('Promote', comparison.candidate.version, modelName, championText);
    return auditIssue ? { result: 'SucceededWithIssues', message: done + auditIssue } : { result: 'Succeeded', message: done };
  }
  if (settings.runMode === 'dryRun') {
    // The agent shows a SucceededWithIssues message as a warning already.
    const warning = message('DryRunReject', comparison.candidate.version, modelName, championText, failureList(comparison));
    return { result: 'SucceededWithIssues', message: warning + auditIssue };
  }
  return { result: 'Failed', message: message('Reject', comparison.candidate.version, modelName, championText, failureList(comparison)) + auditIssue };
}

/** Compares, reports (outputs, summary, JUnit, audit), writes the verdict back in enabled mode, and decides the result. */
export async function run(context: TaskContext): Promise<TaskOutcome> {
  const settings = parseInputs(context.inputs);
  const { model } = settings;
  const pipelineRun = describePipelineRun(context.inputs);
  let auditRecord: AuditRecorder | undefined;
  try {
    const rules = loadRules(settings.rules, context.files);
    const { client, registry, sql, dependencies } = connectComparison(context, settings);
    auditRecord = createAuditRecorder({ sql, clock: context.clock, logger: context.logger, signal: context.signal }, settings.audit, { task: taskReference, run: pipelineRun });
    const comparison = await compareModels(
      {
        model,
        candidate: settings.candidate,
        championAlias: settings.championAlias,
        rules,
        metricsSource: settings.metricsSource,
        ...(settings.noChampion ? { noChampion: settings.noChampion } : {}),
        requireSignificance: settings.requireSignificance,
        requireSameDataset: settings.requireSameDataset,
        bootstrapSeed: settings.bootstrapSeed,
      },
      dependencies,
    );
    const report: ReportContext = {
      modelName: model.fullName,
      championAlias: settings.championAlias,
      runMode: settings.runMode,
      requireSignificance: settings.requireSignificance,
      bootstrapSeed: settings.bootstrapSeed,
      ...(pipelineRun.url ? { pipelineRunUrl: pipelineRun.url } : {}),
      workspaceUrl: client.host,
    };
    publishComparison(context, comparison, report);

    // Recorded before anything in the registry changes, so no alias moves without its record.
    const audit: AuditOutcome = await auditRecord.record({
      eventType: 'compare',
      modelName: model.fullName,
      modelVersion: comparison.candidate.version,
      otherVersion: comparison.champion?.version,
      decision: comparison.verdict.decision,
      details: auditDetails(comparison, report, rules),
    });
    const reportContext = { modelName: model.fullName, championAlias: settings.championAlias, runMode: settings.runMode, host: client.host, task: taskReference, pipelineRun, audit };
    attachModelReport(context, buildCompareReport(comparison, rules, { ...reportContext, now: context.clock.now() }));

    if (settings.runMode === 'enabled') {
      await applyVerdict(registry, model, comparison, {
        commentLine: verdictCommentLine(comparison, settings.championAlias, pipelineRun.url, taskReference),
        ...(settings.setAliasOnPass ? { setAliasOnPass: settings.setAliasOnPass } : {}),
        logger: context.logger,
        signal: context.signal,
      });
    }
    const outcome = outcomeOf(comparison, settings, audit);
    if (comparison.verdict.decision === 'promote') context.logger.info(outcome.message);
    return outcome;
  } catch (error) {
    // Fail closed: a step that failed (including after deciding, e.g. a required audit row that was
    // not written) must never leave 'promote' in the output for a step that runs anyway.
    context.outputs.setOutput(outputNames.decision, 'reject');
    if (error instanceof ComparisonRefusedError && auditRecord) return recordAndRethrow(auditRecord, refusalDecision(settings, error), error);
    throw error;
  }
}
