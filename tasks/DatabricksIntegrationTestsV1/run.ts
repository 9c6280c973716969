import { connectWorkspace } from '../common/azure-devops/connection';
import type { PipelineOutputs, TaskContext, TaskFiles, TaskOutcome } from '../common/task/task-context';
import { writeJUnitXml } from '../common/junit/writer';
import { renderSummary } from '../common/runs/summary';
import { FilesClient } from '../common/databricks/files';
import { JobsClient } from '../common/databricks/jobs';
import { WorkspaceClient } from '../common/databricks/workspace';
import { idempotencyToken } from '../common/runs/idempotency';
import { IntegrationTestInterruptedError, runIntegrationTests, type IntegrationTestReport } from '../common/runs/integration-run';
import { formatDuration } from '../common/runs/format';
import { parseInputs } from './inputs';
import { outputNames } from './names';

/** How long cancelling the run may take once the step is stopping (the agent allows a few seconds more). */
const cleanupTimeoutMs = 10_000;

function defaultRunName(context: TaskContext): string {
  const pipeline = context.inputs.variable('Build.DefinitionName') ?? 'Azure DevOps';
  const build = context.inputs.variable('Build.BuildNumber');
  return `${pipeline}${build ? ` #${build}` : ''} integration tests`;
}

/** DatabricksIntegrationTests@1: run the tests on Databricks, wait, publish the results, judge. */
export async function run(context: TaskContext): Promise<TaskOutcome | void> {
  // Every input is checked before the first call to the workspace.
  const settings = parseInputs(context.inputs);
  const client = connectWorkspace(context, settings.connection);
  let runPageUrlSet = false;
  const publish = (report: IntegrationTestReport): void =>
    publishReport(report, {
      outputs: context.outputs,
      files: context.files,
      publishTestResults: settings.publishTestResults,
      testRunTitle: settings.testRunTitle,
      runPageUrlSet,
    });

  let report: IntegrationTestReport;
  try {
    report = await runIntegrationTests(
      {
        spec: settings.spec,
        runName: settings.runName ?? defaultRunName(context),
        timeoutMs: settings.timeoutMs,
        cancelOnExit: settings.cancelOnExit,
        testResultsPath: settings.testResultsPath,
        failOnTestFailure: settings.failOnTestFailure,
        idempotencyToken: idempotencyToken((name) => context.inputs.variable(name)),
      },
      {
        jobs: new JobsClient(client),
        files: new FilesClient(client),
        workspace: new WorkspaceClient(client),
        clock: context.clock,
        logger: context.logger,
        signal: context.signal,
        cleanupSignal: () => AbortSignal.timeout(cleanupTimeoutMs),
        onRunStarted: ({ runId }) => context.outputs.setOutput(outputNames.runId, String(runId)),
        onProgress: (progress) => {
          if (!runPageUrlSet && progress.runPageUrl) {
            context.outputs.setOutput(outputNames.runPageUrl, progress.runPageUrl);
            runPageUrlSet = true;
          }
          const tasks = progress.tasksTotal > 1 ? `, ${progress.tasksDone}/${progress.tasksTotal} tasks done` : '';
          context.outputs.setProgress(progress.percent, `Run ${progress.runId} ${progress.lifecycle}${tasks} (${formatDuration(progress.elapsedMs)})`);
        },
      },
    );
  } catch (error) {
    // Stopped early (timeout, cancelled, waiting failed): still show what the run did, then fail or cancel as the error says.
    if (error instanceof IntegrationTestInterruptedError) publish(error.report);
    throw error;
  }
  publish(report);
  context.logger.info(report.verdict);
  return { result: report.passed ? 'Succeeded' : 'Failed', message: report.verdict };
}

/** How to publish a report. */
export interface PublishOptions {
  outputs: PipelineOutputs;
  /** Where the JUnit file and the summary go (the agent's temp folder). */
  files: Pick<TaskFiles, 'writeTemp'>;
  publishTestResults: boolean;
  /** Title of the test run; undefined derives it from the run name. */
  testRunTitle?: string;
  /** `runPageUrl` was already set while waiting; setting it again would only repeat the log line. */
  runPageUrlSet: boolean;
}

/**
 * Publishes what the pipeline run shows of a Databricks run, finished or interrupted: the output
 * variables, the JUnit results on the Tests tab (when there are any and publishing is on) and the
 * Markdown summary.
 */
export function publishReport(report: IntegrationTestReport, options: PublishOptions): void {
  const { outputs } = options;
  if (report.runPageUrl && !options.runPageUrlSet) outputs.setOutput(outputNames.runPageUrl, report.runPageUrl);
  // While the run has not ended (cancelOnExit false, a cancellation still in progress) there is no result yet: its life-cycle state says where it is.
  outputs.setOutput(outputNames.resultState, report.outcome.resultState || report.outcome.lifecycle);
  outputs.setOutput(outputNames.testsTotal, String(report.counts.total));
  outputs.setOutput(outputNames.testsFailed, String(report.counts.failed));

  const base = `databricks-run-${report.runId}`;
  const title = options.testRunTitle ?? `Databricks integration tests: ${report.runName}`;
  if (options.publishTestResults && report.counts.total > 0) {
    const junit = options.files.writeTemp(`${base}.xml`, writeJUnitXml(report.suites, title));
    outputs.publishTestResults({ format: 'JUnit', files: [junit], runTitle: title, publishRunAttachments: true });
  }
  outputs.uploadSummary(options.files.writeTemp(`${base}.md`, renderSummary(report)), title);
}
