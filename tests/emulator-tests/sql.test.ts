import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator';
import { bodyOf, call, owner, ownerPat, type Loose } from './helpers';

const warehouse = 'wh-1';
const create = 'CREATE TABLE IF NOT EXISTS `main`.`ml`.`audit` (model STRING, version INT, passed BOOLEAN, score DOUBLE) USING DELTA';
const insert = 'INSERT INTO main.ml.audit (model, version, passed, score) VALUES (:model, :version, :passed, :score)';

describe('emulator SQL statements', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [ownerPat]: owner } },
        warehouses: [warehouse],
        tables: [
          {
            name: 'main.ml.scores',
            columns: [
              { name: 'metric', type: 'STRING' },
              { name: 'example_id', type: 'STRING' },
              { name: 'score', type: 'DOUBLE' },
            ],
            rows: [
              ['auc', '2', '0.5'],
              ['auc', '1', '0.25'],
              ['auc', '3', '0.75'],
              ['rmse', '1', '0.1'],
            ],
          },
        ],
        statementRowsPerChunk: 2,
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());

  async function execute(statement: string, parameters: unknown[] = [], extra: object = {}): Promise<Loose> {
    const result = await call(emulator, 'POST', '/api/2.0/sql/statements', { body: { statement, warehouse_id: warehouse, parameters, ...extra } });
    assert.equal(result.status, 200, result.text);
    return result.json;
  }

  async function poll(id: string): Promise<Loose> {
    return (await call(emulator, 'GET', `/api/2.0/sql/statements/${id}`)).json;
  }

  /** Executes and polls until terminal, returning every state seen. */
  async function run(statement: string, parameters: unknown[] = []): Promise<{ states: string[]; final: Loose }> {
    let response = await execute(statement, parameters);
    const states = [response.status.state];
    while (response.status.state === 'PENDING' || response.status.state === 'RUNNING') {
      response = await poll(response.statement_id);
      states.push(response.status.state);
    }
    return { states, final: response };
  }

  it('is PENDING before it SUCCEEDS', async () => {
    const { states } = await run(create);
    assert.deepEqual(states, ['PENDING', 'PENDING', 'SUCCEEDED']);
    assert.ok(emulator.state.tables.has('main.ml.audit'));
  });

  it('returns PENDING at once with wait_timeout 0s, and CANCELED with on_wait_timeout CANCEL', async () => {
    const immediate = await execute(create, [], { wait_timeout: '0s' });
    assert.equal(immediate.status.state, 'PENDING');
    assert.equal(immediate.manifest, undefined);
    const cancelled = await execute(create, [], { wait_timeout: '5s', on_wait_timeout: 'CANCEL' });
    assert.equal(cancelled.status.state, 'CANCELED');
    assert.equal((await call(emulator, 'POST', '/api/2.0/sql/statements', { body: { statement: create, warehouse_id: warehouse, wait_timeout: '3s' } })).status, 400);
  });

  it('finishes within the wait when the warehouse is warm', async () => {
    emulator.seed({ statementPendingPolls: 0 });
    const response = await execute('SELECT * FROM main.ml.scores WHERE metric = :m', [{ name: 'm', value: 'rmse' }]);
    assert.equal(response.status.state, 'SUCCEEDED');
    assert.deepEqual(response.result.data_array, [['rmse', '1', '0.1']]);
  });

  it('inserts with named parameters and keeps the parameters for assertions', async () => {
    await run(create);
    const parameters = [
      { name: 'model', value: "main.ml.churn'); DROP TABLE x; --" },
      { name: 'version', value: '4', type: 'INT' },
      { name: 'passed', value: 'true', type: 'BOOLEAN' },
      { name: 'score', value: '0.91', type: 'DOUBLE' },
    ];
    const { final } = await run(insert, parameters);
    assert.equal(final.status.state, 'SUCCEEDED');
    assert.deepEqual(final.result.data_array, [['1', '1']]);
    assert.deepEqual(emulator.state.tables.get('main.ml.audit')?.rows, [["main.ml.churn'); DROP TABLE x; --", '4', 'true', '0.91']]);
    const record = [...emulator.state.statements.values()].find((s) => s.parsed?.kind === 'insert');
    assert.deepEqual(record?.parameters, parameters);
    assert.equal(bodyOf(emulator.requestsTo('POST', '/api/2.0/sql/statements')[1]).parameters.length, 4);
  });

  it('selects columns with WHERE, ORDER BY and LIMIT, with a manifest', async () => {
    const { final } = await run('SELECT example_id, score FROM main.ml.scores WHERE metric = :metric ORDER BY score DESC LIMIT 2', [{ name: 'metric', value: 'auc' }]);
    assert.deepEqual(final.result.data_array, [
      ['3', '0.75'],
      ['2', '0.5'],
    ]);
    assert.equal(final.manifest.format, 'JSON_ARRAY');
    assert.deepEqual(
      final.manifest.schema.columns.map((c: Loose) => [c.name, c.position, c.type_name]),
      [
        ['example_id', 0, 'STRING'],
        ['score', 1, 'DOUBLE'],
      ],
    );
    assert.equal(final.manifest.total_row_count, 2);
  });

  it('splits results into chunks fetched from result/chunks', async () => {
    const { final } = await run('SELECT * FROM main.ml.scores ORDER BY score');
    assert.equal(final.manifest.total_chunk_count, 2);
    assert.equal(final.result.row_count, 2);
    assert.equal(final.result.next_chunk_index, 1);
    const second = await call(emulator, 'GET', `/api/2.0/sql/statements/${final.statement_id}/result/chunks/1`);
    assert.deepEqual(second.json.data_array, [
      ['auc', '2', '0.5'],
      ['auc', '3', '0.75'],
    ]);
    assert.equal(second.json.row_offset, 2);
    assert.equal(second.json.next_chunk_index, undefined);
    assert.equal((await call(emulator, 'GET', `/api/2.0/sql/statements/${final.statement_id}/result/chunks/2`)).status, 400);
  });

  it('applies row_limit and marks the manifest truncated', async () => {
    emulator.seed({ statementPendingPolls: 0 });
    const limited = await execute('SELECT * FROM main.ml.scores', [], { row_limit: 3 });
    assert.equal(limited.manifest.total_row_count, 3);
    assert.equal(limited.manifest.truncated, true);
    const unlimited = await execute('SELECT * FROM main.ml.scores', [], { row_limit: 10 });
    assert.equal(unlimited.manifest.truncated, false);
  });

  it('fails bad SQL with status.error in a 200 response', async () => {
    const syntax = await run('SELEC * FROM main.ml.scores');
    assert.equal(syntax.final.status.state, 'FAILED');
    assert.equal(syntax.final.status.error.error_code, 'BAD_REQUEST');
    assert.match(syntax.final.status.error.message, /PARSE_SYNTAX_ERROR/);
    const missingTable = await run('SELECT * FROM main.ml.nope');
    assert.match(missingTable.final.status.error.message, /TABLE_OR_VIEW_NOT_FOUND/);
    const unbound = await run('SELECT * FROM main.ml.scores WHERE metric = :m');
    assert.match(unbound.final.status.error.message, /UNBOUND_SQL_PARAMETER/);
    const positional = await run('SELECT * FROM main.ml.scores WHERE metric = ?');
    assert.equal(positional.final.status.state, 'FAILED');
  });

  it('fails writes to a table when a fault says so, then recovers', async () => {
    await run(create);
    emulator.faults.failTableWrites({ table: 'main.ml.audit', times: 1 });
    const parameters = [
      { name: 'model', value: 'm' },
      { name: 'version', value: '1' },
      { name: 'passed', value: 'false' },
      { name: 'score', value: '0' },
    ];
    const failed = await run(insert, parameters);
    assert.equal(failed.final.status.state, 'FAILED');
    assert.equal(emulator.state.tables.get('main.ml.audit')?.rows.length, 0);
    const retried = await run(insert, parameters);
    assert.equal(retried.final.status.state, 'SUCCEEDED');
    assert.equal(emulator.state.tables.get('main.ml.audit')?.rows.length, 1);
  });

  it('cancels a pending statement', async () => {
    const pending = await execute(create, [], { wait_timeout: '0s' });
    assert.deepEqual((await call(emulator, 'POST', `/api/2.0/sql/statements/${pending.statement_id}/cancel`)).json, {});
    assert.equal((await poll(pending.statement_id)).status.state, 'CANCELED');
    assert.equal(emulator.state.tables.has('main.ml.audit'), false);
  });

  it('rejects malformed requests with 4xx', async () => {
    const noWarehouse = await call(emulator, 'POST', '/api/2.0/sql/statements', { body: { statement: 'SELECT * FROM main.ml.scores' } });
    assert.equal(noWarehouse.status, 400);
    const unknownWarehouse = await call(emulator, 'POST', '/api/2.0/sql/statements', { body: { statement: 'SELECT * FROM main.ml.scores', warehouse_id: 'nope' } });
    assert.equal(unknownWarehouse.status, 400);
    const unknown = await call(emulator, 'GET', '/api/2.0/sql/statements/does-not-exist');
    assert.equal(unknown.status, 404);
  });
});
