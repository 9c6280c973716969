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
