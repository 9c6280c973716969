import assert from 'node:assert/strict';
import { parseInputs } from '../../../tasks/DatabricksDriftCheckV1/inputs';
import * as names from '../../../tasks/DatabricksDriftCheckV1/names';
import { agentInputs as inputs, checkDecidingTaskManifest, readTaskManifest } from '../audit/deciding-task';

const base = { connectionType: 'databricks', databricksConnection: 'conn', sqlWarehouseId: 'wh1', monitoredTable: 'main.ml.churn_inference', rulesFile: 'drift-rules.yml' };

describe('DatabricksDriftCheck inputs', () => {
  it('declares every input and output the code reads, with the code defaults and the common inputs', () => {
    checkDecidingTaskManifest(readTaskManifest('DatabricksDriftCheckV1'), names);
  });

  it('derives both output tables from the monitored table and applies the defaults', () => {
    const settings = parseInputs(inputs(base));
    assert.deepEqual(settings.check.source, {
      kind: 'monitor',
      driftTable: { catalog: 'main', schema: 'ml', table: 'churn_inference_drift_metrics', quoted: '`main`.`ml`.`churn_inference_drift_metrics`' },
      profileTable: { catalog: 'main', schema: 'ml', table: 'churn_inference_profile_metrics', quoted: '`main`.`ml`.`churn_inference_profile_metrics`' },
    });
    assert.equal(settings.check.lookbackWindows, 1);
    assert.equal(settings.check.maxWindowAgeHours, 48);
    assert.deepEqual(settings.check.policy, { onDrift: 'notify', onNoData: 'fail' });
    assert.equal(settings.check.retrain, undefined);
    // The warehouse reads the metrics; without an audit table it does not turn the record on.
    assert.deepEqual(settings.audit, { enabled: false });
  });

  it('reads explicit output tables, a query, the retraining job and the audit record', () => {
    const explicit = parseInputs(inputs({ ...base, monitoredTable: '', driftMetricsTable: 'mon.out.churn_drift_metrics' }));
    assert.equal(explicit.check.source.kind === 'monitor' && explicit.check.source.driftTable?.table, 'churn_drift_metrics');
    assert.equal(explicit.check.source.kind === 'monitor' && explicit.check.source.profileTable, undefined);
    const query = parseInputs(inputs({ ...base, monitoredTable: '', metricsQuery: 'SELECT * FROM t WHERE window_end > :now - INTERVAL 7 DAYS' }));
    assert.equal(query.check.source.kind, 'query');
    const retrain = parseInputs(inputs({ ...base, onDrift: 'runJob', retrainJobId: '42', retrainJobParameters: 'a=1', waitForRetrain: 'true', auditTable: 'main.mlops.decisions' }));
    assert.deepEqual(retrain.check.retrain, { job: { id: 42 }, parameters: { a: '1' }, wait: true });
    assert.equal(retrain.audit.enabled, true);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ sqlWarehouseId: '' }, /'sqlWarehouseId' is required/],
    [{ sqlWarehouseId: 'wh 1' }, /Invalid 'sqlWarehouseId'/],
    [{ monitoredTable: '' }, /Set one of 'monitoredTable'/],
    [{ metricsQuery: 'SELECT 1' }, /Set only one of/],
    [{ monitoredTable: 'main.ml.churn`; DROP TABLE x; --' }, /Invalid 'monitoredTable' 'main\.ml\.churn`; DROP TABLE x; --'/],
    [{ monitoredTable: 'churn' }, /Invalid 'monitoredTable'/],
    [{ monitoredTable: '', driftMetricsTable: 'a.b.c d' }, /Invalid 'driftMetricsTable'/],
    [{ monitoredTable: '', metricsQuery: 'DELETE FROM main.ml.t' }, /Invalid 'metricsQuery'.*a SELECT/],
    [{ monitoredTable: '', metricsQuery: 'SELECT * FROM t WHERE x = :other' }, /found :other/],
    [{ rulesFile: '' }, /'rulesFile' is required/],
    [{ lookbackWindows: '0' }, /Invalid 'lookbackWindows' '0'/],
    [{ maxWindowAgeHours: 'soon' }, /Invalid 'maxWindowAgeHours' 'soon'/],
    [{ onDrift: 'retrain' }, /Invalid 'onDrift' 'retrain': expected one of runJob, notify, fail/],
    [{ onNoData: 'ignore' }, /Invalid 'onNoData' 'ignore': expected one of fail, warn, pass/],
    [{ onDrift: 'runJob' }, /'retrainJobName' or 'retrainJobId' is required when 'onDrift' is runJob/],
    [{ onDrift: 'runJob', retrainJobName: 'a', retrainJobId: '1' }, /not both/],
    [{ onDrift: 'runJob', retrainJobId: 'x' }, /Invalid 'retrainJobId' 'x'/],
    [{ onDrift: 'runJob', retrainJobName: 'a', retrainJobParameters: 'drift_window=x' }, /'drift_window' is set by the task/],
    [{ auditTable: 'main.audit' }, /Invalid 'auditTable'/],
  ];
  for (const [values, expected] of bad) {
    it(`refuses ${JSON.stringify(values)}`, () => {
      assert.throws(() => parseInputs(inputs({ ...base, ...values })), expected);
    });
  }
});
