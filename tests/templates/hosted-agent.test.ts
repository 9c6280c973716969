/**
 * The templates as an adopter runs them on a Microsoft-hosted agent: no Databricks CLI on PATH, any
 * of the three connection types, and the test job told where to write the results the task reads.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { repoRoot } from '../support/task-bundle';

const templates = path.join(repoRoot, 'pipelines-templates');
const read = (relative: string) => YAML.parse(fs.readFileSync(path.join(templates, relative), 'utf8')) as Record<string, unknown>;
const parameters = (doc: Record<string, unknown>) => new Map((doc.parameters as Array<{ name: string; default?: unknown; values?: unknown[] }>).map((p) => [p.name, p]));

/** Every step of one of this extension's tasks, with its inputs (conditional insertions flattened). */
function taskSteps(node: unknown, found: Array<{ task: string; inputs: Record<string, unknown> }> = []): typeof found {
  if (Array.isArray(node)) node.forEach((child) => taskSteps(child, found));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.task === 'string' && record.task.startsWith('Databricks')) {
      const inputs: Record<string, unknown> = {};
      for (const [key, value] of Object.entries((record.inputs ?? {}) as Record<string, unknown>)) {
        if (key.startsWith('${{') && value && typeof value === 'object') Object.assign(inputs, value);
        else inputs[key] = value;
      }
      found.push({ task: record.task, inputs });
    }
    Object.values(record).forEach((child) => taskSteps(child, found));
  }
  return found;
}

describe('templates on a Microsoft-hosted agent', () => {
  it('the release template installs a pinned Databricks CLI for every deployment', () => {
    const release = read('stages/release.yml');
    assert.match(String(parameters(release).get('cliVersion')?.default), /^\d+\.\d+\.\d+$/);
    const deploys = taskSteps(release).filter((step) => step.task === 'DatabricksBundleDeploy@1');
    // Staging, the production plan and production.
    assert.equal(deploys.length, 3);
    for (const deploy of deploys) assert.equal(deploy.inputs.cliVersion, '${{ parameters.cliVersion }}');
  });

  it('takes the connection type and the ARM and federation inputs as parameters in every template', () => {
    for (const file of ['stages/release.yml', 'stages/model-promotion.yml', 'jobs/integration-tests.yml']) {
      const doc = read(file);
      assert.deepEqual(parameters(doc).get('connectionType')?.values, ['databricks', 'azureResourceManager', 'azureDevOpsFederation'], file);
      for (const step of taskSteps(doc)) {
        if (step.task === 'DatabricksReleaseBundle@1') continue;
        assert.equal(step.inputs.connectionType, '${{ parameters.connectionType }}', `${file} ${step.task}`);
        for (const input of ['databricksConnection', 'azureSubscription', 'workspaceUrl', 'federationClientId']) {
          assert.match(String(step.inputs[input]), /^\$\{\{ parameters\.\w+ \}\}$/, `${file} ${step.task} ${input}`);
        }
      }
    }
  });

  it('the release example tells the test job to write its results where testResultsPath reads them', () => {
    const example = read('examples/release.yml');
    const passed = ((example.stages as Array<{ parameters: Record<string, string> }>)[0]).parameters;
    const resultsDir = /results_dir=(\S+)/.exec(passed.testJobParameters)?.[1];
    assert.ok(resultsDir, 'no results_dir in testJobParameters');
    assert.ok(passed.testResultsPath.startsWith(`${resultsDir}/`), `${passed.testResultsPath} is not under ${resultsDir}`);
    const job = taskSteps(read('jobs/integration-tests.yml'))[0];
    assert.equal(job.inputs.jobParameters, '${{ parameters.jobParameters }}');
    assert.match(fs.readFileSync(path.join(templates, 'stages/release.yml'), 'utf8'), /jobParameters: \$\{\{ parameters\.testJobParameters \}\}/);
  });
});
