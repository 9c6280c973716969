import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { TaskInputs } from '../../../../tasks/common/task/task-context';
import { parseInputs, parseLockRetry } from '../../../../tasks/DatabricksBundleDeployV1/inputs';

function inputs(values: Record<string, string>, variables: Record<string, string> = {}): TaskInputs {
  return {
    get: (name) => (values[name]?.trim() ? values[name].trim() : undefined),
    variable: (name) => variables[name],
    endpoint: () => undefined,
  };
}

const base = { connectionType: 'databricks', databricksConnection: 'conn', target: 'prod' };
const digest = `sha256:${'ab'.repeat(32)}`;

describe('DatabricksBundleDeployV1 inputs', () => {
  it('reads a release bundle deployment with defaults', () => {
    const settings = parseInputs(inputs({ ...base, bundlePath: 'drop/churn.zip', expectedDigest: digest.toUpperCase().replace('SHA256', 'sha256') }), '/agent/s');
    assert.deepEqual(settings, {
      action: 'deploy',
      connection: { type: 'databricks', connectionId: 'conn' },
      source: { kind: 'releaseBundle', bundlePath: path.resolve('/agent/s', 'drop/churn.zip'), expectedDigest: digest },
      target: 'prod',
      variables: {},
      cliVersion: undefined,
      runJob: undefined,
      forceLock: false,
      autoApprove: false,
    });
  });

  it('deploys the folder when the bundleSource selector points at it and the classic editor kept a zip path and digest', () => {
    const settings = parseInputs(inputs({ ...base, bundleSource: 'folder', bundleRoot: '/repo/bundle', bundlePath: 'old.zip', expectedDigest: digest }), '/agent/s');
    assert.deepEqual(settings.source, { kind: 'folder', bundleRoot: path.resolve('/repo/bundle') });
    assert.throws(() => parseInputs(inputs({ ...base, bundleRoot: '/repo/bundle', bundlePath: 'old.zip' }), '/agent/s'), /not both/);
  });

  it('reads every optional input', () => {
    const settings = parseInputs(
      inputs({ ...base, bundleRoot: '/repo/bundle', variables: 'catalog=main', cliVersion: 'v0.250.0', runJob: 'train_job', forceLock: 'True' }),
      '/agent/s',
    );
    assert.deepEqual(settings.source, { kind: 'folder', bundleRoot: path.resolve('/repo/bundle') });
    assert.deepEqual(settings.variables, { catalog: 'main' });
    assert.equal(settings.cliVersion, '0.250.0');
    assert.equal(settings.runJob, 'train_job');
    assert.equal(settings.forceLock, true);
  });

  it('names the input, quotes the value and gives the expected form on bad values', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...base }, /'bundlePath'.*or 'bundleRoot'.*is required/],
      [{ ...base, bundlePath: 'a.zip', bundleRoot: '/b' }, /either 'bundlePath'.*or 'bundleRoot'/],
      [{ ...base, bundleRoot: '/b', expectedDigest: digest }, /'expectedDigest' applies to a release bundle zip/],
      [{ ...base, bundlePath: 'a.zip', expectedDigest: 'abc' }, /Invalid 'expectedDigest' 'abc': expected sha256:<64 hex digits>/],
      [{ ...base, bundlePath: 'a.zip', target: '--force-lock' }, /Invalid 'target' '--force-lock'/],
      [{ ...base, bundlePath: 'a.zip', runJob: 'my job' }, /Invalid 'runJob' 'my job'/],
      [{ ...base, bundlePath: 'a.zip', cliVersion: 'latest' }, /Invalid 'cliVersion' 'latest': expected an exact release/],
      [{ ...base, bundlePath: 'a.zip', cliVersion: '0.217.9' }, /0\.218\.0 or newer/],
      [{ ...base, bundlePath: 'a.zip', forceLock: 'yes' }, /Invalid 'forceLock' 'yes': expected true or false/],
      [{ ...base, bundlePath: 'a.zip', variables: 'novalue' }, /Invalid 'variables' line 1: no '='/],
      [{ connectionType: 'databricks', bundlePath: 'a.zip', target: 'prod' }, /'databricksConnection' is required/],
      [{ ...base, bundlePath: 'a.zip', action: 'apply' }, /Invalid 'action' 'apply'.*deploy, plan, destroy/],
      [{ ...base, bundlePath: 'a.zip', action: 'destroy', runJob: 'train_job' }, /'runJob' runs a job after a deployment; it cannot be used with 'action: destroy'/],
    ];
    for (const [values, expected] of cases) assert.throws(() => parseInputs(inputs(values), '/agent/s'), expected, JSON.stringify(values));
    const { target: _target, ...noTarget } = base;
    assert.throws(() => parseInputs(inputs({ ...noTarget, bundlePath: 'a.zip' }), '/agent/s'), /'target' is required/);
  });

  it('reads plan and destroy', () => {
    assert.equal(parseInputs(inputs({ ...base, bundleRoot: '/b', action: 'plan' }), '/agent/s').action, 'plan');
    assert.equal(parseInputs(inputs({ ...base, bundleRoot: '/b', action: 'Destroy' }), '/agent/s').action, 'destroy');
  });

  it('reads the lock-wait schedule from pipeline variables', () => {
    assert.equal(parseLockRetry(inputs({})).maxAttempts, 6);
    const tuned = parseLockRetry(inputs({}, { 'DatabricksBundleDeploy.LockRetryAttempts': '3', 'DatabricksBundleDeploy.LockRetryDelaySeconds': '2' }));
    assert.equal(tuned.maxAttempts, 3);
    assert.equal(tuned.baseDelayMs, 2000);
    assert.equal(tuned.maxDelayMs, 16_000);
    assert.throws(() => parseLockRetry(inputs({}, { 'DatabricksBundleDeploy.LockRetryAttempts': '0' })), { message: "Invalid 'DatabricksBundleDeploy.LockRetryAttempts' '0': expected a whole number at least 1 and at most 50" });
  });
});
