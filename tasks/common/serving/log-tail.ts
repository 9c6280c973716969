/**
 * The end of a served entity's build or server log, fit for a pipeline log: the last lines only,
 * long lines cut, and anything that looks like a credential masked. Model code prints what it
 * likes (a connection string, an environment dump), and the pipeline log outlives the endpoint.
 */

/** Lines kept from the end of a log. */
export const logTailLines = 25;
const maxLineLength = 400;

const credentialPatterns: RegExp[] = [
  // Databricks personal access tokens and OAuth secrets.
  /\bdapi[0-9a-f]{32}(-\d+)?\b/gi,
  /\bdose[0-9a-f]{32}\b/gi,
  // Authorization headers echoed by HTTP libraries.
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
  // JSON Web Tokens (Entra, OIDC).
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  // key=value and key: value pairs whose key names a secret.
  /\b([A-Za-z0-9_]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|AccountKey|SharedAccessSignature)[A-Za-z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s;,&]+)/gi,
];

/**
 * Masks credentials in `text`: known token formats, `secret=...` pairs, and every value in
 * `secrets` (e.g. plain-text environment variables of the served entity).
 */
export function maskCredentials(text: string, secrets: readonly string[] = []): string {
  let masked = text;
  for (const secret of secrets) {
    if (secret.length >= 4) masked = masked.split(secret).join('***');
  }
  for (const pattern of credentialPatterns) {
    masked = masked.replace(pattern, (match: string, key?: string, separator?: string) =>
      key !== undefined && separator !== undefined && /[=:]/.test(separator) ? `${key}${separator}***` : '***',
    );
  }
  return masked;
}

/** The last {@link logTailLines} lines of `log`, each cut to a readable length, credentials masked. */
export function tailOfLog(log: string, secrets: readonly string[] = []): string {
  const lines = log.replace(/\r\n/g, '\n').trimEnd().split('\n');
  const tail = lines.slice(-logTailLines).map((line) => (line.length > maxLineLength ? `${line.slice(0, maxLineLength)}...` : line));
  return maskCredentials(tail.join('\n'), secrets);
}

/**
 * Values of environment variables that are written in plain text (not `{{secrets/scope/key}}`
 * references) under a name that suggests a credential: they are masked in log tails.
 */
export function plainTextSecrets(environment: Record<string, string> | undefined): string[] {
  return Object.entries(environment ?? {})
    .filter(([name, value]) => /key|token|secret|password|credential/i.test(name) && !/^\{\{\s*secrets\//.test(value))
    .map(([, value]) => value);
}
