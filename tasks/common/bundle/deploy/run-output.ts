/**
 * Reads the job run id from `databricks bundle run` output. The CLI prints the run page URL as soon
 * as the run exists (`Run URL: <url>`), in one of the Jobs UI's URL shapes:
 * `<host>/?o=<workspace>#job/<job id>/run/<run id>` or `<host>/jobs/<job id>/runs/<run id>?o=<workspace>`.
 */

/** The run id and page URL found in the output, or undefined. */
export function parseRunOutput(output: string): { runId: string; runUrl: string } | undefined {
  for (const match of output.matchAll(/Run URL:\s*(\S+)/gi)) {
    const url = match[1];
    const id = /#job\/\d+\/run\/(\d+)/.exec(url) ?? /\/jobs\/\d+\/runs\/(\d+)/.exec(url) ?? /[#/]run(?:s)?\/(\d+)/.exec(url);
    if (id) return { runId: id[1], runUrl: url };
  }
  return undefined;
}
