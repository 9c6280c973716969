/**
 * Reads the text output of `databricks bundle plan`: one `<action> <resource key>` line per resource
 * that a deploy would change (`create jobs.training`), then a closing
 * `Plan: N to add, N to change, N to delete, N unchanged` line.
 */

/** What a deploy would do to one resource. */
export interface PlannedChange {
  /** `create`, `update`, `delete`, `recreate`, ... as the CLI words it. */
  action: string;
  /** Resource key, e.g. `jobs.training`. */
  resource: string;
}

/** The plan as read from the CLI. */
export interface BundlePlan {
  changes: PlannedChange[];
  /** The counts of the closing `Plan:` line; undefined when the CLI printed none. */
  totals?: { add: number; change: number; delete: number; unchanged: number };
  /** The CLI's output, for the summary. */
  text: string;
}

const changeLine = /^(create|update|delete|recreate|resize|update_id|skip)\s+([A-Za-z0-9_]+\.[^\s]+)$/;
const totalsLine = /^Plan:\s*(\d+) to add,\s*(\d+) to change,\s*(\d+) to delete,\s*(\d+) unchanged/;

/** Parses the plan text; lines it does not recognise stay in `text` only. */
export function parsePlanOutput(output: string): BundlePlan {
  const changes: PlannedChange[] = [];
  let totals: BundlePlan['totals'];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    const change = changeLine.exec(line);
    if (change && change[1] !== 'skip') changes.push({ action: change[1], resource: change[2] });
    const counts = totalsLine.exec(line);
    if (counts) totals = { add: Number(counts[1]), change: Number(counts[2]), delete: Number(counts[3]), unchanged: Number(counts[4]) };
  }
  return { changes, totals, text: output.trim() };
}
