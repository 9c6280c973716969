import assert from 'node:assert/strict';
import { createDatabricksOAuthTokenProvider } from '../../../../tasks/common/databricks/auth/databricks-oauth';
import { azureDatabricksResourceId, createEntraTokenProvider } from '../../../../tasks/common/databricks/auth/entra';
import { createFederationTokenProvider } from '../../../../tasks/common/databricks/auth/federation';
import type { OidcTokenSource } from '../../../../tasks/common/databricks/auth/oidc-token-source';
import { PersonalAccessTokenProvider } from '../../../../tasks/common/databricks/auth/personal-access-token';
import { requestToken, type TokenHttp } from '../../../../tasks/common/databricks/auth/token-endpoint';
import { ApiError } from '../../../../tasks/common/http/errors';
import { silentLogger } from '../../../../tasks/common/ports';
import { FakeClock } from '../../../fakes/clock';
import { FakeTransport, form, json, reset, text, type Scripted } from '../../../fakes/transport';

const host = 'https://adb-1.2.azuredatabricks.net';
const secret = 'dose-super-secret-value';

function http(...script: Scripted[]): TokenHttp & { transport: FakeTransport; clock: FakeClock } {
  return { transport: new FakeTransport(...script), clock: new FakeClock(), logger: silentLogger, userAgent: 'ext/1.0 Task/1.0', retry: { random: () => 0.5 } };
}

const issued = (token: string, expiresIn: number | string = 3600): Scripted => json(200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: 'all-apis' });

async function apiFailure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected a failure');
}

/** OIDC tokens oidc-1, oidc-2, ...; records them as the real sources do. */
function oidcSource(secrets: string[]): OidcTokenSource & { calls: number } {
  const source = {
    calls: 0,
    getOidcToken: () => {
      source.calls++;
      const token = `eyJ.oidc-${source.calls}.sig`;
      secrets.push(token);
      return Promise.resolve(token);
    },
  };
  return source;
}

