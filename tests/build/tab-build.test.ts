import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModelReportTab, tabBudgetBytes } from '../../scripts/build-tab';

const repoRoot = path.resolve(__dirname, '..', '..');

describe('build: the Model promotion tab', function () {
  this.timeout(60_000);
  let outDir: string;
  let size: number;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tab-build-'));
    size = await buildModelReportTab(outDir);
  });
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('stays within its 300 KiB budget, and the build fails past a budget', async () => {
    assert.equal(tabBudgetBytes, 300 * 1024);
    assert.ok(size <= tabBudgetBytes, `${size} bytes`);
    await assert.rejects(buildModelReportTab(fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tab-small-')), 10 * 1024), /over its 10 KiB budget/);
  });

  it('ships the schema as precompiled code: no schema compiler, no eval', () => {
    const script = fs.readFileSync(path.join(outDir, 'tab.js'), 'utf8');
    assert.doesNotMatch(script, /new Function\(|\beval\(/);
    assert.match(script, /compare/, 'the validator knows the report kinds');
    assert.match(fs.readFileSync(path.join(outDir, 'index.html'), 'utf8'), /<script src="tab\.js"><\/script>/);
  });

  it('is contributed as a build results tab whose page the manifest packages', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'vss-extension.json'), 'utf8')) as {
      files: Array<{ path: string; packagePath?: string; addressable?: boolean }>;
      contributions: Array<{ type: string; targets: string[]; properties: { uri?: string } }>;
      scopes?: string[];
    };
    const tab = manifest.contributions.find((c) => c.type === 'ms.vss-build-web.build-results-tab');
    assert.ok(tab, 'no build results tab contribution');
    assert.deepEqual(tab.targets, ['ms.vss-build-web.build-results-view']);
    const entry = manifest.files.find((f) => f.packagePath !== undefined && tab.properties.uri!.startsWith(`${f.packagePath}/`));
    assert.ok(entry?.addressable, 'the tab page must be in an addressable files entry');
    assert.equal(entry.path, 'dist/web/model-report-tab');
    assert.ok(fs.existsSync(path.join(outDir, tab.properties.uri!.slice(entry.packagePath!.length + 1))));
    assert.ok(manifest.scopes?.includes('vso.build'), 'reading build attachments needs vso.build');
  });
});
