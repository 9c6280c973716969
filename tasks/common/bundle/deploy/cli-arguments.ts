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

/** `bundle plan -t <target> [--var name=value]...`: what a deploy would create, update or delete; changes nothing. */
export function planArguments(target: string, variables: BundleVariables): string[] {
  return ['bundle', 'plan', '-t', target, ...variableArguments(variables)];
}

/**
 * `bundle destroy -t <target> --auto-approve [--var name=value]... [--force-lock]`. The CLI asks for
 * confirmation on a terminal and refuses without one otherwise; a pipeline that chose `destroy` has
 * already decided, so `--auto-approve` is always passed.
 */
export function destroyArguments(target: string, variables: BundleVariables, forceLock: boolean): string[] {
  return ['bundle', 'destroy', '-t', target, '--auto-approve', ...variableArguments(variables), ...(forceLock ? ['--force-lock'] : [])];
}
