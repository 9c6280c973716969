import { createHash } from 'node:crypto';

/** The pipeline variables that identify one attempt of one step. */
export const idempotencyVariables = [
  'System.CollectionId',
  'System.TeamProjectId',
  'Build.BuildId',
  'System.JobId',
  'System.JobAttempt',
  'System.TaskInstanceId',
] as const;

/**
 * The `idempotency_token` for a run started by this step: a SHA-256 (64 hex characters, the
 * API's maximum) of the variables above. A retry of the same step (same job attempt) gets the same
 * token, so the workspace returns the run it already started; re-running the job raises
 * `System.JobAttempt` and so starts a fresh run. Undefined when the pipeline gave none of the
 * variables (a local run), so nothing unrelated can ever share a token.
 * @param variable reads a pipeline variable, e.g. `context.inputs.variable`.
 */
export function idempotencyToken(variable: (name: string) => string | undefined): string | undefined {
  const values = idempotencyVariables.map((name) => variable(name) ?? '');
  if (values.every((value) => value === '')) return undefined;
  // Field names and a separator keep ("1","23") and ("12","3") apart.
  const material = idempotencyVariables.map((name, index) => `${name}=${values[index]}`).join('\n');
  return createHash('sha256').update(material, 'utf8').digest('hex');
}
