/**
 * Inputs both bundle tasks take (`variables`, `expectedDigest`). The build resolves the bundle with
 * the variables the deploy later passes to the CLI as `--var`, and the deploy checks the digest the
 * build printed: one parser each keeps the two tasks from ever accepting different text.
 */
import { invalidInput, parseKeyValueLines } from '../task/input-parsing';

/**
 * Target names (and job resource keys) both tasks accept: plain identifiers, never something the
 * CLI could read as a flag (`--force-lock`) or a shell could split.
 */
export const bundleKeyPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Bundle variable names as the CLI accepts them (`variables.<name>` keys). */
const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * `name=value` lines into values by name, in input order. Blank lines and `#` comments are
 * skipped; the value is everything after the first `=`; a name may be set once.
 */
export function parseBundleVariables(inputName: string, text: string | undefined): Record<string, string> {
  return parseKeyValueLines(inputName, text, { pattern: variableNamePattern, description: 'bundle variable name' });
}

/**
 * A content digest as the build's `bundleDigest` output prints it (`sha256:<hex>`); the bare hex and
 * any letter case are accepted, because digests get copied from logs by hand. Returns `sha256:<lower hex>`.
 */
export function parseDigestInput(inputName: string, value: string): string {
  const trimmed = value.trim().toLowerCase();
  const hex = trimmed.startsWith('sha256:') ? trimmed.slice('sha256:'.length) : trimmed;
  if (!/^[0-9a-f]{64}$/.test(hex)) throw invalidInput(inputName, value, "sha256:<64 hex digits> (the build's bundleDigest output)");
  return `sha256:${hex}`;
}
