/**
 * The YAML templates and examples users copy into their pipelines: each one is valid against the
 * official Azure Pipelines schema (patched with this extension's tasks), every template parameter it
 * uses is declared, every template it includes exists and receives only parameters it declares (and
 * all it requires), and every output variable it reads is one the producing task really sets.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { loadTaskManifests, type TaskManifest } from '../support/pipeline-schema';
import { createPipelineValidator } from '../support/pipeline-validator';
import { repoRoot } from '../support/task-bundle';

const templatesRoot = path.join(repoRoot, 'pipelines-templates');

/** Pipelines and templates have stages, jobs, steps or extends; rule and policy files beside them do not. */
function isPipelineDocument(text: string): boolean {
  const doc = YAML.parse(text) as Record<string, unknown> | null;
  return !!doc && typeof doc === 'object' && ['stages', 'jobs', 'steps', 'extends'].some((key) => key in doc);
}

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) && isPipelineDocument(fs.readFileSync(full, 'utf8')) ? [full] : [];
  });
}

interface Parameter {
  name: string;
  default?: unknown;
}

function declaredParameters(doc: Record<string, unknown>): Parameter[] {
  const parameters = doc.parameters;
  return Array.isArray(parameters) ? (parameters as Parameter[]) : [];
}

/** Every `parameters.<name>` inside a `${{ }}` expression (including keys such as `${{ if ... }}`). */
function usedParameters(text: string): Set<string> {
  const used = new Set<string>();
  for (const expression of text.matchAll(/\$\{\{(.*?)\}\}/g)) {
    for (const match of expression[1].matchAll(/parameters\.([A-Za-z_][A-Za-z0-9_]*)/g)) used.add(match[1]);
  }
  return used;
}

/** Walks a parsed document and calls `visit` on every mapping. */
function walk(node: unknown, visit: (mapping: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((child) => walk(child, visit));
  else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    Object.values(node).forEach((child) => walk(child, visit));
  }
}

function resolveTemplate(fromFile: string, reference: string): string {
  const [relative, repository] = reference.split('@');
  // Examples reference this repository as the `mlops` resource.
  return repository === 'mlops' ? path.join(repoRoot, relative) : path.resolve(path.dirname(fromFile), relative);
}

const files = yamlFiles(templatesRoot);
const tasks = loadTaskManifests();
const tasksById = new Map<string, TaskManifest>(tasks.map((task) => [`${task.name}@${task.version.Major}`, task]));

/** Parameters used in `${{ }}` expressions but not declared. */
function undeclaredParameters(text: string, doc: Record<string, unknown>): string[] {
  const declared = new Set(declaredParameters(doc).map((p) => p.name));
  return [...usedParameters(text)].filter((name) => !declared.has(name));
}

/** Problems with the `template:` references of a file. */
function templateReferenceProblems(file: string, doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  walk(doc, (mapping) => {
    if (typeof mapping.template !== 'string') return;
    const target = resolveTemplate(file, mapping.template);
    if (!fs.existsSync(target)) {
      problems.push(`${mapping.template} does not exist`);
      return;
    }
    const targetParameters = declaredParameters(YAML.parse(fs.readFileSync(target, 'utf8')) as Record<string, unknown>);
    const passed = Object.keys((mapping.parameters as Record<string, unknown>) ?? {});
    const known = new Set(targetParameters.map((p) => p.name));
    for (const name of passed.filter((n) => !known.has(n))) problems.push(`${mapping.template} declares no parameter '${name}'`);
    for (const p of targetParameters.filter((p) => p.default === undefined && !passed.includes(p.name))) {
      problems.push(`${mapping.template} requires parameter '${p.name}'`);
    }
  });
  return problems;
}

/**
 * Pick-list inputs of this extension's tasks fed by a template parameter: the parameter must restrict
 * itself (`values:`) to options the input accepts, since the schema cannot see through `${{ }}`.
 */
function pickListParameterProblems(doc: Record<string, unknown>, known: Map<string, TaskManifest> = tasksById): string[] {
  const parameters = new Map(declaredParameters(doc).map((p) => [p.name, p as Parameter & { values?: unknown[] }]));
  const problems: string[] = [];
  walk(doc, (mapping) => {
    const task = typeof mapping.task === 'string' ? known.get(mapping.task) : undefined;
    if (!task || !mapping.inputs || typeof mapping.inputs !== 'object') return;
    for (const [name, value] of Object.entries(mapping.inputs as Record<string, unknown>)) {
      const input = task.inputs?.find((i) => i.name === name);
      const reference = typeof value === 'string' ? /^\$\{\{\s*parameters\.([A-Za-z0-9_]+)\s*\}\}$/.exec(value) : null;
      if (!input?.options || input.properties?.EditableOptions === 'True' || !reference) continue;
      const parameter = parameters.get(reference[1]);
      const allowed = parameter?.values ?? (parameter?.default === undefined ? undefined : [parameter.default]);
      if (!allowed) {
        problems.push(`${task.name}.${name} takes parameter '${reference[1]}', which declares no values`);
        continue;
      }
      const options = Object.keys(input.options);
      for (const v of allowed.filter((v) => !options.includes(String(v)))) problems.push(`${task.name}.${name} does not accept '${String(v)}' (parameter '${reference[1]}')`);
    }
  });
  return problems;
}

