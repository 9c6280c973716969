/**
 * Demo step: the scheduled retrain-on-drift check, DatabricksDriftCheck@1, on tables shaped like
 * Lakehouse Monitoring's output for the churn model's inference table. It runs once on healthy
 * metrics (no drift, nothing started), then on a day where a feature drifted and model quality
 * dropped: the retraining job starts with the drifted metrics and the window, and a re-run of the
 * same check (same window) gets the same run instead of a second retraining.
 */
import * as path from 'node:path';
import { demo } from '../../tests/emulator/demo-workspace';
import { driftMetricsTable, profileMetricsTable, windowsEndingAt, type MonitorRow } from '../../tests/emulator/monitoring-tables';
import type { DemoEnvironment } from './environment';

const monitoredTable = 'main.ml.churn_inference';
const retrainJob = 'churn-retrain';
const auditTable = 'main.mlops.decisions';
/** The example rules file shipped beside the retrain-on-drift example pipeline. */
const rulesFile = path.resolve(__dirname, '../../pipelines-templates/examples/drift-rules.yml');

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`drift check demo: ${message}`);
}

/** Four daily windows up to the last midnight; `drifted` makes the newest two look like a shifted population. */
function monitorTables(drifted: boolean) {
  const windows = windowsEndingAt(Math.floor(Date.now() / 86_400_000) * 86_400_000, 4);
  const shift = (i: number, calm: number, shifted: number): number => (drifted && i >= 2 ? shifted : calm);
  const drift: MonitorRow[] = windows.flatMap((window, i) =>
    (['tenure_months', 'monthly_charges', 'contract_type'] as const).flatMap((column) =>
      (['CONSECUTIVE', 'BASELINE'] as const).map((driftType) => ({
        window,
        column,
        driftType,
        values: {
          js_distance: column === 'monthly_charges' ? shift(i, 0.04 + i * 0.01, 0.27 + i * 0.02) : 0.03,
          population_stability_index: column === 'monthly_charges' ? shift(i, 0.05, 0.31) : 0.04,
          ks_test: { statistic: 0.05, pvalue: column === 'tenure_months' ? 0.4 : 0.3 },
        },
      })),
    ),
  );
  const quality: MonitorRow[] = windows.map((window, i) => ({ window, column: ':table', values: { roc_auc: shift(i, 0.86 - i * 0.005, 0.74), f1_score: { macro: 0.7, weighted: 0.72 } } }));
  return [driftMetricsTable(`${monitoredTable}_drift_metrics`, drift), profileMetricsTable(`${monitoredTable}_profile_metrics`, quality)];
}

/** Runs the check on healthy metrics, then on drifted ones (twice: the retraining starts once). */
export async function demoDriftCheck(env: DemoEnvironment): Promise<void> {
  env.emulator.seed({
    jobs: [{ name: retrainJob, parameters: { model_name: demo.model, drifted_metrics: '', drift_window: '' }, tasks: [{ taskKey: 'retrain', notebookPath: '/Workspace/ml/churn/retrain' }] }],
    tables: monitorTables(false),
  });
  const inputs = {
    ...env.connectionInputs,
    sqlWarehouseId: demo.warehouseId,
    monitoredTable,
    rulesFile,
    onDrift: 'runJob',
    retrainJobName: retrainJob,
    retrainJobParameters: `model_name=${demo.model}`,
    auditTable,
  };
  const calm = await env.runTask('DatabricksDriftCheckV1', 'Scheduled drift check: metrics within bounds', inputs);
  expect(calm.result === 'Succeeded' && calm.outputs.driftDetected === 'false', `expected no drift: ${calm.resultMessage ?? ''}`);

  env.emulator.seed({ tables: monitorTables(true) });
  const drifted = await env.runTask('DatabricksDriftCheckV1', 'Next scheduled check: a feature drifted and quality dropped, retraining starts', inputs);
  expect(drifted.result === 'Succeeded' && drifted.outputs.driftDetected === 'true' && drifted.outputs.retrainRunId !== '', `expected drift and a retraining run: ${drifted.resultMessage ?? ''}`);

  const rerun = await env.runTask('DatabricksDriftCheckV1', 'The same check re-run for the same window: the same retraining run, not a second one', inputs, {
    variables: { 'System.JobAttempt': '2' },
  });
  expect(rerun.outputs.retrainRunId === drifted.outputs.retrainRunId, 'the re-run started a second retraining');
  const run = env.emulator.state.runs.get(Number(drifted.outputs.retrainRunId));
  console.log(`  Retraining run ${drifted.outputs.retrainRunId} parameters: ${JSON.stringify(run?.jobParameters ?? {})}`);
}