describe('token providers', () => {
  describe('personal access token', () => {
    it('registers the token at once and serves it', async () => {
      const secrets: string[] = [];
      const provider = new PersonalAccessTokenProvider('dapi123', "the personal access token of service connection 'c'", (v) => secrets.push(v));
      assert.deepEqual(secrets, ['dapi123']);
      assert.equal(await provider.getToken(), 'dapi123');
      provider.invalidate();
      assert.equal(await provider.getToken(), 'dapi123');
      assert.throws(() => new PersonalAccessTokenProvider('', 'x', () => undefined), /No personal access token/);
    });
  });

  describe('Databricks OAuth M2M', () => {
    it('posts client_credentials with HTTP Basic client authentication to {host}/oidc/v1/token', async () => {
      const h = http(issued('m2m-1'));
      const secrets: string[] = [];
      const provider = createDatabricksOAuthTokenProvider({ host, clientId: 'sp-app-id', clientSecret: secret, source: "service connection 'c'", clock: h.clock, setSecret: (v) => secrets.push(v) }, h);
      assert.equal(await provider.getToken(), 'm2m-1');
      const [request] = h.transport.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.url, `${host}/oidc/v1/token`);
      assert.equal(request.headers['Content-Type'], 'application/x-www-form-urlencoded');
      assert.equal(request.headers.Authorization, `Basic ${Buffer.from(`sp-app-id:${encodeURIComponent(secret)}`).toString('base64')}`);
      assert.equal(request.headers['User-Agent'], 'ext/1.0 Task/1.0');
      assert.deepEqual(form(request), { grant_type: 'client_credentials', scope: 'all-apis' });
      assert.ok(secrets.includes(secret), 'the client secret is masked');
      assert.ok(secrets.includes('m2m-1'), 'the access token is masked');
      assert.match(provider.identity, /sp-app-id/);
    });

    it('refreshes 40 s before expiry', async () => {
      const h = http(issued('m2m-1', 3600), issued('m2m-2', 3600));
      const provider = createDatabricksOAuthTokenProvider({ host, clientId: 'id', clientSecret: secret, source: 's', clock: h.clock, setSecret: () => undefined }, h);
      await provider.getToken();
      h.clock.advance(3600_000 - 40_001);
      assert.equal(await provider.getToken(), 'm2m-1');
      h.clock.advance(1);
      assert.equal(await provider.getToken(), 'm2m-2');
      assert.equal(h.transport.requests.length, 2);
    });

    it('fails with the identity and without the secret when the endpoint refuses', async () => {
      const h = http(json(401, { error: 'invalid_client', error_description: `Client authentication failed for secret ${secret}` }));
      const provider = createDatabricksOAuthTokenProvider({ host, clientId: 'sp-app-id', clientSecret: secret, source: "service connection 'c'", clock: h.clock, setSecret: () => undefined }, h);
      const error = await apiFailure(provider.getToken());
      assert.equal(error.status, 401);
      assert.equal(error.errorCode, 'invalid_client');
      assert.match(error.message, /service principal sp-app-id/);
      assert.match(error.message, /Client authentication failed/);
      assert.ok(!error.message.includes(secret), error.message);
      assert.ok(!error.message.includes(Buffer.from(`sp-app-id:${encodeURIComponent(secret)}`).toString('base64')));
      assert.equal(h.transport.requests.length, 1, '401 is not retried');
    });
  });

  describe('token endpoint requests', () => {
    const request = { url: `${host}/oidc/v1/token`, form: { grant_type: 'client_credentials' }, identity: 'sp x', secrets: [secret] };

    it('retries 429 (with Retry-After), 503 and dropped connections', async () => {
      const h = http(json(429, { error: 'slow_down' }, { 'retry-after': '4' }), text(503, ''), reset(), issued('t', 60));
      const token = await requestToken(h, request);
      assert.equal(token.accessToken, 't');
      assert.equal(h.transport.requests.length, 4);
      assert.equal(h.clock.sleeps[0], 4000);
      assert.equal(token.expiresAtMs, h.clock.now() + 60_000);
    });

    it('reads expires_in as a string (Entra v1) and expires_on', async () => {
      const h = http(issued('t', '1800'));
      const viaString = await requestToken(h, request);
      assert.equal(viaString.expiresAtMs, h.clock.now() + 1800_000);
      const expiresOn = Math.floor(h.clock.now() / 1000) + 900;
      const h2 = http(json(200, { access_token: 't', expires_on: String(expiresOn) }));
      assert.equal((await requestToken(h2, request)).expiresAtMs, expiresOn * 1000);
    });

    it('assumes a short lifetime when the response gives none', async () => {
      const h = http(json(200, { access_token: 't' }));
      const token = await requestToken(h, request);
      assert.ok(token.expiresAtMs - h.clock.now() <= 10 * 60_000);
    });

    it('rejects a success without access_token without echoing the body', async () => {
      const h = http(json(200, { id_token: 'should-not-appear' }));
      const error = await apiFailure(requestToken(h, request));
      assert.equal(error.errorCode, 'MALFORMED_RESPONSE');
      assert.ok(!error.message.includes('should-not-appear'));
    });

    it('gives up after the deadline with the identity in the message', async () => {
      const h = http(text(503, 'down'));
      const error = await apiFailure(requestToken({ ...h, retry: { random: () => 0.5, deadlineMs: 10_000 } }, request));
      assert.equal(error.status, 503);
      assert.match(error.message, /Could not get an access token for sp x/);
    });

    it('stops when the signal aborts', async () => {
      const controller = new AbortController();
      const h = http(() => {
        controller.abort(new Error('step cancelled'));
        return text(503, '');
      });
      await assert.rejects(requestToken(h, { ...request, signal: controller.signal }), /step cancelled/);
      assert.equal(h.transport.requests.length, 1);
    });
  });

  describe('Entra ID', () => {
    it('exchanges a fresh OIDC token per refresh as a client assertion (workload identity federation)', async () => {
      const h = http(issued('entra-1'), issued('entra-2'));
      const secrets: string[] = [];
      const oidc = oidcSource(secrets);
      const provider = createEntraTokenProvider(
        { authority: 'https://login.example.test', tenantId: 'tenant-1', clientId: 'app-1', credential: { kind: 'federated', oidc }, source: "Azure Resource Manager service connection 'arm'", clock: h.clock, setSecret: (v) => secrets.push(v) },
        h,
      );
      assert.equal(await provider.getToken(), 'entra-1');
      const [first] = h.transport.requests;
      assert.equal(first.url, 'https://login.example.test/tenant-1/oauth2/v2.0/token');
      assert.deepEqual(form(first), {
        grant_type: 'client_credentials',
        client_id: 'app-1',
        scope: `${azureDatabricksResourceId}/.default`,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'eyJ.oidc-1.sig',
      });
      h.clock.advance(3600_000);
      assert.equal(await provider.getToken(), 'entra-2');
      assert.equal(form(h.transport.requests[1]).client_assertion, 'eyJ.oidc-2.sig');
      assert.equal(oidc.calls, 2);
      assert.deepEqual(secrets, ['eyJ.oidc-1.sig', 'entra-1', 'eyJ.oidc-2.sig', 'entra-2']);
      assert.match(provider.identity, /app-1.*tenant-1.*workload identity federation/);
    });

    it('uses client_secret for a service principal secret and masks it', async () => {
      const h = http(issued('entra-1'));
      const secrets: string[] = [];
      const provider = createEntraTokenProvider(
        { authority: 'https://login.microsoftonline.com/', tenantId: 't', clientId: 'app', credential: { kind: 'secret', clientSecret: secret }, source: 's', clock: h.clock, setSecret: (v) => secrets.push(v) },
        h,
      );
      await provider.getToken();
      assert.equal(h.transport.requests[0].url, 'https://login.microsoftonline.com/t/oauth2/v2.0/token');
      const fields = form(h.transport.requests[0]);
      assert.equal(fields.client_secret, secret);
      assert.equal(fields.client_assertion, undefined);
      assert.deepEqual(secrets, [secret, 'entra-1']);
    });

    it('never puts the assertion in an error message', async () => {
      const h = http(json(400, { error: 'invalid_client', error_description: 'AADSTS700024: Client assertion eyJ.oidc-1.sig is not within its valid time range.' }));
      const provider = createEntraTokenProvider(
        { authority: 'https://login.microsoftonline.com/', tenantId: 't', clientId: 'app', credential: { kind: 'federated', oidc: oidcSource([]) }, source: 's', clock: h.clock, setSecret: () => undefined },
        h,
      );
      const error = await apiFailure(provider.getToken());
      assert.match(error.message, /AADSTS700024/);
      assert.match(error.message, /service principal app in tenant t/);
      assert.ok(!error.message.includes('eyJ.oidc-1.sig'), error.message);
    });
  });

  describe('Azure DevOps federation', () => {
    it('exchanges the pipeline OIDC token at {host}/oidc/v1/token (RFC 8693)', async () => {
      const h = http(issued('fed-1'), issued('fed-2'));
      const secrets: string[] = [];
      const oidc = oidcSource(secrets);
      const provider = createFederationTokenProvider({ host, clientId: 'sp-client', oidc, clock: h.clock, setSecret: (v) => secrets.push(v) }, h);
      assert.equal(await provider.getToken(), 'fed-1');
      const [request] = h.transport.requests;
      assert.equal(request.url, `${host}/oidc/v1/token`);
      assert.equal(request.headers.Authorization, undefined, 'no client secret anywhere');
      assert.deepEqual(form(request), {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: 'eyJ.oidc-1.sig',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        scope: 'all-apis',
        client_id: 'sp-client',
      });
      h.clock.advance(3600_000 - 30_000);
      assert.equal(await provider.getToken(), 'fed-2');
      assert.equal(form(h.transport.requests[1]).subject_token, 'eyJ.oidc-2.sig');
      assert.deepEqual(secrets, ['eyJ.oidc-1.sig', 'fed-1', 'eyJ.oidc-2.sig', 'fed-2']);
    });

    it('explains a refused exchange with the federation policy to check', async () => {
      const h = http(json(401, { error: 'invalid_request', error_description: 'no matching federation policy' }));
      const provider = createFederationTokenProvider({ host, clientId: 'sp-client', oidc: oidcSource([]), clock: h.clock, setSecret: () => undefined }, h);
      const error = await apiFailure(provider.getToken());
      assert.match(error.message, /sp-client/);
      assert.match(error.message, /federation policy/);
      assert.ok(!error.message.includes('eyJ.oidc'));
    });
  });
});
