import { toError } from '../http/errors';
import { checkPairedScores, type PairedScores } from './bootstrap';
import type { MetricValue } from './metrics';

/**
 * The notebook exit value of an evaluation job:
 * `{"dataset": {"name", "digest"}, "candidate": {metric: value}, "champion": {metric: value},
 *   "paired": {metric: {"candidate": [scores], "champion": [scores]}}}`.
 */
export interface EvaluationOutput {
  dataset: { name: string; digest: string };
  candidate: Map<string, MetricValue>;
  /** Empty when the job evaluated no champion. */
  champion: Map<string, MetricValue>;
  paired: Map<string, PairedScores>;
}

/**
 * How far a reported metric may be from the mean of its per-example scores, relative to max(1, |mean|):
 * room for scores rounded to 6 decimals and for summation order, but not for lists given for the
 * wrong model (which would turn the significance test around).
 */
const meanTolerance = 1e-6;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function metricMap(value: unknown, field: string, dataset: { name: string; digest: string }, required: boolean): Map<string, MetricValue> {
  const map = new Map<string, MetricValue>();
  if (value === undefined || value === null) {
    if (required) throw new Error(`The evaluation job output has no '${field}' metrics.`);
    return map;
  }
  if (!isObject(value)) throw new Error(`The evaluation job output's '${field}' must be an object of metric name to number.`);
  for (const [metric, number] of Object.entries(value)) {
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      throw new Error(`The evaluation job output's '${field}.${metric}' must be a finite number, got ${JSON.stringify(number)}.`);
    }
    map.set(metric, { value: number, datasetName: dataset.name, datasetDigest: dataset.digest });
  }
  return map;
}

function mean(values: number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}

/**
 * Parses and checks the exit value. The dataset is required (it is recorded and shown); `paired`
 * is optional, and a metric's value is the mean of its per-example scores: a metric given only as
 * scores gets its mean, and a metric given both ways must agree with the mean.
 */
export function parseEvaluationOutput(text: string): EvaluationOutput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `The evaluation job's notebook exit value is not JSON (${toError(error).message}). ` +
        'Return json.dumps({...}) through dbutils.notebook.exit, without NaN or Infinity.',
    );
  }
  if (!isObject(parsed)) throw new Error('The evaluation job output must be a JSON object with dataset, candidate, champion and paired.');
  const dataset = parsed.dataset;
  if (!isObject(dataset) || typeof dataset.name !== 'string' || dataset.name === '' || typeof dataset.digest !== 'string' || dataset.digest === '') {
    throw new Error("The evaluation job output needs 'dataset': {\"name\": ..., \"digest\": ...} naming the data both models were scored on.");
  }
  const ds = { name: dataset.name, digest: dataset.digest };
  const candidate = metricMap(parsed.candidate, 'candidate', ds, false);
  const champion = metricMap(parsed.champion, 'champion', ds, false);
  const paired = new Map<string, PairedScores>();
  if (parsed.paired !== undefined && parsed.paired !== null) {
    if (!isObject(parsed.paired)) throw new Error("The evaluation job output's 'paired' must be an object of metric name to {candidate, champion} score lists.");
    for (const [metric, entry] of Object.entries(parsed.paired)) {
      if (!isObject(entry)) throw new Error(`The evaluation job output's 'paired.${metric}' must be {"candidate": [...], "champion": [...]}.`);
      const scores = { candidate: entry.candidate, champion: entry.champion };
      checkPairedScores(metric, scores);
      paired.set(metric, scores);
      for (const [side, map, list] of [['candidate', candidate, scores.candidate], ['champion', champion, scores.champion]] as const) {
        const average = mean(list);
        const reported = map.get(metric);
        if (reported === undefined) {
          map.set(metric, { value: average, datasetName: ds.name, datasetDigest: ds.digest });
        } else if (Math.abs(reported.value - average) > meanTolerance * Math.max(1, Math.abs(average))) {
          throw new Error(
            `The evaluation job output is inconsistent: '${side}.${metric}' is ${reported.value} but the mean of its paired scores is ${average}.`,
          );
        }
      }
    }
  }
  if (candidate.size === 0) throw new Error('The evaluation job output has no candidate metrics.');
  return { dataset: ds, candidate, champion, paired };
}
