import assert from 'node:assert/strict';
import { pairedScoresFromRows, readPairedScores } from '../../../tasks/common/compare/paired-table';

describe('compare/paired-table', () => {
  it('pairs rows by example id per metric, in example order', () => {
    const scores = pairedScoresFromRows([
      ['acc', 'b', '1', '0'],
      ['acc', 'a', '0', '0'],
      ['loss', 'a', '0.5', '0.75'],
      ['loss', 'b', '0.25', '0.5'],
      ['acc', 'c', '1', '1'],
    ], 'main.ml.paired');
    assert.deepEqual(scores.get('acc'), { candidate: [0, 1, 1], champion: [0, 0, 1] });
    assert.deepEqual(scores.get('loss'), { candidate: [0.5, 0.25], champion: [0.75, 0.5] });
  });

  it('refuses duplicates, nulls and non-numbers', () => {
    assert.throws(() => pairedScoresFromRows([['acc', 'a', '1', '0'], ['acc', 'a', '1', '0']], 't'), /appears twice/);
    assert.throws(() => pairedScoresFromRows([['acc', 'a', null, '0'], ['acc', 'b', '1', '0']], 't'), /candidate_score must be a finite number/);
    assert.throws(() => pairedScoresFromRows([['acc', 'a', '1', 'x'], ['acc', 'b', '1', '0']], 't'), /champion_score must be a finite number/);
    assert.throws(() => pairedScoresFromRows([[null, 'a', '1', '0']], 't'), /must not be null/);
    assert.throws(() => pairedScoresFromRows([['acc', 'a', '1', '0']], 't'), /at least 2/);
  });
});

describe('compare/paired-table: reading through the SQL statement API', () => {
  it('runs one parameterised statement per metric on the quoted table', async () => {
    const statements: Array<{ statement: string; warehouseId: string; parameters?: unknown }> = [];
    const sql = {
      execute: (statement: { statement: string; warehouseId: string; parameters?: Array<{ name: string; value: string | null }> }) => {
        statements.push(statement);
        const metric = statement.parameters?.[0].value;
        return Promise.resolve({ statementId: 's', columns: [], truncated: false, rows: [[metric ?? null, '1', '1', '0'], [metric ?? null, '2', '1', '1']] });
      },
    };
    const scores = await readPairedScores(sql, { quotedTable: '`main`.`ml`.`p`', displayName: 'main.ml.p', warehouseId: 'wh', metrics: ['acc', 'f1'] });
    assert.deepEqual(statements.map((s) => s.statement), [
      'SELECT metric, example_id, candidate_score, champion_score FROM `main`.`ml`.`p` WHERE metric = :metric',
      'SELECT metric, example_id, candidate_score, champion_score FROM `main`.`ml`.`p` WHERE metric = :metric',
    ]);
    assert.deepEqual(statements.map((s) => s.parameters), [[{ name: 'metric', value: 'acc', type: 'STRING' }], [{ name: 'metric', value: 'f1', type: 'STRING' }]]);
    assert.deepEqual(scores.get('f1'), { candidate: [1, 1], champion: [0, 1] });
  });

  it('refuses a truncated result and returns nothing for a table without the metric', async () => {
    const truncated = { execute: () => Promise.resolve({ statementId: 's', columns: [], truncated: true, rows: [] }) };
    await assert.rejects(readPairedScores(truncated, { quotedTable: 't', displayName: 't', warehouseId: 'w', metrics: ['m'] }), /truncated/);
    const empty = { execute: () => Promise.resolve({ statementId: 's', columns: [], truncated: false, rows: [] }) };
    assert.equal((await readPairedScores(empty, { quotedTable: 't', displayName: 't', warehouseId: 'w', metrics: ['m'] })).size, 0);
  });
});
