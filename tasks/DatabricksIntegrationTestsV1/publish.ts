import * as path from 'node:path';
import type { PipelineOutputs } from '../common/azure-devops/task-context';
import { writeJUnitXml } from '../common/junit/writer';
import type { IntegrationTestReport } from '../common/runs/integration-run';
import { renderSummary } from '../common/runs/summary';
import { outputNames } from './names';

/** Where the task writes the files it hands to the agent (the JUnit file, the summary). */
export interface ReportFileWriter {
  /** Writes `text` to `filePath`, creating its folder. */
  write(filePath: string, text: string): void;
}

/** How to publish a report. */
export interface PublishOptions {
  outputs: PipelineOutputs;
  files: ReportFileWriter;
  /** Folder for the written files (under the agent's temp directory). */
  folder: string;
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

  const base = path.join(options.folder, `run-${report.runId}`);
  const title = options.testRunTitle ?? `Databricks integration tests: ${report.runName}`;
  if (options.publishTestResults && report.counts.total > 0) {
    options.files.write(`${base}.xml`, writeJUnitXml(report.suites, title));
    outputs.publishTestResults({ format: 'JUnit', files: [`${base}.xml`], runTitle: title, publishRunAttachments: true });
  }
  options.files.write(`${base}.md`, renderSummary(report));
  outputs.uploadSummary(`${base}.md`);
}
