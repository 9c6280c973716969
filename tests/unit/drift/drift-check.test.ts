import assert from 'node:assert/strict';
import { DatabricksApiClient } from '../../../tasks/common/databricks/api-client';
import { JobsClient } from '../../../tasks/common/databricks/jobs';
import { SqlStatements, type SqlResult, type SqlStatement } from '../../../tasks/common/databricks/sql';
import { checkDrift, type DriftCheckSettings } from '../../../tasks/common/drift/drift-check';
import { customStatement, monitorRows, readMetrics, statementMarkers } from '../../../tasks/common/drift/metrics-source';
import { retrainIdempotencyToken, waitForRetraining } from '../../../tasks/common/drift/retrain';
import { parseDriftRules } from '../../../tasks/common/drift/rules';
import { createNodeTransport } from '../../../tasks/common/http/node-transport';
import { silentLogger } from '../../../tasks/common/ports';
import { startEmulator, type Emulator } from '../../emulator';
import { driftMetricsTable, windowsEndingAt } from '../../emulator/monitoring-tables';
import { StaticTokenProvider } from '../../fakes/tokens';
import { FakeClock } from '../../fakes/clock';

const now = Date.parse('2026-12-05T06:00:00Z');
const midnight = Date.parse('2026-12-05T00:00:00Z');
const rules = parseDriftRules('rules:\n  - metric: ks_test.pvalue\n    min: 0.05\n', 'rules.yml');

describe('drift metrics source', () => {
  it('finds parameter markers outside literals, quoted names and comments', () => {
    assert.deepEqual(statementMarkers("SELECT ':skip', `a:b` FROM t -- :comment\nWHERE end > :now AND n < :lookback_windows AND t::string = 'x'"), ['now', 'lookback_windows']);
  });

  it('binds only the markers a custom query uses, typed', () => {
    const statement = customStatement('SELECT * FROM t WHERE window_end > :now', { warehouseId: 'wh1', now, lookbackWindows: 2, maxWindowAgeHours: 48 });
    assert.deepEqual(statement.parameters, [{ name: 'now', value: '2026-12-05T06:00:00.000Z', type: 'TIMESTAMP' }]);
  });

  it('reads struct windows and struct fields from monitor rows, skipping values that are not numbers', () => {
    const result: SqlResult = {
      statementId: 's1',
      columns: ['window', 'granularity', 'column_name', 'slice_key', 'slice_value', 'drift_type', 'ks_test'],
      rows: [
        ['{"start":"2026-12-04 00:00:00","end":"2026-12-05T00:00:00.000Z"}', '1 day', 'age', null, null, 'BASELINE', '{"statistic":0.4,"pvalue":0.01}'],
        ['{"start":"2026-12-04T00:00:00Z","end":"2026-12-05T00:00:00Z"}', '1 day', 'city', null, null, 'BASELINE', null],
      ],
      truncated: false,
    };
    const rows = monitorRows(result, 'drift', ['ks_test.pvalue'], 'main.ml.t_drift_metrics');
    assert.deepEqual(rows[0], { windowStart: midnight - 86_400_000, windowEnd: midnight, granularity: '1 day', column: 'age', sliceKey: null, sliceValue: null, driftType: 'BASELINE', metric: 'ks_test.pvalue', value: 0.01 });
    assert.equal(rows[1].value, null);
  });

  it('drops the oldest, possibly partial window of a result cut at the row limit', async () => {
    const result: SqlResult = {
      statementId: 's1',
      columns: ['window', 'column_name', 'ks_test'],
      rows: [
        ['{"start":"2026-12-04T00:00:00Z","end":"2026-12-05T00:00:00Z"}', 'age', '{"pvalue":0.5}'],
        ['{"start":"2026-12-03T00:00:00Z","end":"2026-12-04T00:00:00Z"}', 'age', '{"pvalue":0.5}'],
      ],
      truncated: true,
    };
    const sent: SqlStatement[] = [];
    const warnings: string[] = [];
    const rows = await readMetrics(
      { sql: { execute: (statement) => (sent.push(statement), Promise.resolve(result)) }, logger: { ...silentLogger, warn: (m) => warnings.push(m) } },
      { kind: 'monitor', driftTable: { catalog: 'main', schema: 'ml', table: 't_drift_metrics', quoted: '`main`.`ml`.`t_drift_metrics`' } },
      rules,
      { warehouseId: 'wh1', now, lookbackWindows: 1, maxWindowAgeHours: 48 },
    );
    assert.equal(sent.length, 1);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].windowEnd, midnight);
    assert.equal(warnings.length, 1);
  });
});

describe('drift check against the emulator', () => {
  let emulator: Emulator;
  const clock = new FakeClock(now);

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { 'dapi-x': 'mlops@example.com' } },
        warehouses: ['wh1'],
        statementPendingPolls: 2,
        jobs: [{ jobId: 7, name: 'retrain', tasks: [{ taskKey: 'train', notebookPath: '/Workspace/train', script: { pending: 1, running: 2, result: 'FAILED' } }] }],
        tables: [
          driftMetricsTable(
            'main.ml.t_drift_metrics',
            windowsEndingAt(midnight, 2).map((window, i) => ({ window, column: 'age', driftType: 'BASELINE' as const, values: { ks_test: { statistic: 0.3, pvalue: [0.2, 0.01][i] } } })),
          ),
        ],
      },
    });
  });
  after(() => emulator.close());

  it('reads, judges, starts the retraining with the window token, and reports a failed retraining', async () => {
    const client = new DatabricksApiClient({ host: emulator.url, tokens: new StaticTokenProvider('dapi-x', 'mlops@example.com'), transport: createNodeTransport(), clock, logger: silentLogger, userAgent: 'test' });
    const jobs = new JobsClient(client);
    const deps = { sql: new SqlStatements(client, clock), jobs, clock, logger: silentLogger, signal: new AbortController().signal };
    const table = { catalog: 'main', schema: 'ml', table: 't_drift_metrics', quoted: '`main`.`ml`.`t_drift_metrics`' };
    const settings: DriftCheckSettings = {
      source: { kind: 'monitor', driftTable: table },
      warehouseId: 'wh1',
      rules,
      lookbackWindows: 1,
      maxWindowAgeHours: 48,
      policy: { onDrift: 'runJob', onNoData: 'fail' },
      retrain: { job: { name: 'retrain' }, parameters: {}, wait: true },
      statementTimeoutMs: 600_000,
    };
    const result = await checkDrift(deps, settings);
    assert.deepEqual(result.driftedMetrics, ['ks_test.pvalue(age)']);
    assert.equal(result.window, '2026-12-04T00:00Z/2026-12-05T00:00Z');
    assert.ok(result.retrain);
    const run = emulator.state.runs.get(result.retrain.runId);
    assert.equal(run?.idempotencyToken, retrainIdempotencyToken(7, result.window));
    const waited = await waitForRetraining(deps, result.retrain);
    assert.equal(waited.succeeded, false);
    assert.match(waited.outcome ?? '', /FAILED/);
  });
});
