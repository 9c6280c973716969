/**
 * A built task (DatabricksModelPromote@1) run as the agent runs it, once per connection type and
 * scheme, against the emulator: the task authenticates from ENDPOINT_* and System variables alone,
 * the workspace sees the expected kind of token, and no secret appears in the output unmasked.
 */
import assert from 'node:assert/strict';
import { startEmulator, type Emulator, type TokenKind } from '../../emulator';
import { startProxy } from '../../unit/http/loopback';
import { runTaskBundle, type EndpointFixture, type TaskRun } from '../../support/task-bundle';

const task = 'DatabricksModelPromoteV1';
const systemToken = 'system-access-token-bundle-test';

/** One model per identity, owned by it, so each path can move an alias. */
const identities = {
  pat: 'pat-owner@example.com',
  m2m: 'sp-bundle-m2m',
  wif: 'app-bundle-wif',
  spn: 'app-bundle-spn',
  federation: 'sp-bundle-fed',
};

const scenario = {
  identities: {
    pats: { 'dapi-bundle-pat': identities.pat },
    servicePrincipals: [
      { applicationId: identities.m2m, oauthSecret: 'm2m-bundle-secret' },
      { applicationId: identities.federation, federation: { subjects: ['p://org/proj/pipe'] } },
      { applicationId: identities.wif, entra: { tenantId: 'tenant-b', federatedServiceConnectionIds: ['arm-wif'] } },
      { applicationId: identities.spn, entra: { tenantId: 'tenant-b', clientSecret: 'spn-bundle-secret' } },
    ],
  },
  azureDevOps: { systemAccessTokens: [systemToken], pipelineSubject: 'p://org/proj/pipe' },
  models: Object.entries(identities).map(([key, owner]) => ({ fullName: `main.auth.${key}`, owner, versions: [{ version: 1 }, { version: 2 }], aliases: { champion: 1 } })),
};

