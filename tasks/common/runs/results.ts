import type { Run, RunTask } from '@databricks/sdk-experimental/dist/apis/jobs/model';
import type { JobsClient } from '../databricks/jobs';
import type { FilesClient } from '../databricks/files';
import type { Logger } from '../ports';
import { toError } from '../http/errors';
import { countTests, type TestCase, type TestSuite } from '../junit/model';
import { parseJUnitXml } from '../junit/parser';
import { latestAttempts, runOutcome, type RunOutcome } from './run-outcome';
import { findResultFiles, partitionByRunStart, resultClockSkewMs } from './result-files';

/** One task run of the finished run, with what `runs/get-output` said about it. */
export interface TaskRunResult {
  taskKey: string;
  /** The task run's own id (absent when the task never started). */
  runId?: number;
  outcome: RunOutcome;
  durationMs?: number;
  runPageUrl?: string;
  /** `error`: why the task failed. */
  error?: string;
  /** `error_trace`: the stack trace. */
  errorTrace?: string;
  /** The task runs a notebook, so its exit value may hold a JSON test report. */
  notebook?: boolean;
  /** `notebook_output.result`: the value passed to `dbutils.notebook.exit()`. */
  notebookResult?: string;
  /** The exit value was cut at 5 MB. */
  notebookTruncated?: boolean;
  /** stdout/stderr of Python file tasks (the last 5 MB). */
  logs?: string;
  /** Why the output could not be read, when it could not. */
  outputUnavailable?: string;
}

function durationOf(task: RunTask | Run): number | undefined {
  if (task.start_time && task.end_time && task.end_time >= task.start_time) return task.end_time - task.start_time;
  return task.run_duration || task.execution_duration || undefined;
}

/**
 * The task runs of a run as last seen, with state and duration but no output: what is known
 * without further calls. A retried task counts by its last attempt (an earlier failure it
 * recovered from is not a failure). A legacy run without `tasks` counts as its own single task.
 */
export function taskResultsOf(run: Run): TaskRunResult[] {
  const tasks: Array<RunTask | (Run & { task_key: string })> =
    run.tasks && run.tasks.length > 0 ? latestAttempts(run.tasks) : [{ ...run, task_key: run.run_name || 'run' }];
  return tasks.map((task) => ({
    taskKey: task.task_key,
    runId: task.run_id,
    outcome: runOutcome(task),
    durationMs: durationOf(task),
    runPageUrl: task.run_page_url,
    ...('notebook_task' in task && task.notebook_task ? { notebook: true } : {}),
  }));
}

/**
 * Reads `runs/get-output` for every task run of a finished run. Never on the parent of a
 * multi-task run (the workspace refuses); only a legacy run without `tasks` is read directly.
 * A task whose output cannot be read keeps its state and says why.
 */
export async function collectTaskResults(jobs: JobsClient, run: Run, logger: Logger, signal?: AbortSignal): Promise<TaskRunResult[]> {
  const results = taskResultsOf(run);
  for (const result of results) {
    if (result.runId === undefined) continue;
    try {
      const output = await jobs.getRunOutput(result.runId, signal);
      result.error = output.error || undefined;
      result.errorTrace = output.error_trace || undefined;
      result.notebookResult = output.notebook_output?.result;
      result.notebookTruncated = output.notebook_output?.truncated;
      result.logs = output.logs || undefined;
    } catch (thrown) {
      if (signal?.aborted) throw signal.reason;
      result.outputUnavailable = toError(thrown).message;
      logger.warn(`Could not read the output of task '${result.taskKey}': ${result.outputUnavailable}`);
    }
  }
  return results;
}

/** A JSON test report as a notebook may return it with `dbutils.notebook.exit(json.dumps(report))`. */
interface JsonTestReport {
  tests: Array<{ name?: unknown; classname?: unknown; status?: unknown; durationMs?: unknown; message?: unknown; trace?: unknown }>;
}

/** The JSON test report in a notebook's exit value; undefined when the value is not one. */
export function parseJsonTestReport(exitValue: string | undefined, taskKey: string): TestCase[] | undefined {
  if (!exitValue || !exitValue.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(exitValue);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as JsonTestReport).tests)) return undefined;
  return (parsed as JsonTestReport).tests.map((test, index): TestCase => {
    const name = typeof test?.name === 'string' && test.name ? test.name : `test ${index + 1}`;
    const testCase: TestCase = {
      name,
      classname: typeof test?.classname === 'string' && test.classname ? test.classname : taskKey,
      time: typeof test?.durationMs === 'number' && test.durationMs >= 0 ? test.durationMs / 1000 : undefined,
    };
    const message = typeof test?.message === 'string' ? test.message : undefined;
    const trace = typeof test?.trace === 'string' ? test.trace : undefined;
    switch (test?.status) {
      case 'passed':
        break;
      case 'skipped':
        testCase.skipped = { message };
        break;
      case 'failed':
        testCase.failure = { message: message ?? trace?.split('\n')[0] ?? 'failed', trace };
        break;
      default:
        // Fail closed: a status we cannot read is not a pass.
        testCase.failure = { message: `unknown test status ${JSON.stringify(test?.status)}${message ? `: ${message}` : ''}`, trace };
    }
    return testCase;
  });
}

