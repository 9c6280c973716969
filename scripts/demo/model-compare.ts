/**
 * Demo step: compare the new churn model version with the champion with DatabricksModelCompare@1.
 * First a dry run with a stricter rule (reported, nothing changes, the step does not fail), then
 * an evaluation job that scores both models with a paired-bootstrap interval, then the real
 * comparison on the versions' runs that decides, records an audit row and hands the verdict to the
 * promote step through env.shared.
 */
import { demo } from '../../tests/emulator/demo-workspace';
import type { DemoEnvironment } from './environment';

const auditTable = 'main.mlops.decisions';

const rules = `metrics:
  roc_auc: { greater_is_better: true, threshold: 0.80, min_absolute_change: 0.005 }
  rmse: { greater_is_better: false, min_relative_change: 0.02 }
guardrails:
  latency_p95_ms: { greater_is_better: false, tolerance: 0.10 }
`;

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`model compare demo: ${message}`);
}

/** Runs the three comparisons and sets env.shared.decision, candidateVersion and championVersion. */
export async function demoModelCompare(env: DemoEnvironment): Promise<void> {
  const base = { ...env.connectionInputs, modelName: demo.model, candidateAlias: 'challenger' };

  const strict = await env.runTask('DatabricksModelCompareV1', 'Dry run with a stricter rule: roc_auc must improve by 0.05', {
    ...base,
    rules: 'metrics:\n  roc_auc: { greater_is_better: true, min_absolute_change: 0.05 }\n',
    runMode: 'dryRun',
  });
  expect(strict.result === 'SucceededWithIssues' && strict.outputs.decision === 'reject', `the strict dry run should report a rejection without failing, got ${strict.result}`);

  const evaluated = await env.runTask('DatabricksModelCompareV1', `Evaluation job '${demo.evaluationJob}' scores both models on the same data (dry run, paired bootstrap)`, {
    ...base,
    rules: 'metrics:\n  roc_auc: { greater_is_better: true, threshold: 0.80, min_absolute_change: 0.005 }\n',
    metricsSource: 'evaluationJob',
    evaluationJobName: demo.evaluationJob,
    requireSignificance: 'true',
    runMode: 'dryRun',
  });
  expect(evaluated.result === 'Succeeded' || evaluated.result === 'SucceededWithIssues', `the evaluation-job comparison did not complete: ${evaluated.resultMessage ?? ''}`);

  const decided = await env.runTask('DatabricksModelCompareV1', 'Compare the challenger with the champion on their runs and record the verdict', {
    ...base,
    rules,
    setAliasOnPass: 'validated',
    auditTable,
    sqlWarehouseId: demo.warehouseId,
  });
  expect(decided.result === 'Succeeded' && decided.outputs.decision === 'promote', `the candidate should be promoted, got ${decided.result}: ${decided.resultMessage ?? ''}`);
  env.shared.decision = decided.outputs.decision;
  env.shared.candidateVersion = decided.outputs.candidateVersion;
  env.shared.championVersion = decided.outputs.championVersion;
  const comment = env.emulator.state.models.get(demo.model)?.versions.get(Number(decided.outputs.candidateVersion))?.comment ?? '';
  console.log(`  version ${decided.outputs.candidateVersion} comment: ${comment.split('\n').pop()}`);
}
