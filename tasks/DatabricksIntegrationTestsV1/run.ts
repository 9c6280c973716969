import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectWorkspace, parseConnectionInputs } from '../common/azure-devops/connection';
import type { TaskContext, TaskOutcome } from '../common/azure-devops/task-context';
import { FilesClient } from '../common/databricks/files';
import { JobsClient } from '../common/databricks/jobs';
import { writeJUnitXml } from '../common/junit/writer';
import { idempotencyToken } from '../common/runs/idempotency';
import { runIntegrationTests, type IntegrationTestReport } from '../common/runs/integration-run';
import { renderSummary } from '../common/runs/summary';
import { formatDuration } from '../common/runs/format';
import { parseInputs, type Settings } from './inputs';
import { outputNames } from './names';

/** How long cancelling the run may take once the step is stopping (the agent allows a few seconds more). */
const cleanupTimeoutMs = 10_000;

function defaultRunName(context: TaskContext): string {
  const pipeline = context.inputs.variable('Build.DefinitionName') ?? 'Azure DevOps';
  const build = context.inputs.variable('Build.BuildNumber');
  return `${pipeline}${build ? ` #${build}` : ''} integration tests`;
}

function writeResults(context: TaskContext, settings: Settings, report: IntegrationTestReport): void {
  const folder = path.join(context.tempDirectory, 'databricks-integration-tests');
  fs.mkdirSync(folder, { recursive: true });
  const base = path.join(folder, `run-${report.runId}`);
  const title = settings.testRunTitle ?? `Databricks integration tests: ${report.runName}`;
  if (settings.publishTestResults && report.counts.total > 0) {
    const junitPath = `${base}.xml`;
    fs.writeFileSync(junitPath, writeJUnitXml(report.suites, title));
    context.outputs.publishTestResults({ format: 'JUnit', files: [junitPath], runTitle: title, publishRunAttachments: true });
  }
  const summaryPath = `${base}.md`;
  fs.writeFileSync(
    summaryPath,
    renderSummary({
      runName: report.runName,
      runId: report.runId,
      runPageUrl: report.runPageUrl,
      outcome: report.outcome,
      durationMs: report.durationMs,
      tasks: report.tasks,
      suites: report.suites,
      verdict: report.verdict,
    }),
  );
  context.outputs.uploadSummary(summaryPath);
}

/** DatabricksIntegrationTests@1: run the tests on Databricks, wait, publish the results, judge. */
export async function run(context: TaskContext): Promise<TaskOutcome | void> {
  // Every input is checked before the first call to the workspace.
  const settings = parseInputs(context.inputs);
  const connection = parseConnectionInputs(context.inputs);
  const client = connectWorkspace(context, connection);
  const jobs = new JobsClient(client);
  const files = new FilesClient(client);
  const runName = settings.runName ?? defaultRunName(context);
  let urlSet = false;

  const report = await runIntegrationTests(
    {
      spec: settings.spec,
      runName,
      timeoutMs: settings.timeoutMs,
      cancelOnExit: settings.cancelOnExit,
      testResultsPath: settings.testResultsPath,
      failOnTestFailure: settings.failOnTestFailure,
      idempotencyToken: idempotencyToken((name) => context.inputs.variable(name)),
    },
    {
      jobs,
      files,
      clock: context.clock,
      logger: context.logger,
      signal: context.signal,
      cleanupSignal: () => AbortSignal.timeout(cleanupTimeoutMs),
      onRunStarted: ({ runId }) => context.outputs.setOutput(outputNames.runId, String(runId)),
      onProgress: (progress) => {
        if (!urlSet && progress.runPageUrl) {
          context.outputs.setOutput(outputNames.runPageUrl, progress.runPageUrl);
          urlSet = true;
        }
        const tasks = progress.tasksTotal > 1 ? `, ${progress.tasksDone}/${progress.tasksTotal} tasks done` : '';
        context.outputs.setProgress(progress.percent, `Run ${progress.runId} ${progress.lifecycle}${tasks} (${formatDuration(progress.elapsedMs)})`);
      },
    },
  );

  if (report.runPageUrl && !urlSet) context.outputs.setOutput(outputNames.runPageUrl, report.runPageUrl);
  context.outputs.setOutput(outputNames.resultState, report.outcome.resultState);
  context.outputs.setOutput(outputNames.testsTotal, String(report.counts.total));
  context.outputs.setOutput(outputNames.testsFailed, String(report.counts.failed));
  writeResults(context, settings, report);
  context.logger.info(report.verdict);
  return report.passed ? { result: 'Succeeded', message: report.verdict } : { result: 'Failed', message: report.verdict };
}
