/**
 * Records the model reports the tasks really write: runs the demo's model comparison, compliance,
 * promotion, serving rollout and drift check steps (the built bundles, against the workspace
 * emulator seeded with the demo workspace) and
 * collects every `##vso[task.addattachment type=databricks-mlops.model-report]` file, with the
 * timeline record of the step that attached it, as the Build API would list them.
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
import { startEmulator } from '../../emulator';
import { createDemoWorkspace } from '../../emulator/demo-workspace';
import type { TaskRun } from '../../support/task-bundle';

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

/** The model report attachments of a run's step, read from the files it attached. */
export function reportAttachments(run: TaskRun, step: string, timelineId: string): RecordedAttachment[] {
  const recordId = randomUUID();
  return run.commands
    .filter((c) => c.command === 'task.addattachment' && c.properties.type === modelReportAttachmentType)
    .map((c) => ({ type: c.properties.type, name: c.properties.name, timelineId, recordId, step, content: fs.readFileSync(c.message) }));
}

/** Runs the demo's deciding steps quietly, in pipeline order, and returns the reports they attached, in order. */
export async function recordDemoReports(): Promise<RecordedAttachment[]> {
  const workspace = createDemoWorkspace();
  const emulator = await startEmulator({ scenario: workspace.scenario });
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tab-record-'));
  const env = createDemoEnvironment(emulator, workspace.token, workDirectory);
  const timelineId = randomUUID();
  const attachments: RecordedAttachment[] = [];
  const runTask = env.runTask.bind(env);
  env.runTask = async (task, title, inputs, extra) => {
    const run = await runTask(task, title, inputs, extra);
    attachments.push(...reportAttachments(run, title, timelineId));
    return run;
  };
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
    await emulator.close();
    fs.rmSync(workDirectory, { recursive: true, force: true });
  }
  return attachments;
}

let recording: Promise<RecordedAttachment[]> | undefined;

/**
 * {@link recordDemoReports}, once per test process: the bundle test and the browser test read the
 * same recording (a fresh Buffer copy each), since the demo flow takes most of a minute.
 */
export async function demoReports(): Promise<RecordedAttachment[]> {
  recording ??= recordDemoReports();
  return (await recording).map((attachment) => ({ ...attachment, content: Buffer.from(attachment.content) }));
}
