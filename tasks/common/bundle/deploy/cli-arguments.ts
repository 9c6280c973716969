/**
 * Command lines of the `databricks bundle` commands. Credentials never appear here: they travel
 * in the environment (see `cli-environment.ts`), because command lines are visible to every
 * process on the agent and end up in debug logs.
 */

/** `--var` values by variable name, in input order (see `parseBundleVariables`). */
export type BundleVariables = Readonly<Record<string, string>>;

function variableArguments(variables: BundleVariables): string[] {
  return Object.entries(variables).flatMap(([name, value]) => ['--var', `${name}=${value}`]);
}

/** `bundle validate -t <target> [--var name=value]...` */
export function validateArguments(target: string, variables: BundleVariables): string[] {
  return ['bundle', 'validate', '-t', target, ...variableArguments(variables)];
}

/**
 * `bundle deploy -t <target> [--var name=value]... [--force-lock] [--auto-approve]`; the lock is
 * forced, and deletions or recreations of resources approved, only when asked.
 */
export function deployArguments(target: string, variables: BundleVariables, forceLock: boolean, autoApprove = false): string[] {
  return ['bundle', 'deploy', '-t', target, ...variableArguments(variables), ...(forceLock ? ['--force-lock'] : []), ...(autoApprove ? ['--auto-approve'] : [])];
}

/** `bundle run -t <target> [--var name=value]... <resource key>`; it waits for the run and fails when the run fails. */
export function runArguments(target: string, variables: BundleVariables, resourceKey: string): string[] {
  return ['bundle', 'run', '-t', target, ...variableArguments(variables), resourceKey];
}
