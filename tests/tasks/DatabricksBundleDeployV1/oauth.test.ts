import assert from 'node:assert/strict';
import { run as deployTask } from '../../../tasks/DatabricksBundleDeployV1/run';
import type { EndpointFixture } from '../../support/task-bundle';
import { runRecorded, useWorkspace, type RecordedRun } from '../../support/in-process-models';
import { useDeployFolder, type DeployFolder } from './deploy-folder';
import { type SimulatedWorkspace } from '../../support/in-process';

const bundleFiles = { 'databricks.yml': 'bundle:\n  name: churn\ntargets:\n  prod: {}\n' };

/** Deploys the folder's zip in process with a connection that the task exchanges for a token at the emulator. */
async function deployWith(workspace: SimulatedWorkspace, folder: DeployFolder, inputs: Record<string, string>, endpoints: Record<string, EndpointFixture>, variables: Record<string, string> = {}): Promise<RecordedRun> {
  const { zipPath } = await folder.zip({}, 'bundle.zip');
  return runRecorded(deployTask, {
    inputs: { ...inputs, bundlePath: zipPath, target: 'prod' },
    endpoints,
    variables: { ...folder.variables(folder.temp), ...variables },
    clock: workspace.clock,
    host: { environment: folder.environment(), workingDirectory: folder.temp },
  });
}

/** The CLI calls that authenticate: each got a token the emulator issued of `kind`, registered as a secret; none of `secrets` was ever logged. */
function assertIssuedTokenOnly(workspace: SimulatedWorkspace, folder: DeployFolder, run: RecordedRun, kind: string | undefined, secrets: string[]): void {
  assert.equal(run.result, 'Succeeded', run.message);
  const issued = workspace.emulator.state.tokens.issued().filter((record) => kind === undefined || record.kind === kind).map((record) => record.token);
  assert.ok(issued.length >= 1, 'a token was issued at the token endpoint');
  const authenticated = folder.calls().filter((call) => call.args[0] === 'bundle');
  assert.equal(authenticated.length, 2);
  for (const call of authenticated) {
    assert.ok(issued.includes(call.env.DATABRICKS_TOKEN), 'the CLI gets the issued token');
    assert.equal(call.env.DATABRICKS_HOST, workspace.emulator.url);
    assert.ok(run.secrets.includes(call.env.DATABRICKS_TOKEN), 'the token is registered as a secret');
  }
  for (const secret of [...secrets, ...issued]) assert.deepEqual([...run.log, run.message].filter((line) => line.includes(secret)), []);
}

/**
 * A service principal connection (Databricks OAuth M2M): the task exchanges the client secret for a
 * short-lived token at the workspace's token endpoint (the emulator) and only that token reaches
 * the CLI; the client secret never does.
 */
describe('DatabricksBundleDeployV1 in process with an OAuth service principal connection', () => {
  const clientId = '8f3c2b1a-1111-4d2c-9e8f-0a1b2c3d4e5f';
  const clientSecret = `dose${'7c'.repeat(16)}`;
  const workspace = useWorkspace({ identities: { servicePrincipals: [{ applicationId: clientId, oauthSecret: clientSecret }] } });
  const folder = useDeployFolder(bundleFiles);

  it('hands the CLI an issued OAuth token, masked, and never the client secret', async () => {
    const run = await deployWith(workspace, folder, { connectionType: 'databricks', databricksConnection: 'SP' }, {
      SP: { url: workspace.emulator.url, scheme: 'UsernamePassword', parameters: { username: clientId, password: clientSecret } },
    });
    assertIssuedTokenOnly(workspace, folder, run, undefined, [clientSecret]);
    for (const call of folder.calls().filter((c) => c.args[0] === 'bundle')) {
      assert.equal(call.env.DATABRICKS_AUTH_TYPE, 'pat');
      assert.ok(!Object.values(call.env).includes(clientSecret), 'the client secret is not in the CLI environment');
    }
  });
});

/**
 * Workload identity federation (an Azure Resource Manager connection): the pipeline's OIDC token is
 * exchanged for an Entra token, which the CLI gets; no client secret exists at all.
 */
describe('DatabricksBundleDeployV1 in process with a workload identity federation connection', () => {
  const applicationId = 'app-deploy-wif';
  const systemToken = 'system-access-token-deploy-test';
  const workspace = useWorkspace({
    identities: { servicePrincipals: [{ applicationId, entra: { tenantId: 'tenant-d', federatedServiceConnectionIds: ['arm-wif'] } }] },
    azureDevOps: { systemAccessTokens: [systemToken], pipelineSubject: 'p://org/proj/pipe' },
  });
  const folder = useDeployFolder(bundleFiles);

  it('hands the CLI the Entra token issued for the pipeline identity, masked', async () => {
    const { emulator } = workspace;
    const run = await deployWith(
      workspace,
      folder,
      { connectionType: 'azureResourceManager', azureSubscription: 'arm-wif', workspaceUrl: emulator.url },
      {
        SystemVssConnection: { url: emulator.collectionUri, scheme: 'OAuth', parameters: { AccessToken: systemToken } },
        'arm-wif': { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: applicationId, tenantid: 'tenant-d' }, data: { environmentAuthorityUrl: `${emulator.url}/entra/` } },
      },
      { 'System.CollectionUri': emulator.collectionUri, 'System.TeamProjectId': 'proj', 'System.HostType': 'build', 'System.PlanId': 'plan-1', 'System.JobId': 'job-1' },
    );
    assertIssuedTokenOnly(workspace, folder, run, 'entra', [systemToken]);
  });
});
