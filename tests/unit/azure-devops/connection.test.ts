import assert from 'node:assert/strict';
import { connectWorkspace, parseConnectionInputs, parseWorkspaceUrl, resolveWorkspaceAccess, type ConnectionSettings } from '../../../tasks/common/azure-devops/connection';
import { ApiError } from '../../../tasks/common/http/errors';
import { FakeTransport, form, json, type Scripted } from '../../fakes/transport';
import { fakeContext, type FakeContextOptions } from '../../fakes/context';

const workspace = 'https://adb-1234567890123456.7.azuredatabricks.net';

function inputs(values: Record<string, string>) {
  return fakeContext({ inputs: values }).inputs;
}

const jobVariables = {
  'System.TeamProjectId': 'project-guid',
  'System.HostType': 'build',
  'System.PlanId': 'plan-guid',
  'System.JobId': 'job-guid',
  'System.CollectionUri': 'https://dev.azure.com/contoso/',
};
const systemConnection = { SystemVssConnection: { url: 'https://dev.azure.com/contoso/', scheme: 'OAuth', parameters: { AccessToken: 'system-access-token' } } };

describe('connection', () => {
  describe('parseConnectionInputs', () => {
    it('defaults to a Databricks service connection', () => {
      assert.deepEqual(parseConnectionInputs(inputs({ databricksConnection: 'conn-1' })), { type: 'databricks', connectionId: 'conn-1' });
    });

    it('reads an Azure Resource Manager connection with a workspace URL', () => {
      assert.deepEqual(parseConnectionInputs(inputs({ connectionType: 'azureResourceManager', azureSubscription: 'arm-1', workspaceUrl: `${workspace}/` })), {
        type: 'azureResourceManager',
        connectionId: 'arm-1',
        workspaceUrl: workspace,
      });
    });

    it('reads Azure DevOps federation settings', () => {
      assert.deepEqual(parseConnectionInputs(inputs({ connectionType: 'azureDevOpsFederation', workspaceUrl: workspace, federationClientId: 'sp-1' })), {
        type: 'azureDevOpsFederation',
        workspaceUrl: workspace,
        clientId: 'sp-1',
      });
    });

    it('names the missing input', () => {
      assert.throws(() => parseConnectionInputs(inputs({})), /'databricksConnection' is required/);
      assert.throws(() => parseConnectionInputs(inputs({ connectionType: 'azureResourceManager', workspaceUrl: workspace })), /'azureSubscription' is required/);
      assert.throws(() => parseConnectionInputs(inputs({ connectionType: 'azureResourceManager', azureSubscription: 'a' })), /'workspaceUrl' is required/);
      assert.throws(() => parseConnectionInputs(inputs({ connectionType: 'azureDevOpsFederation', workspaceUrl: workspace })), /'federationClientId' is required/);
    });

    it('lists the accepted connection types', () => {
      assert.throws(() => parseConnectionInputs(inputs({ connectionType: 'aws' })), /Invalid 'connectionType' 'aws': expected one of databricks, azureResourceManager, azureDevOpsFederation/);
    });
  });

  describe('parseWorkspaceUrl', () => {
    it('accepts https and trims the trailing slash', () => {
      assert.equal(parseWorkspaceUrl('workspaceUrl', 'https://adb-1.2.azuredatabricks.net/'), 'https://adb-1.2.azuredatabricks.net');
    });

    it('accepts plain http only on loopback', () => {
      for (const url of ['http://127.0.0.1:8080', 'http://localhost:3000/', 'http://[::1]:9000', 'http://127.1.2.3']) {
        assert.doesNotThrow(() => parseWorkspaceUrl('workspaceUrl', url), url);
      }
      for (const url of ['http://adb-1.2.azuredatabricks.net', 'http://10.0.0.1', 'http://localhost.evil.com', 'ftp://127.0.0.1', 'http://127.evil.example', 'http://127.0.0.1.nip.io']) {
        assert.throws(() => parseWorkspaceUrl('workspaceUrl', url), /Invalid 'workspaceUrl'.*https:\/\//, url);
      }
    });

    it('rejects what is not a workspace URL', () => {
      assert.throws(() => parseWorkspaceUrl('workspaceUrl', 'adb-1.azuredatabricks.net'), /Invalid 'workspaceUrl' 'adb-1.azuredatabricks.net': expected the workspace URL/);
    });

    it('keeps only the origin of a URL pasted from the address bar or the Azure portal', () => {
      for (const url of ['https://adb-1.2.azuredatabricks.net/?o=1', 'https://adb-1.2.azuredatabricks.net/?o=1#job/5/run/8', 'https://adb-1.2.azuredatabricks.net/browse/folders/7?o=1', 'https://adb-1.2.azuredatabricks.net//']) {
        assert.equal(parseWorkspaceUrl('workspaceUrl', url), 'https://adb-1.2.azuredatabricks.net', url);
      }
      assert.equal(parseWorkspaceUrl('workspaceUrl', 'http://127.1:8080/?o=1'), 'http://127.0.0.1:8080');
    });
  });

  describe('resolveWorkspaceAccess: Databricks service connection', () => {
    const settings: ConnectionSettings = { type: 'databricks', connectionId: 'conn-1' };

    it('uses and masks the personal access token of the Token scheme', async () => {
      const context = fakeContext({ endpoints: { 'conn-1': { url: `${workspace}/`, scheme: 'Token', parameters: { apitoken: 'dapi-abc' } } } });
      const access = resolveWorkspaceAccess(context, settings);
      assert.equal(access.host, workspace);
      assert.equal(await access.tokens.getToken(), 'dapi-abc');
      assert.deepEqual(context.secrets, ['dapi-abc']);
      assert.match(access.tokens.identity, /personal access token of service connection 'conn-1'/);
    });

    it('gets a Databricks OAuth token for the UsernamePassword scheme', async () => {
      const transport = new FakeTransport(json(200, { access_token: 'oauth-token', expires_in: 3600 }));
      const context = fakeContext({ transport, endpoints: { 'conn-1': { url: workspace, scheme: 'UsernamePassword', parameters: { username: 'client-id', password: 'client-secret' } } } });
      const access = resolveWorkspaceAccess(context, settings);
      assert.equal(await access.tokens.getToken(), 'oauth-token');
      assert.deepEqual(transport.log, ['POST /oidc/v1/token']);
      assert.ok(context.secrets.includes('client-secret'));
      assert.ok(context.secrets.includes('oauth-token'));
      assert.match(access.tokens.identity, /client-id/);
    });

    it('explains a missing connection, parameter or unsupported scheme', () => {
      assert.throws(() => resolveWorkspaceAccess(fakeContext(), settings), /Service connection 'conn-1' given in 'databricksConnection' was not found/);
      const noToken = fakeContext({ endpoints: { 'conn-1': { url: workspace, scheme: 'Token' } } });
      assert.throws(() => resolveWorkspaceAccess(noToken, settings), /'databricksConnection' has no personal access token \(authorization parameter 'apitoken'\)/);
      const noSecret = fakeContext({ endpoints: { 'conn-1': { url: workspace, scheme: 'UsernamePassword', parameters: { username: 'id' } } } });
      assert.throws(() => resolveWorkspaceAccess(noSecret, settings), /'databricksConnection' has no OAuth secret/);
      const other = fakeContext({ endpoints: { 'conn-1': { url: workspace, scheme: 'Certificate' } } });
      assert.throws(() => resolveWorkspaceAccess(other, settings), /'databricksConnection' uses the authorization scheme 'Certificate': expected Token .* or UsernamePassword/);
    });

    it('refuses a connection URL that is plain http off loopback', () => {
      const context = fakeContext({ endpoints: { 'conn-1': { url: 'http://adb-1.azuredatabricks.net', scheme: 'Token', parameters: { apitoken: 'x' } } } });
      assert.throws(() => resolveWorkspaceAccess(context, settings), /Invalid 'databricksConnection URL'/);
    });
  });

  describe('resolveWorkspaceAccess: Azure Resource Manager connection', () => {
    const settings: ConnectionSettings = { type: 'azureResourceManager', connectionId: 'arm-1', workspaceUrl: workspace };
    const spn = (extra: Partial<{ parameters: Record<string, string>; data: Record<string, string>; scheme: string }> = {}) => ({
      'arm-1': {
        url: 'https://management.azure.com/',
        scheme: extra.scheme ?? 'ServicePrincipal',
        parameters: extra.parameters ?? { serviceprincipalid: 'app-id', serviceprincipalkey: 'spn-secret', tenantid: 'tenant-id', authenticationType: 'spnKey' },
        data: extra.data,
      },
    });

    it('uses the client secret at the default Entra authority', async () => {
      const transport = new FakeTransport(json(200, { access_token: 'entra-token', expires_in: '3599' }));
      const context = fakeContext({ transport, endpoints: spn() });
      const access = resolveWorkspaceAccess(context, settings);
      assert.equal(access.host, workspace);
      assert.equal(await access.tokens.getToken(), 'entra-token');
      assert.equal(transport.requests[0].url, 'https://login.microsoftonline.com/tenant-id/oauth2/v2.0/token');
      assert.equal(form(transport.requests[0]).client_secret, 'spn-secret');
      assert.deepEqual(context.secrets, ['spn-secret', 'entra-token']);
    });

    it("uses the connection's environmentAuthorityUrl (sovereign clouds, tests)", async () => {
      const transport = new FakeTransport(json(200, { access_token: 'entra-token', expires_in: 3600 }));
      const context = fakeContext({ transport, endpoints: spn({ data: { environmentAuthorityUrl: 'https://login.chinacloudapi.cn' } }) });
      await resolveWorkspaceAccess(context, settings).tokens.getToken();
      assert.equal(transport.requests[0].url, 'https://login.chinacloudapi.cn/tenant-id/oauth2/v2.0/token');
      const insecure = fakeContext({ endpoints: spn({ data: { environmentAuthorityUrl: 'http://login.example.com/' } }) });
      assert.throws(() => resolveWorkspaceAccess(insecure, settings), /environmentAuthorityUrl/);
    });

    it('keeps the path of an authority URL', async () => {
      const transport = new FakeTransport(json(200, { access_token: 'entra-token', expires_in: 3600 }));
      const context = fakeContext({ transport, endpoints: spn({ data: { environmentAuthorityUrl: 'https://adfs.contoso.example/adfs' } }) });
      await resolveWorkspaceAccess(context, settings).tokens.getToken();
      assert.equal(transport.requests[0].url, 'https://adfs.contoso.example/adfs/tenant-id/oauth2/v2.0/token');
    });

    it('explains unsupported schemes and missing parameters', () => {
      const cert = fakeContext({ endpoints: spn({ parameters: { serviceprincipalid: 'a', tenantid: 't', authenticationType: 'spnCertificate' } }) });
      assert.throws(() => resolveWorkspaceAccess(cert, settings), /authenticationType 'spnCertificate'/);
      const msi = fakeContext({ endpoints: spn({ scheme: 'ManagedServiceIdentity' }) });
      assert.throws(() => resolveWorkspaceAccess(msi, settings), /'azureSubscription' uses the authorization scheme 'ManagedServiceIdentity': expected WorkloadIdentityFederation or ServicePrincipal/);
      const noTenant = fakeContext({ endpoints: spn({ parameters: { serviceprincipalid: 'a', serviceprincipalkey: 'k' } }) });
      assert.throws(() => resolveWorkspaceAccess(noTenant, settings), /'azureSubscription' has no tenant id \(authorization parameter 'tenantid'\)/);
      assert.throws(() => resolveWorkspaceAccess(fakeContext(), settings), /'arm-1' given in 'azureSubscription' was not found/);
    });

    it('names the missing System variables for workload identity federation', () => {
      const context = fakeContext({
        endpoints: { 'arm-1': { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: 'app-id', tenantid: 'tenant-id' } } },
        variables: { 'System.TeamProjectId': 'p' },
      });
      assert.throws(
        () => resolveWorkspaceAccess(context, settings),
        (error: Error) => ['System.HostType', 'System.PlanId', 'System.JobId', 'System.CollectionUri', 'SystemVssConnection'].every((name) => error.message.includes(name)) && !error.message.includes('System.TeamProjectId'),
      );
    });
  });

  describe('resolveWorkspaceAccess: Azure DevOps federation', () => {
    const settings: ConnectionSettings = { type: 'azureDevOpsFederation', workspaceUrl: workspace, clientId: 'sp-client' };

    function federationContext(script: Scripted[], extra: FakeContextOptions = {}) {
      const transport = new FakeTransport(...script);
      const context = fakeContext({
        transport,
        variables: { ...jobVariables, 'System.OidcRequestUri': 'https://dev.azure.com/contoso/project-guid/_apis/distributedtask/hubs/build/plans/plan-guid/jobs/job-guid/oidctoken' },
        endpoints: systemConnection,
        ...extra,
      });
      return { transport, context };
    }

    it("exchanges the pipeline's own OIDC token from System.OidcRequestUri", async () => {
      const { transport, context } = federationContext([json(200, { oidcToken: 'eyJ.pipeline.sig' }), json(200, { access_token: 'workspace-token', expires_in: 3600 })]);
      const access = resolveWorkspaceAccess(context, settings);
      assert.equal(await access.tokens.getToken(), 'workspace-token');
      const [oidc, exchange] = transport.requests;
      const oidcUrl = new URL(oidc.url);
      assert.equal(oidcUrl.searchParams.get('api-version'), '7.1');
      assert.equal(oidcUrl.searchParams.has('serviceConnectionId'), false, 'pipeline token, not a connection token');
      assert.equal(oidc.headers.Authorization, 'Bearer system-access-token');
      assert.equal(exchange.url, `${workspace}/oidc/v1/token`);
      assert.equal(form(exchange).subject_token, 'eyJ.pipeline.sig');
      assert.deepEqual(context.secrets, ['system-access-token', 'eyJ.pipeline.sig', 'workspace-token']);
    });

    it('reports an OIDC endpoint refusal with a hint and no token', async () => {
      const { context } = federationContext([json(401, { message: 'TF400813: not authorized', typeKey: 'UnauthorizedRequestException' })]);
      const access = resolveWorkspaceAccess(context, settings);
      await assert.rejects(access.tokens.getToken(), (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.status, 401);
        assert.match(error.message, /OIDC token for this pipeline/);
        assert.ok(!error.message.includes('system-access-token'));
        return true;
      });
    });

    it('names the missing System variables', () => {
      const context = fakeContext({ variables: {}, endpoints: {} });
      assert.throws(() => resolveWorkspaceAccess(context, settings), /azureDevOpsFederation.*System\.TeamProjectId.*only in an Azure Pipelines agent job/s);
    });
  });

  describe('connectWorkspace', () => {
    it('builds a client that calls the workspace with the token and User-Agent', async () => {
      const transport = new FakeTransport(json(200, { jobs: [] }));
      const context = fakeContext({ transport, endpoints: { c: { url: workspace, scheme: 'Token', parameters: { apitoken: 'dapi-1' } } } });
      const client = connectWorkspace(context, { type: 'databricks', connectionId: 'c' });
      assert.equal(client.host, workspace);
      await client.call('GET', '/api/2.2/jobs/list');
      assert.equal(transport.requests[0].headers.Authorization, 'Bearer dapi-1');
      assert.equal(transport.requests[0].headers['User-Agent'], context.userAgent);
    });
  });
});
