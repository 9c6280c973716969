import type { PairedScores } from './bootstrap';
import { ComparisonRefusedError } from './checks';

/** One metric value as a source reported it, with the dataset it was computed on when known. */
export interface MetricValue {
  value: number;
  datasetName?: string;
  datasetDigest?: string;
}

/** Where the metrics came from: `runs`, `validationRun` or `evaluationJob`. */
export type MetricsSourceKind = 'runs' | 'validationRun' | 'evaluationJob';

/** Both models' metrics, gathered by one metrics source. */
export interface ComparisonMetrics {
  source: MetricsSourceKind;
  candidate: Map<string, MetricValue>;
  /** Undefined when there is no champion. */
  champion?: Map<string, MetricValue>;
  /** Per-example scores by metric, when the source has them. */
  paired: Map<string, PairedScores>;
  /** Human-readable origin of the numbers (run ids, job run URL), for the summary and the audit record. */
  provenance: Record<string, string>;
  /** MLflow experiment id by run id, for links to the runs. */
  runExperiments?: Record<string, string>;
}

/** Thrown when candidate and champion metrics were computed on different datasets. */
export class DatasetMismatchError extends ComparisonRefusedError {
  constructor(
    readonly problems: string[],
    versions: { candidate?: number; champion?: number } = {},
  ) {
    super(
      `Refusing to compare metrics computed on different datasets:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        "Evaluate both models on the same data (metricsSource 'validationRun' or 'evaluationJob').",
      versions,
    );
    this.name = 'DatasetMismatchError';
  }
}

function describeDataset(value: MetricValue): string {
  if (value.datasetName === undefined && value.datasetDigest === undefined) return 'no dataset';
  return `dataset '${value.datasetName ?? '?'}' (digest ${value.datasetDigest ?? '?'})`;
}

/** The dataset mismatch for one metric, or undefined when the datasets agree or neither side names one. */
export function datasetMismatch(metric: string, candidate: MetricValue, champion: MetricValue): string | undefined {
  const named = [candidate.datasetName, candidate.datasetDigest, champion.datasetName, champion.datasetDigest].some((v) => v !== undefined);
  if (!named) return undefined;
  // A dataset named on one side only cannot be shown to be the same: refuse rather than assume.
  if (candidate.datasetName === champion.datasetName && candidate.datasetDigest === champion.datasetDigest) return undefined;
  return `'${metric}': candidate on ${describeDataset(candidate)}, champion on ${describeDataset(champion)}`;
}

/**
 * Refuses (throws {@link DatasetMismatchError}) when any compared metric carries
 * `dataset_name`/`dataset_digest` that differ between candidate and champion, or that only one side
 * carries.
 */
export function checkSameDataset(metrics: Iterable<string>, candidate: Map<string, MetricValue>, champion: Map<string, MetricValue> | undefined): void {
  if (!champion) return;
  const problems: string[] = [];
  for (const metric of new Set(metrics)) {
    const c = candidate.get(metric);
    const h = champion.get(metric);
    if (!c || !h) continue;
    const problem = datasetMismatch(metric, c, h);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new DatasetMismatchError(problems);
}

/** Plain values by metric name. */
export function valuesOf(metrics: Map<string, MetricValue> | undefined): Map<string, number> | undefined {
  if (!metrics) return undefined;
  return new Map([...metrics].map(([name, metric]) => [name, metric.value]));
}

/**
 * What is known about the data both sides were evaluated on: `named` (the dataset both sides'
 * metrics name, or the evaluation job's), `oneEvaluation` (one validation run scored both models, so
 * the data is the same by construction), or `unnamed` (neither side names a dataset: the check that
 * refuses metrics computed on different datasets could not run).
 */
export type DatasetStatus = { kind: 'named'; name?: string; digest?: string } | { kind: 'oneEvaluation' } | { kind: 'unnamed' };

/** The {@link DatasetStatus} of gathered metrics, after `checkSameDataset` passed. */
export function datasetStatus(metrics: ComparisonMetrics, compared: Iterable<string>): DatasetStatus {
  if (metrics.source === 'validationRun') return { kind: 'oneEvaluation' };
  if (metrics.source === 'evaluationJob') {
    const [name, digest] = (metrics.provenance.dataset ?? '').split('@');
    return name ? { kind: 'named', name, digest } : { kind: 'unnamed' };
  }
  for (const metric of compared) {
    const value = metrics.candidate.get(metric);
    if (value && (value.datasetName !== undefined || value.datasetDigest !== undefined)) return { kind: 'named', name: value.datasetName, digest: value.datasetDigest };
  }
  return { kind: 'unnamed' };
}
