import * as assert from 'node:assert/strict';
import { idempotencyToken, idempotencyVariables } from '../../../tasks/common/runs/idempotency';

const pipeline: Record<string, string> = {
  'System.CollectionId': 'c0ffee00-0000-4000-8000-000000000001',
  'System.TeamProjectId': 'p0000000-0000-4000-8000-000000000002',
  'Build.BuildId': '1234',
  'System.JobId': 'j0000000-0000-4000-8000-000000000003',
  'System.JobAttempt': '1',
  'System.TaskInstanceId': 't0000000-0000-4000-8000-000000000004',
};

describe('idempotency token', () => {
  it('is at most 64 characters and the same for a retry of the same step', () => {
    const token = idempotencyToken((name) => pipeline[name]);
    assert.ok(token && token.length <= 64);
    assert.equal(idempotencyToken((name) => pipeline[name]), token);
  });

  it('changes with each of its variables, e.g. a re-run of the job (System.JobAttempt)', () => {
    const token = idempotencyToken((name) => pipeline[name]);
    for (const changed of idempotencyVariables) {
      const other = idempotencyToken((name) => (name === changed ? `${pipeline[name]}x` : pipeline[name]));
      assert.notEqual(other, token, changed);
    }
  });

  it('keeps adjacent values apart and is absent outside a pipeline', () => {
    const a = idempotencyToken((name) => ({ 'Build.BuildId': '12', 'System.JobAttempt': '3' })[name]);
    const b = idempotencyToken((name) => ({ 'Build.BuildId': '1', 'System.JobAttempt': '23' })[name]);
    assert.notEqual(a, b);
    assert.equal(idempotencyToken(() => undefined), undefined);
  });
});
