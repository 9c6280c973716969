import { connectWorkspace, parseConnectionInputs } from '../common/azure-devops/connection';
import type { TaskContext, TaskOutcome } from '../common/azure-devops/task-context';
import { FilesClient } from '../common/databricks/files';
import { JobsClient } from '../common/databricks/jobs';
import { WorkspaceClient } from '../common/databricks/workspace';
import { idempotencyToken } from '../common/runs/idempotency';
import { IntegrationTestInterruptedError, runIntegrationTests, type IntegrationTestReport } from '../common/runs/integration-run';
import { formatDuration } from '../common/runs/format';
import { parseInputs } from './inputs';
import { outputNames } from './names';
import { publishReport } from './publish';

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
  const connection = parseConnectionInputs(context.inputs);
  const client = connectWorkspace(context, connection);
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
