import type { Metric, Run } from '@databricks/sdk-experimental/dist/apis/ml/model';
import { datasetMismatch, type ComparisonMetrics, type MetricValue } from './metrics';
import { parseEvaluationOutput } from './evaluation-output';

/** The MLflow calls the metric sources make ({@link MlflowClient} implements them). */
export interface MetricsReader {
  getRun(runId: string, options?: { signal?: AbortSignal }): Promise<Run>;
  getMetricHistory(runId: string, metricKey: string, options?: { signal?: AbortSignal }): Promise<Metric[]>;
}

/** Reads a metric value as the REST API sends it: a JSON number, or `"NaN"`/`"Infinity"`/`"-Infinity"` for non-finite doubles. */
export function metricNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

function toMetricValue(metric: Metric): MetricValue | undefined {
  const value = metricNumber(metric.value as unknown);
  if (value === undefined) return undefined;
  return {
    value,
    ...(metric.dataset_name ? { datasetName: metric.dataset_name } : {}),
    ...(metric.dataset_digest ? { datasetDigest: metric.dataset_digest } : {}),
  };
}

function isNewer(a: Metric, b: Metric): boolean {
  const stepA = a.step ?? 0;
  const stepB = b.step ?? 0;
  return stepA !== stepB ? stepA > stepB : (a.timestamp ?? 0) >= (b.timestamp ?? 0);
}

/** The latest value per key of a run (highest step, then latest timestamp), as `runs/get` defines "latest". */
export function latestMetrics(run: Run): Map<string, Metric> {
  const latest = new Map<string, Metric>();
  for (const metric of run.data?.metrics ?? []) {
    if (metric.key === undefined) continue;
    const current = latest.get(metric.key);
    if (!current || isNewer(metric, current)) latest.set(metric.key, metric);
  }
  return latest;
}

/** Refuses runs whose metrics cannot be trusted: deleted, or not `FINISHED`. */
export function checkRunUsable(run: Run, role: string): void {
  const id = run.info?.run_id ?? '?';
  if (run.info?.lifecycle_stage === 'deleted') throw new Error(`The ${role} run ${id} is deleted; its metrics are not used.`);
  if (run.info?.status !== 'FINISHED') {
    throw new Error(`The ${role} run ${id} is ${run.info?.status ?? 'in an unknown state'}, not FINISHED; its metrics are not final.`);
  }
}

function valuesFrom(metrics: Map<string, Metric>, names: Iterable<string>, role: string): Map<string, MetricValue> {
  const result = new Map<string, MetricValue>();
  for (const name of names) {
    const metric = metrics.get(name);
    if (!metric) continue;
    const value = toMetricValue(metric);
    if (value === undefined) throw new Error(`The ${role} metric '${name}' has a value that is not a number: ${JSON.stringify(metric.value)}.`);
    result.set(name, value);
  }
  return result;
}

/** `{ <run id>: <experiment id> }` of a run, or nothing when the run does not say. */
function experimentsOf(run: Run): Record<string, string> {
  const { run_id: runId, experiment_id: experimentId } = run.info ?? {};
  return runId && experimentId ? { [runId]: experimentId } : {};
}

/** Options of {@link metricsFromRuns}. */
export interface RunsSourceOptions {
  candidateRunId: string;
  /** Undefined when there is no champion. */
  championRunId?: string;
  metrics: string[];
  signal?: AbortSignal;
}

/**
 * `metricsSource: runs`: the metrics each model version's own run logged. When the latest champion
 * value was computed on another dataset than the candidate's, the champion's metric history is
 * searched for the newest value logged on the candidate's dataset; the dataset check refuses the
 * comparison if there is none.
 */
