/**
 * The example pipelines as a run would see them: expanded with their templates (this repository as
 * the `mlops` repository resource), then valid against the patched schema and free of the problems
 * the schema cannot see (pipeline-checks.ts). Each template parameter is typed and documented, and
 * templates hard-code no connection, workspace, environment, model, table or warehouse.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { expandedPipelineProblems } from '../support/pipeline-checks';
import { loadTaskManifests, type TaskManifest } from '../support/pipeline-schema';
import { createPipelineValidator, type PipelineValidator } from '../support/pipeline-validator';
import { repoRoot } from '../support/task-bundle';
import { TemplateError, expandFile, expandPipeline } from '../support/template-expander';
import { demoSteps } from '../../scripts/demo/steps';

const templatesRoot = path.join(repoRoot, 'pipelines-templates');
const repositories = { mlops: repoRoot };
const tasks = new Map<string, TaskManifest>(loadTaskManifests().map((task) => [`${task.name}@${task.version.Major}`, task]));

function pipelineFiles(folder: string): string[] {
  const dir = path.join(templatesRoot, folder);
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => path.join(dir, name))
    .filter((file) => {
      const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> | null;
      return !!doc && ['stages', 'jobs', 'steps', 'extends'].some((key) => key in doc);
    });
}

const examples = pipelineFiles('examples');
const templates = ['stages', 'jobs', 'steps'].flatMap((folder) => (fs.existsSync(path.join(templatesRoot, folder)) ? pipelineFiles(folder) : []));

/** Writes a fixture pipeline (and templates beside it) to a temporary folder. */
function fixture(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-fixture-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return path.join(dir, Object.keys(files)[0]);
}

/** Values for the run parameters a person must give when queuing the pipeline (those without a default). */
function sampleRunParameters(file: string): Record<string, unknown> {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { parameters?: Array<{ name: string; type?: string; default?: unknown }> };
  const samples: Record<string, unknown> = {};
  for (const parameter of (doc.parameters ?? []).filter((p) => p.default === undefined)) {
    samples[parameter.name] = parameter.type === 'number' ? 7 : parameter.type === 'boolean' ? true : '7';
  }
  return samples;
}

/** Template parameters lacking a type, or both a displayName and a comment on the line above. */
function undocumentedParameters(text: string): string[] {
  const lines = text.split('\n');
  const doc = YAML.parse(text) as { parameters?: Array<{ name: string; type?: string; displayName?: string }> };
  const problems: string[] = [];
  for (const parameter of doc.parameters ?? []) {
    const line = lines.findIndex((l) => new RegExp(`^\\s*-\\s*name:\\s*${parameter.name}\\s*$`).test(l));
    const commented = line > 0 && /^\s*#/.test(lines[line - 1]);
    if (!parameter.type) problems.push(`${parameter.name}: no type`);
    if (!parameter.displayName && !commented) problems.push(`${parameter.name}: neither a displayName nor a comment on the line above`);
  }
  return problems;
}

/** Inputs that name things in a workspace or an organization: a template takes them from parameters. */
const namingInputs = ['databricksConnection', 'azureSubscription', 'workspaceUrl', 'federationClientId', 'modelName', 'auditTable', 'sqlWarehouseId', 'endpointName', 'monitoredTable', 'connectionType'];

