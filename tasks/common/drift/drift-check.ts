/**
 * DatabricksDriftCheck@1's core: read the metrics, judge them against the rules, start the
 * retraining on drift, and decide the step's result from `onDrift` and `onNoData`.
 */
import type { SqlStatements } from '../databricks/sql';
import type { Clock, Logger } from '../ports';
import { driftedMetrics, evaluateDrift, formatWindow, type DriftEvaluation } from './evaluate';
import { readMetrics, type MetricsSource } from './metrics-source';
import type { DriftPolicy } from './report';
import { startRetraining, type RetrainDependencies, type RetrainResult, type RetrainSettings } from './retrain';
import type { DriftRule } from './rules';

/** Everything a check needs, parsed from the task inputs. */
export interface DriftCheckSettings {
  source: MetricsSource;
  warehouseId: string;
  rules: DriftRule[];
  lookbackWindows: number;
  maxWindowAgeHours: number;
  policy: DriftPolicy;
  /** Required when `policy.onDrift` is `runJob`. */
  retrain?: RetrainSettings;
  /** How long one SQL statement may take (a cold warehouse starts first). */
  statementTimeoutMs: number;
}

/** The ports of a check. */
export interface DriftCheckDependencies extends Omit<RetrainDependencies, 'jobs'> {
  sql: Pick<SqlStatements, 'execute'>;
  /** Only needed when `onDrift` is `runJob`. */
  jobs?: RetrainDependencies['jobs'];
  clock: Clock;
  logger: Logger;
}

/** What the check found and did. */
export interface DriftCheckResult {
  evaluation: DriftEvaluation;
  /** `js_distance(age)` labels of the drifted checks. */
  driftedMetrics: string[];
  /** The newest fresh window as an ISO interval; empty when there is none. */
  window: string;
  /** The retraining run, when drift started one. */
  retrain?: RetrainResult;
}

/** Reads, evaluates and, on drift with `onDrift: runJob`, starts the retraining job (without waiting). */
export async function checkDrift(deps: DriftCheckDependencies, settings: DriftCheckSettings): Promise<DriftCheckResult> {
  const now = deps.clock.now();
  const rows = await readMetrics(deps, settings.source, settings.rules, {
    warehouseId: settings.warehouseId,
    now,
    lookbackWindows: settings.lookbackWindows,
    maxWindowAgeHours: settings.maxWindowAgeHours,
    signal: deps.signal,
    deadline: now + settings.statementTimeoutMs,
  });
  const evaluation = evaluateDrift(settings.rules, rows, { now, lookbackWindows: settings.lookbackWindows, maxWindowAgeHours: settings.maxWindowAgeHours });
  const result: DriftCheckResult = {
    evaluation,
    driftedMetrics: driftedMetrics(evaluation),
    window: evaluation.window ? formatWindow(evaluation.window) : '',
  };
  if (evaluation.driftDetected && settings.policy.onDrift === 'runJob') {
    if (!settings.retrain || !deps.jobs) throw new Error('onDrift is runJob but no retraining job is configured');
    result.retrain = await startRetraining({ ...deps, jobs: deps.jobs }, settings.retrain, { metrics: result.driftedMetrics, window: result.window });
  }
  return result;
}

/** One thing the step reports besides "no drift", with what it does to the step. */
export type DriftFinding = (
  | { kind: 'drift'; action: DriftPolicy['onDrift'] }
  | { kind: 'noData'; policy: DriftPolicy['onNoData']; checks: number; everything: boolean }
  | { kind: 'retrainFailed'; outcome: string }
) & {
  /** `fail` fails the step, `warn` is a warning on a succeeding step, `info` is only logged. */
  effect: 'fail' | 'warn' | 'info';
};

/** The step's result and why. */
export interface DriftVerdict {
  result: 'Succeeded' | 'Failed';
  findings: DriftFinding[];
}

/**
 * `onDrift`: `fail` fails, `notify` warns and succeeds, `runJob` succeeds once the run started (and
 * fails when it was waited for and did not succeed). `onNoData` applies to every check without
 * fresh data: `fail` fails, `warn` warns, `pass` only logs. Any failing finding fails the step.
 */
export function decideDriftVerdict(result: DriftCheckResult, policy: DriftPolicy): DriftVerdict {
  const findings: DriftFinding[] = [];
  const { evaluation } = result;
  if (evaluation.driftDetected) {
    findings.push({ kind: 'drift', action: policy.onDrift, effect: policy.onDrift === 'fail' ? 'fail' : 'warn' });
    if (result.retrain?.succeeded === false) findings.push({ kind: 'retrainFailed', outcome: result.retrain.outcome ?? 'did not succeed', effect: 'fail' });
  }
  const noData = evaluation.checks.filter((check) => check.status === 'noData').length;
  if (noData > 0) {
    const effect = policy.onNoData === 'fail' ? 'fail' : policy.onNoData === 'warn' ? 'warn' : 'info';
    findings.push({ kind: 'noData', policy: policy.onNoData, checks: noData, everything: evaluation.noData, effect });
  }
  return { result: findings.some((finding) => finding.effect === 'fail') ? 'Failed' : 'Succeeded', findings };
}