export async function metricsFromRuns(reader: MetricsReader, options: RunsSourceOptions): Promise<ComparisonMetrics> {
  const candidateRun = await reader.getRun(options.candidateRunId, { signal: options.signal });
  checkRunUsable(candidateRun, 'candidate');
  const candidate = valuesFrom(latestMetrics(candidateRun), options.metrics, 'candidate');
  const provenance: Record<string, string> = { candidateRunId: options.candidateRunId };
  const runExperiments = experimentsOf(candidateRun);
  if (options.championRunId === undefined) return { source: 'runs', candidate, paired: new Map(), provenance, runExperiments };

  const championRun = await reader.getRun(options.championRunId, { signal: options.signal });
  checkRunUsable(championRun, 'champion');
  provenance.championRunId = options.championRunId;
  Object.assign(runExperiments, experimentsOf(championRun));
  const champion = valuesFrom(latestMetrics(championRun), options.metrics, 'champion');
  for (const [name, value] of candidate) {
    const current = champion.get(name);
    if (!current || !datasetMismatch(name, value, current)) continue;
    const history = await reader.getMetricHistory(options.championRunId, name, { signal: options.signal });
    const matching = history
      .filter((m) => (m.dataset_name || undefined) === value.datasetName && (m.dataset_digest || undefined) === value.datasetDigest)
      .reduce<Metric | undefined>((best, m) => (!best || isNewer(m, best) ? m : best), undefined);
    const matched = matching ? toMetricValue(matching) : undefined;
    if (matched) champion.set(name, matched);
  }
  return { source: 'runs', candidate, champion, paired: new Map(), provenance, runExperiments };
}

/** The key under which a validation run logs the champion's (baseline's) value of a metric, as mlops-stacks does. */
export function baselineKey(metric: string): string {
  return `baseline_${metric}`;
}

/**
 * `metricsSource: validationRun`: one run that evaluated both models on the same data and logged
 * the candidate's metrics as `<metric>` and the champion's as `baseline_<metric>`.
 */
export async function metricsFromValidationRun(
  reader: MetricsReader,
  options: { runId: string; metrics: string[]; championPresent: boolean; signal?: AbortSignal },
): Promise<ComparisonMetrics> {
  const run = await reader.getRun(options.runId, { signal: options.signal });
  checkRunUsable(run, 'validation');
  const latest = latestMetrics(run);
  const candidate = valuesFrom(latest, options.metrics, 'validation run');
  const provenance = { validationRunId: options.runId };
  if (!options.championPresent) return { source: 'validationRun', candidate, paired: new Map(), provenance };
  const baseline = valuesFrom(latest, options.metrics.map(baselineKey), 'validation run');
  const champion = new Map([...baseline].map(([key, value]) => [key.slice('baseline_'.length), value]));
  return { source: 'validationRun', candidate, champion, paired: new Map(), provenance };
}

/** What running the evaluation job gave back. */
export interface EvaluationJobResult {
  /** The notebook exit value (`dbutils.notebook.exit`). */
  output: string;
  runId: number;
  runPageUrl?: string;
}

/** Runs the evaluation job with the given job parameters and returns its notebook exit value. */
export interface EvaluationJobRunner {
  run(jobName: string, parameters: Record<string, string>, signal?: AbortSignal): Promise<EvaluationJobResult>;
}

/**
 * `metricsSource: evaluationJob`: runs the job with `model_name`, `candidate_version` and
 * `champion_version` (empty without a champion) plus the extra parameters, and reads the JSON it
 * returns. The three reserved parameters cannot be overridden.
 */
export async function metricsFromEvaluationJob(
  runner: EvaluationJobRunner,
  options: { jobName: string; modelName: string; candidateVersion: number; championVersion?: number; extraParameters: Record<string, string>; signal?: AbortSignal },
): Promise<ComparisonMetrics> {
  const parameters = {
    ...options.extraParameters,
    model_name: options.modelName,
    candidate_version: String(options.candidateVersion),
    champion_version: options.championVersion === undefined ? '' : String(options.championVersion),
  };
  const result = await runner.run(options.jobName, parameters, options.signal);
  const output = parseEvaluationOutput(result.output);
  const provenance: Record<string, string> = {
    evaluationJob: options.jobName,
    evaluationRunId: String(result.runId),
    dataset: `${output.dataset.name}@${output.dataset.digest}`,
  };
  if (result.runPageUrl) provenance.evaluationRunUrl = result.runPageUrl;
  return {
    source: 'evaluationJob',
    candidate: output.candidate,
    ...(options.championVersion !== undefined ? { champion: output.champion } : {}),
    paired: output.paired,
    provenance,
  };
}

/** The job parameter names the task sets itself. */
export const reservedEvaluationParameters = ['model_name', 'candidate_version', 'champion_version'];