function hardCodedNames(doc: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const mapping = node as Record<string, unknown>;
      if (typeof mapping.task === 'string' && tasks.has(mapping.task) && mapping.inputs && typeof mapping.inputs === 'object') {
        for (const [name, value] of Object.entries(mapping.inputs as Record<string, unknown>)) {
          if (namingInputs.includes(name) && typeof value === 'string' && value !== '' && !/\$\{\{|\$\(|\$\[/.test(value)) found.push(`${mapping.task} ${name}: ${value}`);
        }
      }
      if (typeof mapping.environment === 'string' && !/\$\{\{/.test(mapping.environment)) found.push(`environment: ${mapping.environment}`);
      Object.values(mapping).forEach(visit);
    }
  };
  visit(doc);
  return found;
}

describe('pipeline templates, expanded', () => {
  let validate: PipelineValidator;

  before(function () {
    this.timeout(60_000);
    validate = createPipelineValidator(this, [...tasks.values()]);
  });

  it('cover the four flows with an example each', () => {
    const names = new Set([...examples, ...templates].map((file) => path.relative(templatesRoot, file)));
    for (const expected of [
      'stages/pr-validation.yml',
      'stages/release.yml',
      'stages/model-promotion.yml',
      'stages/model-rollback.yml',
      'examples/pr-validation.yml',
      'examples/release.yml',
      'examples/model-promotion.yml',
      'examples/model-rollback.yml',
    ]) {
      assert.ok(names.has(expected), `${expected} is missing`);
    }
  });

  for (const example of examples) {
    const relative = path.relative(templatesRoot, example);
    describe(relative, () => {
      it('uses the templates through the mlops repository resource', () => {
        const doc = YAML.parse(fs.readFileSync(example, 'utf8')) as { resources?: { repositories?: Array<{ repository: string }> } };
        assert.ok(doc.resources?.repositories?.some((r) => r.repository === 'mlops'), 'resources.repositories declares mlops');
        assert.match(fs.readFileSync(example, 'utf8'), /template: pipelines-templates\/[^\s]+@mlops/);
      });

      it('expands into a pipeline that is valid against the schema, with no problem the schema cannot see', async function () {
        this.timeout(30_000);
        const expanded = expandPipeline(example, repositories, sampleRunParameters(example));
        assert.deepEqual(await validate(example, YAML.stringify(expanded)), []);
        assert.deepEqual(expandedPipelineProblems(expanded, tasks), []);
      });
    });
  }

  describe('every governance switch of the promotion flow', () => {
    const stage = path.join(templatesRoot, 'stages', 'model-promotion.yml');
    const base = { databricksConnection: 'prod', modelName: 'main.ml.churn', candidateVersion: '7', approvers: 'lead@contoso.com', servingEndpoint: 'churn' };
    const switches = [
      { runCompliance: true, requireSignOff: true, rollout: true },
      { runCompliance: false, requireSignOff: false, rollout: false },
      { runCompliance: true, requireSignOff: false, rollout: true, runMode: 'dryRun' },
    ];
    for (const values of switches) {
      it(`expands validly with ${JSON.stringify(values)}, and a switched-off step says so`, async function () {
        this.timeout(30_000);
        const expanded = expandFile(stage, { ...base, ...values }, repositories);
        assert.deepEqual(await validate(stage, YAML.stringify(expanded)), []);
        assert.deepEqual(expandedPipelineProblems(expanded, tasks), []);
        const text = JSON.stringify(expanded);
        const jobs = ((expanded.stages as Array<{ jobs: Array<{ job: string }> }>)[0].jobs).map((j) => j.job);
        // The same job names whatever the switches, so later jobs' dependsOn always resolve.
        for (const job of ['compare', 'compliance', 'signoff', 'promote', 'serving']) assert.ok(jobs.includes(job), `${job} in ${jobs.join(', ')}`);
        assert.equal(text.includes('DatabricksModelCompliance@1'), values.runCompliance);
        assert.equal(text.includes('DatabricksServingRollout@1'), values.rollout);
        const signOff = values.requireSignOff && values.runMode !== 'dryRun';
        assert.equal(text.includes('ManualValidation@1'), signOff);
        if (!values.runCompliance) assert.match(text, /task\.logissue type=warning\]The compliance check is switched off/);
        if (!signOff) assert.match(text, /task\.logissue type=warning\]Sign-off is switched off/);
        if (!values.rollout) assert.match(text, /task\.logissue type=warning\]The serving rollout is switched off/);
      });
    }

    it('runs the steps in the order of the flow: compare, compliance, sign-off, promote, serving (canary, then all traffic)', () => {
      const expanded = expandFile(stage, { ...base, requireSignOff: true }, repositories);
      const jobs = (expanded.stages as Array<{ jobs: Array<{ job: string; steps: Array<{ task?: string; inputs?: Record<string, string> }> }> }>)[0].jobs;
      const order = jobs.flatMap((job) => job.steps.filter((s) => s.task).map((s) => (s.inputs?.action || s.inputs?.strategy ? `${s.task}:${s.inputs?.action ?? s.inputs?.strategy}` : s.task)));
      assert.deepEqual(order, [
        'DatabricksModelCompare@1',
        'DatabricksModelCompliance@1',
        'DatabricksModelSignOff@1:request',
        'ManualValidation@1',
        'DatabricksModelSignOff@1:wait',
        'DatabricksModelPromote@1:promote',
        'DatabricksServingRollout@1:canary',
        'DatabricksServingRollout@1:promoteCanary',
      ]);
    });
  });

  it("the demo runs the promotion flow's tasks in the template's order", () => {
    const stage = path.join(templatesRoot, 'stages', 'model-promotion.yml');
    const expanded = expandFile(stage, { databricksConnection: 'c', modelName: 'main.ml.churn', candidateVersion: '7', requireSignOff: true, approvers: 'a@contoso.com', servingEndpoint: 'e' }, repositories);
    const jobs = (expanded.stages as Array<{ jobs: Array<{ steps: Array<{ task?: string }> }> }>)[0].jobs;
    const templateOrder = [...new Set(jobs.flatMap((job) => job.steps.map((s) => s.task)).filter((t): t is string => !!t && tasks.has(t)))];
    const demoOrder = [...new Set(demoSteps.map((step) => step.task).filter((task) => templateOrder.includes(task)))];
    assert.deepEqual(demoOrder, templateOrder);
  });

  for (const template of templates) {
    const relative = path.relative(templatesRoot, template);
    it(`${relative}: every parameter is typed and documented, and no name is hard-coded`, () => {
      const text = fs.readFileSync(template, 'utf8');
      assert.deepEqual(undocumentedParameters(text), []);
      assert.deepEqual(hardCodedNames(YAML.parse(text)), []);
    });
  }

  describe('the checks find each broken fixture, with its location', () => {
    const stageTemplate = 'parameters:\n  - name: who\n    type: string\n  - name: count\n    type: number\n    default: 1\nstages:\n  - stage: S\n    jobs:\n      - job: a\n        steps:\n          - script: echo ${{ parameters.who }}\n';

    it('an unknown input of one of this extension\'s tasks, and a missing required one', () => {
      const expanded = YAML.parse('steps:\n  - task: DatabricksModelPromote@1\n    name: p\n    inputs:\n      connectionType: databricks\n      databricksConnection: c\n      modelNme: main.ml.churn\n');
      const problems = expandedPipelineProblems(expanded, tasks).join('\n');
      assert.match(problems, /step 'p': DatabricksModelPromote has no input 'modelNme'/);
      assert.match(problems, /step 'p': DatabricksModelPromote requires input 'modelName'/);
    });

    it('a required input whose visibleRule applies', () => {
      const expanded = YAML.parse('steps:\n  - task: DatabricksModelPromote@1\n    inputs:\n      connectionType: azureResourceManager\n      modelName: main.ml.churn\n      version: "3"\n');
      const problems = expandedPipelineProblems(expanded, tasks).join('\n');
      assert.match(problems, /requires input 'azureSubscription' \(when connectionType = azureResourceManager\)/);
      assert.doesNotMatch(problems, /databricksConnection/);
    });

    it('an undeclared parameter', () => {
      const file = fixture({ 'pipeline.yml': 'stages:\n  - template: t.yml\n    parameters: { who: x }\n', 't.yml': stageTemplate.replace('parameters.who', 'parameters.whom') });
      assert.throws(() => expandPipeline(file, repositories), (error: Error) => error instanceof TemplateError && /t\.yml: parameter 'whom' is not declared/.test(error.message));
    });

    it('a missing parameter and an unexpected one', () => {
      const missing = fixture({ 'pipeline.yml': 'stages:\n  - template: t.yml\n', 't.yml': stageTemplate });
      assert.throws(() => expandPipeline(missing, repositories), /t\.yml: a value for parameter 'who' is required/);
      const unexpected = fixture({ 'pipeline.yml': 'stages:\n  - template: t.yml\n    parameters: { who: x, typo: y }\n', 't.yml': stageTemplate });
      assert.throws(() => expandPipeline(unexpected, repositories), /t\.yml: unexpected parameter 'typo'/);
    });

    it('a parameter of the wrong type, and a value outside its values', () => {
      const file = fixture({ 'pipeline.yml': 'stages:\n  - template: t.yml\n    parameters: { who: x, count: many }\n', 't.yml': stageTemplate });
      assert.throws(() => expandPipeline(file, repositories), /t\.yml: parameter 'count' of type number got "many"; expected a number/);
      const promotion = path.join(templatesRoot, 'stages', 'model-promotion.yml');
      assert.throws(() => expandFile(promotion, { modelName: 'm', candidateVersion: '1', runMode: 'sometimes' }, repositories), /parameter 'runMode'.*expected one of enabled, dryRun/);
    });

    it('a step directly under a stage', () => {
      const problems = expandedPipelineProblems(YAML.parse('stages:\n  - stage: S\n    steps:\n      - script: echo\n'), tasks);
      assert.deepEqual(problems, ["stage 'S': steps must be inside a job, not directly under a stage"]);
    });

    it('a dependsOn naming a job or a stage that does not exist', () => {
      const problems = expandedPipelineProblems(
        YAML.parse('stages:\n  - stage: S\n    dependsOn: Build\n    jobs:\n      - job: a\n        steps: [{ script: echo }]\n      - job: b\n        dependsOn: [a, compare]\n        steps: [{ script: echo }]\n'),
        tasks,
      );
      assert.deepEqual(problems, ["stage 'S': dependsOn names stage 'Build', which does not exist", "stage 'S', job 'b': dependsOn names job 'compare', which stage 'S' does not have"]);
    });

    it('an output variable read from a step name that does not exist, or that the task does not set', () => {
      const pipeline = (reference: string) =>
        YAML.parse(
          `jobs:\n  - job: a\n    steps:\n      - task: DatabricksModelCompare@1\n        name: compare\n  - job: b\n    dependsOn: a\n    variables:\n      v: $[ dependencies.a.outputs['${reference}'] ]\n    steps: [{ script: echo }]\n`,
        );
      assert.match(expandedPipelineProblems(pipeline('comparison.decision'), tasks).join('\n'), /job 'b': dependencies\.a reads 'comparison\.decision', but job 'a' has no step named 'comparison'/);
      assert.match(expandedPipelineProblems(pipeline('compare.verdict'), tasks).join('\n'), /DatabricksModelCompare sets only decision/);
      assert.deepEqual(expandedPipelineProblems(pipeline('compare.decision'), tasks).filter((p) => p.includes('dependencies')), []);
    });

    it('a schema error in an expanded pipeline is reported (the validation is effective)', async function () {
      this.timeout(30_000);
      const diagnostics = await validate('broken.yml', YAML.stringify({ jobs: [{ job: 'a', stepz: [] }] }));
      assert.ok(diagnostics.length > 0);
    });
  });
});
