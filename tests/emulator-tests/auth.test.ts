import assert from 'node:assert/strict';
import { getBearerHandler, WebApi } from 'azure-devops-node-api';
import { azureDatabricksResourceId, decodeJwtClaims, startEmulator, type Emulator } from '../emulator';
import { basic, bodyOf, call } from './helpers';
import { FakeClock } from '../fakes/clock';

const systemToken = 'ado-system-access-token-for-tests-0123456789abcdef0123456789';
const tenant = 'tenant-1';
const serviceConnectionId = 'svc-conn-1';
const listPath = '/api/2.2/jobs/list';
const m2mForm = { grant_type: 'client_credentials', scope: 'all-apis' };

describe('emulator token endpoints', () => {
  let emulator: Emulator;
  const clock = new FakeClock();

  before(async () => {
    emulator = await startEmulator({
      clock,
      tokenLifetimeSeconds: 120,
      scenario: {
        identities: {
          servicePrincipals: [
            { applicationId: 'sp-m2m', oauthSecret: 'm2m-secret' },
            { applicationId: 'sp-federated', federation: { subjects: ['p://org/proj/release'] } },
            {
              applicationId: 'sp-entra',
              entra: { tenantId: tenant, clientSecret: 'entra-secret', federatedServiceConnectionIds: [serviceConnectionId] },
            },
          ],
        },
        azureDevOps: { organization: 'org', systemAccessTokens: [systemToken], pipelineSubject: 'p://org/proj/release' },
      },
    });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.reset());

  /** An ADO OIDC token obtained exactly as tasks obtain it, through azure-devops-node-api. */
  async function adoOidcToken(connectionId?: string): Promise<string> {
    const api = new WebApi(emulator.collectionUri, getBearerHandler(systemToken));
    const taskApi = await api.getTaskApi();
    const response = await taskApi.createOidcToken({}, 'proj', 'build', 'plan-1', 'job-1', connectionId as string);
    assert.ok(response.oidcToken);
    return response.oidcToken;
  }

  describe('Databricks OAuth', () => {
    it('publishes its token endpoint in the authorization-server metadata', async () => {
      const result = await call(emulator, 'GET', '/oidc/.well-known/oauth-authorization-server', { token: null });
      assert.equal(result.status, 200);
      assert.equal(result.json.token_endpoint, `${emulator.url}/oidc/v1/token`);
    });

    it('issues a random, expiring token for client_credentials with HTTP Basic client auth', async () => {
      const first = await call(emulator, 'POST', '/oidc/v1/token', { token: null, form: m2mForm, headers: { authorization: basic('sp-m2m', 'm2m-secret') } });
      const second = await call(emulator, 'POST', '/oidc/v1/token', { token: null, form: m2mForm, headers: { authorization: basic('sp-m2m', 'm2m-secret') } });
      assert.equal(first.status, 200);
      assert.equal(first.json.token_type, 'Bearer');
      assert.equal(first.json.expires_in, 120);
      assert.equal(first.json.scope, 'all-apis');
      assert.notEqual(first.json.access_token, second.json.access_token);
      assert.ok(!first.json.access_token.includes('m2m-secret'));
      const list = await call(emulator, 'GET', listPath, { token: first.json.access_token });
      assert.equal(list.status, 200);
      assert.deepEqual(emulator.requests.at(-1)?.auth, { scheme: 'bearer', tokenKind: 'databricks-oauth', identity: 'sp-m2m', expired: false });
      assert.equal(emulator.requests[0].headers.authorization, 'Basic <client sp-m2m>');
      const me = await call(emulator, 'GET', '/api/2.0/preview/scim/v2/Me', { token: first.json.access_token });
      assert.deepEqual([me.json.userName, me.json.applicationId], ['sp-m2m', 'sp-m2m']);
    });

    it('answers 401 invalid_client for a wrong secret and 400 invalid_scope without all-apis', async () => {
      const wrong = await call(emulator, 'POST', '/oidc/v1/token', { token: null, form: m2mForm, headers: { authorization: basic('sp-m2m', 'nope') } });
      assert.deepEqual([wrong.status, wrong.json.error], [401, 'invalid_client']);
      const scope = await call(emulator, 'POST', '/oidc/v1/token', {
        token: null,
        form: { grant_type: 'client_credentials', scope: 'sql' },
        headers: { authorization: basic('sp-m2m', 'm2m-secret') },
      });
      assert.deepEqual([scope.status, scope.json.error], [400, 'invalid_scope']);
    });

    it('expires issued tokens after their lifetime (by the emulator clock): 401 until refreshed', async () => {
      const issued = await call(emulator, 'POST', '/oidc/v1/token', { token: null, form: m2mForm, headers: { authorization: basic('sp-m2m', 'm2m-secret') } });
      clock.advance(119_000);
      assert.equal((await call(emulator, 'GET', listPath, { token: issued.json.access_token })).status, 200);
      clock.advance(1_000);
      const expired = await call(emulator, 'GET', listPath, { token: issued.json.access_token });
      assert.equal(expired.status, 401);
      assert.match(expired.json.message, /expired/i);
      assert.equal(emulator.state.tokens.issued('databricks-oauth').length, 1);
    });

    it('exchanges an Azure DevOps OIDC token for a federated service principal', async () => {
      const oidc = await adoOidcToken();
      const result = await call(emulator, 'POST', '/oidc/v1/token', {
        token: null,
        form: {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: oidc,
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          scope: 'all-apis',
          client_id: 'sp-federated',
        },
      });
      assert.equal(result.status, 200);
      const list = await call(emulator, 'GET', listPath, { token: result.json.access_token });
      assert.equal(list.status, 200);
      assert.equal(emulator.requests.at(-1)?.auth.tokenKind, 'databricks-federation');
      assert.equal(emulator.requests.at(-1)?.auth.identity, 'sp-federated');
      const exchange = emulator.requestsTo('POST', '/oidc/v1/token')[0];
      assert.equal(bodyOf(exchange).subject_token, '<redacted ado-oidc>');
    });

    it('refuses a token exchange for a principal without a matching federation policy, or an expired subject token', async () => {
      const oidc = await adoOidcToken();
      const form = {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: oidc,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        scope: 'all-apis',
      };
      const noPolicy = await call(emulator, 'POST', '/oidc/v1/token', { token: null, form: { ...form, client_id: 'sp-m2m' } });
      assert.deepEqual([noPolicy.status, noPolicy.json.error], [400, 'invalid_grant']);
      clock.advance(601_000);
      const expired = await call(emulator, 'POST', '/oidc/v1/token', { token: null, form: { ...form, client_id: 'sp-federated' } });
      assert.deepEqual([expired.status, expired.json.error], [400, 'invalid_grant']);
    });
  });

  describe('Azure DevOps OIDC token endpoint', () => {
    it('serves the location lookup and the templated POST that TaskApi.createOidcToken makes', async () => {
      const token = await adoOidcToken(serviceConnectionId);
      const claims = decodeJwtClaims(token)!;
      assert.equal(claims.aud, 'api://AzureADTokenExchange');
      assert.equal(claims.sub, `sc://org/proj/${serviceConnectionId}`);
      assert.match(String(claims.iss), /^https:\/\/vstoken\.dev\.azure\.com\//);
      assert.equal(Number(claims.exp) - Number(claims.iat), 600);
      assert.deepEqual(
        emulator.requests.map((r) => [r.method, r.path, r.status]),
        [
          ['OPTIONS', '/ado/org/_apis/distributedtask', 200],
          ['POST', '/ado/org/proj/_apis/distributedtask/hubs/build/plans/plan-1/jobs/job-1/oidctoken', 200],
        ],
      );
      assert.equal(emulator.requests[1].query.serviceConnectionId, serviceConnectionId);
      assert.equal(emulator.requests[1].auth.tokenKind, 'ado-system');
    });

    it('gives a pipeline-scoped subject without a service connection', async () => {
      const claims = decodeJwtClaims(await adoOidcToken())!;
      assert.equal(claims.sub, 'p://org/proj/release');
    });

    it('rejects a request without the system access token', async () => {
      const result = await call(emulator, 'POST', '/ado/org/proj/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken', { token: 'not-the-system-token' });
      assert.equal(result.status, 401);
    });

    it('does not accept ADO OIDC tokens on workspace routes', async () => {
      const oidc = await adoOidcToken();
      assert.equal((await call(emulator, 'GET', listPath, { token: oidc })).status, 401);
    });
  });

  describe('Entra ID', () => {
    const v2 = `/entra/${tenant}/oauth2/v2.0/token`;
    const scope = `${azureDatabricksResourceId}/.default`;

    it('issues a workspace token for a client secret (v2)', async () => {
      const result = await call(emulator, 'POST', v2, {
        token: null,
        form: { grant_type: 'client_credentials', client_id: 'sp-entra', client_secret: 'entra-secret', scope },
      });
      assert.equal(result.status, 200);
      assert.equal(result.json.expires_in, 120);
      assert.equal((await call(emulator, 'GET', listPath, { token: result.json.access_token })).status, 200);
      assert.equal(emulator.requests.at(-1)?.auth.tokenKind, 'entra');
      assert.equal(bodyOf(emulator.requests[0]).client_secret, '<redacted secret>');
    });

    it('issues a workspace token for an ADO OIDC client assertion of a federated service connection', async () => {
      const assertion = await adoOidcToken(serviceConnectionId);
      const result = await call(emulator, 'POST', v2, {
        token: null,
        form: {
          grant_type: 'client_credentials',
          client_id: 'sp-entra',
          client_assertion: assertion,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          scope,
        },
      });
      assert.equal(result.status, 200);
      assert.equal(emulator.state.tokens.get(result.json.access_token)?.grant, 'client_assertion');
    });

    it('rejects an assertion from another service connection, a wrong scope and a wrong secret', async () => {
      const assertion = await adoOidcToken('other-connection');
      const form = { grant_type: 'client_credentials', client_id: 'sp-entra', scope };
      const other = await call(emulator, 'POST', v2, {
        token: null,
        form: { ...form, client_assertion: assertion, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' },
      });
      assert.deepEqual([other.status, other.json.error, other.json.error_codes], [400, 'invalid_client', [70021]]);
      const badScope = await call(emulator, 'POST', v2, { token: null, form: { ...form, client_secret: 'entra-secret', scope: 'https://management.azure.com/.default' } });
      assert.deepEqual([badScope.status, badScope.json.error], [400, 'invalid_scope']);
      const badSecret = await call(emulator, 'POST', v2, { token: null, form: { ...form, client_secret: 'wrong' } });
      assert.deepEqual([badSecret.status, badSecret.json.error_codes], [401, [7000215]]);
      const otherTenant = await call(emulator, 'POST', '/entra/other-tenant/oauth2/v2.0/token', { token: null, form: { ...form, client_secret: 'entra-secret' } });
      assert.deepEqual([otherTenant.status, otherTenant.json.error], [400, 'unauthorized_client']);
    });

    it('rejects an expired client assertion', async () => {
      const assertion = await adoOidcToken(serviceConnectionId);
      clock.advance(600_000);
      const result = await call(emulator, 'POST', v2, {
        token: null,
        form: {
          grant_type: 'client_credentials',
          client_id: 'sp-entra',
          client_assertion: assertion,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          scope,
        },
      });
      assert.deepEqual([result.status, result.json.error_codes], [400, [700024]]);
    });

    it('serves the v1 endpoint with resource=, numbers as strings', async () => {
      const result = await call(emulator, 'POST', `/entra/${tenant}/oauth2/token`, {
        token: null,
        form: { grant_type: 'client_credentials', client_id: 'sp-entra', client_secret: 'entra-secret', resource: azureDatabricksResourceId },
      });
      assert.equal(result.status, 200);
      assert.equal(result.json.expires_in, '120');
      assert.equal(result.json.resource, azureDatabricksResourceId);
      assert.equal((await call(emulator, 'GET', listPath, { token: result.json.access_token })).status, 200);
    });
  });
});
