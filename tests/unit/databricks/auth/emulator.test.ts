/**
 * Every auth path against the workspace emulator over real HTTP: tokens are obtained, cached,
 * refreshed before expiry (on a simulated clock shared with the emulator) and masked.
 */
import assert from 'node:assert/strict';
import { connectWorkspace, resolveWorkspaceAccess, type ConnectionSettings } from '../../../../tasks/common/azure-devops/connection';
import { ApiError } from '../../../../tasks/common/http/errors';
import { createNodeTransport } from '../../../../tasks/common/http/node-transport';
import { startEmulator, type Emulator, type TokenKind } from '../../../emulator';
import { fakeContext, type EndpointSpec, type FakeContext } from '../../../fakes/context';
import { FakeClock } from '../../../fakes/clock';

const lifetimeSeconds = 3600;
const systemToken = 'system-access-token-for-tests';

describe('auth paths against the emulator', function () {
  let emulator: Emulator;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    emulator = await startEmulator({
      clock,
      tokenLifetimeSeconds: lifetimeSeconds,
      scenario: {
        identities: {
          pats: { 'dapi-emulator-pat': 'ci@example.com' },
          servicePrincipals: [
            { applicationId: 'sp-m2m', oauthSecret: 'm2m-secret-value' },
            { applicationId: 'sp-fed', federation: { subjects: ['p://org/proj/pipe'] } },
            { applicationId: 'app-wif', entra: { tenantId: 'tenant-1', federatedServiceConnectionIds: ['arm-wif'] } },
            { applicationId: 'app-spn', entra: { tenantId: 'tenant-1', clientSecret: 'spn-secret-value' } },
          ],
        },
        azureDevOps: { systemAccessTokens: [systemToken], pipelineSubject: 'p://org/proj/pipe' },
      },
    });
  });

  afterEach(async () => {
    await emulator.close();
  });

  function context(endpoints: Record<string, EndpointSpec>, variables: Record<string, string> = {}): FakeContext {
    return fakeContext({
      transport: createNodeTransport(),
      clock,
      endpoints: { SystemVssConnection: { url: emulator.collectionUri, scheme: 'OAuth', parameters: { AccessToken: systemToken } }, ...endpoints },
      variables: {
        'System.TeamProjectId': 'proj',
        'System.HostType': 'build',
        'System.PlanId': 'plan-1',
        'System.JobId': 'job-1',
        'System.CollectionUri': emulator.collectionUri,
        ...variables,
      },
    });
  }

  const options = { retry: { random: () => 0 } };
  const callWorkspace = (ctx: FakeContext, settings: ConnectionSettings) => connectWorkspace(ctx, settings, options).call('GET', '/api/2.2/jobs/list');

  function issued(kind: TokenKind): string[] {
    return emulator.state.tokens.issued(kind).map((record) => record.token);
  }

  function workspaceCallsBy(kind: TokenKind): number {
    return emulator.requestsTo('GET', '/api/2.2/jobs/list').filter((r) => r.auth.tokenKind === kind && r.status === 200).length;
  }

  /** Obtains, caches (two calls, one token), refreshes 40 s before expiry, and masks every token. */
  async function provesCachingAndRefresh(ctx: FakeContext, settings: ConnectionSettings, kind: TokenKind): Promise<void> {
    await callWorkspace(ctx, settings);
    const access = resolveWorkspaceAccess(ctx, settings, options);
    const first = await access.tokens.getToken();
    assert.equal(await access.tokens.getToken(), first, 'cached');
    clock.advance((lifetimeSeconds - 41) * 1000);
    assert.equal(await access.tokens.getToken(), first, 'still cached with 41 s left');
    clock.advance(1000);
    const second = await access.tokens.getToken();
    assert.notEqual(second, first, 'refreshed with 40 s left');
    const tokens = issued(kind);
    assert.equal(tokens.length, 3, 'one token for the client, two for the provider');
    for (const token of tokens) assert.ok(ctx.secrets.includes(token), `${kind} token masked`);
    assert.equal(workspaceCallsBy(kind), 1);
  }

  it('personal access token', async () => {
    const ctx = context({ conn: { url: emulator.url, scheme: 'Token', parameters: { apitoken: 'dapi-emulator-pat' } } });
    await callWorkspace(ctx, { type: 'databricks', connectionId: 'conn' });
    assert.equal(workspaceCallsBy('pat'), 1);
    assert.deepEqual(ctx.secrets, ['dapi-emulator-pat']);
  });

  it('Databricks OAuth M2M', async () => {
    const ctx = context({ conn: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: 'sp-m2m', password: 'm2m-secret-value' } } });
    await provesCachingAndRefresh(ctx, { type: 'databricks', connectionId: 'conn' }, 'databricks-oauth');
    assert.ok(ctx.secrets.includes('m2m-secret-value'));
    assert.ok(emulator.requestsTo('POST', '/oidc/v1/token').every((r) => r.auth.scheme === 'basic' && r.auth.identity === 'sp-m2m'));
  });

  it('Azure Resource Manager connection with workload identity federation (fresh OIDC token per refresh)', async () => {
    const ctx = context({
      'arm-wif': { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: 'app-wif', tenantid: 'tenant-1' }, data: { environmentAuthorityUrl: `${emulator.url}/entra/` } },
    });
    await provesCachingAndRefresh(ctx, { type: 'azureResourceManager', connectionId: 'arm-wif', workspaceUrl: emulator.url }, 'entra');
    const oidc = emulator.state.tokens.issued('ado-oidc');
    assert.equal(oidc.length, 3, 'one OIDC token per Entra token');
    assert.ok(oidc.every((record) => record.serviceConnectionId === 'arm-wif'));
    for (const record of oidc) assert.ok(ctx.secrets.includes(record.token), 'OIDC token masked');
    assert.ok(ctx.secrets.includes(systemToken));
  });

  it('Azure Resource Manager connection with a service principal secret', async () => {
    const ctx = context({
      'arm-spn': {
        url: 'https://management.azure.com/',
        scheme: 'ServicePrincipal',
        parameters: { serviceprincipalid: 'app-spn', serviceprincipalkey: 'spn-secret-value', tenantid: 'tenant-1', authenticationType: 'spnKey' },
        data: { environmentAuthorityUrl: `${emulator.url}/entra/` },
      },
    });
    await provesCachingAndRefresh(ctx, { type: 'azureResourceManager', connectionId: 'arm-spn', workspaceUrl: emulator.url }, 'entra');
    assert.ok(ctx.secrets.includes('spn-secret-value'));
  });

  it("Azure DevOps federation through TaskApi (the pipeline's own token)", async () => {
    const ctx = context({});
    await provesCachingAndRefresh(ctx, { type: 'azureDevOpsFederation', workspaceUrl: emulator.url, clientId: 'sp-fed' }, 'databricks-federation');
    const oidc = emulator.state.tokens.issued('ado-oidc');
    assert.equal(oidc.length, 3);
    assert.ok(oidc.every((record) => record.serviceConnectionId === undefined && record.claims?.sub === 'p://org/proj/pipe'));
  });

  it('Azure DevOps federation through System.OidcRequestUri', async () => {
    const ctx = context({}, { 'System.OidcRequestUri': `${emulator.collectionUri}proj/_apis/distributedtask/hubs/build/plans/plan-1/jobs/job-1/oidctoken` });
    await provesCachingAndRefresh(ctx, { type: 'azureDevOpsFederation', workspaceUrl: emulator.url, clientId: 'sp-fed' }, 'databricks-federation');
    assert.equal(emulator.requestsTo('OPTIONS', /distributedtask/).length, 0, 'no TaskApi location lookup');
  });

  it('shares one token request among concurrent calls', async () => {
    const ctx = context({ conn: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: 'sp-m2m', password: 'm2m-secret-value' } } });
    const client = connectWorkspace(ctx, { type: 'databricks', connectionId: 'conn' }, options);
    await Promise.all(Array.from({ length: 5 }, () => client.call('GET', '/api/2.2/jobs/list')));
    assert.equal(emulator.requestsTo('POST', '/oidc/v1/token').length, 1);
    assert.equal(workspaceCallsBy('databricks-oauth'), 5);
  });

  it('refreshes once when the workspace says the cached token expired', async () => {
    const ctx = context({ conn: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: 'sp-m2m', password: 'm2m-secret-value' } } });
    const client = connectWorkspace(ctx, { type: 'databricks', connectionId: 'conn' }, options);
    await client.call('GET', '/api/2.2/jobs/list');
    emulator.faults.add({ method: 'GET', path: '/api/2.2/jobs/list', kind: 'expireToken' });
    await client.call('GET', '/api/2.2/jobs/list');
    assert.equal(issued('databricks-oauth').length, 2);
    assert.deepEqual(emulator.requestsTo('GET', '/api/2.2/jobs/list').map((r) => r.status), [200, 401, 200]);
  });

  it('retries the token endpoint through 429 with Retry-After, 503 and a dropped connection', async () => {
    emulator.faults.add({ method: 'POST', path: '/oidc/v1/token', kind: 'status', status: 429, retryAfter: 2 });
    emulator.faults.add({ method: 'POST', path: '/oidc/v1/token', kind: 'status', status: 503 });
    emulator.faults.add({ method: 'POST', path: '/oidc/v1/token', kind: 'drop' });
    const ctx = context({ conn: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: 'sp-m2m', password: 'm2m-secret-value' } } });
    await callWorkspace(ctx, { type: 'databricks', connectionId: 'conn' });
    assert.deepEqual(emulator.requestsTo('POST', '/oidc/v1/token').map((r) => r.status), [429, 503, 0, 200]);
    assert.equal(clock.sleeps[0], 2000);
  });

  describe('refusals name the identity and never the secret', () => {
    async function refusal(ctx: FakeContext, settings: ConnectionSettings): Promise<ApiError> {
      try {
        await callWorkspace(ctx, settings);
      } catch (error) {
        assert.ok(error instanceof ApiError, String(error));
        for (const secret of ctx.secrets) assert.ok(!error.message.includes(secret), `message leaks a secret: ${error.message}`);
        return error;
      }
      assert.fail('expected a refusal');
    }

    it('wrong OAuth secret', async () => {
      const ctx = context({ conn: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: 'sp-m2m', password: 'wrong-secret' } } });
      const error = await refusal(ctx, { type: 'databricks', connectionId: 'conn' });
      assert.equal(error.status, 401);
      assert.match(error.message, /sp-m2m/);
      assert.ok(!error.message.includes('wrong-secret'));
    });

    it('WIF connection without a federated credential', async () => {
      const ctx = context({
        'arm-other': { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: 'app-wif', tenantid: 'tenant-1' }, data: { environmentAuthorityUrl: `${emulator.url}/entra/` } },
      });
      const error = await refusal(ctx, { type: 'azureResourceManager', connectionId: 'arm-other', workspaceUrl: emulator.url });
      assert.match(error.message, /AADSTS70021/);
      assert.match(error.message, /app-wif/);
    });

    it('pipeline not trusted by the federation policy', async () => {
      emulator.seed({ azureDevOps: { pipelineSubject: 'p://org/proj/other-pipeline' } });
      const error = await refusal(context({}), { type: 'azureDevOpsFederation', workspaceUrl: emulator.url, clientId: 'sp-fed' });
      assert.match(error.message, /sp-fed/);
      assert.match(error.message, /federation policy/);
    });

    it('job access token refused by Azure DevOps', async () => {
      const ctx = fakeContext({
        transport: createNodeTransport(),
        clock,
        endpoints: { SystemVssConnection: { url: emulator.collectionUri, scheme: 'OAuth', parameters: { AccessToken: 'not-a-system-token' } } },
        variables: { 'System.TeamProjectId': 'proj', 'System.HostType': 'build', 'System.PlanId': 'p', 'System.JobId': 'j' },
      });
      const error = await refusal(ctx, { type: 'azureDevOpsFederation', workspaceUrl: emulator.url, clientId: 'sp-fed' });
      assert.equal(error.status, 401);
      assert.match(error.message, /OIDC token for this pipeline/);
    });
  });
});
