/**
 * The bounds of every numeric task input are enforced at run time by the task's parser (the official
 * task.json schema has no input `validation`, see docs/adr/0015-task-json-input-conventions.md). One
 * table lists each numeric input with its bounds; the tests check the table covers every numeric
 * input in the task.json files and that each parser accepts the bounds and refuses just outside them,
 * naming the input.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseInputs as parseCompare } from '../../../tasks/DatabricksModelCompareV1/inputs';
import { parseInputs as parseDrift } from '../../../tasks/DatabricksDriftCheckV1/inputs';
import { parseInputs as parseIntegrationTests } from '../../../tasks/DatabricksIntegrationTestsV1/inputs';
import { parseInputs as parseServing } from '../../../tasks/DatabricksServingRolloutV1/inputs';
import { parseInputs as parseSignOff } from '../../../tasks/DatabricksModelSignOffV1/inputs';
import { maxTimeoutMinutes } from '../../../tasks/DatabricksModelSignOffV1/names';
import type { TaskInputs } from '../../../tasks/common/task/task-context';
import { agentInputs } from '../audit/deciding-task';

interface NumericInput {
  folder: string;
  input: string;
  parse: (inputs: TaskInputs) => unknown;
  base: Record<string, string>;
  min: number;
  /** The minimum itself is refused (`greater than`). */
  exclusiveMin?: boolean;
  max?: number;
  integer: boolean;
}

const connection = { connectionType: 'databricks', databricksConnection: 'conn' };
const compare = { ...connection, modelName: 'main.ml.churn', candidateVersion: '5', rules: 'metrics:\n  roc_auc: { greater_is_better: true, threshold: 0.8 }\n' };
const drift = { ...connection, sqlWarehouseId: 'wh1', monitoredTable: 'main.ml.churn_inference', rulesFile: 'drift-rules.yml' };
const integration = { ...connection, runType: 'job', jobName: 'integration-tests' };
const serving = { ...connection, endpointName: 'churn', modelName: 'main.ml.churn', modelVersion: '3' };
const signOff = { ...connection, modelName: 'main.ml.churn', modelVersion: '7', approvers: 'alice@contoso.com', action: 'wait', signOffId: '12' };

const numericInputs: NumericInput[] = [
  { folder: 'DatabricksModelCompareV1', input: 'evaluationTimeoutMinutes', parse: parseCompare, base: compare, min: 1, max: 24 * 60, integer: true },
  { folder: 'DatabricksModelCompareV1', input: 'bootstrapSeed', parse: parseCompare, base: compare, min: 0, max: 0xffffffff, integer: true },
  { folder: 'DatabricksDriftCheckV1', input: 'lookbackWindows', parse: parseDrift, base: drift, min: 1, max: 100, integer: true },
  { folder: 'DatabricksDriftCheckV1', input: 'maxWindowAgeHours', parse: parseDrift, base: drift, min: 0, exclusiveMin: true, max: 24 * 366, integer: false },
  { folder: 'DatabricksDriftCheckV1', input: 'retrainJobId', parse: parseDrift, base: { ...drift, onDrift: 'runJob' }, min: 1, integer: true },
  { folder: 'DatabricksIntegrationTestsV1', input: 'timeoutMinutes', parse: parseIntegrationTests, base: integration, min: 0, exclusiveMin: true, max: 7 * 24 * 60, integer: false },
  { folder: 'DatabricksIntegrationTestsV1', input: 'jobId', parse: parseIntegrationTests, base: { ...connection, runType: 'job' }, min: 1, integer: true },
  { folder: 'DatabricksServingRolloutV1', input: 'canaryPercent', parse: parseServing, base: serving, min: 1, max: 99, integer: true },
  { folder: 'DatabricksServingRolloutV1', input: 'timeoutMinutes', parse: parseServing, base: serving, min: 0, exclusiveMin: true, max: 24 * 60, integer: false },
  { folder: 'DatabricksModelSignOffV1', input: 'timeoutMinutes', parse: parseSignOff, base: signOff, min: 0, exclusiveMin: true, max: maxTimeoutMinutes, integer: false },
];

/** Inputs that hold numbers without a numeric default: ids of Databricks jobs. */
const numericWithoutDefault = new Set(['jobId', 'retrainJobId']);

interface ManifestInput {
  name: string;
  type: string;
  defaultValue?: string;
  helpMarkDown?: string;
}

function manifestInputs(folder: string): ManifestInput[] {
  const file = path.join(__dirname, '..', '..', '..', 'tasks', folder, 'task.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { inputs: ManifestInput[] }).inputs;
}

function agentTaskFolders(): string[] {
  const tasks = path.join(__dirname, '..', '..', '..', 'tasks');
  return fs.readdirSync(tasks).filter((folder) => /V\d+$/.test(folder) && fs.existsSync(path.join(tasks, folder, 'index.ts')));
}

describe('numeric task inputs', () => {
  it('the table lists every numeric input of every agent task', () => {
    const found = agentTaskFolders().flatMap((folder) =>
      manifestInputs(folder)
        .filter((input) => input.type === 'int' || /^\d+(\.\d+)?$/.test(input.defaultValue ?? '') || numericWithoutDefault.has(input.name))
        .map((input) => `${folder}.${input.name}`),
    );
    assert.deepEqual(found.sort(), numericInputs.map((entry) => `${entry.folder}.${entry.input}`).sort());
  });

  it('each help text states the upper bound the parser enforces', () => {
    for (const entry of numericInputs.filter((candidate) => candidate.max !== undefined)) {
      const help = manifestInputs(entry.folder).find((input) => input.name === entry.input)?.helpMarkDown ?? '';
      assert.ok(help.includes(String(entry.max)), `${entry.folder} ${entry.input}: '${help}' does not mention ${entry.max}`);
    }
  });

  for (const entry of numericInputs) {
    describe(`${entry.folder} ${entry.input}`, () => {
      const parse = (value: string) => entry.parse(agentInputs({ ...entry.base, [entry.input]: value }));
      const refused = (value: string) => assert.throws(() => parse(value), new RegExp(`Invalid '${entry.input}' '${value.replace(/[.+]/g, '\\$&')}': expected`), value);

      it('accepts the bounds and refuses just outside them, naming the input', () => {
        const smallest = entry.exclusiveMin ? entry.min + 0.5 : entry.min;
        assert.doesNotThrow(() => parse(String(smallest)));
        refused(String(entry.exclusiveMin ? entry.min : entry.min - 1));
        if (entry.max !== undefined) {
          assert.doesNotThrow(() => parse(String(entry.max)));
          refused(String(entry.max + 1));
        }
      });

      it(entry.integer ? 'refuses a fraction and text' : 'takes a fraction and refuses text', () => {
        if (entry.integer) refused(`${entry.min + 1}.5`);
        else assert.doesNotThrow(() => parse(`${entry.min + 1}.5`));
        refused('soon');
      });
    });
  }
});
