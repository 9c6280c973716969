import assert from 'node:assert/strict';
import { executeStatement, parseStatement, SqlError, type EngineTable } from '../emulator/sql-engine';

describe('emulator SQL engine: struct fields', () => {
  const table: EngineTable = {
    name: 'main.ml.t_drift_metrics',
    columns: [
      { name: 'window', type: 'STRUCT<start: TIMESTAMP, end: TIMESTAMP>' },
      { name: 'column_name', type: 'STRING' },
    ],
    rows: [
      ['{"start":"2026-12-03T00:00:00.000Z","end":"2026-12-04T00:00:00.000Z"}', 'a'],
      ['{"start":"2026-12-04T00:00:00.000Z","end":"2026-12-05T00:00:00.000Z"}', 'b'],
      [null, 'c'],
    ],
  };
  const context = { tables: new Map([[table.name, table]]), writeFault: () => undefined };

  function select(sql: string, parameters: Array<{ name: string; value?: string }> = []): Array<Array<string | null>> {
    return executeStatement(parseStatement(sql), parameters, context).rows;
  }

  it('orders and filters by a field of a struct column, as monitor tables are queried', () => {
    assert.deepEqual(select('SELECT `column_name` FROM `main`.`ml`.`t_drift_metrics` ORDER BY `window`.`start` DESC'), [['b'], ['a'], ['c']]);
    assert.deepEqual(select('SELECT column_name FROM main.ml.t_drift_metrics WHERE window.end = :end', [{ name: 'end', value: '2026-12-04T00:00:00.000Z' }]), [['a']]);
  });

  it('fails on a field of a column that is not a struct, or a field that does not exist', () => {
    assert.throws(() => select('SELECT column_name FROM main.ml.t_drift_metrics ORDER BY column_name.start'), (e: unknown) => e instanceof SqlError && /INVALID_EXTRACT_BASE_FIELD_TYPE/.test(e.message));
    assert.throws(() => select('SELECT column_name FROM main.ml.t_drift_metrics ORDER BY window.begin'), (e: unknown) => e instanceof SqlError && /FIELD_NOT_FOUND/.test(e.message));
  });
});
