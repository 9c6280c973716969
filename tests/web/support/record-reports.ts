/**
 * Records the model reports the tasks really write: runs the demo's model comparison, compliance,
 * promotion, serving rollout and drift check steps (each task's `run` in this process, against the
 * workspace emulator seeded with the demo workspace, on a simulated clock the emulator shares, so
 * job runs and serving updates cost no wall time) and collects every attachment of the model
 * report type, with the timeline record of the step that attached it, as the Build API would list
 * them. How a bundle turns `addAttachment` into `##vso[task.addattachment]` is the task-lib
 * context's concern and is tested there.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDemoEnvironment } from '../../../scripts/demo/environment';
import { demoDriftCheck } from '../../../scripts/demo/drift-check';
import { demoModelCompare } from '../../../scripts/demo/model-compare';
import { demoModelCompliance } from '../../../scripts/demo/model-compliance';
import { demoModelPromote } from '../../../scripts/demo/model-promote';
import { demoServingRollout } from '../../../scripts/demo/serving-rollout';
import { modelReportAttachmentType } from '../../../tasks/common/report/model-report';
import type { TaskContext, TaskOutcome } from '../../../tasks/common/task/task-context';
import { run as runCompare } from '../../../tasks/DatabricksModelCompareV1/run';
import { run as runCompliance } from '../../../tasks/DatabricksModelComplianceV1/run';
import { run as runPromote } from '../../../tasks/DatabricksModelPromoteV1/run';
import { run as runServingRollout } from '../../../tasks/DatabricksServingRolloutV1/run';
import { run as runDriftCheck } from '../../../tasks/DatabricksDriftCheckV1/run';
import { startEmulator } from '../../emulator';
import { createDemoWorkspace } from '../../emulator/demo-workspace';
import { FakeClock } from '../../fakes/clock';
import { runInProcess, type InProcessRun } from '../../fakes/task-run';
import type { TaskRun } from '../../support/task-bundle';

/** The deciding tasks the recording runs, by folder name. */
const decidingTasks: Record<string, (context: TaskContext) => Promise<TaskOutcome | void>> = {
  DatabricksModelCompareV1: runCompare,
  DatabricksModelComplianceV1: runCompliance,
  DatabricksModelPromoteV1: runPromote,
  DatabricksServingRolloutV1: runServingRollout,
  DatabricksDriftCheckV1: runDriftCheck,
};

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
  return run.attachments
    .filter((attachment) => attachment.type === modelReportAttachmentType)
    .map((attachment) => ({ ...attachment, content: Buffer.from(attachment.content, 'utf8'), timelineId, recordId, step }));
}

/** What a demo step reads of a run (result, message, outputs), from an in-process run. */
function asTaskRun(run: InProcessRun): TaskRun {
  return { result: run.result, resultMessage: run.message, outputs: run.outputs, secrets: run.secrets } as TaskRun;
}

/** Runs the demo's deciding steps quietly, in pipeline order, and returns the reports they attached, in order. */
export async function recordDemoReports(): Promise<RecordedAttachment[]> {
  const workspace = createDemoWorkspace();
  const clock = new FakeClock(Date.now());
  const emulator = await startEmulator({ scenario: workspace.scenario, clock });
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tab-record-'));
  const env = createDemoEnvironment(emulator, workspace.token, workDirectory);
  const timelineId = randomUUID();
  const attachments: RecordedAttachment[] = [];
  env.runTask = async (task, title, inputs, extra = {}) => {
    const run = decidingTasks[task];
    if (!run) throw new Error(`the recording has no in-process run for ${task}`);
    const done = await runInProcess(run, {
      inputs,
      // Like the agent, every step gets its own task instance id (it feeds the run idempotency tokens).
      variables: { ...env.variables, 'System.TaskInstanceId': randomUUID(), ...extra.variables },
      endpoints: { ...env.endpoints, ...extra.endpoints },
      clock,
    });
    attachments.push(...reportAttachments(done, title, timelineId));
    return asTaskRun(done);
  };
  // The demo steps print what they check; a test wants only its own output.
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
    await emulator.close();
    fs.rmSync(workDirectory, { recursive: true, force: true });
  }
  return attachments;
}

let recording: Promise<RecordedAttachment[]> | undefined;

/**
 * {@link recordDemoReports}, once per test process: the attachments test and the browser test read
 * the same recording (a fresh Buffer copy each).
 */
export async function demoReports(): Promise<RecordedAttachment[]> {
  recording ??= recordDemoReports();
  return (await recording).map((attachment) => ({ ...attachment, content: Buffer.from(attachment.content) }));
}
