import assert from 'node:assert/strict';
import { ApiError } from '../../../tasks/common/http/errors';
import { SqlStatementError, SqlStatements, isTerminalState } from '../../../tasks/common/databricks/sql';
import { FakeTransport, apiError } from '../../fakes/transport';
import { FakeClock } from '../../fakes/clock';
import { fakeClient } from '../../fakes/client';

const path = '/api/2.0/sql/statements';

/** A warehouse that answers the submit with `first`, then each poll with the next of `states`. */
function warehouse(first: object, polls: object[]): FakeTransport {
  let index = 0;
  return new FakeTransport()
    .on('POST', path, () => ({ status: 200, body: { statement_id: 's-1', ...first } }))
    .on('GET', `${path}/s-1`, () => ({ status: 200, body: { statement_id: 's-1', ...polls[Math.min(index++, polls.length - 1)] } }))
    .on('POST', `${path}/s-1/cancel`, () => ({ status: 200, body: {} }));
}

describe('sql statements', () => {
  it('sends named parameters, wait_timeout 30s and CONTINUE', async () => {
    const transport = warehouse({ status: { state: 'SUCCEEDED' } }, []);
    const sql = new SqlStatements(fakeClient(transport), new FakeClock());
    await sql.execute({
      statement: 'INSERT INTO t VALUES (:a, :b, :c)',
      warehouseId: 'wh1',
      parameters: [
        { name: 'a', value: "x'); DROP TABLE t; --" },
        { name: 'b', value: null, type: 'STRING' },
        { name: 'c', value: '2026-11-28T04:00:00.000Z', type: 'TIMESTAMP' },
      ],
    });
    assert.deepEqual(transport.requests[0].json, {
      statement: 'INSERT INTO t VALUES (:a, :b, :c)',
      warehouse_id: 'wh1',
      parameters: [
        { name: 'a', value: "x'); DROP TABLE t; --" },
        { name: 'b', type: 'STRING' },
        { name: 'c', value: '2026-11-28T04:00:00.000Z', type: 'TIMESTAMP' },
      ],
      wait_timeout: '30s',
      on_wait_timeout: 'CONTINUE',
      disposition: 'INLINE',
      format: 'JSON_ARRAY',
    });
  });

  it('refuses a parameter name that is not an identifier', async () => {
    const sql = new SqlStatements(fakeClient(new FakeTransport()), new FakeClock());
    await assert.rejects(sql.execute({ statement: 'SELECT :x', warehouseId: 'w', parameters: [{ name: 'x y', value: '1' }] }), /Invalid SQL parameter name/);
  });

  it('polls through PENDING and RUNNING while the warehouse starts, with growing waits', async () => {
    const transport = warehouse({ status: { state: 'PENDING' } }, [
      { status: { state: 'PENDING' } },
      { status: { state: 'RUNNING' } },
      { status: { state: 'SUCCEEDED' }, manifest: { schema: { columns: [{ name: 'n' }] } }, result: { data_array: [['1']] } },
    ]);
    const clock = new FakeClock();
    const sql = new SqlStatements(fakeClient(transport, clock), clock);
    const result = await sql.execute({ statement: 'SELECT 1 AS n', warehouseId: 'w' });
    assert.deepEqual(result, { statementId: 's-1', columns: ['n'], rows: [['1']], truncated: false });
    assert.deepEqual(transport.log, [`POST ${path}`, `GET ${path}/s-1`, `GET ${path}/s-1`, `GET ${path}/s-1`]);
    assert.deepEqual(clock.sleeps, [1000, 1500, 2250]);
  });

  it('reads every result chunk', async () => {
    const transport = warehouse(
      {
        status: { state: 'SUCCEEDED' },
        manifest: { schema: { columns: [{ name: 'a' }, { name: 'b' }] }, total_chunk_count: 3 },
        result: { chunk_index: 0, data_array: [['1', null]], next_chunk_index: 1 },
      },
      [],
    )
      .on('GET', `${path}/s-1/result/chunks/1`, () => ({ status: 200, body: { chunk_index: 1, data_array: [['2', 'x']], next_chunk_index: 2 } }))
      .on('GET', `${path}/s-1/result/chunks/2`, () => ({ status: 200, body: { chunk_index: 2, data_array: [['3', 'y']] } }));
    const sql = new SqlStatements(fakeClient(transport), new FakeClock());
    const result = await sql.execute({ statement: 'SELECT a, b FROM t', warehouseId: 'w' });
    assert.deepEqual(result.rows, [['1', null], ['2', 'x'], ['3', 'y']]);
    assert.deepEqual(result.columns, ['a', 'b']);
  });

  for (const state of ['FAILED', 'CANCELED', 'CLOSED'] as const) {
    it(`turns ${state} into a typed error carrying the statement's error code`, async () => {
      const transport = warehouse({ status: { state: 'RUNNING' } }, [
        { status: { state, error: { error_code: 'BAD_REQUEST', message: '[TABLE_OR_VIEW_NOT_FOUND] t' } } },
      ]);
      const sql = new SqlStatements(fakeClient(transport), new FakeClock());
      await assert.rejects(sql.execute({ statement: 'SELECT * FROM t', warehouseId: 'w' }), (error) => {
        assert.ok(error instanceof SqlStatementError);
        assert.ok(error instanceof ApiError);
        assert.equal(error.errorCode, 'BAD_REQUEST');
        assert.equal(error.state, state);
        assert.equal(error.statementId, 's-1');
        assert.match(error.message, /TABLE_OR_VIEW_NOT_FOUND/);
        return true;
      });
    });
  }

  it('reports a FAILED answer to the submit itself', async () => {
    const transport = warehouse({ status: { state: 'FAILED', error: { error_code: 'BAD_REQUEST', message: 'syntax' } } }, []);
    const sql = new SqlStatements(fakeClient(transport), new FakeClock());
    await assert.rejects(sql.execute({ statement: 'SELEC', warehouseId: 'w' }), (error) => error instanceof SqlStatementError && error.errorCode === 'BAD_REQUEST');
    assert.equal(transport.log.length, 1);
  });

  it('passes a malformed request through as the ordinary API error', async () => {
    const transport = new FakeTransport().on('POST', path, () => apiError(400, 'INVALID_PARAMETER_VALUE', 'warehouse w does not exist'));
    const sql = new SqlStatements(fakeClient(transport), new FakeClock());
    await assert.rejects(sql.execute({ statement: 'SELECT 1', warehouseId: 'w' }), (error) => error instanceof ApiError && error.status === 400);
  });

  it('cancels the statement and fails once the deadline passes', async () => {
    const transport = warehouse({ status: { state: 'PENDING' } }, [{ status: { state: 'PENDING' } }]);
    const clock = new FakeClock();
    const sql = new SqlStatements(fakeClient(transport, clock), clock);
    await assert.rejects(sql.execute({ statement: 'SELECT 1', warehouseId: 'w' }, { deadline: clock.now() + 4_000 }), (error) => {
      assert.ok(error instanceof SqlStatementError);
      assert.equal(error.errorCode, 'DEADLINE_EXCEEDED');
      return true;
    });
    assert.equal(transport.log.at(-1), `POST ${path}/s-1/cancel`);
    assert.ok(clock.now() <= Date.UTC(2026, 10, 28, 4, 0, 4));
  });

  it('cancels the statement and rethrows the abort reason when the step is cancelled', async () => {
    const transport = warehouse({ status: { state: 'RUNNING' } }, [{ status: { state: 'RUNNING' } }]);
    const controller = new AbortController();
    const clock = new FakeClock();
    const reason = new Error('cancelled by the pipeline');
    const originalSleep = clock.sleep.bind(clock);
    let sleeps = 0;
    clock.sleep = async (ms, signal) => {
      if (++sleeps === 2) controller.abort(reason);
      return originalSleep(ms, signal);
    };
    const sql = new SqlStatements(fakeClient(transport, clock), clock);
    await assert.rejects(sql.execute({ statement: 'SELECT 1', warehouseId: 'w' }, { signal: controller.signal }), (error) => error === reason);
    assert.equal(transport.log.at(-1), `POST ${path}/s-1/cancel`);
  });

  it('knows the terminal states', () => {
    assert.equal(isTerminalState('PENDING'), false);
    assert.equal(isTerminalState('RUNNING'), false);
    assert.equal(isTerminalState(undefined), false);
    for (const state of ['SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED'] as const) assert.equal(isTerminalState(state), true);
  });
});
