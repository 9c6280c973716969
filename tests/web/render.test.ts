import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseHTML } from 'linkedom';
import type { ModelReport } from '../../tasks/common/report/model-report';
import { groupByModelVersion, renderTab } from '../../web/model-report-tab/render';
import type { ReadReport } from '../../web/model-report-tab/read-report';

const fixture = (): ModelReport => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'model-report', 'every-section.json'), 'utf8')) as ModelReport;

function render(read: ReadReport[]): { doc: Document; root: HTMLElement } {
  const { document } = parseHTML('<!doctype html><html><head></head><body></body></html>');
  const doc = document as unknown as Document;
  const root = renderTab(doc, read);
  doc.body.appendChild(root);
  return { doc, root };
}

const texts = (root: ParentNode, selector: string): string[] => Array.from(root.querySelectorAll(selector)).map((e) => (e.textContent ?? '').trim());

describe('model report tab rendering', () => {
  it('draws every section of a report under its model version', () => {
    const { root } = render([{ status: 'ok', name: 'r.json', report: fixture() }]);
    assert.deepEqual(texts(root, 'h2'), ['main.ml.churn · version 7']);
    assert.deepEqual(texts(root, 'h4'), ['Compliance: model-risk-2026', 'Sign-off', 'Alias moves', 'Serving endpoint churn-scoring', 'Drift', 'Evidence']);
    const row = Array.from(root.querySelectorAll('tr[data-metric="roc_auc"] td.num')).map((td) => td.textContent);
    assert.deepEqual(row, ['0.897', '0.912', '+0.015', '0.85', '[+0.006, +0.024] (n=2000)']);
    assert.deepEqual(
      Array.from(root.querySelectorAll('tr[data-metric="calibration_error"] td.num')).map((td) => td.textContent),
      ['0.031', '—', '—', '—', '—'],
      'a missing value reads as a dash, not as zero',
    );
    assert.deepEqual(texts(root, '.verdict .badge'), ['✓ PROMOTE']);
    assert.deepEqual(texts(root, 'tr[data-metric] summary'), ['✓ passed', '✓ passed', '– skipped']);
    assert.deepEqual(texts(root, 'ul.checklist > li > .badge'), ['✓ passed', '! warning', '✗ failed', '~ waived']);
    assert.deepEqual(texts(root, '.signoff dd').slice(0, 2), ['✓ approved', '2026-11-28 10:16 UTC by Build Service']);
    assert.deepEqual(texts(root, '.attempts li'), ['✗ refused Alan Turing, 2026-11-28 10:40 UTC: fairness gap too high']);
    assert.deepEqual(
      Array.from(root.querySelectorAll('.aliases tbody tr')).map((tr) => Array.from(tr.children).map((c) => c.textContent)),
      [
        ['champion', 'version 6', '→', 'version 7', 'moved'],
        ['previous_champion', 'not read', '→', 'version 6', 'moved'],
        ['challenger', 'version 7', '→', 'none', 'moved'],
      ],
    );
    assert.deepEqual(texts(root, '.serving p.serving-state'), ['Strategy canary, state NOT_UPDATING, READY']);
    assert.match(texts(root, '.serving p')[1], /Smoke test: ✓ passed 50 requests, 0 failed, p95 64 ms/);
    assert.deepEqual(texts(root, '.compliance .policy-digest'), [`Policy digest ${fixture().compliance!.policyDigest}`]);
    assert.deepEqual(texts(root, '.drift-source'), ['Metrics from main.ml.churn_inference_drift_metrics; newest window 2026-11-24T00:00Z/2026-11-25T00:00Z']);
    assert.deepEqual(texts(root, '.drift-list li > span'), ['✓ passed tenure_months: last 0.11 (threshold 0.2, fails above) — within bounds']);
    assert.deepEqual(texts(root, '.serving .legend li'), ['churn-6 (version 6): 100% → 90%', 'churn-7 (version 7): 0% → 10%']);
  });

  it('gives every chart a text alternative with its numbers', () => {
    const { root } = render([{ status: 'ok', name: 'r.json', report: fixture() }]);
    const charts = Array.from(root.querySelectorAll('svg'));
    assert.equal(charts.length, 3 + 1 + 1, 'three metrics, one traffic split, one drift check');
    for (const chart of charts) {
      assert.equal(chart.getAttribute('role'), 'img');
      assert.equal(chart.getAttribute('tabindex'), '0');
      const [titleId, descId] = chart.getAttribute('aria-labelledby')!.split(' ');
      assert.ok(chart.querySelector(`title[id="${titleId}"]`)?.textContent);
      assert.ok(chart.querySelector(`desc[id="${descId}"]`)?.textContent);
    }
    const descriptions = texts(root, 'svg desc');
    assert.equal(
      descriptions[0],
      'roc_auc: candidate 0.912; champion 0.897; delta +0.015; threshold 0.85; 95% interval of the difference [0.006, 0.024] over 2000 examples; higher is better; passed.',
    );
    assert.match(descriptions[1], /latency_p95_ms: .*guardrail: may worsen by at most 10%/);
    assert.equal(descriptions[3], 'Before: churn-6 (version 6) 100%. After: churn-6 (version 6) 90%, churn-7 (version 7) 10%.');
    assert.equal(descriptions[4], 'tenure_months (PSI): 5 points from 2026-11-21 to 2026-11-25 (0.04, 0.05, 0.07, 0.06, 0.11); threshold 0.2, fails above it; passed.');
    const ids = Array.from(root.querySelectorAll('[id]')).map((e) => e.getAttribute('id'));
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  });

  it('draws the threshold, the guardrail limit and the interval in the metric charts', () => {
    const { root } = render([{ status: 'ok', name: 'r.json', report: fixture() }]);
    const [auc, latency] = Array.from(root.querySelectorAll('svg.metric-chart'));
    assert.ok(auc.querySelector('.threshold') && auc.querySelector('.interval') && !auc.querySelector('.guardrail-zone'));
    assert.ok(latency.querySelector('.guardrail-zone') && !latency.querySelector('.threshold'));
    assert.ok(texts(latency, 'text').includes('guardrail 63.8'), 'lower is better: the limit is champion * (1 + tolerance)');
  });

  it('keeps report text as text and links only http(s) URLs', () => {
    const report = fixture();
    report.compliance!.rules[0].evidence![0].url = 'javascript:alert(1)';
    report.links![0].label = '<b>bold</b>';
    const { root } = render([{ status: 'ok', name: 'r.json', report }]);
    assert.equal(root.querySelectorAll('img, b, script').length, 0);
    assert.ok(texts(root, '.links li').includes('<b>bold</b>'));
    const hrefs = Array.from(root.querySelectorAll('a[href]')).map((a) => a.getAttribute('href'));
    assert.ok(hrefs.every((href) => /^https:\/\//.test(href!)), hrefs.join(' '));
    assert.ok(texts(root, 'td details li').some((t) => t.includes('<img src=x onerror=alert(1)>')));
  });

  it('groups reports by model version, each in pipeline order, with an index when there are several', () => {
    const compare = fixture();
    const promote: ModelReport = { ...fixture(), kind: 'promote', createdAt: '2026-11-28T11:00:00.000Z' };
    const other: ModelReport = { ...fixture(), model: { name: 'main.ml.churn', version: 6 } };
    const groups = groupByModelVersion([promote, other, compare]);
    assert.deepEqual(groups.map((g) => [g.key, g.reports.map((r) => r.kind)]), [['main.ml.churn v7', ['compare', 'promote']], ['main.ml.churn v6', ['compare']]]);
    const { root } = render([promote, other, compare].map((report) => ({ status: 'ok', name: 'r.json', report })));
    assert.deepEqual(
      Array.from(root.querySelectorAll('nav a')).map((a) => [a.textContent, a.getAttribute('href')]),
      [['main.ml.churn v7', '#main-ml-churn-v7'], ['main.ml.churn v6', '#main-ml-churn-v6']],
    );
    assert.ok(root.querySelector('#main-ml-churn-v6'));
  });

  it('shows a failed rollout with its rollback, and a two-sided drift rule with both bounds', () => {
    const report = fixture();
    report.serving!.smokeTest = { status: 'failed', detail: 'the query answered 500', requests: 1, failures: 1 };
    report.serving!.rollback = { done: false, detail: 'the rollback update ended UPDATE_FAILED' };
    report.drift!.checks[0] = { ...report.drift!.checks[0], lowerThreshold: 0.01, status: 'failed' };
    const { root } = render([{ status: 'ok', name: 'r.json', report }]);
    assert.deepEqual(texts(root, '.serving .rollback'), ['Rollback: ✗ not done the rollback update ended UPDATE_FAILED']);
    assert.match(texts(root, '.drift-list li > span')[0], /^✗ failed tenure_months: last 0.11 \(allowed 0.01 to 0.2\)/);
    const chart = root.querySelector('svg.drift-chart')!;
    assert.equal(chart.querySelectorAll('.threshold').length, 2, 'both bounds are drawn');
    assert.match(chart.querySelector('desc')!.textContent!, /allowed from 0.01 to 0.2, fails outside; failed\.$/);
  });

  it('groups a drift report without a model under its monitor, beside the model versions', () => {
    const { model: _model, ...rest } = fixture();
    const monitor: ModelReport = { ...rest, kind: 'drift', compare: undefined };
    const { root } = render([fixture(), monitor].map((report) => ({ status: 'ok', name: 'r.json', report })));
    assert.deepEqual(texts(root, 'h2'), ['main.ml.churn · version 7', 'Monitor: main.ml.churn_inference_drift_metrics']);
    assert.deepEqual(texts(root, 'nav a'), ['main.ml.churn v7', 'monitor main.ml.churn_inference_drift_metrics']);
  });

  it('says what the tab is for when the run has no report', () => {
    const { root } = render([]);
    assert.equal(root.querySelector('.empty h2')?.textContent, 'No model report in this run');
    assert.match(root.querySelector('.empty')!.textContent!, /DatabricksModelCompare@1/);
  });

  it('names reports it cannot show, next to those it can', () => {
    const { root } = render([
      { status: 'newer', name: 'a.json', version: 2 },
      { status: 'invalid', name: 'b.json', problems: ['/kind: must be equal to one of the allowed values'] },
      { status: 'ok', name: 'c.json', report: fixture() },
    ]);
    assert.deepEqual(texts(root, '.problem li'), [
      'a.json is in report format 2, written by a newer version of the extension; this tab reads format 1. Update the extension to see it.',
      'b.json is not a valid model report: /kind: must be equal to one of the allowed values',
    ]);
    assert.equal(root.querySelector('.problem')?.getAttribute('role'), 'alert');
    assert.equal(root.querySelectorAll('article.report').length, 1);
  });
});
