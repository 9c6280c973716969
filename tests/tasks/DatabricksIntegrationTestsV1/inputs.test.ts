import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TaskInputs } from '../../../tasks/common/azure-devops/task-context';
import { jsonErrorOffset } from '../../../tasks/DatabricksIntegrationTestsV1/json-position';
import { parseInputs, parseTestResultsPath } from '../../../tasks/DatabricksIntegrationTestsV1/inputs';
import { defaults, inputNames, outputNames } from '../../../tasks/DatabricksIntegrationTestsV1/names';
import { runMessage, runMessages } from '../../../tasks/common/runs/messages';

const taskJson = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../tasks/DatabricksIntegrationTestsV1/task.json'), 'utf8')) as {
  inputs: Array<{ name: string; defaultValue?: string }>;
  outputVariables: Array<{ name: string }>;
  messages: Record<string, string>;
};
const connectionInputs = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../tasks/common/azure-devops/connection-inputs.json'), 'utf8')) as {
  inputs: Array<{ name: string }>;
};

function inputs(values: Record<string, string>): TaskInputs {
  return { get: (name) => values[name]?.trim() || undefined, variable: () => undefined, endpoint: () => undefined };
}

describe('DatabricksIntegrationTests@1 inputs', () => {
  it('has exactly the contract names in task.json, connection inputs first, defaults matching', () => {
    const names = taskJson.inputs.map((i) => i.name);
    assert.deepEqual(names, [...connectionInputs.inputs.map((i) => i.name), ...Object.values(inputNames)]);
    assert.deepEqual(taskJson.outputVariables.map((o) => o.name), Object.values(outputNames));
    const defaultOf = (name: string) => taskJson.inputs.find((i) => i.name === name)?.defaultValue;
    assert.equal(defaultOf('runType'), defaults.runType);
    assert.equal(defaultOf('compute'), defaults.compute);
    assert.equal(defaultOf('timeoutMinutes'), String(defaults.timeoutMinutes));
    assert.equal(defaultOf('cancelOnExit'), String(defaults.cancelOnExit));
    assert.equal(defaultOf('publishTestResults'), String(defaults.publishTestResults));
    assert.equal(defaultOf('failOnTestFailure'), String(defaults.failOnTestFailure));
  });

  it('has in task.json exactly the messages the task says (a template changed in code shows here)', () => {
    assert.deepEqual(taskJson.messages, runMessages);
    assert.equal(runMessage('NoJobNamed', 'x', 'https://adb-1.azuredatabricks.net'), "There is no job named 'x' in https://adb-1.azuredatabricks.net.");
    assert.equal(runMessage('WaitFailed', 5, 'costs $& and $1', 'it was cancelled'), 'Waiting for Databricks run 5 failed: costs $& and $1; it was cancelled.', 'replacement patterns stay literal');
  });

  it('reads a job by name with parameters and the defaults', () => {
    const settings = parseInputs(inputs({ jobName: '[dev me] integration-tests', jobParameters: ' env = dev \n\nurl=https://a?b=c\n' }));
    assert.deepEqual(settings.spec, { kind: 'job', job: { name: '[dev me] integration-tests' }, parameters: { env: 'dev', url: 'https://a?b=c' }, requireDefinedParameters: true });
    assert.equal(settings.timeoutMs, 3600_000);
    assert.equal(settings.cancelOnExit, true);
    assert.equal(settings.publishTestResults, true);
    assert.equal(settings.failOnTestFailure, true);
  });

  it('reads one-time runs with each compute, fractions of minutes and booleans in any case', () => {
    const python = parseInputs(inputs({ runType: 'pythonFile', pythonFile: '/Workspace/t.py', pythonArgs: '-k\nsmoke and not slow', environmentDependencies: 'pytest\nrequests==2.32.3', timeoutMinutes: '0.5', cancelOnExit: 'FALSE' }));
    assert.deepEqual(python.spec, { kind: 'pythonFile', pythonFile: '/Workspace/t.py', args: ['-k', 'smoke and not slow'], compute: { kind: 'serverless', dependencies: ['pytest', 'requests==2.32.3'] } });
    assert.equal(python.timeoutMs, 30_000);
    assert.equal(python.cancelOnExit, false);
    const cluster = parseInputs(inputs({ runType: 'notebook', notebookPath: '/Repos/x', compute: 'newCluster', newCluster: '{"spark_version": "15.4.x-scala2.12", "num_workers": 2}' }));
    assert.throws(() => parseInputs(inputs({ runType: 'notebook', notebookPath: 'dbfs:/nb' })), /'notebookPath' 'dbfs:\/nb'/, 'notebooks are never on DBFS');
    assert.equal(parseInputs(inputs({ runType: 'pythonFile', pythonFile: 'dbfs:/ci/t.py' })).spec.kind, 'pythonFile');
    assert.deepEqual(cluster.spec.kind === 'notebook' && cluster.spec.compute, { kind: 'newCluster', spec: { spark_version: '15.4.x-scala2.12', num_workers: 2 } });
  });

  it('accepts test result paths in volumes and the workspace only', () => {
    assert.equal(parseTestResultsPath('/Volumes/main/ci/results/run-1/**/*.xml'), '/Volumes/main/ci/results/run-1/**/*.xml');
    assert.equal(parseTestResultsPath('/Workspace/Shared/results/'), '/Workspace/Shared/results');
    for (const bad of ['/dbfs/tmp/x.xml', 'dbfs:/x', 'Volumes/a/b/c', '/Volumes/a/b', '/Volumes/a/*/c/x.xml', '/Volumes/a/b/c/../d', '/Workspace', '/Workspace/*/x.xml', 'C:\\results']) {
      assert.throws(() => parseTestResultsPath(bad), /Invalid 'testResultsPath'/, bad);
    }
  });

  it('rejects repeated and malformed key=value lines, naming the input and the line', () => {
    assert.throws(() => parseInputs(inputs({ jobName: 'a', jobParameters: 'a=1\na=2' })), /'jobParameters' line 2: 'a' is set twice/);
    assert.throws(() => parseInputs(inputs({ runType: 'notebook', notebookPath: '/x', notebookParameters: '=1' })), /'notebookParameters' line 1: key ''.*<key>=<value>/);
  });

  it('keeps Python arguments and requirements one per line: commas and repeats are part of them', () => {
    const settings = parseInputs(inputs({ runType: 'pythonFile', pythonFile: '/Workspace/t.py', pythonArgs: '-m\na,b\n-m', environmentDependencies: 'numpy>=1.26,<2' }));
    assert.deepEqual(settings.spec.kind === 'pythonFile' && settings.spec.args, ['-m', 'a,b', '-m']);
    assert.deepEqual(settings.spec.kind === 'pythonFile' && settings.spec.compute, { kind: 'serverless', dependencies: ['numpy>=1.26,<2'] });
  });

  it('takes the job id when the jobBy selector points at it and the classic editor kept a job name too', () => {
    assert.deepEqual(parseInputs(inputs({ jobBy: 'id', jobId: '42', jobName: 'old name' })).spec, { kind: 'job', job: { id: 42 }, parameters: {}, requireDefinedParameters: true });
    assert.throws(() => parseInputs(inputs({ jobId: '42', jobName: 'old name' })), /both set/);
    assert.deepEqual(parseInputs(inputs({ jobBy: 'id', jobName: 'by name' })).spec, { kind: 'job', job: { name: 'by name' }, parameters: {}, requireDefinedParameters: true });
  });

  it('limits timeoutMinutes to (0, 7 days] and reads job ids as whole numbers', () => {
    assert.equal(parseInputs(inputs({ jobId: '42', timeoutMinutes: '10080' })).timeoutMs, 7 * 24 * 3600_000);
    assert.deepEqual(parseInputs(inputs({ jobId: '42' })).spec, { kind: 'job', job: { id: 42 }, parameters: {}, requireDefinedParameters: true });
    assert.throws(() => parseInputs(inputs({ jobId: '42', timeoutMinutes: '10081' })), /'timeoutMinutes' '10081'.*at most 10080/);
    assert.throws(() => parseInputs(inputs({ jobId: '0' })), /'jobId' '0'.*whole number/);
    assert.throws(() => parseInputs(inputs({ jobId: '1.5' })), /'jobId' '1\.5'/);
  });

  it('locates JSON errors', () => {
    assert.equal(jsonErrorOffset('{"a": [1, 2]}'), undefined);
    assert.equal(jsonErrorOffset('{"a": ,}'), 6);
    assert.equal(jsonErrorOffset('{"a": 1'), 7);
    assert.equal(jsonErrorOffset('{"a": tru}'), 9);
    assert.equal(jsonErrorOffset('[1] x'), 4);
    assert.equal(jsonErrorOffset('{"a": 1,}'), 8, 'no trailing comma in an object');
    assert.equal(jsonErrorOffset('[1,]'), 3, 'nor in an array');
    assert.equal(jsonErrorOffset('{"a" 1}'), 5);
    assert.equal(jsonErrorOffset('[{"a": [true, null, "x\\u00e9"]}, -1.5e3]'), undefined);
    assert.throws(() => parseInputs(inputs({ runType: 'notebook', notebookPath: '/x', compute: 'newCluster', newCluster: '{\n "a": 1\n "b": 2}' })), /'newCluster': not valid JSON at line 3, column 2/);
    assert.throws(() => parseInputs(inputs({ runType: 'notebook', notebookPath: '/x', compute: 'newCluster', newCluster: '{"spark_version": "x"' })), /at the end of the text/);
    assert.throws(() => parseInputs(inputs({ runType: 'notebook', notebookPath: '/x', compute: 'newCluster', newCluster: '[1]' })), /'newCluster' '\[1\]': expected a JSON object/);
  });
});
