/**
 * Records the model reports the tasks really write: runs the demo's model comparison, compliance,
 * promotion, serving rollout and drift check steps (each task's `run` in process, against the
 * workspace emulator seeded with the demo workspace on a simulated clock) and collects every
 * attachment of type databricks-mlops.model-report, with the timeline record of the step that
 * attached it, as the Build API would list them. That the built bundles hand the same reports to the
 * agent as `##vso[task.addattachment]` commands is tested in tests/tasks/model-report.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { demoDriftCheck } from '../../../scripts/demo/drift-check';
import { demoModelCompare } from '../../../scripts/demo/model-compare';
import { demoModelCompliance } from '../../../scripts/demo/model-compliance';
import { demoModelPromote } from '../../../scripts/demo/model-promote';
import { demoServingRollout } from '../../../scripts/demo/serving-rollout';
import { modelReportAttachmentType } from '../../../tasks/common/report/model-report';
import { run as compareTask } from '../../../tasks/DatabricksModelCompareV1/run';
import { run as complianceTask } from '../../../tasks/DatabricksModelComplianceV1/run';
import { run as promoteTask } from '../../../tasks/DatabricksModelPromoteV1/run';
import { run as servingTask } from '../../../tasks/DatabricksServingRolloutV1/run';
import { run as driftTask } from '../../../tasks/DatabricksDriftCheckV1/run';
import { createDemoWorkspace } from '../../emulator/demo-workspace';
import type { InProcessRun } from '../../fakes/task-run';
import { inProcessDemoEnvironment } from '../../support/in-process-integration';
import { publishedOf, startSimulatedWorkspace } from '../../support/in-process';

/** One timeline attachment of a pipeline run. */
export interface RecordedAttachment {
  type: string;
  name: string;
  timelineId: string;
  recordId: string;
  /** The step that attached it (the demo's title). */
  step: string;
  content: Buffer;
}

/** The model report attachments of a run's step. */
export function reportAttachments(run: InProcessRun, step: string, timelineId: string): RecordedAttachment[] {
  const recordId = randomUUID();
  return publishedOf(run, 'attachment')
    .filter((file) => file.type === modelReportAttachmentType)
    .map((file) => ({ type: modelReportAttachmentType, name: file.title ?? '', timelineId, recordId, step, content: Buffer.from(file.content) }));
}

/** The tasks of the demo's deciding steps. */
const decidingTasks = {
  DatabricksModelCompareV1: compareTask,
  DatabricksModelComplianceV1: complianceTask,
  DatabricksModelPromoteV1: promoteTask,
  DatabricksServingRolloutV1: servingTask,
  DatabricksDriftCheckV1: driftTask,
};

/** Runs the demo's deciding steps quietly, in pipeline order, and returns the reports they attached, in order. */
export async function recordDemoReports(): Promise<RecordedAttachment[]> {
  const { scenario, token } = createDemoWorkspace();
  const workspace = await startSimulatedWorkspace(scenario);
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tab-record-'));
  const timelineId = randomUUID();
  const attachments: RecordedAttachment[] = [];
  const env = inProcessDemoEnvironment(workspace, token, workDirectory, decidingTasks, (run, _task, title) => attachments.push(...reportAttachments(run, title, timelineId)));
  // The demo steps print the pipeline log; a test wants only its own output.
  const log = console.log;
  console.log = () => undefined;
  try {
    await demoModelCompare(env);
    await demoModelCompliance(env);
    await demoModelPromote(env);
    await demoServingRollout(env);
    await demoDriftCheck(env);
  } finally {
    console.log = log;
    await workspace.emulator.close();
    fs.rmSync(workDirectory, { recursive: true, force: true });
  }
  return attachments;
}

let recording: Promise<RecordedAttachment[]> | undefined;

/**
 * {@link recordDemoReports}, once per test process: the attachments test and the browser test read the
 * same recording (a fresh Buffer copy each).
 */
export async function demoReports(): Promise<RecordedAttachment[]> {
  recording ??= recordDemoReports();
  return (await recording).map((attachment) => ({ ...attachment, content: Buffer.from(attachment.content) }));
}
