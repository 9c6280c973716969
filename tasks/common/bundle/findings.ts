/** Validation and secret-scan findings: each names the file, line and key a user has to look at. */

/** Identifiers of the checks, stable for tests and for people filtering logs. */
export type FindingCheck =
  | 'syntax'
  | 'unsafe-name'
  | 'schema'
  | 'unknown-target'
  | 'invalid-mode'
  | 'undeclared-variable'
  | 'missing-variable-value'
  | 'missing-include'
  | 'missing-path'
  | 'include-no-match'
  | 'personal-path-in-production'
  | 'production-without-root-path'
  | 'production-without-run-as'
  | 'symlink-escape'
  | 'outside-repository'
  | 'artifact-build'
  | 'secret'
  | 'secret-allowed';

/** One validation or secret-scan result, located by file, line and key. */
export interface Finding {
  severity: 'error' | 'warning';
  check: FindingCheck;
  /** The file, relative to the bundle root, `/`-separated. */
  file: string;
  /** 1-based line; 0 when the finding is about a whole file or none. */
  line: number;
  /** Dotted key path (`targets.prod.mode`), or the secret rule for secret findings. */
  key: string;
  message: string;
  /** The target the finding applies to, when it depends on the target. */
  target?: string;
}

/** `file:line key: message [target]`, the form used in logs and the summary. */
export function formatFinding(finding: Finding): string {
  const where = finding.line > 0 ? `${finding.file}:${finding.line}` : finding.file;
  const key = finding.key ? ` ${finding.key}` : '';
  const target = finding.target ? ` (target '${finding.target}')` : '';
  return `${where}${key}: ${finding.message}${target}`;
}

/**
 * Drops findings that say the same thing at the same place (the same check across targets) and
 * orders them: errors first, then by file, line and key.
 */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const finding of findings) {
    const id = `${finding.severity}|${finding.check}|${finding.file}|${finding.line}|${finding.key}|${finding.message}`;
    const existing = seen.get(id);
    if (!existing) seen.set(id, { ...finding });
    else if (existing.target !== finding.target) existing.target = undefined;
  }
  const rank = (f: Finding): number => (f.severity === 'error' ? 0 : 1);
  return [...seen.values()].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line || a.key.localeCompare(b.key));
}
