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

/** The SQL call the reader makes ({@link SqlStatements} implements it). */
export interface SqlExecutor {
  execute(
    statement: { statement: string; warehouseId: string; parameters?: Array<{ name: string; value: string | null; type?: string }> },
    options?: { signal?: AbortSignal; deadline?: number },
  ): Promise<{ statementId: string; columns: string[]; rows: Array<Array<string | null>>; truncated: boolean }>;
}

/**
 * Reads the paired scores of `metrics` from a table with columns `metric`, `example_id`,
 * `candidate_score`, `champion_score`, one statement per metric with the metric name as a named
 * parameter. The table name is validated and quoted by the caller (`quotedTable`). A truncated
 * result is refused, since a bootstrap over part of the examples would be a different test.
 */
export async function readPairedScores(
  sql: SqlExecutor,
  options: { quotedTable: string; displayName: string; warehouseId: string; metrics: string[]; signal?: AbortSignal; deadline?: number },
): Promise<Map<string, PairedScores>> {
  const rows: Array<Array<string | null>> = [];
  for (const metric of options.metrics) {
    const result = await sql.execute(
      {
        statement: `SELECT ${pairedScoreColumns.join(', ')} FROM ${options.quotedTable} WHERE metric = :metric`,
        warehouseId: options.warehouseId,
        parameters: [{ name: 'metric', value: metric, type: 'STRING' }],
      },
      { signal: options.signal, deadline: options.deadline },
    );
    if (result.truncated) throw new Error(`The paired scores in ${options.displayName} were truncated by the SQL statement API; reduce the number of examples.`);
    rows.push(...result.rows);
  }
  return rows.length === 0 ? new Map() : pairedScoresFromRows(rows, options.displayName);
}
