import assert from 'node:assert/strict';
import { executeStatement, parseStatement, SqlError, type EngineTable } from '../emulator/sql-engine';

function context(tables: EngineTable[] = []) {
  return { tables: new Map(tables.map((t) => [t.name, t])), writeFault: () => undefined };
}

describe('emulator SQL engine', () => {
  it('parses CREATE TABLE with backquoted three-part names and parameterised types', () => {
    assert.deepEqual(parseStatement('CREATE TABLE IF NOT EXISTS `Main`.`ml`.`audit` (id BIGINT NOT NULL, amount DECIMAL(10,2), note STRING COMMENT \'free text\') USING DELTA;'), {
      kind: 'create',
      table: 'main.ml.audit',
      ifNotExists: true,
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'amount', type: 'DECIMAL(10,2)' },
        { name: 'note', type: 'STRING' },
      ],
    });
  });

  it('completes one- and two-part names from the request catalog and schema', () => {
    const parsed = parseStatement('SELECT * FROM audit', { catalog: 'main', schema: 'ml' });
    assert.equal(parsed.kind === 'select' && parsed.table, 'main.ml.audit');
    assert.throws(() => parseStatement('SELECT * FROM audit'), SqlError);
  });

  it('parses INSERT with markers, literals and several rows', () => {
    assert.deepEqual(parseStatement("INSERT INTO a.b.c (x, y) VALUES (:x, 'it''s'), (NULL, 3)"), {
      kind: 'insert',
      table: 'a.b.c',
      columns: ['x', 'y'],
      rows: [
        [
          { kind: 'parameter', name: 'x' },
          { kind: 'literal', value: "it's" },
        ],
        [
          { kind: 'literal', value: null },
          { kind: 'literal', value: '3' },
        ],
      ],
    });
  });

  it('rejects what it does not support with a syntax error', () => {
    for (const sql of ['DROP TABLE a.b.c', 'SELECT * FROM a.b.c WHERE x > 1', 'SELECT * FROM a.b.c; SELECT 1', "INSERT INTO a.b.c VALUES ('x"]) {
      assert.throws(() => parseStatement(sql), (error: unknown) => error instanceof SqlError && error.errorCode === 'BAD_REQUEST', sql);
    }
  });

  it('rejects values that do not fit the column type', () => {
    const table: EngineTable = { name: 'a.b.c', columns: [{ name: 'n', type: 'INT' }], rows: [] };
    assert.throws(
      () => executeStatement(parseStatement('INSERT INTO a.b.c (n) VALUES (:n)'), [{ name: 'n', value: '1.5' }], context([table])),
      /CAST_INVALID_INPUT/,
    );
    executeStatement(parseStatement('INSERT INTO a.b.c (n) VALUES (:n)'), [{ name: 'n' }], context([table]));
    assert.deepEqual(table.rows, [[null]], 'an omitted value is NULL');
  });

  it('compares numeric columns as numbers and never matches NULL', () => {
    const table: EngineTable = {
      name: 'a.b.c',
      columns: [
        { name: 'k', type: 'STRING' },
        { name: 'v', type: 'DOUBLE' },
      ],
      rows: [
        ['a', '10'],
        ['b', '9'],
        ['c', null],
        [null, '0.50'],
      ],
    };
    const ordered = executeStatement(parseStatement('SELECT k FROM a.b.c ORDER BY v'), [], context([table]));
    assert.deepEqual(ordered.rows, [['c'], [null], ['b'], ['a']]);
    const equal = executeStatement(parseStatement('SELECT k FROM a.b.c WHERE v = :v'), [{ name: 'v', value: '0.5' }], context([table]));
    assert.deepEqual(equal.rows, [[null]]);
    const nullFilter = executeStatement(parseStatement('SELECT k FROM a.b.c WHERE k = NULL'), [], context([table]));
    assert.deepEqual(nullFilter.rows, []);
  });

  it('reports an existing table unless IF NOT EXISTS is given', () => {
    const table: EngineTable = { name: 'a.b.c', columns: [{ name: 'n', type: 'INT' }], rows: [] };
    assert.throws(() => executeStatement(parseStatement('CREATE TABLE a.b.c (n INT)'), [], context([table])), /ALREADY_EXISTS/);
    assert.deepEqual(executeStatement(parseStatement('CREATE TABLE IF NOT EXISTS a.b.c (n INT)'), [], context([table])).rows, []);
  });

  it('names unknown columns', () => {
    const table: EngineTable = { name: 'a.b.c', columns: [{ name: 'n', type: 'INT' }], rows: [] };
    assert.throws(() => executeStatement(parseStatement('SELECT m FROM a.b.c'), [], context([table])), /UNRESOLVED_COLUMN.*`m`/);
  });
});
