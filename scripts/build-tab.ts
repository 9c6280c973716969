/**
 * Builds the Model promotion tab (web/model-report-tab) into dist/web/model-report-tab/: one
 * minified browser bundle plus its page. The report schema is compiled to validation code here
 * (Ajv standalone), so the tab ships neither the schema compiler nor `new Function`. Fails when
 * the tab grows past its size budget. Run alone with `npx tsx scripts/build-tab.ts`; `npm run build`
 * runs it after the tasks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'web', 'model-report-tab');

/** Where the tab is built; vss-extension.json packages this folder as `web/model-report-tab`. */
export const tabOutDir = path.join(root, 'dist', 'web', 'model-report-tab');

/** The tab's size budget: script and page together. */
export const tabBudgetBytes = 300 * 1024;

/** The model report schema as an ES module of validation code (default export: the validate function). */
export function validatorModule(): string {
  const schema = JSON.parse(fs.readFileSync(path.join(root, 'tasks', 'common', 'report', 'model-report.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, inlineRefs: false, code: { source: true, esm: true, optimize: true } });
  return standaloneCode(ajv, ajv.compile(schema));
}

const validatorPlugin: esbuild.Plugin = {
  name: 'model-report-validator',
  setup(build) {
    build.onResolve({ filter: /^virtual:model-report-validator$/ }, () => ({ path: 'model-report-validator', namespace: 'virtual' }));
    build.onLoad({ filter: /.*/, namespace: 'virtual' }, () => ({ contents: validatorModule(), loader: 'js', resolveDir: root }));
  },
};

/** Builds the tab and returns its size in bytes; throws past the budget ({@link tabBudgetBytes} by default). */
export async function buildModelReportTab(outDir = tabOutDir, budgetBytes = tabBudgetBytes): Promise<number> {
  fs.mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(source, 'index.ts')],
    outfile: path.join(outDir, 'tab.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    plugins: [validatorPlugin],
  });
  fs.copyFileSync(path.join(source, 'index.html'), path.join(outDir, 'index.html'));
  fs.writeFileSync(path.join(root, 'dist', 'model-report-tab.meta.json'), JSON.stringify(result.metafile));
  const size = ['tab.js', 'index.html'].reduce((sum, file) => sum + fs.statSync(path.join(outDir, file)).size, 0);
  if (size > budgetBytes) {
    throw new Error(`model-report-tab: ${Math.round(size / 1024)} KiB is over its ${Math.round(budgetBytes / 1024)} KiB budget (see dist/model-report-tab.meta.json)`);
  }
  console.log(`built web/model-report-tab (${Math.round(size / 1024)} KiB of ${Math.round(budgetBytes / 1024)} KiB)`);
  return size;
}

if (require.main === module) {
  buildModelReportTab().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
