/**
 * In-process runs for the scenario tests of the model compare and promote tasks and the bundle
 * build and deploy tasks: a workspace emulator on the tasks' simulated clock (polling, job progress
 * and retry back-off cost no wall time), and a run that also records each summary section with its
 * title, each test-result publication and each attachment, so a test can find them by kind as it
 * does in a bundle run's `##vso` commands.
 */
import * as fs from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { startEmulator, type Scenario } from '../emulator';
import { FakeClock } from '../fakes/clock';
import { runInProcess, type InProcessOptions, type InProcessRun } from '../fakes/task-run';
import type { TaskContext, TaskOutcome } from '../../tasks/common/task/task-context';
import type { SimulatedWorkspace } from './in-process';

/**
 * Registers the suite's mocha hooks: one emulator for `scenario`, started before the tests and reset
 * before each. It follows the simulated clock of the returned workspace, or with `realClock` the
 * machine's (for bundle runs, which wait in another process).
 */
export function useWorkspace(scenario: Scenario, options: { realClock?: boolean } = {}): SimulatedWorkspace {
  const workspace = { clock: new FakeClock() } as SimulatedWorkspace;
  before(async () => {
    workspace.emulator = await startEmulator({ scenario, clock: options.realClock ? undefined : workspace.clock });
  });
  after(async () => workspace.emulator?.close());
  beforeEach(() => workspace.emulator.reset());
  return workspace;
}

/** A summary section: the title the run page shows and the Markdown. */
export interface RecordedSection {
  title: string | undefined;
  content: string;
}

/** What an in-process run showed, by kind. */
export interface RecordedRun extends Omit<InProcessRun, 'summaries' | 'testResults' | 'attachments'> {
  summaries: RecordedSection[];
  testResults: Array<{ format: string; runTitle: string; contents: string[] }>;
  attachments: Array<{ type: string; name: string; content: string }>;
  /** Pipeline artifacts published: name and the file or folder. */
  artifacts: Array<{ name: string; path: string }>;
  /** The agent temp folder the run was given (removed once it ended). */
  tempDirectory: string;
}

type TaskRunFunction = (context: TaskContext) => Promise<TaskOutcome | void>;

/** {@link runInProcess}, recording the files the task handed to the agent by kind (read while they exist). */
export async function runRecorded(run: TaskRunFunction, options: InProcessOptions): Promise<RecordedRun> {
  const summaries: RecordedRun['summaries'] = [];
  const testResults: RecordedRun['testResults'] = [];
  const attachments: RecordedRun['attachments'] = [];
  const artifacts: RecordedRun['artifacts'] = [];
  let tempDirectory = '';
  const read = (file: string): string => fs.readFileSync(file, 'utf8');
  const result = await runInProcess((context) => {
    tempDirectory = context.tempDirectory;
    const { outputs } = context;
    return run({
      ...context,
      outputs: {
        ...outputs,
        uploadSummary: (file, title) => {
          summaries.push({ title, content: read(file) });
          outputs.uploadSummary(file, title);
        },
        publishTestResults: (publication) => {
          testResults.push({ format: publication.format, runTitle: publication.runTitle, contents: publication.files.map(read) });
          outputs.publishTestResults(publication);
        },
        uploadArtifact: (name, artifactPath) => {
          artifacts.push({ name, path: artifactPath });
          outputs.uploadArtifact(name, artifactPath);
        },
        addAttachment: (type, name, file) => {
          attachments.push({ type, name, content: read(file) });
          outputs.addAttachment(type, name, file);
        },
      },
    });
  }, options);
  return { ...result, summaries, testResults, attachments, artifacts, tempDirectory };
}

/** A JUnit test case as the parser reads it: `failure` or `skipped` present when the case has one. */
export interface JUnitCase {
  name: string;
  failure?: unknown;
  skipped?: unknown;
}

/** The test cases of a JUnit XML document, across its suites, in order. */
export function junitCases(xml: string): JUnitCase[] {
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' || name === 'testsuite' }).parse(xml);
  return parsed.testsuites.testsuite.flatMap((suite: { testcase: JUnitCase[] }) => suite.testcase);
}