/**
 * Why the test report of a succeeded task cannot be read although there may be one, if so: its
 * notebook output could not be fetched, or its exit value is an object with a "tests" list that
 * was cut at 5 MB or is not JSON (`str(report)` instead of `json.dumps(report)`). Reading such a
 * task as one passed test would hide the failures its report lists.
 */
function unreadableReport(task: TaskRunResult): string | undefined {
  if (task.outcome.kind !== 'success') return undefined;
  if (task.notebook && task.outputUnavailable !== undefined) {
    return `The output of notebook task '${task.taskKey}', where its JSON test report would be, could not be read: ${task.outputUnavailable}`;
  }
  const value = task.notebookResult?.trimStart();
  // Only a value with a "tests" list in it: other exit values (str(dict) summaries, big JSON dumps) stay plain.
  if (!value?.startsWith('{') || !/["']tests["']\s*:\s*\[/.test(value)) return undefined;
  if (task.notebookTruncated) {
    return `The exit value of task '${task.taskKey}' starts like a JSON test report but was cut at 5 MB; write the results as JUnit XML files and set testResultsPath.`;
  }
  try {
    JSON.parse(value);
  } catch (error) {
    return `The exit value of task '${task.taskKey}' starts like a JSON test report but is not JSON (${toError(error).message}); return json.dumps(report).`;
  }
  return undefined;
}

function describeTaskFailure(task: TaskRunResult): string {
  if (!task.outcome.terminal) return `did not finish (${task.outcome.lifecycle} when the task stopped waiting)`;
  return task.error ?? (task.outcome.message || `ended ${task.outcome.resultState}`);
}

/** The task as one test case: passed on SUCCESS, skipped when it never ran, failed otherwise (also when cut short). */
export function taskAsTestCase(task: TaskRunResult, classname: string): TestCase {
  const testCase: TestCase = { name: task.taskKey, classname, time: task.durationMs === undefined ? undefined : task.durationMs / 1000 };
  switch (task.outcome.kind) {
    case 'success':
      break;
    case 'skipped':
      testCase.skipped = { message: `${task.outcome.resultState}${task.outcome.message ? `: ${task.outcome.message}` : ''}` };
      break;
    default:
      testCase.failure = { message: describeTaskFailure(task), type: task.outcome.resultState || task.outcome.lifecycle, trace: task.errorTrace };
  }
  if (task.logs) testCase.systemOut = task.logs;
  return testCase;
}

/** Where the test results came from. */
export type ResultSource = 'junit' | 'notebook-json' | 'tasks';

/** The test suites of a finished run. */
export interface CollectedTests {
  suites: TestSuite[];
  /** Per task, where its tests came from (`junit` applies to the whole run). */
  sources: ResultSource[];
  /** JUnit files read. */
  files: string[];
  /** Files matching `testResultsPath` that an earlier run wrote (older than this run): not read. */
  ignoredFiles: string[];
}

/**
 * `testResultsPath` with `{{job.run_id}}` replaced by the run's id, so the task reads the folder the
 * job wrote to when its tests were given `{{job.run_id}}` too: a folder no other run shares.
 */
export function resultsPathOfRun(testResultsPath: string, runId: number): string {
  return testResultsPath.replace(/\{\{\s*job\.run_id\s*\}\}/g, String(runId));
}

/** No result file of this run matched; `ignoredFiles` are the older ones that did. */
export class StaleResultsError extends Error {
  constructor(
    message: string,
    readonly ignoredFiles: string[],
  ) {
    super(message);
    this.name = 'StaleResultsError';
  }
}

/** Options of {@link collectTests}. */
export interface CollectTestsOptions {
  runId: number;
  runName: string;
  /** Link to the run, recorded on every suite so the Tests tab leads back to Databricks. */
  runPageUrl?: string;
  tasks: TaskRunResult[];
  /** `/Volumes/...` or `/Workspace/...` file, folder or glob of JUnit XML files. */
  testResultsPath?: string;
  /**
   * The run's `start_time` (ms epoch): only result files modified since (less a clock-skew
   * allowance) count. Without it no file can be proven to be this run's, and none is read.
   */
  runStartTime?: number;
  files: FilesClient;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * Builds the run's test suites: from JUnit XML files when `testResultsPath` is set, otherwise per
 * task from a JSON report in the notebook exit value, otherwise one test case per task. Tasks that
 * did not succeed always appear as failed cases, so a crash before any report was written still
 * shows in the Tests tab.
 * @throws Error when `testResultsPath` matches no file, a file is not JUnit XML, the report of
 *   a run whose tasks all succeeded holds no test (JUnit files or a notebook's JSON report), or a
 *   succeeded notebook task's JSON report may exist but cannot be read.
 */
export async function collectTests(options: CollectTestsOptions): Promise<CollectedTests> {
  const { tasks, runName, runId } = options;
  const properties = runProperties(runId, options.runPageUrl);
  if (options.testResultsPath) {
    const found = await findResultFiles(options.files, resultsPathOfRun(options.testResultsPath, runId), options.signal);
    // A file this run did not write must not speak for it: a passing report left by an earlier run
    // would pass a run that wrote none.
    const { fresh, stale } = partitionByRunStart(found, options.runStartTime ?? Number.POSITIVE_INFINITY);
    const ignoredFiles = stale.map((file) => file.path);
    const paths = fresh.map((file) => file.path);
    if (ignoredFiles.length > 0) {
      options.logger.warn(
        `Ignored ${ignoredFiles.length} JUnit XML file(s) matching testResultsPath that are older than this run (written by an earlier run): ${ignoredFiles.slice(0, 5).join(', ')}${ignoredFiles.length > 5 ? ', ...' : ''}. Use a folder unique to the run, e.g. one named after {{job.run_id}}.`,
      );
    }
    if (paths.length === 0) {
      const problem =
        ignoredFiles.length > 0
          ? `No JUnit XML file matching testResultsPath '${options.testResultsPath}' was written by this run (${ignoredFiles.length} older file(s) ignored; files must be modified after the run started, allowing ${resultClockSkewMs / 1000} s of clock skew).`
          : `No JUnit XML file matches testResultsPath '${options.testResultsPath}'.`;
      // When the run already failed, its tasks explain why; otherwise missing results are a failure of their own.
      if (unsuccessful(tasks).length === 0) throw new StaleResultsError(`${problem} The run succeeded but wrote no test results there.`, ignoredFiles);
      options.logger.warn(problem);
      return { suites: unsuccessfulTasksSuites(runName, runId, options.runPageUrl, tasks), sources: tasks.map(() => 'tasks'), files: [], ignoredFiles };
    }
    const suites: TestSuite[] = [];
    for (const path of paths) {
      const bytes = await options.files.download(path, options.signal);
      const parsed = parseJUnitXml(Buffer.from(bytes).toString('utf8'), path);
      suites.push(...parsed.map((suite) => ({ ...suite, properties: { ...suite.properties, ...properties } })));
    }
    // An empty report (pytest collected nothing, a writer that crashed early) proves nothing ran: not a pass.
    if (countTests(suites).total === 0 && unsuccessful(tasks).length === 0) {
      throw new Error(`The JUnit XML files matching testResultsPath '${options.testResultsPath}' hold no test case: ${paths.join(', ')}.`);
    }
    suites.push(...unsuccessfulTasksSuites(`${runName} (tasks)`, runId, options.runPageUrl, tasks));
    return { suites, sources: tasks.map(() => 'junit'), files: paths, ignoredFiles };
  }

  const suites: TestSuite[] = [];
  const sources: ResultSource[] = [];
  const plain: TestCase[] = [];
  for (const task of tasks) {
    const unreadable = unreadableReport(task);
    if (unreadable !== undefined) throw new Error(unreadable);
    if (task.notebookTruncated) options.logger.warn(`The exit value of task '${task.taskKey}' was truncated at 5 MB; it is not read as a test report.`);
    const report = task.notebookTruncated ? undefined : parseJsonTestReport(task.notebookResult, task.taskKey);
    if (report) {
      if (report.length === 0 && task.outcome.kind === 'success') throw new Error(`The test report that task '${task.taskKey}' returned lists no tests.`);
      if (task.outcome.kind !== 'success') report.push(taskAsTestCase(task, task.taskKey));
      suites.push({ name: task.taskKey, properties: { ...properties, 'databricks.taskRunId': String(task.runId ?? '') }, cases: report });
      sources.push('notebook-json');
    } else {
      plain.push(taskAsTestCase(task, runName));
      sources.push('tasks');
    }
  }
  if (plain.length > 0) suites.push({ name: runName, properties, cases: plain });
  return { suites, sources, files: [], ignoredFiles: [] };
}

/** Suite properties that lead from the Tests tab back to the Databricks run. */
function runProperties(runId: number, runPageUrl?: string): Record<string, string> {
  return { 'databricks.runId': String(runId), ...(runPageUrl ? { 'databricks.runPageUrl': runPageUrl } : {}) };
}

/** Tasks that failed, were cancelled or were cut short; skipped tasks carry no failure of their own. */
function unsuccessful(tasks: TaskRunResult[]): TaskRunResult[] {
  return tasks.filter((t) => t.outcome.kind !== 'success' && t.outcome.kind !== 'skipped');
}

/**
 * A suite with one failed test case per task that did not succeed (none when all did): what the
 * Tests tab shows when no test report can be read (none written, the task stopped waiting), so a
 * crash or a hang is still visible there.
 */
export function unsuccessfulTasksSuites(name: string, runId: number, runPageUrl: string | undefined, tasks: TaskRunResult[]): TestSuite[] {
  const cases = unsuccessful(tasks).map((t) => taskAsTestCase(t, name));
  return cases.length > 0 ? [{ name, properties: runProperties(runId, runPageUrl), cases }] : [];
}
