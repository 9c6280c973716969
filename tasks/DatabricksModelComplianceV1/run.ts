import { createAuditRecorder, type AuditOutcome } from '../common/audit';
import { connectWorkspace } from '../common/azure-devops/connection';
import { createMessages } from '../common/task/messages';
import { describePipelineRun } from '../common/task/pipeline-run';
import type { TaskContext, TaskOutcome } from '../common/task/task-context';
import { checkCompliance, resolveVersion, writeVerdictTags } from '../common/compliance/check-compliance';
import type { ComplianceVerdict } from '../common/compliance/evaluate';
import { auditDetails, junitSuite, renderSummary, verdictTags, type ComplianceReportContext } from '../common/compliance/report';
import { getVersionByAlias, workspaceSources } from '../common/compliance/workspace-sources';
import { MlflowClient } from '../common/databricks/mlflow';
import { SqlStatements } from '../common/databricks/sql';
import { UnityCatalogModels } from '../common/databricks/unity-catalog';
import { writeJUnitXml } from '../common/junit/writer';
import { attachModelReport, buildComplianceReport } from '../common/report';
import { loadPolicy, parseInputs } from './inputs';
import { outputNames, taskReference } from './names';
import manifest from './task.json';

const message = createMessages(manifest.messages);

function violationList(verdict: ComplianceVerdict): string {
  return verdict.results
    .filter((r) => r.status !== 'passed')
    .map((r) => `${r.id}: ${r.found}`)
    .join('; ');
}

function report(context: TaskContext, verdict: ComplianceVerdict, reportContext: ComplianceReportContext): void {
  context.outputs.setOutput(outputNames.compliant, String(verdict.compliant));
  context.outputs.setOutput(outputNames.violations, String(verdict.violations));
  context.outputs.uploadSummary(context.files.writeTemp('model-compliance-summary.md', renderSummary(verdict, reportContext)));
  const junit = context.files.writeTemp('model-compliance-junit.xml', writeJUnitXml([junitSuite(verdict, reportContext)], `Model compliance ${verdict.modelName}`));
  context.outputs.publishTestResults({ format: 'JUnit', files: [junit], runTitle: `Model compliance ${verdict.modelName} v${verdict.version}` });
}

/** Evaluates the policy, reports (outputs, summary, JUnit), records the verdict, tags the version and decides the result. */
export async function run(context: TaskContext): Promise<TaskOutcome> {
  const settings = parseInputs(context.inputs);
  const { policy, digest } = loadPolicy(settings.policyFile, context.files);
  const modelName = settings.model.fullName;
  const pipelineRun = describePipelineRun(context.inputs);
  try {
    const client = connectWorkspace(context, settings.connection);
    const mlflow = new MlflowClient(client);
    const statements = new SqlStatements(client, context.clock, { logger: context.logger });
    const sources = workspaceSources({
      client,
      mlflow,
      registry: new UnityCatalogModels(client),
      ...(settings.sqlWarehouseId ? { sql: { statements, warehouseId: settings.sqlWarehouseId, deadlineMs: () => context.clock.now() + 10 * 60_000 } } : {}),
      signal: context.signal,
    });
    const resolved = await resolveVersion({ ...sources, getVersionByAlias: (name, alias) => getVersionByAlias(client, name, alias, context.signal) }, modelName, settings.target);
    const verdict = await checkCompliance(
      policy,
      resolved,
      {
        modelName,
        ...(settings.comparisonDecision !== undefined ? { comparisonDecision: settings.comparisonDecision } : {}),
        ...(settings.audit.enabled ? { auditTable: settings.audit.table.quoted } : {}),
      },
      sources,
    );
    const reportContext: ComplianceReportContext = { policyFile: settings.policyFile, policyDigest: digest, mode: settings.mode, ...(pipelineRun.url ? { pipelineRunUrl: pipelineRun.url } : {}) };
    report(context, verdict, reportContext);

    // Recorded before the tags change, so no gate can pass on a verdict without its record.
    const auditRecord = createAuditRecorder({ sql: statements, clock: context.clock, logger: context.logger, signal: context.signal }, settings.audit, { task: taskReference, run: pipelineRun });
    const audit: AuditOutcome = await auditRecord.record({
      eventType: 'compliance',
      modelName,
      modelVersion: verdict.version,
      decision: verdict.compliant ? 'pass' : 'fail',
      details: auditDetails(verdict, reportContext),
    });
    if (settings.writeTags) {
      await writeVerdictTags(
        { setVersionTag: (name, version, key, value) => mlflow.setModelVersionTag(name, version, key, value, { signal: context.signal }), getVersion: sources.getVersion },
        modelName,
        verdict.version,
        verdictTags(verdict, reportContext),
        context.logger,
      );
    }
    attachModelReport(context, buildComplianceReport(verdict, { ...reportContext, sourceRunId: resolved.version.run_id, host: client.host, task: taskReference, pipelineRun, audit, now: context.clock.now() }));

    const auditIssue = audit.status === 'failed' ? ` ${message('AuditNotWritten', audit.warning)}` : '';
    if (verdict.compliant) {
      const done = message('Compliant', modelName, verdict.version, settings.policyFile, verdict.results.length);
      context.logger.info(done);
      return auditIssue ? { result: 'SucceededWithIssues', message: done + auditIssue } : { result: 'Succeeded', message: done };
    }
    const refusal = message('NotCompliant', modelName, verdict.version, verdict.violations, verdict.results.length, settings.policyFile, violationList(verdict));
    if (settings.mode === 'audit') return { result: 'SucceededWithIssues', message: message('AuditMode', refusal) + auditIssue };
    return { result: 'Failed', message: refusal + auditIssue };
  } catch (error) {
    // Fail closed: a step that failed must not leave a 'true' for a later step that runs anyway.
    context.outputs.setOutput(outputNames.compliant, 'false');
    throw error;
  }
}
