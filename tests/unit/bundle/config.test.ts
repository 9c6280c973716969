/* eslint-disable @typescript-eslint/no-explicit-any -- assertions navigate parsed, untyped YAML */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { nodeBundleFileSystem as nfs } from '../../../tasks/common/node/bundle-file-system';
import { declaredTargets, loadBundleConfig, resolveTarget } from '../../../tasks/common/bundle/bundle-config';
import { toPlain } from '../../../tasks/common/bundle/config-tree';
import { copyFixture, removeTree, tempDir, writeTree } from './helpers';

describe('bundle configuration: includes, targets and variables', () => {
  let tmp: string;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => removeTree(tmp));

  const load = (files: Record<string, string>) => loadBundleConfig(nfs, writeTree(tmp, files));
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

  it('merges includes and applies target overrides: maps merged, run_as replaced, tasks merged by task_key', async () => {
    const bundleRoot = copyFixture(tmp);
    const bundle = await loadBundleConfig(nfs, bundleRoot);
    assert.deepEqual(declaredTargets(bundle), ['dev', 'staging', 'prod']);
    assert.deepEqual(bundle.configFiles.map((f) => path.relative(bundleRoot, f)), ['databricks.yml', 'resources/scoring.job.yml', 'resources/training.job.yml']);
    const prod = resolveTarget(bundle, 'prod', { overrides: {}, env: {} });
    assert.deepEqual(prod.findings, []);
    const config = toPlain(prod.resolved) as any;
    assert.equal(config.bundle.target, 'prod');
    assert.equal(config.bundle.mode, 'production');
    assert.equal(config.workspace.host, 'https://adb-3333333333333333.3.azuredatabricks.net');
    assert.equal(config.workspace.root_path, '/Workspace/Shared/.bundle/churn_model/prod');
    assert.deepEqual(config.run_as, { service_principal_name: '5b1f7a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b' });
    const training = config.resources.jobs.churn_training;
    assert.equal(training.name, 'churn-training-prod');
    assert.deepEqual(training.tasks.map((t: any) => t.task_key), ['train', 'validate']);
    assert.equal(training.tasks[0].timeout_seconds, 7200);
    assert.equal(training.tasks[0].notebook_task.notebook_path, '../src/notebooks/train');
    assert.deepEqual(training.tasks[0].notebook_task.base_parameters, { catalog: 'prod', schema: 'churn' });
    // A complex variable replaces the whole reference with its structure (the prod value here).
    assert.deepEqual(training.job_clusters[0].new_cluster, { spark_version: '15.4.x-cpu-ml-scala2.12', node_type_id: 'Standard_D8ds_v5', num_workers: 8 });
    assert.equal(config.resources.jobs.churn_scoring.tasks[0].spark_python_task.parameters[1], 'prod.churn.churn_scores');
    assert.equal(config.targets, undefined);
    assert.equal(config.variables, undefined);

    const dev = toPlain(resolveTarget(bundle, 'dev', { overrides: {}, env: {} }).resolved) as any;
    assert.equal(dev.resources.jobs.churn_training.job_clusters[0].new_cluster.num_workers, 2);
    assert.equal(dev.resources.jobs.churn_training.tasks[0].timeout_seconds, undefined);
  });

  it('takes variable values from the input, then BUNDLE_VAR_<name>, then the target, then the default', async () => {
    const bundle = await load({
      'databricks.yml': [
        'bundle: {name: b}',
        'variables:',
        '  a: {default: from-default}',
        '  b: {default: from-default}',
        '  c: {default: from-default}',
        '  d: {default: from-default}',
        'targets:',
        '  t:',
        '    variables: {a: from-target, b: from-target, c: from-target}',
        'resources:',
        '  jobs:',
        '    j: {name: "${var.a}/${var.b}/${var.c}/${var.d}"}',
      ].join('\n'),
    });
    const name = (overrides: Record<string, string>, env: Record<string, string>): string =>
      (toPlain(resolveTarget(bundle, 't', { overrides, env }).resolved) as any).resources.jobs.j.name;
    assert.equal(name({ a: 'from-input' }, { BUNDLE_VAR_a: 'from-env', BUNDLE_VAR_b: 'from-env' }), 'from-input/from-env/from-target/from-default');
    // The agent upper-cases pipeline variables in the environment; that form is honoured too.
    assert.equal(name({}, { BUNDLE_VAR_B: 'from-env' }), 'from-target/from-env/from-target/from-default');
  });

  it('resolves variables that refer to other variables and to bundle facts, and field access into complex ones', async () => {
    const bundle = await load({
      'databricks.yml': [
        'bundle: {name: shop}',
        'variables:',
        '  env: {default: "${bundle.target}"}',
        '  prefix: {default: "${bundle.name}-${var.env}"}',
        '  settings: {type: complex, default: {tags: [a, b], owner: {team: ml}}}',
        'targets: {qa: {}}',
        'resources:',
        '  jobs:',
        '    j: {name: "${var.prefix}", tags: {team: "${var.settings.owner.team}", first: "${var.settings.tags[0]}"}}',
      ].join('\n'),
    });
    const job = (toPlain(resolveTarget(bundle, 'qa', { overrides: {}, env: {} }).resolved) as any).resources.jobs.j;
    assert.deepEqual(plain(job), { name: 'shop-qa', tags: { team: 'ml', first: 'a' } });
  });

  it('leaves workspace, resources and lookup references for the CLI to resolve at deploy time', async () => {
    const bundle = await load({
      'databricks.yml': [
        'bundle: {name: b}',
        'variables:',
        '  warehouse: {lookup: {warehouse: Shared}}',
        'resources:',
        '  jobs:',
        '    j: {name: "${workspace.current_user.short_name}-${var.warehouse}", description: "${resources.jobs.other.id}"}',
      ].join('\n'),
    });
    const result = resolveTarget(bundle, undefined, { overrides: {}, env: {} });
    assert.deepEqual(result.findings, []);
    assert.deepEqual(plain((toPlain(result.resolved) as any).resources.jobs.j), { name: '${workspace.current_user.short_name}-${var.warehouse}', description: '${resources.jobs.other.id}' });
    assert.equal(result.variables.warehouse, '${var.warehouse}');
  });

  it('expands YAML anchors and << merge keys, and ignores unknown top-level anchor holders', async () => {
    const bundle = await load({
      'databricks.yml': [
        'bundle: {name: b}',
        'defaults: &job_defaults',
        '  max_concurrent_runs: 1',
        '  timeout_seconds: 60',
        'resources:',
        '  jobs:',
        '    j:',
        '      <<: *job_defaults',
        '      timeout_seconds: 120',
        '      name: j',
      ].join('\n'),
    });
    const config = toPlain(resolveTarget(bundle, undefined, { overrides: {}, env: {} }).resolved) as any;
    assert.deepEqual(plain(config.resources.jobs.j), { max_concurrent_runs: 1, timeout_seconds: 120, name: 'j' });
    assert.equal(config.defaults, undefined);
  });

  it('resolves include globs that reach outside the bundle folder (shared configuration)', async () => {
    writeTree(tmp, {
      'common/vars/a.vars.yml': 'variables:\n  a: {default: 1}\n',
      'common/vars/b.vars.yml': 'variables:\n  b: {default: 2}\n',
      'common/vars/notes.txt': 'not yaml config',
      'bundle/databricks.yml': 'bundle: {name: b}\ninclude:\n  - ../common/vars/*.vars.yml\n',
    });
    const bundle = await loadBundleConfig(nfs, path.join(tmp, 'bundle'));
    assert.deepEqual(bundle.findings, []);
    assert.deepEqual(bundle.configFiles.map((f) => path.relative(tmp, f)), [path.join('bundle', 'databricks.yml'), path.join('common', 'vars', 'a.vars.yml'), path.join('common', 'vars', 'b.vars.yml')]);
  });

  it('appends sequences from includes, like the CLI', async () => {
    const bundle = await load({
      'databricks.yml': 'bundle: {name: b}\ninclude: [more.yml]\nsync:\n  exclude: [a/]\n',
      'more.yml': 'sync:\n  exclude: [b/]\n',
    });
    assert.deepEqual((toPlain(bundle.merged) as any).sync.exclude, ['a/', 'b/']);
  });
});
