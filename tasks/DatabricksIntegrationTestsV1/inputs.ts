import type { ClusterSpec } from '@databricks/sdk-experimental/dist/apis/compute/model';
import type { TaskInputs } from '../common/azure-devops/task-context';
import type { Compute, RunSpec } from '../common/runs/submission';
import { invalidInput, parseBooleanInput, parseChoiceInput, parseKeyValueLines, parseNumberInput } from '../common/azure-devops/input-parsing';
import { jsonErrorOffset } from './json-position';
import { computeKinds, defaults, inputNames, runTypes } from './names';

/** Everything the task does, parsed and checked from its inputs before any call. */
export interface Settings {
  /** What to run: a job by name or id, or a one-time notebook or Python file run. */
  spec: RunSpec;
  /** Name of the Databricks run; undefined lets the task derive one from the pipeline. */
  runName?: string;
  /** The task's time limit in milliseconds; also sent to Databricks as `timeout_seconds` for one-time runs. */
  timeoutMs: number;
  /** Cancel the Databricks run when the task stops before the run ends. */
  cancelOnExit: boolean;
  /** `/Volumes/...` or `/Workspace/...` JUnit XML file, folder or glob. */
  testResultsPath?: string;
  /** Publish the results to the pipeline run's Tests tab. */
  publishTestResults: boolean;
  /** Title of the published test run; undefined derives it from the run name. */
  testRunTitle?: string;
  /** Fail the task when a test failed, even though the run succeeded. */
  failOnTestFailure: boolean;
}

/** Long values (a pasted cluster spec) are cut in messages; the input name says where the rest is. */
function excerpt(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}...` : value;
}

function required(inputs: TaskInputs, name: string, when: string): string {
  const value = inputs.get(name);
  if (value === undefined) throw new Error(`Input '${name}' is required ${when}.`);
  return value;
}

/**
 * One item per line. Not `parseListInput`: arguments and pip requirements may contain commas
 * (`numpy>=1.26,<2`) and an argument may repeat (`-m a -m b`), so only line breaks separate them.
 */
function lines(value: string | undefined): string[] {
  return (value ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Line and column (1-based) of a character offset. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** A JSON object input; errors name the input and where the JSON breaks. */
function parseJsonObject(name: string, value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    const offset = jsonErrorOffset(value);
    const where = offset === undefined ? '' : offset >= value.length ? ' at the end of the text' : ` at ${position(value, offset)}`;
    throw new Error(`Invalid '${name}': not valid JSON${where}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidInput(name, excerpt(value), 'a JSON object (a Databricks cluster spec such as {"spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_D4ds_v5", "num_workers": 1})');
  }
  return parsed as Record<string, unknown>;
}

function parseNewCluster(value: string): ClusterSpec {
  const spec = parseJsonObject(inputNames.newCluster, value);
  if (typeof spec.spark_version !== 'string' || spec.spark_version === '') {
    throw invalidInput(inputNames.newCluster, excerpt(value), 'a cluster spec with "spark_version" (e.g. "15.4.x-scala2.12")');
  }
  return spec as ClusterSpec;
}

function parseJobId(value: string): number {
  // `value` is set, so a number comes back (undefined only stands for an empty input).
  return parseNumberInput(inputNames.jobId, value, { min: 1, integer: true }) as number;
}

function parseTimeout(value: string | undefined): number {
  const minutes = parseNumberInput(inputNames.timeoutMinutes, value, { min: 0, exclusiveMin: true, max: 7 * 24 * 60, unit: 'minutes' }, defaults.timeoutMinutes);
  return Math.round(minutes * 60_000);
}

/** The file a one-time run of `runType` executes: required, absolute, without `..` or a trailing `/`. */
function parseRunFile(inputs: TaskInputs, runType: 'notebook' | 'pythonFile', expected: string): string {
  const name = runType === 'notebook' ? inputNames.notebookPath : inputNames.pythonFile;
  const value = required(inputs, name, `when '${inputNames.runType}' is '${runType}'`);
  // Spark Python tasks also run files from DBFS; notebooks live in the workspace only.
  const ok = value.startsWith('/') || (runType === 'pythonFile' && value.startsWith('dbfs:/'));
  if (!ok || value.includes('\\') || /(^|\/)\.\.?(\/|$)/.test(value) || value.endsWith('/')) throw invalidInput(name, value, expected);
  return value;
}

