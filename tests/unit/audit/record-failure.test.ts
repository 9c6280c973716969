import assert from 'node:assert/strict';
import { AuditWriteError, recordAndRethrow, type AuditDecision, type AuditOutcome, type AuditRecorder } from '../../../tasks/common/audit';

const decision: AuditDecision = { eventType: 'promote', modelName: 'main.ml.churn', modelVersion: 5, decision: 'refused', details: { reason: 'concurrent-change' } };

/** A recorder that keeps what it was asked to write and answers with `answer`. */
function recorder(answer: () => Promise<AuditOutcome>): AuditRecorder & { recorded: AuditDecision[] } {
  const recorded: AuditDecision[] = [];
  return {
    recorded,
    record: (row) => {
      recorded.push(row);
      return answer();
    },
  };
}

describe('recordAndRethrow', () => {
  const refusal = new Error('Alias moved concurrently.');

  it('records the decision, hands the outcome over and throws the failure itself', async () => {
    const written: AuditOutcome = { status: 'written', table: 'main.audit.decisions', statementId: 's1' };
    const audit = recorder(() => Promise.resolve(written));
    const seen: (AuditOutcome | undefined)[] = [];
    await assert.rejects(
      recordAndRethrow(audit, decision, refusal, (outcome) => seen.push(outcome)),
      (error) => error === refusal,
    );
    assert.deepEqual(audit.recorded, [decision]);
    assert.deepEqual(seen, [written]);
  });

  it('keeps both reasons when a required row could not be written', async () => {
    const audit = recorder(() => Promise.reject(new AuditWriteError('Could not write the audit row.')));
    const seen: (AuditOutcome | undefined)[] = [];
    await assert.rejects(
      recordAndRethrow(audit, decision, refusal, (outcome) => seen.push(outcome)),
      (error) => error instanceof Error && error.message === 'Alias moved concurrently. Could not write the audit row.' && error.cause === refusal,
    );
    assert.deepEqual(seen, [undefined]);
  });

  it('throws the failure when the record is off', async () => {
    await assert.rejects(recordAndRethrow(recorder(() => Promise.resolve({ status: 'disabled' })), decision, refusal), (error) => error === refusal);
  });
});
