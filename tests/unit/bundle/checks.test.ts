import { strict as assert } from 'node:assert';
import { buildReleaseBundle, failsBuild } from '../../../tasks/common/bundle/release-bundle';
import type { Finding } from '../../../tasks/common/bundle/findings';
import { buildDeps, buildSettings, bundleSchema, removeTree, tempDir, writeTree } from './helpers';

/** A valid bundle with one notebook job; tests replace or add files to break one thing at a time. */
const base = (overrides: Record<string, string> = {}): Record<string, string> => ({
  'bundle/databricks.yml': [
    'bundle:',
    '  name: checks',
    'include:',
    '  - resources/*.yml',
    'variables:',
    '  catalog:',
    '    default: main',
    'targets:',
    '  dev:',
    '    mode: development',
    '    default: true',
    '  prod:',
    '    mode: production',
    '    workspace:',
    '      root_path: /Workspace/Shared/.bundle/checks',
    '    run_as:',
    '      service_principal_name: 11111111-2222-3333-4444-555555555555',
  ].join('\n'),
  'bundle/resources/job.yml': [
    'resources:',
    '  jobs:',
    '    nightly:',
    '      name: nightly-${var.catalog}',
    '      tasks:',
    '        - task_key: main',
    '          notebook_task:',
    '            notebook_path: ../src/main.py',
  ].join('\n'),
  'bundle/src/main.py': '# Databricks notebook source\nprint(1)\n',
  ...overrides,
});

