import assert from 'node:assert/strict';
import { promotionSummary, refusalSummary } from '../../../tasks/common/promote/summary';
import type { PromotionResult } from '../../../tasks/common/promote/alias-promotion';

const result: PromotionResult = {
  action: 'promote',
  modelName: 'main.ml.churn',
  alias: 'champion',
  previousVersion: 4,
  promotedVersion: 5,
  changes: [
    { alias: 'previous_champion', operation: 'set', version: 4, changed: true },
    { alias: 'champion', operation: 'set', version: 5, changed: true },
    { alias: 'challenger', operation: 'delete', version: 5, changed: false },
  ],
  alreadyDone: false,
  modelOwner: 'team|ml',
};

describe('promotion summary', () => {
  it('has one table row per alias change, and keeps cells intact', () => {
    const markdown = promotionSummary(result, { status: 'written', table: 'main.a.t', statementId: 's' }, { url: 'https://x/_build/results?buildId=1' });
    const rows = markdown.split('\n').filter((line) => line.startsWith('| `'));
    assert.equal(rows.length, 3);
    assert.ok(rows.every((row) => row.split(' | ').length === 4));
    assert.ok(markdown.includes('team\\|ml'));
    assert.ok(markdown.includes('https://x/_build/results?buildId=1'));
  });

  it('states a warning when the audit row was not written', () => {
    const written = promotionSummary(result, { status: 'written', table: 'main.a.t', statementId: 's' }, {});
    const failed = promotionSummary(result, { status: 'failed', table: 'main.a.t', warning: 'warehouse stopped' }, {});
    assert.ok(failed.includes('warehouse stopped'));
    assert.notEqual(failed, written);
  });

  it('says nothing moved when refused', () => {
    const markdown = refusalSummary(
      { modelName: 'main.ml.churn', action: 'promote', version: 5, alias: 'champion', expected: { kind: 'none' }, previousAlias: 'p', removeAliases: [] },
      'champion points at 4',
      { status: 'disabled' },
    );
    assert.ok(markdown.includes('champion points at 4'));
    // No alias table: nothing moved.
    assert.equal(markdown.split('\n').filter((line) => line.startsWith('| `')).length, 0);
  });

  it('links the pipeline run and the commit when refused, as when promoted', () => {
    const markdown = refusalSummary(
      { modelName: 'main.ml.churn', action: 'promote', version: 5, alias: 'champion', expected: { kind: 'none' }, previousAlias: 'p', removeAliases: [] },
      'champion points at 4',
      { status: 'disabled' },
      { url: 'https://dev.azure.com/o/p/_build/results?buildId=7', sourceCommit: 'abc123' },
    );
    assert.match(markdown, /Pipeline run: https:\/\/dev\.azure\.com\/o\/p\/_build\/results\?buildId=7/);
    assert.match(markdown, /Source commit: `abc123`/);
  });
});
