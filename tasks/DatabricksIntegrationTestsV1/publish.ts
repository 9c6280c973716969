import type { PipelineOutputs, TaskFiles } from '../common/azure-devops/task-context';
import { writeJUnitXml } from '../common/junit/writer';
import type { IntegrationTestReport } from '../common/runs/integration-run';
import { renderSummary } from '../common/runs/summary';
import { outputNames } from './names';

/** How to publish a report. */
export interface PublishOptions {
  outputs: PipelineOutputs;
  /** Where the JUnit file and the summary go (the agent's temp folder). */
  files: TaskFiles;
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