/** Reads of `outputs['step.variable']` where `step` runs one of this extension's tasks that sets no such output. */
function outputReferenceProblems(text: string, doc: Record<string, unknown>, known: Map<string, TaskManifest> = tasksById): string[] {
  const producers = new Map<string, TaskManifest>();
  walk(doc, (mapping) => {
    const task = typeof mapping.task === 'string' ? known.get(mapping.task) : undefined;
    if (task && typeof mapping.name === 'string') producers.set(mapping.name, task);
  });
  const problems: string[] = [];
  for (const [, step, variable] of text.matchAll(/outputs\['([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)'\]/g)) {
    const task = producers.get(step);
    if (!task) continue; // a step of another file or of a built-in task
    const outputs = (task.outputVariables ?? []).map((o) => o.name);
    if (!outputs.includes(variable)) problems.push(`${step}.${variable}: ${task.name} sets only ${outputs.join(', ')}`);
  }
  return problems;
}


describe('pipeline templates', () => {
  it('include the staging, release and model-promotion flows and examples', () => {
    const names = files.map((file) => path.relative(templatesRoot, file));
    for (const expected of ['stages/pr-validation.yml', 'stages/release.yml', 'stages/model-promotion.yml', 'examples/release.yml', 'stages/retrain-on-drift.yml', 'examples/retrain-on-drift.yml']) {
      assert.ok(names.includes(expected), `${expected} is missing`);
    }
  });

  describe('against the Azure Pipelines schema patched with this extension\'s tasks', () => {
    let validate: (file: string) => Promise<string[]>;

    before(function () {
      this.timeout(60_000);
      const validator = createPipelineValidator(this, tasks);
      validate = (file) => validator(file, fs.readFileSync(file, 'utf8'));
    });

    for (const file of files) {
      it(`${path.relative(templatesRoot, file)} has no schema errors`, async () => {
        assert.deepEqual(await validate(file), []);
      });
    }

    it('rejects an unknown input of one of this extension\'s tasks (the patch is effective)', async () => {
      const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-')), 'broken.yml');
      fs.writeFileSync(broken, 'steps:\n  - task: DatabricksModelPromote@1\n    inputs:\n      modelNme: main.ml.churn\n');
      const diagnostics = await validate(broken);
      assert.ok(diagnostics.some((d) => d.includes('modelNme')), diagnostics.join('\n'));
    });
  });

  for (const file of files) {
    const relative = path.relative(templatesRoot, file);
    describe(relative, () => {
      const text = fs.readFileSync(file, 'utf8');
      const doc = YAML.parse(text) as Record<string, unknown>;

      it('declares every template parameter it uses', () => {
        assert.deepEqual(undeclaredParameters(text, doc), []);
      });

      it('includes only existing templates, with declared and required parameters', () => {
        assert.deepEqual(templateReferenceProblems(file, doc), []);
      });

      it('reads only output variables that the producing task sets', () => {
        assert.deepEqual(outputReferenceProblems(text, doc), []);
      });

      it('feeds pick-list inputs only parameters restricted to the options they accept', () => {
        assert.deepEqual(pickListParameterProblems(doc), []);
      });
    });
  }

  describe('the checks themselves', () => {
    it('find a pick-list input fed a parameter that allows values it does not accept', () => {
      const task: TaskManifest = { name: 'T', version: { Major: 1 }, inputs: [{ name: 'mode', type: 'pickList', options: { a: 'A', b: 'B' } }] };
      const known = new Map([['T@1', task]]);
      const doc = (values: string) =>
        YAML.parse(`parameters:\n  - name: m\n    type: string\n    default: a\n${values}steps:\n  - task: T@1\n    inputs:\n      mode: \${{ parameters.m }}\n`);
      assert.deepEqual(pickListParameterProblems(doc('    values: [a, b]\n'), known), []);
      assert.deepEqual(pickListParameterProblems(doc('    values: [a, c]\n'), known), ["T.mode does not accept 'c' (parameter 'm')"]);
    });

    const stageFile = path.join(templatesRoot, 'examples', 'broken.yml');

    it('find an undeclared parameter', () => {
      const text = 'parameters:\n  - name: a\n    type: string\nsteps:\n  - script: echo ${{ parameters.a }} ${{ parameters.b }}\n';
      assert.deepEqual(undeclaredParameters(text, YAML.parse(text)), ['b']);
    });

    it('find a missing template, an unknown parameter and a missing required one', () => {
      const doc = YAML.parse(
        'stages:\n  - template: ../stages/nope.yml\n  - template: ../jobs/integration-tests.yml\n    parameters:\n      connection: s\n      typo: x\n',
      ) as Record<string, unknown>;
      const problems = templateReferenceProblems(stageFile, doc).join('\n');
      assert.match(problems, /nope\.yml does not exist/);
      assert.match(problems, /typo/);
      assert.match(problems, /requires parameter 'testJobName'/);
    });

    it('find a read of an output variable the task does not set', () => {
      const text = [
        'jobs:',
        '  - job: a',
        '    steps:',
        '      - task: DatabricksModelPromote@1',
        '        name: promote',
        '  - job: b',
        '    variables:',
        "      v: $[ dependencies.a.outputs['promote.verdict'] ]",
      ].join('\n');
      const promote: TaskManifest = { name: 'DatabricksModelPromote', version: { Major: 1 }, outputVariables: [{ name: 'promotedVersion' }] };
      const known = new Map([['DatabricksModelPromote@1', promote]]);
      assert.deepEqual(outputReferenceProblems(text, YAML.parse(text), known), ['promote.verdict: DatabricksModelPromote sets only promotedVersion']);
      assert.deepEqual(outputReferenceProblems(text.replace('verdict', 'promotedVersion'), YAML.parse(text.replace('verdict', 'promotedVersion')), known), []);
    });
  });
});
