/**
 * Command lines of the `databricks bundle` commands. Credentials never appear here: they travel
 * in the environment (see `cli-environment.ts`), because command lines are visible to every
 * process on the agent and end up in debug logs.
 */

/** One `--var` value, in input order. */
export interface BundleVariable {
  name: string;
  value: string;
}

/** Bundle variable names as the CLI accepts them (`variables.<name>` keys). */
const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Parses the `variables` input: one `name=value` per line; blank lines and lines starting with `#`
 * are skipped; the value is everything after the first `=` (it may itself contain `=`).
 */
export function parseVariables(inputName: string, text: string | undefined): BundleVariable[] {
  const variables: BundleVariable[] = [];
  const seen = new Set<string>();
  const lines = (text ?? '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    const name = equals < 0 ? '' : line.slice(0, equals).trim();
    if (!variableNamePattern.test(name)) {
      throw new Error(`Invalid '${inputName}' line ${index + 1} '${line}': expected <name>=<value> with a bundle variable name`);
    }
    if (seen.has(name)) throw new Error(`Invalid '${inputName}' line ${index + 1}: variable '${name}' is set twice`);
    seen.add(name);
    variables.push({ name, value: line.slice(equals + 1).trim() });
  });
  return variables;
}

function variableArguments(variables: readonly BundleVariable[]): string[] {
  return variables.flatMap((variable) => ['--var', `${variable.name}=${variable.value}`]);
}

/** `bundle validate -t <target> [--var name=value]...` */
export function validateArguments(target: string, variables: readonly BundleVariable[]): string[] {
  return ['bundle', 'validate', '-t', target, ...variableArguments(variables)];
}

/** `bundle deploy -t <target> [--var name=value]... [--force-lock]`; the lock is forced only when asked. */
export function deployArguments(target: string, variables: readonly BundleVariable[], forceLock: boolean): string[] {
  return ['bundle', 'deploy', '-t', target, ...variableArguments(variables), ...(forceLock ? ['--force-lock'] : [])];
}

/** `bundle run -t <target> [--var name=value]... <resource key>`; it waits for the run and fails when the run fails. */
export function runArguments(target: string, variables: readonly BundleVariable[], resourceKey: string): string[] {
  return ['bundle', 'run', '-t', target, ...variableArguments(variables), resourceKey];
}
