import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildReleaseBundle } from '../../../tasks/common/bundle/release-bundle';
import { formatFinding } from '../../../tasks/common/bundle/findings';
import { buildDeps, buildSettings, bundleSchema, removeTree, tempDir } from './helpers';

/**
 * Builds every bundle of a local checkout of github.com/databricks/bundle-examples (set
 * BUNDLE_EXAMPLES_DIR; skipped otherwise). None may produce an error.
 */
const examplesDir = process.env.BUNDLE_EXAMPLES_DIR;

/**
 * Values the examples leave to the user on purpose (their READMEs say to set them), given as the
 * `variables` input would give them.
 */
const userSupplied: Record<string, Record<string, string>> = {
  'contrib/databricks_ingestion_monitoring/cdc_connector_monitoring_dab': { main_dashboard_template_path: 'dashboards/template.lvdash.json' },
  'contrib/databricks_ingestion_monitoring/generic_sdp_monitoring_dab': { main_dashboard_template_path: 'dashboards/template.lvdash.json' },
};

/**
 * Examples that were broken upstream, with the one error they must produce, or none in a checkout
 * where upstream fixed them. knowledge_base/target_includes used `${var.environment}` in
 * resources/set1/job_1.yml without declaring `environment`. The CLI rejects that: it rewrites
 * `${var.x}` to `${variables.x.value}` and dynvar's resolveKey (libs/dyn/dynvar/resolve.go) turns
 * the missing key into "reference does not exist: ${...}". Upstream later changed the reference to
 * the declared `${var.name_suffix}`.
 */
const upstreamDefects: Record<string, string[]> = {
  'knowledge_base/target_includes': ['undeclared-variable resources/set1/job_1.yml:6 resources.jobs.set1-job-1.name'],
};

function bundleRoots(dir: string): string[] {
  const roots: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === '.git' || entry.name === 'node_modules' || entry.name === 'template') continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'databricks.yml') roots.push(folder);
    }
  };
  walk(dir);
  return roots.sort();
}

describe('databricks/bundle-examples build without errors (BUNDLE_EXAMPLES_DIR)', function () {
  let out: string;
  before(function () {
    if (!examplesDir) this.skip();
  });
  beforeEach(() => (out = tempDir('bundle-examples-out-')));
  afterEach(() => removeTree(out));

  it('builds every example bundle with no error finding', async function () {
    this.timeout(300_000);
    const schema = bundleSchema(this);
    const failures: string[] = [];
    for (const root of bundleRoots(examplesDir!)) {
      const name = path.relative(examplesDir!, root).split(path.sep).join('/');
      const result = await buildReleaseBundle(
        buildDeps({ schema }),
        buildSettings(root, path.join(out, name.replace(/\//g, '_')), { variables: userSupplied[name] ?? {}, secretScan: true }),
      );
      const errors = result.findings.filter((f) => f.severity === 'error');
      const known = upstreamDefects[name];
      if (known) {
        const found = errors.map((f) => `${f.check} ${f.file}:${f.line} ${f.key}`);
        if (found.length > 0) assert.deepEqual(found, known, name);
        continue;
      }
      if (!result.succeeded || errors.length > 0) failures.push(`${name}: ${errors.map(formatFinding).join('; ') || 'not built'}`);
    }
    assert.deepEqual(failures, []);
  });
});
