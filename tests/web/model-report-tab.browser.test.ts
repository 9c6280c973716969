/**
 * The built Model promotion tab in headless Chromium, inside a host page that plays the Azure
 * DevOps side of the SDK handshake and serves the Build API's attachment routes from the reports
 * the deciding tasks (compare, compliance, promote, serving rollout, drift check) really wrote in
 * the demo flow (run in process, see support/record-reports.ts). Checks what the page shows (values, verdicts, links), the SDK calls and REST
 * requests it makes, keyboard use and both themes, and saves the screenshots the README and the
 * Marketplace overview use.
 *
 * Needs Chromium: the Debian `chromium` package (`apt-get install -y chromium`, which .ci/run does)
 * or CHROMIUM_PATH. Without one the suite is skipped on a developer machine and fails under CI=true.
 * Screenshots go to dist/screenshots/, or to images/screenshots/ with MLOPS_UPDATE_SCREENSHOTS=1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import type { ModelReport } from '../../tasks/common/report/model-report';
import { modelReportAttachmentType } from '../../tasks/common/report/model-report';
import { formatDelta, formatValue } from '../../web/model-report-tab/format';
import { demoReports, type RecordedAttachment } from './support/record-reports';
import { hostThemes, startTabHost, tabHostName, type TabHost } from './support/tab-host';

const repoRoot = path.resolve(__dirname, '..', '..');
const tabDir = path.join(repoRoot, 'dist', 'web', 'model-report-tab');
// The committed screenshots (README, Marketplace overview) are refreshed on request only: each run
// has new timestamps and statement ids, and a test run should not leave the work tree modified.
const screenshotDir = process.env.MLOPS_UPDATE_SCREENSHOTS === '1' ? path.join(repoRoot, 'images', 'screenshots') : path.join(repoRoot, 'dist', 'screenshots');

/** The browser to drive: CHROMIUM_PATH, or the distribution's package. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  return [env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((file) => file && fs.existsSync(file));
}

interface HostState {
  calls: string[];
  loaded: boolean;
  resized?: [number, number];
  handshake?: { sdkVersion?: number; applyTheme?: boolean; loaded?: boolean };
}

describe('Model promotion tab in Chromium', function () {
  // Chromium starts, and the demo flow is recorded once for the whole suite.
  this.timeout(120_000);
  let context: BrowserContext | undefined;
  let host: TabHost | undefined;
  let userDataDir: string | undefined;
  let recorded: RecordedAttachment[] = [];

  before(async function () {
    const executablePath = findChromium();
    if (!executablePath) {
      const message = 'no Chromium found: install the distribution package (Debian: apt-get install -y chromium) or set CHROMIUM_PATH';
      if (process.env.CI === 'true') throw new Error(message);
      console.warn(`      skipped: ${message}`);
      this.skip();
    }
    if (!fs.existsSync(path.join(tabDir, 'tab.js'))) throw new Error(`${tabDir} is not built: run 'npm run build' first`);
    recorded = await demoReports();
    assert.ok(recorded.length >= 2, 'the demo wrote no model reports');
    host = await startTabHost(tabDir);
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tab-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: executablePath!,
      headless: true,
      viewport: { width: 1366, height: 768 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=MAP ${tabHostName} 127.0.0.1`,
      ],
    });
  });

  after(async () => {
    await context?.close();
    await host?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  function reportsOf(kind: ModelReport['kind']): ModelReport[] {
    return recorded.map((a) => JSON.parse(a.content.toString('utf8')) as ModelReport).filter((r) => r.kind === kind);
  }

  /** Opens the host page with these attachments and theme; returns the page and the tab's frame once it has drawn. */
  async function open(attachments: RecordedAttachment[], themeData: Record<string, string> = hostThemes.light): Promise<{ page: Page; tab: Frame }> {
    host!.setScenario({ attachments, themeData });
    host!.requests.length = 0;
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(host!.url);
    await page.waitForFunction(() => (window as unknown as { hostState: HostState }).hostState.loaded, undefined, { timeout: 30_000 });
    const tab = page.frames().find((frame) => frame.url().includes(`${tabHostName}:`));
    assert.ok(tab, 'the tab frame did not load');
    await tab.waitForSelector('#root[aria-busy="false"]');
    assert.deepEqual(errors, []);
    return { page, tab };
  }

  /**
   * A screenshot of the first screen (1366x768, the Marketplace size). The tab is a cross-origin
   * frame, which Chromium paints only inside the viewport, so a full-page shot would be blank below it.
   */
  async function screenshot(page: Page, file: string): Promise<void> {
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, file) });
  }

  async function texts(tab: Frame, selector: string): Promise<string[]> {
    return tab.$$eval(selector, (elements) => elements.map((e) => (e.textContent ?? '').trim()));
  }

  it('draws the demo run: verdicts, metric values with thresholds and intervals, alias moves and links', async () => {
    const { page, tab } = await open(recorded);
    const headings = await texts(tab, 'h2');
    assert.ok(headings.includes('main.ml.churn · version 4'), `headings: ${headings.join(' | ')}`);

    const compares = reportsOf('compare');
    const verdicts = await texts(tab, 'article[data-kind="compare"] .verdict .badge');
    assert.deepEqual(verdicts, compares.map((r) => (r.compare!.verdict === 'promote' ? '✓ PROMOTE' : '✗ REJECT')));
    assert.ok(verdicts.includes('✗ REJECT') && verdicts.includes('✓ PROMOTE'));

    // Every metric row shows the report's numbers, formatted as the tab formats them.
    const rows = await tab.$$eval('article[data-kind="compare"] tr[data-metric]', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-metric'), ...Array.from(tr.querySelectorAll('td.num')).map((td) => (td.textContent ?? '').trim())]),
    );
    const expected = compares.flatMap((r) =>
      r.compare!.metrics.map((m) => [
        m.name,
        formatValue(m.champion),
        formatValue(m.candidate),
        formatDelta(m.delta),
        m.threshold === undefined ? '—' : formatValue(m.threshold),
        m.interval ? `[${formatDelta(m.interval.lower)}, ${formatDelta(m.interval.upper)}] (n=${m.interval.examples})` : '—',
      ]),
    );
    assert.deepEqual(rows, expected);
    assert.ok(rows.some((row) => row[0] === 'roc_auc' && row[5].includes('n=20')), 'the evaluation job comparison shows its bootstrap interval');
    const charts = await tab.$$eval('svg.metric-chart', (svgs) => svgs.map((s) => ({ role: s.getAttribute('role'), label: s.querySelector('desc')?.textContent ?? '' })));
    assert.equal(charts.length, expected.length);
    assert.ok(charts.every((c) => c.role === 'img' && /candidate .*champion .*delta/.test(c.label)));
    assert.ok(await tab.$('svg.metric-chart .threshold'), 'a threshold is drawn');
    assert.ok(await tab.$('svg.metric-chart .interval'), 'an interval is drawn as an error bar');
    assert.ok(await tab.$('svg.metric-chart .guardrail-zone'), 'the guardrail limit is drawn');

    const moves = await tab.$$eval('article[data-kind="promote"] tr[data-alias="champion"]', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => (c.textContent ?? '').trim())));
    assert.deepEqual(moves[0], ['champion', 'version 3', '→', 'version 4', 'moved']);

    const links = await tab.$$eval('a[href]', (anchors) => anchors.map((a) => ({ href: a.getAttribute('href') ?? '', text: a.textContent ?? '', target: a.getAttribute('target'), rel: a.getAttribute('rel') })));
    assert.ok(links.some((l) => l.href.endsWith('/explore/data/models/main/ml/churn/version/4')), 'links to the model version');
    assert.ok(links.some((l) => l.href.includes('#mlflow/runs/run-churn-v4')), 'links to the MLflow run');
    assert.ok(links.some((l) => l.href.includes('/run/') && l.text.startsWith('Evaluation job run')), 'links to the Databricks job run');
    assert.ok(links.some((l) => l.href.endsWith('/_build/results?buildId=4711')), 'links to the pipeline run');
    assert.ok(links.filter((l) => !l.href.startsWith('#')).every((l) => l.target === '_blank' && l.rel === 'noopener noreferrer'));
    assert.ok((await texts(tab, 'li[data-kind="auditRow"]')).some((t) => t.startsWith('Audit row in main.mlops.decisions')));

    // The SDK handshake and the REST calls the real host would see.
    const state = await page.evaluate(() => (window as unknown as { hostState: HostState }).hostState);
    assert.equal(state.handshake?.applyTheme, true);
    assert.equal(typeof state.handshake?.sdkVersion, 'number');
    assert.ok(state.resized && state.resized[1] > 768, `the tab asked for its height: ${String(state.resized)}`);
    for (const call of ['DevOps.HostControl.initialHandshake', 'DevOps.ServiceManager.getService', 'DevOps.HostControl.getAccessToken', 'DevOps.HostControl.notifyLoadSucceeded', 'DevOps.HostControl.resize']) {
      assert.ok(state.calls.includes(call), `${call} in ${state.calls.join(', ')}`);
    }
    const list = host!.requests.filter((r) => r.path.endsWith(`/attachments/${modelReportAttachmentType}`));
    assert.equal(list.length, 1);
    assert.equal(host!.requests.filter((r) => /\/attachments\/[^/]+\/[^/]+$/.test(r.path)).length, recorded.length);
    assert.ok(host!.requests.every((r) => r.authorization === `Bearer ${host!.accessToken}` && /api-version=/.test(r.accept ?? '')));

    await screenshot(page, 'model-promotion-tab.png');
    for (const [selector, file] of [
      ['article[data-kind="compare"]:has(.guardrail-zone)', 'model-promotion-compare.png'],
      ['article[data-kind="compare"]:has(.interval)', 'model-promotion-significance.png'],
      ['article[data-kind="promote"]', 'model-promotion-aliases.png'],
    ]) {
      await (await tab.$(selector))!.screenshot({ path: path.join(screenshotDir, file) });
    }
    await page.close();
  });

  it('draws the compliance checklist, the serving rollout and the drift checks with their verdicts', async () => {
    const { page, tab } = await open(recorded);
    const headings = await texts(tab, 'h2');
    assert.ok(headings.includes('main.ml.churn · version 1'), 'the version refused by compliance has its own section');
    const drifts = reportsOf('drift');
    assert.ok(headings.includes(`Monitor: ${drifts[0].drift!.source}`), `a drift check without a model is shown under its monitor: ${headings.join(' | ')}`);

    // Compliance: one checklist item per rule, with its status and evidence; the refusal shows as failed.
    const compliances = reportsOf('compliance');
    const outcomes = await texts(tab, 'article[data-kind="compliance"] .outcome .badge');
    assert.deepEqual(outcomes, ['✓ passed', '✗ failed']);
    const badges = await tab.$$eval('article[data-kind="compliance"] ul.checklist > li', (items) => items.map((li) => [li.getAttribute('data-rule'), (li.querySelector('.badge')?.textContent ?? '').trim()]));
    assert.deepEqual(
      badges,
      compliances.flatMap((r) => r.compliance!.rules.map((rule) => [rule.id, rule.status === 'passed' ? '✓ passed' : '✗ failed'])),
    );
    const quality = await texts(tab, 'section.model-version:has(h2:text-is("main.ml.churn · version 1")) li[data-rule="quality"] .evidence li');
    assert.deepEqual(quality, ['Found: roc_auc=0.812 out of bounds, latency_p95_ms=40']);
    assert.ok((await texts(tab, '.policy-digest')).every((t) => /^Policy digest sha256:[0-9a-f]{64}$/.test(t)));

    // Serving: the traffic split before → after, the smoke test and the state, per rollout step.
    const legends = await texts(tab, 'article[data-kind="serving"] .legend li');
    assert.deepEqual(legends.slice(0, 2), ['churn-3 (version 3): 100% → 90%', 'churn-4 (version 4): 0% → 10%']);
    assert.ok(legends.includes('churn-4 (version 4): 10% → 100%'), legends.join(' | '));
    const smoke = await texts(tab, 'article[data-kind="serving"] section.serving > p:has(.badge)');
    assert.match(smoke[0], /^Smoke test: ✓ passed — served entity 'churn-4': HTTP 200/);
    assert.equal((await tab.$$('article[data-kind="serving"] svg.traffic-chart')).length, reportsOf('serving').length);
    const links = await tab.$$eval('article[data-kind="serving"] li[data-kind="servingEndpoint"] a', (anchors) => anchors.map((a) => a.getAttribute('href') ?? ''));
    assert.ok(links.length === 3 && links.every((href) => href.endsWith('/ml/endpoints/churn-scoring')));

    // Drift: each check's trend against its threshold; the drifted feature fails, the alert shows.
    assert.deepEqual(await texts(tab, 'article[data-kind="drift"] .outcome .badge'), drifts.map((r) => (r.outcome!.status === 'passed' ? '✓ passed' : '✗ failed')));
    const alert = drifts[1].drift!.checks.find((c) => c.status === 'failed')!;
    const drifted = await texts(tab, `article[data-kind="drift"]:nth-of-type(2) li[data-check="${alert.name}"] > span`);
    assert.equal(drifted.length, 1);
    assert.ok(drifted[0].startsWith(`✗ failed ${alert.name}: last ${formatValue(alert.points.at(-1)!.value)} (threshold ${formatValue(alert.threshold)}, fails above)`), drifted[0]);
    const trends = await tab.$$eval('article[data-kind="drift"] svg.drift-chart', (svgs) => svgs.map((s) => [s.querySelectorAll('.threshold').length, s.querySelector('desc')?.textContent ?? '']));
    assert.equal(trends.length, drifts.reduce((n, r) => n + r.drift!.checks.length, 0));
    assert.ok(trends.every(([lines, label]) => Number(lines) >= 1 && /points .*threshold|allowed from/.test(String(label))));

    for (const [selector, file] of [
      ['section.model-version:has(h2:text-is("main.ml.churn · version 1")) article[data-kind="compliance"]', 'model-promotion-compliance.png'],
      ['article[data-kind="serving"]', 'model-promotion-serving.png'],
      ['article[data-kind="drift"]:nth-of-type(2)', 'model-promotion-drift.png'],
    ]) {
      const element = await tab.$(selector);
      assert.ok(element, selector);
      await element.screenshot({ path: path.join(screenshotDir, file) });
    }
    await page.close();
  });

  it('follows the host dark theme', async () => {
    const { page, tab } = await open(recorded, hostThemes.dark);
    assert.equal(await tab.$eval('html', (e) => e.getAttribute('data-theme')), 'dark');
    const colours = await tab.$eval('body', (body) => [getComputedStyle(body).backgroundColor, getComputedStyle(body).color]);
    assert.deepEqual(colours, ['rgb(32, 31, 30)', 'rgba(255, 255, 255, 0.9)']);
    await screenshot(page, 'model-promotion-tab-dark.png');
    await page.close();
  });

  it('is usable from the keyboard: focus moves through the tab and Enter opens a rule list', async () => {
    const { page, tab } = await open(recorded);
    const focused: string[] = [];
    await tab.focus('body');
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      focused.push(await tab.evaluate(() => document.activeElement?.tagName.toLowerCase() ?? ''));
    }
    assert.ok(focused.includes('summary') && focused.includes('svg'), `focus went through ${focused.join(', ')}`);
    await tab.focus('article[data-kind="compare"] summary');
    await page.keyboard.press('Enter');
    assert.equal(await tab.$eval('article[data-kind="compare"] details', (d) => (d as HTMLDetailsElement).open), true);
    await page.close();
  });

  it('says what the tab is for when the run has no report', async () => {
    const { page, tab } = await open([]);
    assert.equal(await tab.$eval('.empty h2', (e) => e.textContent), 'No model report in this run');
    await screenshot(page, 'model-promotion-tab-empty.png');
    await page.close();
  });

  it('names a report of a newer format, and an invalid one, and still shows the others', async () => {
    const base = recorded[0];
    const newer = { ...base, name: 'compare-newer.json', recordId: '00000000-0000-4000-8000-000000000002', content: Buffer.from(JSON.stringify({ schemaVersion: 2, kind: 'compare' })) };
    const broken = { ...base, name: 'compare-broken.json', recordId: '00000000-0000-4000-8000-000000000003', content: Buffer.from('{"schemaVersion": 1, "kind": "compare"}') };
    const { page, tab } = await open([base, newer, broken]);
    const problems = await tab.$$eval('.problem li', (items) => items.map((li) => [li.getAttribute('data-status'), li.textContent ?? '']));
    assert.equal(problems.length, 2);
    assert.equal(problems[0][0], 'newer');
    assert.match(problems[0][1] ?? '', /compare-newer\.json is in report format 2.*reads format 1/);
    assert.equal(problems[1][0], 'invalid');
    assert.match(problems[1][1] ?? '', /compare-broken\.json is not a valid model report/);
    assert.equal((await texts(tab, 'article.report')).length, 1);
    await page.close();
  });
});
