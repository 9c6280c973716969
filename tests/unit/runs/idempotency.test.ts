import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claimStepAttempt } from '../../../tasks/common/node/step-attempt';
import { idempotencyToken, idempotencyVariables, stepAttemptVariable } from '../../../tasks/common/runs/idempotency';

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

  it('differs for a retry of the step (a later step attempt), and is unchanged for the first attempt', () => {
    const token = idempotencyToken((name) => pipeline[name]);
    assert.equal(idempotencyToken((name) => ({ ...pipeline, [stepAttemptVariable]: '1' })[name]), token);
    const retry = idempotencyToken((name) => ({ ...pipeline, [stepAttemptVariable]: '2' })[name]);
    assert.notEqual(retry, token);
    assert.equal(idempotencyToken((name) => ({ ...pipeline, [stepAttemptVariable]: '2' })[name]), retry, 'a resend within the attempt keeps it');
  });
});

describe('claimStepAttempt', () => {
  it('gives a process one number per step, and the next process of the same step the next one', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'step-attempt-'));
    try {
      assert.equal(claimStepAttempt(directory, 'step-a'), 1);
      assert.equal(claimStepAttempt(directory, 'step-a'), 1, 'the same attempt within one process');
      assert.equal(claimStepAttempt(directory, 'step-b'), 1, 'another step counts on its own');
      // A retry is a new process: what it finds on disk is the earlier attempt's marker.
      // (This process remembers its claim per folder, so copy the markers to a fresh folder.)
      const other = fs.mkdtempSync(path.join(os.tmpdir(), 'step-attempt-'));
      fs.cpSync(path.join(directory, 'databricks-mlops-step-attempts'), path.join(other, 'databricks-mlops-step-attempts'), { recursive: true });
      assert.equal(claimStepAttempt(other, 'step-a'), 2);
      assert.equal(claimStepAttempt(other, 'step-b'), 2);
      fs.rmSync(other, { recursive: true, force: true });
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