/** Checks `testResultsPath`: a Unity Catalog volume or workspace location, never anything else. */
export function parseTestResultsPath(value: string): string {
  const expected =
    'a JUnit XML file, folder or glob under /Volumes/<catalog>/<schema>/<volume>/ or /Workspace/ (e.g. /Volumes/main/ci/test_results/run-$(Build.BuildId)/*.xml)';
  if (value.includes('\\') || /(^|\/)\.\.?(\/|$)/.test(value) || /\/\//.test(value)) throw invalidInput(inputNames.testResultsPath, value, expected);
  const segments = value.split('/');
  const glob = /[*?[\]{}!()]/;
  if (segments[0] !== '') throw invalidInput(inputNames.testResultsPath, value, expected);
  if (segments[1] === 'Volumes') {
    // Catalog, schema and volume must be literal: the Files API lists below a volume, not across volumes.
    if (segments.length < 5 || segments.slice(2, 5).some((s) => s === '' || glob.test(s))) throw invalidInput(inputNames.testResultsPath, value, expected);
  } else if (segments[1] === 'Workspace') {
    if (segments.length < 3 || segments[2] === '' || glob.test(segments[2])) throw invalidInput(inputNames.testResultsPath, value, expected);
  } else {
    throw invalidInput(inputNames.testResultsPath, value, expected);
  }
  return value.replace(/\/+$/, '');
}

function parseCompute(inputs: TaskInputs, runType: 'notebook' | 'pythonFile'): Compute {
  const kind = parseChoiceInput(inputNames.compute, inputs.get(inputNames.compute), computeKinds, defaults.compute);
  const when = `when '${inputNames.compute}' is '${kind}'`;
  switch (kind) {
    case 'existingCluster': {
      const clusterId = required(inputs, inputNames.clusterId, when);
      if (/\s/.test(clusterId)) throw invalidInput(inputNames.clusterId, clusterId, 'a cluster id without spaces, e.g. 0123-456789-abcdefgh');
      return { kind, clusterId };
    }
    case 'newCluster':
      return { kind, spec: parseNewCluster(required(inputs, inputNames.newCluster, when)) };
    case 'serverless': {
      const dependencies = lines(inputs.get(inputNames.environmentDependencies));
      if (dependencies.length > 0 && runType === 'notebook') {
        throw new Error(
          `Input '${inputNames.environmentDependencies}' applies to Python files on serverless compute; a notebook on serverless installs its libraries itself (%pip install).`,
        );
      }
      return { kind, dependencies };
    }
  }
}

function parseSpec(inputs: TaskInputs): RunSpec {
  const runType = parseChoiceInput(inputNames.runType, inputs.get(inputNames.runType), runTypes, defaults.runType);
  switch (runType) {
    case 'job': {
      let name = inputs.get(inputNames.jobName);
      const id = inputs.get(inputNames.jobId);
      const jobBy = parseChoiceInput(inputNames.jobBy, inputs.get(inputNames.jobBy), ['name', 'id'] as const, defaults.jobBy);
      // The classic editor keeps the value of the input its selector hides: a selector moved off its
      // default says which one is meant. YAML leaves the selector at its default and sets one input.
      if (name !== undefined && id !== undefined && jobBy === 'id') name = undefined;
      if (name !== undefined && id !== undefined) {
        throw new Error(`Inputs '${inputNames.jobName}' ('${excerpt(name)}') and '${inputNames.jobId}' ('${excerpt(id)}') are both set: set one of them.`);
      }
      if (name === undefined && id === undefined) {
        throw new Error(`Input '${inputNames.jobName}' or '${inputNames.jobId}' is required when '${inputNames.runType}' is 'job'.`);
      }
      const parameters = parseKeyValueLines(inputNames.jobParameters, inputs.get(inputNames.jobParameters));
      return { kind: 'job', job: id !== undefined ? { id: parseJobId(id) } : { name: name as string }, parameters, requireDefinedParameters: true };
    }
    case 'notebook': {
      const notebookPath = parseRunFile(inputs, 'notebook', 'an absolute workspace path of a notebook, e.g. /Workspace/Users/me@example.com/tests/integration');
      const parameters = parseKeyValueLines(inputNames.notebookParameters, inputs.get(inputNames.notebookParameters));
      return { kind: 'notebook', notebookPath, parameters, compute: parseCompute(inputs, 'notebook') };
    }
    case 'pythonFile': {
      const pythonFile = parseRunFile(inputs, 'pythonFile', 'an absolute path of a Python file in the workspace, a volume or DBFS, e.g. /Workspace/Shared/tests/run_tests.py');
      return { kind: 'pythonFile', pythonFile, args: lines(inputs.get(inputNames.pythonArgs)), compute: parseCompute(inputs, 'pythonFile') };
    }
  }
}

/**
 * Reads and checks every input of the task (except the connection, see `connection.ts`). Pure:
 * nothing is called before all of them are known to be good. Errors name the input, quote the
 * value and say what is expected.
 */
export function parseInputs(inputs: TaskInputs): Settings {
  const spec = parseSpec(inputs);
  const testResultsPath = inputs.get(inputNames.testResultsPath);
  return {
    spec,
    runName: inputs.get(inputNames.runName),
    timeoutMs: parseTimeout(inputs.get(inputNames.timeoutMinutes)),
    cancelOnExit: parseBooleanInput(inputNames.cancelOnExit, inputs.get(inputNames.cancelOnExit), defaults.cancelOnExit),
    testResultsPath: testResultsPath === undefined ? undefined : parseTestResultsPath(testResultsPath),
    publishTestResults: parseBooleanInput(inputNames.publishTestResults, inputs.get(inputNames.publishTestResults), defaults.publishTestResults),
    testRunTitle: inputs.get(inputNames.testRunTitle),
    failOnTestFailure: parseBooleanInput(inputNames.failOnTestFailure, inputs.get(inputNames.failOnTestFailure), defaults.failOnTestFailure),
  };
}
