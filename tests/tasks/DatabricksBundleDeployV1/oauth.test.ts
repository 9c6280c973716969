import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../emulator';
import { runTaskBundle } from '../../support/task-bundle';
import { fakeCliPath } from '../../unit/bundle-deploy/release-server';
import { writeReleaseZip } from './release-zip';

/**
 * A service principal connection (Databricks OAuth M2M): the task exchanges the client secret for a
 * short-lived token at the workspace's token endpoint (the emulator) and only that token reaches
 * the CLI; the client secret never does.
 */
describe('DatabricksBundleDeployV1 with an OAuth service principal connection', function () {
  this.timeout(60_000);
  const clientId = '8f3c2b1a-1111-4d2c-9e8f-0a1b2c3d4e5f';
  const clientSecret = `dose${'7c'.repeat(16)}`;
  let emulator: Emulator;
  let temp: string;

  before(async () => {
    emulator = await startEmulator({ scenario: { identities: { servicePrincipals: [{ applicationId: clientId, oauthSecret: clientSecret }] } } });
  });
  after(() => emulator.close());
  beforeEach(() => {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-oauth-'));
  });
  afterEach(() => fs.rmSync(temp, { recursive: true, force: true }));

  it('hands the CLI an issued OAuth token, masked, and never the client secret', async () => {
    const zipPath = path.join(temp, 'bundle.zip');
    await writeReleaseZip(zipPath, { files: { 'databricks.yml': 'bundle:\n  name: churn\ntargets:\n  prod: {}\n' } });
    const record = path.join(temp, 'calls.json');
    const run = await runTaskBundle('DatabricksBundleDeployV1', {
      inputs: { connectionType: 'databricks', databricksConnection: 'SP', bundlePath: zipPath, target: 'prod' },
      endpoints: { SP: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: clientId, password: clientSecret } } },
      variables: { 'Agent.ToolsDirectory': path.join(temp, 'tools') },
      env: { PATH: [path.dirname(fakeCliPath), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), FAKE_DATABRICKS_RECORD: record },
      cwd: temp,
      timeoutMs: 45_000,
    });
    fs.rmSync(run.tempDirectory, { recursive: true, force: true });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    const issued = emulator.state.tokens.issued().map((record) => record.token);
    assert.ok(issued.length >= 1, 'a token was issued at the token endpoint');
    const calls = JSON.parse(fs.readFileSync(record, 'utf8')) as Array<{ args: string[]; env: Record<string, string> }>;
    const authenticated = calls.filter((call) => call.args[0] === 'bundle');
    assert.equal(authenticated.length, 2);
    for (const call of authenticated) {
      assert.ok(issued.includes(call.env.DATABRICKS_TOKEN), 'the CLI gets the issued token');
      assert.equal(call.env.DATABRICKS_AUTH_TYPE, 'pat');
      assert.equal(call.env.DATABRICKS_HOST, emulator.url);
      assert.ok(!Object.values(call.env).includes(clientSecret), 'the client secret is not in the CLI environment');
      assert.ok(run.secrets.includes(call.env.DATABRICKS_TOKEN), 'the token is registered as a secret');
    }
    for (const secret of [clientSecret, ...issued]) {
      const printed = run.stdout.split('\n').filter((line) => !line.startsWith('##vso[task.setsecret]') && line.includes(secret));
      assert.deepEqual(printed, []);
    }
  });
});

/**
 * Workload identity federation (an Azure Resource Manager connection): the pipeline's OIDC token is
 * exchanged for an Entra token, which the CLI gets; no client secret exists at all.
 */
describe('DatabricksBundleDeployV1 with a workload identity federation connection', function () {
  this.timeout(60_000);
  const applicationId = 'app-deploy-wif';
  const systemToken = 'system-access-token-deploy-test';
  let emulator: Emulator;
  let temp: string;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { servicePrincipals: [{ applicationId, entra: { tenantId: 'tenant-d', federatedServiceConnectionIds: ['arm-wif'] } }] },
        azureDevOps: { systemAccessTokens: [systemToken], pipelineSubject: 'p://org/proj/pipe' },
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-wif-'));
  });
  afterEach(() => fs.rmSync(temp, { recursive: true, force: true }));

  it('hands the CLI the Entra token issued for the pipeline identity, masked', async () => {
    const zipPath = path.join(temp, 'bundle.zip');
    await writeReleaseZip(zipPath, { files: { 'databricks.yml': 'bundle:\n  name: churn\ntargets:\n  prod: {}\n' } });
    const record = path.join(temp, 'calls.json');
    const run = await runTaskBundle('DatabricksBundleDeployV1', {
      inputs: { connectionType: 'azureResourceManager', azureSubscription: 'arm-wif', workspaceUrl: emulator.url, bundlePath: zipPath, target: 'prod' },
      endpoints: {
        SystemVssConnection: { url: emulator.collectionUri, scheme: 'OAuth', parameters: { AccessToken: systemToken } },
        'arm-wif': { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: applicationId, tenantid: 'tenant-d' }, data: { environmentAuthorityUrl: `${emulator.url}/entra/` } },
      },
      variables: {
        'Agent.ToolsDirectory': path.join(temp, 'tools'),
        'System.CollectionUri': emulator.collectionUri,
        'System.TeamProjectId': 'proj',
        'System.HostType': 'build',
        'System.PlanId': 'plan-1',
        'System.JobId': 'job-1',
      },
      env: { PATH: [path.dirname(fakeCliPath), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), FAKE_DATABRICKS_RECORD: record },
      cwd: temp,
      timeoutMs: 45_000,
    });
    fs.rmSync(run.tempDirectory, { recursive: true, force: true });
    assert.equal(run.result, 'Succeeded', `${run.resultMessage}\n${run.stderr}`);
    const entra = emulator.state.tokens.issued().filter((issued) => issued.kind === 'entra').map((issued) => issued.token);
    assert.ok(entra.length >= 1, 'an Entra token was issued');
    const calls = JSON.parse(fs.readFileSync(record, 'utf8')) as Array<{ args: string[]; env: Record<string, string> }>;
    const authenticated = calls.filter((call) => call.args[0] === 'bundle');
    assert.equal(authenticated.length, 2);
    for (const call of authenticated) {
      assert.ok(entra.includes(call.env.DATABRICKS_TOKEN), 'the CLI gets the Entra token');
      assert.equal(call.env.DATABRICKS_HOST, emulator.url);
      assert.ok(run.secrets.includes(call.env.DATABRICKS_TOKEN), 'the token is registered as a secret');
    }
    for (const secret of [systemToken, ...entra]) {
      const printed = (run.stdout + run.stderr).split('\n').filter((line) => !line.startsWith('##vso[task.setsecret]') && line.includes(secret));
      assert.deepEqual(printed, []);
    }
  });
});
