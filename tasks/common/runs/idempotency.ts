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
 * Which run of this step the current process is: `1`, then `2`, `3`... for each retry of
 * `retryCountOnTaskFailure`. Not an agent variable: the agent retries a step by running the same
 * handler again with the same environment (`TaskRunner.cs`, `RetryHelper.RetryStep`), so no
 * documented variable differs between attempts (`System.JobAttempt` and `System.TaskInstanceId`
 * stay the same). The task-lib adapter answers it by claiming the next number in a marker folder
 * under `Agent.TempDirectory`, which lives as long as the job (it is cleaned before each job).
 */
export const stepAttemptVariable = 'DatabricksMlops.StepAttempt';

/**
 * The `idempotency_token` for a run started by this step: a SHA-256 (64 hex characters, the
 * API's maximum) of the variables above and the step attempt. A resend within one attempt (the
 * connection dropped after the workspace accepted the submit) carries the same token, so the
 * workspace returns the run it already started. A retry of a finished attempt
 * (`retryCountOnTaskFailure`) has a higher {@link stepAttemptVariable}, and re-running the job
 * raises `System.JobAttempt`: both start a fresh run rather than getting the failed one back.
 * Undefined when the pipeline gave none of the variables (a local run), so nothing unrelated can
 * ever share a token.
 * @param variable reads a pipeline variable, e.g. `context.inputs.variable`.
 */
export function idempotencyToken(variable: (name: string) => string | undefined): string | undefined {
  const values = idempotencyVariables.map((name) => variable(name) ?? '');
  if (values.every((value) => value === '')) return undefined;
  // Field names and a separator keep ("1","23") and ("12","3") apart.
  const fields = idempotencyVariables.map((name, index) => `${name}=${values[index]}`);
  // The first attempt keeps the token it always had, so tokens do not change for steps never retried.
  const attempt = variable(stepAttemptVariable);
  if (attempt !== undefined && attempt !== '' && attempt !== '1') fields.push(`${stepAttemptVariable}=${attempt}`);
  return createHash('sha256').update(fields.join('\n'), 'utf8').digest('hex');
}
