import { toError } from '../http/errors';
import type { AuditDecision, AuditOutcome, AuditRecorder } from './audit-record';

/**
 * Records the decision behind a failure (a refusal or a failed rollout is a decision too), then
 * throws. When the row was written, or needed not be, the failure itself is thrown; when a required
 * row could not be written, an error whose message adds why, with the failure as its cause, so the
 * step's message loses neither. `beforeThrow` gets the row's outcome (undefined when it was not
 * written), e.g. to write the summary.
 */
export async function recordAndRethrow(
  recorder: AuditRecorder,
  decision: AuditDecision,
  failure: Error,
  beforeThrow?: (audit: AuditOutcome | undefined) => void,
): Promise<never> {
  let audit: AuditOutcome | undefined;
  let thrown: Error = failure;
  try {
    audit = await recorder.record(decision);
  } catch (error) {
    thrown = new Error(`${failure.message} ${toError(error).message}`, { cause: failure });
  }
  beforeThrow?.(audit);
  throw thrown;
}
