/** The kinds of check a comparison makes; each becomes one JUnit test case `<metric>.<kind>`. */
export type CheckKind = 'threshold' | 'min_absolute_change' | 'min_relative_change' | 'guardrail' | 'significance';

/** The outcome of one check. `skipped` only when the rule does not apply (no champion and `noChampion: promote`). */
export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** One rule applied to one metric. */
export interface CheckResult {
  metric: string;
  kind: CheckKind;
  status: CheckStatus;
  /** The rule in words, e.g. `>= 0.8` or `>= champion + 0.005`. */
  rule: string;
  /** Why it passed, failed or was skipped, with the numbers. */
  detail: string;
  candidate?: number;
  champion?: number;
}

/** `12.5`, `-0.001`, `1e-10`; `missing` for undefined. */
export function formatNumber(value: number | bigint | undefined): string {
  if (value === undefined) return 'missing';
  return String(value);
}

/**
 * The comparison cannot be made honestly (different datasets, a version that is not READY or of
 * another model, a candidate that already is the champion). A decision too: the task records it as
 * `refused` and fails.
 */
export class ComparisonRefusedError extends Error {
  constructor(
    message: string,
    /** The versions involved, when known. */
    readonly versions: { candidate?: number; champion?: number } = {},
  ) {
    super(message);
    this.name = 'ComparisonRefusedError';
  }
}
