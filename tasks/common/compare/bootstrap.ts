/**
 * Paired bootstrap of the difference between two models' mean per-example scores, with a seeded
 * PRNG so that the same scores and seed always give the same interval (a pipeline re-run must not
 * flip a verdict).
 */

/** Resamples per interval; fixed so results are comparable between runs. */
export const bootstrapResamples = 2000;

/** Two-sided confidence level of the interval. */
export const bootstrapConfidence = 0.95;

/**
 * Fewest paired examples whose interval may call a difference significant. Below it even a
 * candidate better on every example is within chance at this confidence (an exact sign test needs
 * 0.5^n <= 0.025, so n >= 6), yet a percentile bootstrap still excludes zero: with 2 examples its
 * interval is just the smaller and the larger difference.
 */
export const minimumSignificanceExamples = 6;

/** Per-example scores of both models on the same examples, in the same order. */
export interface PairedScores {
  candidate: number[];
  champion: number[];
}

/** The 95% interval of mean(candidate - champion). */
export interface BootstrapInterval {
  /** Number of paired examples. */
  examples: number;
  /** Observed mean(candidate) - mean(champion). */
  meanDifference: number;
  lower: number;
  upper: number;
  resamples: number;
  seed: number;
}

/** mulberry32: a small 32-bit-state PRNG; uniform doubles in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Linear interpolation between order statistics (numpy's default, "type 7"). */
function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Throws unless the scores are two equally long lists of at least two finite numbers. */
export function checkPairedScores(metric: string, scores: { candidate: unknown; champion: unknown }): asserts scores is PairedScores {
  const { candidate, champion } = scores;
  if (!Array.isArray(candidate) || !Array.isArray(champion)) throw new Error(`Paired scores for '${metric}' must be two lists of numbers.`);
  if (candidate.length !== champion.length) {
    throw new Error(`Paired scores for '${metric}' are not paired: ${candidate.length} candidate scores but ${champion.length} champion scores.`);
  }
  if (candidate.length < 2) throw new Error(`Paired scores for '${metric}' need at least 2 examples, got ${candidate.length}.`);
  for (const list of [candidate, champion]) {
    const bad = list.findIndex((value) => typeof value !== 'number' || !Number.isFinite(value));
    if (bad >= 0) throw new Error(`Paired scores for '${metric}' hold a value that is not a finite number at position ${bad}: ${String(list[bad])}.`);
  }
}

/**
 * Percentile bootstrap: {@link bootstrapResamples} times, draw n example indices with replacement
 * and take the mean of the paired differences; the interval is the 2.5% and 97.5% quantiles of
 * those means.
 */
export function pairedBootstrap(metric: string, scores: PairedScores, seed: number): BootstrapInterval {
  checkPairedScores(metric, scores);
  const n = scores.candidate.length;
  const differences = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    differences[i] = scores.candidate[i] - scores.champion[i];
    total += differences[i];
  }
  const random = createRandom(seed);
  const means = new Float64Array(bootstrapResamples);
  for (let r = 0; r < bootstrapResamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[Math.floor(random() * n)];
    means[r] = sum / n;
  }
  means.sort();
  const tail = (1 - bootstrapConfidence) / 2;
  return { examples: n, meanDifference: total / n, lower: quantile(means, tail), upper: quantile(means, 1 - tail), resamples: bootstrapResamples, seed };
}

/**
 * True when the whole interval lies on the better side of zero (the bound on the worse side
 * decides), over at least {@link minimumSignificanceExamples} examples.
 */
export function isSignificantImprovement(interval: BootstrapInterval, greaterIsBetter: boolean): boolean {
  if (interval.examples < minimumSignificanceExamples) return false;
  return greaterIsBetter ? interval.lower > 0 : interval.upper < 0;
}