describe('bundle validation: schema and semantic checks', function () {
  let tmp: string;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => removeTree(tmp));

  async function findings(files: Record<string, string>, options: { targets?: string[]; strict?: boolean; schema?: boolean; context?: Mocha.Context } = {}): Promise<{ findings: Finding[]; succeeded: boolean }> {
    writeTree(tmp, files);
    const schema = options.schema && options.context ? bundleSchema(options.context) : undefined;
    const result = await buildReleaseBundle(buildDeps({ schema }), buildSettings(`${tmp}/bundle`, `${tmp}/out`, { targets: options.targets ?? [], strict: options.strict ?? false }));
    return { findings: result.findings, succeeded: result.succeeded };
  }
  const pick = (all: Finding[], check: string) => all.filter((f) => f.check === check).map((f) => ({ severity: f.severity, file: f.file, line: f.line, key: f.key, target: f.target }));

  it('builds the valid base bundle with no finding (schema included)', async function () {
    const result = await findings(base(), { schema: true, context: this });
    assert.deepEqual(result.findings, []);
    assert.equal(result.succeeded, true);
  });

  it('reports schema violations as errors at the file, line and key, and unknown fields as warnings', async function () {
    const result = await findings(
      base({
        'bundle/resources/job.yml': [
          'resources:',
          '  jobs:',
          '    nightly:',
          '      name: nightly',
          '      max_concurrent_runs: many',
          '      colour: blue',
          '      tasks:',
          '        - task_key: main',
          '          notebook_task:',
          '            notebook_path: ../src/main.py',
        ].join('\n'),
      }),
      { schema: true, context: this },
    );
    assert.deepEqual(pick(result.findings, 'schema'), [
      { severity: 'error', file: 'resources/job.yml', line: 5, key: 'resources.jobs.nightly.max_concurrent_runs', target: undefined },
      { severity: 'warning', file: 'resources/job.yml', line: 6, key: 'resources.jobs.nightly.colour', target: undefined },
    ]);
    assert.equal(result.succeeded, false);
  });

  it('fails on a requested target that does not exist', async () => {
    const result = await findings(base(), { targets: ['dev', 'qa'] });
    assert.deepEqual(pick(result.findings, 'unknown-target'), [{ severity: 'error', file: 'databricks.yml', line: 8, key: 'targets.qa', target: undefined }]);
    assert.equal(result.succeeded, false);
  });

  it('fails on a mode other than development or production', async () => {
    const files = base();
    files['bundle/databricks.yml'] = files['bundle/databricks.yml'].replace('mode: production', 'mode: prod');
    const result = await findings(files);
    assert.deepEqual(pick(result.findings, 'invalid-mode'), [{ severity: 'error', file: 'databricks.yml', line: 13, key: 'targets.prod.mode', target: 'prod' }]);
  });

  it('fails on a variable that is used but never declared', async () => {
    const files = base();
    files['bundle/resources/job.yml'] = files['bundle/resources/job.yml'].replace('nightly-${var.catalog}', 'nightly-${var.schema}');
    const result = await findings(files);
    assert.deepEqual(pick(result.findings, 'undeclared-variable'), [{ severity: 'error', file: 'resources/job.yml', line: 4, key: 'resources.jobs.nightly.name', target: undefined }]);
    assert.equal(result.succeeded, false);
  });

  it('fails on a variable with no value for a target, and not when the input gives one', async () => {
    const files = base();
    files['bundle/databricks.yml'] = files['bundle/databricks.yml'].replace('    default: main', '    description: no default');
    files['bundle/databricks.yml'] += '\n    variables:\n      catalog: prod_catalog\n';
    const result = await findings(files);
    // prod gives a value; dev does not.
    assert.deepEqual(pick(result.findings, 'missing-variable-value'), [{ severity: 'error', file: 'resources/job.yml', line: 4, key: 'resources.jobs.nightly.name', target: 'dev' }]);
    removeTree(tmp);
    const withInput = await buildReleaseBundle(buildDeps(), buildSettings(`${writeTree(tmp, files)}/bundle`, `${tmp}/out`, { variables: { catalog: 'x' } }));
    assert.deepEqual(pick(withInput.findings, 'missing-variable-value'), []);
  });

  it('fails on a variables input for a variable the bundle does not declare', async () => {
    writeTree(tmp, base());
    const result = await buildReleaseBundle(buildDeps(), buildSettings(`${tmp}/bundle`, `${tmp}/out`, { variables: { catalgo: 'typo' } }));
    assert.deepEqual(pick(result.findings, 'undeclared-variable'), [{ severity: 'error', file: '(variables input)', line: 0, key: 'variables.catalgo', target: undefined }]);
  });

  it('fails on a missing literal include and warns on a glob that matches nothing', async () => {
    const files = base();
    files['bundle/databricks.yml'] = files['bundle/databricks.yml'].replace('  - resources/*.yml', '  - resources/*.yml\n  - resources/missing.yml\n  - extra/*.yml');
    const result = await findings(files);
    assert.deepEqual(pick(result.findings, 'missing-include'), [{ severity: 'error', file: 'databricks.yml', line: 5, key: 'include[1]', target: undefined }]);
    assert.deepEqual(pick(result.findings, 'include-no-match'), [{ severity: 'warning', file: 'databricks.yml', line: 6, key: 'include[2]', target: undefined }]);
  });

  it('fails on a referenced notebook or file that does not exist, resolved from the file that names it', async () => {
    const files = base();
    files['bundle/resources/job.yml'] += ['', '        - task_key: score', '          spark_python_task:', '            python_file: ../src/score.py', ''].join('\n');
    files['bundle/resources/job.yml'] = files['bundle/resources/job.yml'].replace('../src/main.py', '../src/main');
    const result = await findings(files);
    // `../src/main` finds main.py (notebooks drop their extension); score.py is missing.
    assert.deepEqual(pick(result.findings, 'missing-path'), [{ severity: 'error', file: 'resources/job.yml', line: 11, key: 'resources.jobs.nightly.tasks[1].spark_python_task.python_file', target: undefined }]);
  });

  it('checks pipeline libraries, dashboards, apps, artifacts and sync paths too', async () => {
    const files = base();
    files['bundle/resources/more.yml'] = [
      'resources:',
      '  pipelines:',
      '    etl:',
      '      libraries:',
      '        - notebook:',
      '            path: ../src/etl',
      '        - file:',
      '            path: ../src/main.py',
      '  dashboards:',
      '    sales:',
      '      file_path: ../dashboards/sales.lvdash.json',
      '  apps:',
      '    ui:',
      '      source_code_path: ../app',
      '  jobs:',
      '    from_git:',
      '      git_source: {git_url: "https://github.com/contoso/x", git_provider: gitHub, git_branch: main}',
      '      tasks:',
      '        - task_key: t',
      '          notebook_task: {notebook_path: notebooks/in_git}',
      'sync:',
      '  paths: [../missing_shared, .]',
    ].join('\n');
    const result = await findings(files);
    assert.deepEqual(
      result.findings.filter((f) => f.check === 'missing-path').map((f) => `${f.file}:${f.line} ${f.key}`),
      [
        'resources/more.yml:6 resources.pipelines.etl.libraries[0].notebook.path',
        'resources/more.yml:11 resources.dashboards.sales.file_path',
        'resources/more.yml:14 resources.apps.ui.source_code_path',
        'resources/more.yml:22 sync.paths[0]',
      ],
    );
  });

  it('warns on personal workspace paths and a missing root_path or run_as in production; strict makes them fail', async () => {
    const files = base();
    files['bundle/databricks.yml'] = files['bundle/databricks.yml']
      .replace('      root_path: /Workspace/Shared/.bundle/checks\n', '      file_path: /Workspace/Users/someone@contoso.com/checks\n')
      .replace(/    run_as:\n      service_principal_name: .*$/m, '');
    const relaxed = await findings(files);
    assert.equal(relaxed.succeeded, true);
    assert.deepEqual(pick(relaxed.findings, 'personal-path-in-production'), [{ severity: 'warning', file: 'databricks.yml', line: 15, key: 'workspace.file_path', target: 'prod' }]);
    assert.deepEqual(pick(relaxed.findings, 'production-without-root-path'), [{ severity: 'warning', file: 'databricks.yml', line: 13, key: 'targets.prod.workspace.root_path', target: 'prod' }]);
    assert.deepEqual(pick(relaxed.findings, 'production-without-run-as'), [{ severity: 'warning', file: 'databricks.yml', line: 13, key: 'targets.prod.run_as', target: 'prod' }]);
    removeTree(tmp);
    const strict = await findings(files, { strict: true });
    assert.equal(strict.succeeded, false);
    assert.equal(failsBuild(strict.findings, true), true);
  });

  it('reports a YAML syntax error with its line', async () => {
    const result = await findings(base({ 'bundle/resources/job.yml': 'resources:\n  jobs:\n    a: [unclosed\n' }));
    assert.deepEqual(pick(result.findings, 'syntax').map((f) => f.file), ['resources/job.yml']);
    assert.equal(result.succeeded, false);
  });
});