describe('connection types in a built task', function () {
  this.timeout(60_000);
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ scenario });
  });
  after(async () => emulator?.close());
  beforeEach(() => emulator.reset());

  function promote(
    model: keyof typeof identities,
    inputs: Record<string, string>,
    endpoints: Record<string, EndpointFixture>,
    variables: Record<string, string> = {},
    secretVariables: Record<string, string> = {},
  ): Promise<TaskRun> {
    return runTaskBundle(task, {
      inputs: { modelName: `main.auth.${model}`, version: '2', alias: 'champion', ...inputs },
      endpoints: { SystemVssConnection: { url: emulator.collectionUri, scheme: 'OAuth', parameters: { AccessToken: systemToken } }, ...endpoints },
      variables: {
        'System.CollectionUri': emulator.collectionUri,
        'System.TeamProjectId': 'proj',
        'System.HostType': 'build',
        'System.PlanId': 'plan-1',
        'System.JobId': 'job-1',
        ...variables,
      },
      secretVariables,
      timeoutMs: 30_000,
    });
  }

  /** The alias moved, with a token of `kind`, and every secret was registered and never printed. */
  function assertAuthenticated(run: TaskRun, model: string, kind: TokenKind, secrets: string[]): void {
    assert.equal(run.result, 'Succeeded', `${run.resultMessage}\n${run.stderr}`);
    const put = emulator.requestsTo('PUT', `/api/2.1/unity-catalog/models/main.auth.${model}/aliases/champion`);
    assert.equal(put.length, 1);
    assert.equal(put[0].auth.tokenKind, kind);
    const issued = emulator.state.tokens.issued().filter((record) => record.kind === kind || record.kind === 'ado-oidc').map((record) => record.token);
    for (const secret of [...secrets, ...issued]) {
      assert.ok(run.secrets.includes(secret), `${secret.slice(0, 8)}... registered with task.setsecret`);
      const printed = (run.stdout + run.stderr).split(/\r?\n/).filter((line) => line.includes(secret) && !line.startsWith('##vso[task.setsecret'));
      assert.deepEqual(printed, [], 'printed unmasked');
    }
  }

  it('databricks connection, personal access token', async () => {
    const run = await promote('pat', { connectionType: 'databricks', databricksConnection: 'conn' }, { conn: { url: emulator.url, scheme: 'Token', parameters: { apitoken: 'dapi-bundle-pat' } } });
    assertAuthenticated(run, 'pat', 'pat', ['dapi-bundle-pat']);
  });

  it('databricks connection, OAuth service principal', async () => {
    const run = await promote('m2m', { connectionType: 'databricks', databricksConnection: 'conn' }, {
      conn: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: identities.m2m, password: 'm2m-bundle-secret' } },
    });
    assertAuthenticated(run, 'm2m', 'databricks-oauth', ['m2m-bundle-secret']);
  });

  it('Azure Resource Manager connection, workload identity federation', async () => {
    const run = await promote('wif', { connectionType: 'azureResourceManager', azureSubscription: 'arm-wif', workspaceUrl: emulator.url }, {
      'arm-wif': { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: identities.wif, tenantid: 'tenant-b' }, data: { environmentAuthorityUrl: `${emulator.url}/entra/` } },
    });
    assertAuthenticated(run, 'wif', 'entra', [systemToken]);
  });

  it('Azure Resource Manager connection, service principal secret', async () => {
    const run = await promote('spn', { connectionType: 'azureResourceManager', azureSubscription: 'arm-spn', workspaceUrl: emulator.url }, {
      'arm-spn': {
        url: 'https://management.azure.com/',
        scheme: 'ServicePrincipal',
        parameters: { serviceprincipalid: identities.spn, serviceprincipalkey: 'spn-bundle-secret', tenantid: 'tenant-b', authenticationType: 'spnKey' },
        data: { environmentAuthorityUrl: `${emulator.url}/entra/` },
      },
    });
    assertAuthenticated(run, 'spn', 'entra', ['spn-bundle-secret']);
  });

  it('Azure DevOps federation', async () => {
    const run = await promote('federation', { connectionType: 'azureDevOpsFederation', workspaceUrl: emulator.url, federationClientId: identities.federation }, {});
    assertAuthenticated(run, 'federation', 'databricks-federation', [systemToken]);
  });

  it("goes through the agent's proxy for token endpoints, the workspace and the OIDC request", async () => {
    const proxy = await startProxy({ username: 'agent-user', password: 'proxy-secret' });
    try {
      const run = await promote(
        'wif',
        { connectionType: 'azureResourceManager', azureSubscription: 'arm-wif', workspaceUrl: emulator.url },
        {
          'arm-wif': { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: identities.wif, tenantid: 'tenant-b' }, data: { environmentAuthorityUrl: `${emulator.url}/entra/` } },
        },
        { 'Agent.ProxyUrl': proxy.url, 'Agent.ProxyUsername': 'agent-user', 'Agent.ProxyBypassList': '["bypass\\\\.example\\\\.com"]' },
        { 'Agent.ProxyPassword': 'proxy-secret' },
      );
      assertAuthenticated(run, 'wif', 'entra', [systemToken]);
      // task-lib itself debug-prints Agent.ProxyPassword while loading, before any task code runs;
      // on an agent that line is masked because the agent registers its proxy password. We register it too.
      assert.ok(run.secrets.includes('proxy-secret'));
      const seen = proxy.seen.map((r) => `${r.method} ${r.method === 'CONNECT' ? r.url : new URL(r.url).pathname}`);
      const emulatorHost = new URL(emulator.url).host;
      assert.ok(seen.includes(`CONNECT ${emulatorHost}`), `OIDC request tunnelled by azure-devops-node-api: ${seen.join(', ')}`);
      assert.ok(seen.includes('POST /entra/tenant-b/oauth2/v2.0/token'), seen.join(', '));
      assert.ok(seen.includes('PUT /api/2.1/unity-catalog/models/main.auth.wif/aliases/champion'), seen.join(', '));
    } finally {
      await proxy.close();
    }
  });

  it('fails with the input named when the connection has the wrong scheme', async () => {
    const run = await promote('pat', { connectionType: 'databricks', databricksConnection: 'conn' }, { conn: { url: emulator.url, scheme: 'Certificate', parameters: {} } });
    assert.equal(run.result, 'Failed');
    assert.match(run.resultMessage ?? '', /'databricksConnection' uses the authorization scheme 'Certificate'/);
  });
});
