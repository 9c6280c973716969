import { checkPairedScores, type PairedScores } from './bootstrap';

/** The columns a paired-scores table must have, in this order in the query. */
export const pairedScoreColumns = ['metric', 'example_id', 'candidate_score', 'champion_score'] as const;

/**
 * Turns the rows of `SELECT metric, example_id, candidate_score, champion_score` (SQL statement API
 * values: strings or null) into paired scores per metric. Rows are paired by `example_id`; a
 * duplicate example, a null or a value that is not a finite number is refused.
 */
export function pairedScoresFromRows(rows: Array<Array<string | null>>, table: string): Map<string, PairedScores> {
  const byMetric = new Map<string, Map<string, [number, number]>>();
  rows.forEach((row, index) => {
    const [metric, exampleId, candidate, champion] = row;
    const where = `row ${index + 1} of ${table}`;
    if (metric === null || metric === undefined || exampleId === null || exampleId === undefined) throw new Error(`${where}: metric and example_id must not be null.`);
    const numbers = [candidate, champion].map((text, column) => {
      const value = text === null || text === undefined || text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) throw new Error(`${where}: ${pairedScoreColumns[column + 2]} must be a finite number, got ${JSON.stringify(text)}.`);
      return value;
    }) as [number, number];
    const examples = byMetric.get(metric) ?? new Map<string, [number, number]>();
    if (examples.has(exampleId)) throw new Error(`${where}: example '${exampleId}' appears twice for metric '${metric}'.`);
    examples.set(exampleId, numbers);
    byMetric.set(metric, examples);
  });
  const result = new Map<string, PairedScores>();
  for (const [metric, examples] of byMetric) {
    // Sort by example id so the bootstrap sees the same order whatever order the warehouse returned.
    const ordered = [...examples].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const scores = { candidate: ordered.map(([, [c]]) => c), champion: ordered.map(([, [, h]]) => h) };
    checkPairedScores(metric, scores);
    result.set(metric, scores);
  }
  return result;
}
