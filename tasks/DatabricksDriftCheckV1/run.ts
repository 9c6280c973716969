import { createAuditRecorder, type AuditOutcome } from '../common/audit';
import { connectWorkspace } from '../common/azure-devops/connection';
import { createMessages } from '../common/task/messages';
import { describePipelineRun } from '../common/task/pipeline-run';
import type { TaskContext, TaskOutcome } from '../common/task/task-context';
import { JobsClient } from '../common/databricks/jobs';
import { SqlStatements } from '../common/databricks/sql';
import { checkDrift, decideDriftVerdict, type DriftCheckResult, type DriftFinding } from '../common/drift/drift-check';
import { displayTableName, unreadableRules, type MetricsSource } from '../common/drift/metrics-source';
import { driftAuditDetails, driftJUnitSuite, renderDriftSummary, type DriftReportContext } from '../common/drift/report';
import { waitForRetraining } from '../common/drift/retrain';
import { DriftRulesError } from '../common/drift/rules';
import { writeJUnitXml } from '../common/junit/writer';
import { attachModelReport, buildDriftReport } from '../common/report';
import { loadRules, parseInputs, type DriftTaskSettings } from './inputs';
import { inputNames, outputNames, taskReference } from './names';
import manifest from './task.json';

const message = createMessages(manifest.messages);

function describeSource(source: MetricsSource): string {
  if (source.kind === 'query') return `'${inputNames.metricsQuery}'`;
  return [source.driftTable, source.profileTable].flatMap((table) => (table ? [displayTableName(table)] : [])).join(', ');
}

function findingMessage(finding: DriftFinding, result: DriftCheckResult, settings: DriftTaskSettings): string {
  const { window } = result;
  const drifted = result.driftedMetrics.join(', ');
  const total = result.evaluation.checks.length;
  switch (finding.kind) {
    case 'drift':
      if (finding.action === 'runJob' && result.retrain) return message('DriftRetrain', window, drifted, result.retrain.jobId, result.retrain.runId);
      return message(finding.action === 'fail' ? 'DriftFail' : 'DriftNotify', window, drifted);
    case 'retrainFailed':
      return message('RetrainFailed', result.retrain?.runId ?? '', finding.outcome);
    case 'noData':
      return message(finding.everything ? 'NoData' : 'SomeNoData', finding.checks, total, settings.check.maxWindowAgeHours);
  }
}

function decision(result: DriftCheckResult): string {
  if (result.evaluation.driftDetected) return 'drift';
  return result.evaluation.noData ? 'no-data' : 'no-drift';
}

/** The step's result: the verdict's findings as messages (warnings logged as such), and the audit outcome. */
function taskOutcome(context: TaskContext, result: DriftCheckResult, settings: DriftTaskSettings, audit: AuditOutcome): TaskOutcome {
  const verdict = decideDriftVerdict(result, settings.check.policy);
  const passed = result.evaluation.checks.filter((check) => check.status === 'ok').length;
  const lines: string[] = [];
  for (const finding of verdict.findings) {
    const line = findingMessage(finding, result, settings);
    // A failing finding is the step's error message; logging it as a warning too would show it twice.
    if (finding.effect === 'warn') context.logger.warn(line);
    else context.logger.info(line);
    lines.push(line);
  }
  if (lines.length === 0) lines.push(message('NoDrift', result.window, passed));
  if (audit.status === 'failed') return { result: verdict.result === 'Failed' ? 'Failed' : 'SucceededWithIssues', message: `${lines.join(' ')} ${message('AuditNotWritten', audit.warning)}` };
  return { result: verdict.result, message: lines.join(' ') };
}

/** DatabricksDriftCheck@1: read the monitor's metrics, judge them, act on drift, report and record. */
export async function run(context: TaskContext): Promise<TaskOutcome> {
  const settings = parseInputs(context.inputs);
  // The rules are checked in full before the first call to the workspace.
  const rules = loadRules(settings.rulesFile, context.files);
  const unreadable = unreadableRules(settings.check.source, rules);
  if (unreadable.length > 0) throw new DriftRulesError(unreadable, `'${inputNames.rulesFile}' '${settings.rulesFile}'`);

  const client = connectWorkspace(context, settings.connection);
  const sql = new SqlStatements(client, context.clock, { logger: context.logger });
  const jobs = new JobsClient(client);
  const pipelineRun = describePipelineRun(context.inputs);
  const deps = { sql, jobs, clock: context.clock, logger: context.logger, signal: context.signal };
  const auditRecord = createAuditRecorder(deps, settings.audit, { task: taskReference, run: pipelineRun });

  const result = await checkDrift(deps, { ...settings.check, rules });
  context.outputs.setOutput(outputNames.driftDetected, String(result.evaluation.driftDetected));
  context.outputs.setOutput(outputNames.driftedMetrics, result.driftedMetrics.join(','));
  context.outputs.setOutput(outputNames.window, result.window);
  context.outputs.setOutput(outputNames.retrainRunId, result.retrain ? String(result.retrain.runId) : '');

  const report: DriftReportContext = {
    source: describeSource(settings.check.source),
    policy: settings.check.policy,
    ...(pipelineRun.url ? { pipelineRunUrl: pipelineRun.url } : {}),
  };
  // Recorded once the retraining started (so the row names its run) and before waiting for it.
  const audit = await auditRecord.record({
    eventType: 'drift',
    decision: decision(result),
    details: driftAuditDetails(result.evaluation, { ...report, retrain: result.retrain }),
  });
  if (result.retrain && settings.check.retrain?.wait) result.retrain = await waitForRetraining(deps, result.retrain);

  const full: DriftReportContext = { ...report, audit, ...(result.retrain ? { retrain: result.retrain } : {}) };
  context.outputs.uploadSummary(context.files.writeTemp('drift-check.md', renderDriftSummary(result.evaluation, full)));
  const junit = writeJUnitXml([driftJUnitSuite(result.evaluation, settings.check.policy)], 'Drift check');
  context.outputs.publishTestResults({ format: 'JUnit', files: [context.files.writeTemp('drift-check-junit.xml', junit)], runTitle: `Drift check ${result.window}`.trim() });
  attachModelReport(context, buildDriftReport(result, { source: report.source, policy: settings.check.policy, host: client.host, task: taskReference, pipelineRun, audit, now: context.clock.now() }));

  return taskOutcome(context, result, settings, audit);
}
