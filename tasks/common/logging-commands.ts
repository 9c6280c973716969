/**
 * The agent reads a task's stdout and stderr as a command channel: a line holding `##vso[` runs a
 * logging command (set a variable, prepend to PATH, upload a file) wherever in the line the marker
 * stands, and a line starting `##[` is formatting (`##[error]`, `##[group]`). Text from outside
 * (Databricks messages, notebook output, CLI output, file names) must never be able to do either,
 * so every line a task prints passes through {@link neutralizeLoggingCommands}; the adapter in
 * `azure-devops/task-lib-context.ts` is the only writer, and lint forbids `console` and
 * `process.stdout`/`stderr` elsewhere under `tasks/`.
 */

// Case-insensitive although the agent matches `##vso[` ordinally: a future agent or a log viewer
// that is more lenient must not turn `##VSO[` into a command either.
const vsoMarker = /##vso\[/gi;
const formatMarker = /##\[/g;

/**
 * `text` with every `##vso[` made `##_vso[` and every `##[` made `##_[`, anywhere in the text
 * (after a newline too), as task-lib does for external output. The result contains neither marker,
 * so it is safe to print as a log line or as a logging command's data.
 */
export function neutralizeLoggingCommands(text: string): string {
  return text.replace(vsoMarker, (marker) => `##_${marker.slice(2)}`).replace(formatMarker, '##_[');
}
