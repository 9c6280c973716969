/**
 * Token endpoints, so every authentication path of the extension runs for real against the emulator:
 * - Databricks OAuth (`/oidc/v1/token`): M2M `client_credentials` with HTTP Basic client auth, and the
 *   RFC 8693 token exchange of an Azure DevOps OIDC token (workload identity federation policy).
 * - An Entra ID look-alike (`/entra/{tenant}/oauth2/v2.0/token` and v1 `/oauth2/token`): client secret
 *   or a client assertion that is an ADO OIDC token of a federated service connection.
 * - The Azure DevOps OIDC-token endpoint, reached the way azure-devops-node-api's
 *   `TaskApi.createOidcToken` reaches it: an `OPTIONS` location lookup, then the templated POST.
 * Every issued token is random and lives for the configured lifetime.
 */
import { randomUUID } from 'node:crypto';
import { EmulatorApiError, formBody, ok, type EmulatorRequest, type Reply, type Route } from '../http-kit';
import type { EmulatorContext } from '../server';
import type { ScenarioServicePrincipal } from '../scenario';
import type { TokenRecord } from '../tokens';

/** The Azure Databricks first-party application id (the Entra resource of workspace tokens). */
export const azureDatabricksResourceId = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
/** The fixed audience of Azure DevOps OIDC tokens. */
export const adoTokenAudience = 'api://AzureADTokenExchange';
/** Location id of the `oidctoken` resource in the `distributedtask` area. */
export const oidcTokenLocationId = '69a319f4-28c1-4bfd-93e6-ea0ff5c6f1a2';

const tokenExchangeGrant = 'urn:ietf:params:oauth:grant-type:token-exchange';
const jwtTokenType = 'urn:ietf:params:oauth:token-type:jwt';
const jwtBearerAssertion = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function oauthError(status: number, error: string, description: string): EmulatorApiError {
  return new EmulatorApiError(status, error, description, { error, error_description: description });
}

function entraError(status: number, error: string, code: number, description: string): EmulatorApiError {
  const message = `AADSTS${code}: ${description}`;
  return new EmulatorApiError(status, error, message, {
    error,
    error_description: `${message}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });
}

function basicCredentials(request: EmulatorRequest): { clientId: string; secret: string } | undefined {
  const header = request.headers.authorization;
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding.
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function requireForm(request: EmulatorRequest): Record<string, string> {
  if (!(request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    throw oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  }
  return formBody(request);
}

export function authRoutes(context: EmulatorContext): Route[] {
  const { now } = context;

  /** A known, unexpired ADO OIDC token, or an error in the caller's dialect. */
  function adoToken(value: string | undefined, onError: (why: 'unknown' | 'expired') => EmulatorApiError): TokenRecord {
    const record = value === undefined ? undefined : context.state.tokens.get(value);
    if (!record || record.kind !== 'ado-oidc') throw onError('unknown');
    if (context.state.tokens.isExpired(record)) throw onError('expired');
    return record;
  }

  function issue(kind: TokenRecord['kind'], sp: ScenarioServicePrincipal, grant: string): TokenRecord {
    return context.state.tokens.issue(kind, sp.applicationId, context.tokenLifetimeSeconds, { grant });
  }

  function databricksToken(request: EmulatorRequest): Reply {
    const form = requireForm(request);
    const scopes = (form.scope ?? '').split(/\s+/);
    if (!scopes.includes('all-apis')) throw oauthError(400, 'invalid_scope', `Requested scope '${form.scope ?? ''}' is not allowed; expected all-apis`);
    let record: TokenRecord;
    if (form.grant_type === 'client_credentials') {
      const credentials = basicCredentials(request) ?? (form.client_id ? { clientId: form.client_id, secret: form.client_secret ?? '' } : undefined);
      const sp = credentials && context.state.servicePrincipals.get(credentials.clientId);
      if (!credentials || !sp?.oauthSecret || sp.oauthSecret !== credentials.secret) {
        throw oauthError(401, 'invalid_client', 'Client authentication failed');
      }
      record = issue('databricks-oauth', sp, 'client_credentials');
    } else if (form.grant_type === tokenExchangeGrant) {
      if (form.subject_token_type !== jwtTokenType) throw oauthError(400, 'invalid_request', `subject_token_type must be ${jwtTokenType}`);
      const subject = adoToken(form.subject_token, (why) => oauthError(400, 'invalid_grant', why === 'expired' ? 'Subject token is expired' : 'Subject token could not be verified'));
      const sp = form.client_id ? context.state.servicePrincipals.get(form.client_id) : undefined;
      const sub = String(subject.claims?.sub ?? '');
      if (!sp?.federation || (sp.federation.subjects && !sp.federation.subjects.includes(sub))) {
        throw oauthError(400, 'invalid_grant', `No federation policy of service principal '${form.client_id ?? ''}' matches the token (iss, aud, sub=${sub})`);
      }
      record = issue('databricks-federation', sp, 'token-exchange');
    } else {
      throw oauthError(400, 'unsupported_grant_type', `Unsupported grant_type '${form.grant_type ?? ''}'`);
    }
    return ok({ access_token: record.token, token_type: 'Bearer', expires_in: context.tokenLifetimeSeconds, scope: 'all-apis' });
  }

  function entraToken(request: EmulatorRequest, version: 'v1' | 'v2'): Reply {
    const form = requireForm(request);
    const tenant = request.params.tenant;
    if (form.grant_type !== 'client_credentials') throw entraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.grant_type ?? ''}'.`);
    if (version === 'v2') {
      if (form.scope !== `${azureDatabricksResourceId}/.default`) {
        throw entraError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${form.scope ?? ''} is not valid.`);
      }
    } else if ((form.resource ?? '').replace(/\/$/, '') !== azureDatabricksResourceId) {
      throw entraError(400, 'invalid_resource', 500011, `The resource principal named ${form.resource ?? ''} was not found in the tenant named ${tenant}.`);
    }
    const sp = form.client_id ? context.state.servicePrincipals.get(form.client_id) : undefined;
    if (!sp?.entra || sp.entra.tenantId !== tenant) {
      throw entraError(400, 'unauthorized_client', 700016, `Application with identifier '${form.client_id ?? ''}' was not found in the directory '${tenant}'.`);
    }
    let grant: string;
    if (form.client_assertion !== undefined) {
      if (form.client_assertion_type !== jwtBearerAssertion) {
        throw entraError(400, 'invalid_request', 90002, `client_assertion_type must be ${jwtBearerAssertion}.`);
      }
      const assertion = adoToken(form.client_assertion, (why) =>
        why === 'expired'
          ? entraError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.')
          : entraError(400, 'invalid_client', 700211, 'No matching federated identity record found for presented assertion issuer.'),
      );
      if (!assertion.serviceConnectionId || !(sp.entra.federatedServiceConnectionIds ?? []).includes(assertion.serviceConnectionId)) {
        throw entraError(400, 'invalid_client', 70021, `No matching federated identity record found for presented assertion subject '${String(assertion.claims?.sub ?? '')}'.`);
      }
      grant = 'client_assertion';
    } else if (form.client_secret !== undefined) {
      if (!sp.entra.clientSecret || sp.entra.clientSecret !== form.client_secret) {
        throw entraError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
      }
      grant = 'client_secret';
    } else {
      throw entraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const record = issue('entra', sp, grant);
    const lifetime = context.tokenLifetimeSeconds;
    if (version === 'v2') return ok({ token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: record.token });
    // The v1 endpoint sends its numbers as strings.
    const nowSeconds = Math.floor(now() / 1000);
    return ok({
      token_type: 'Bearer',
      expires_in: String(lifetime),
      ext_expires_in: String(lifetime),
      expires_on: String(nowSeconds + lifetime),
      not_before: String(nowSeconds),
      resource: form.resource,
      access_token: record.token,
    });
  }

  function checkOrganization(request: EmulatorRequest): void {
    if (request.params.org !== context.state.azureDevOps.organization) {
      throw new EmulatorApiError(404, 'NOT_FOUND', `Organization '${request.params.org}' not found.`, { message: `TF400898: Organization '${request.params.org}' not found.` });
    }
  }

  function oidcToken(request: EmulatorRequest): Reply {
    checkOrganization(request);
    const { org, project, plan, job } = request.params;
    const ado = context.state.azureDevOps;
    const serviceConnectionId = request.query.get('serviceConnectionId') || undefined;
    const issuedAt = Math.floor(now() / 1000);
    const claims = {
      iss: `https://vstoken.dev.azure.com/${ado.organizationId}`,
      aud: adoTokenAudience,
      sub: serviceConnectionId ? `sc://${org}/${project}/${serviceConnectionId}` : (ado.pipelineSubject ?? `p://${org}/${project}/pipeline`),
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + ado.oidcTokenLifetimeSeconds,
      jti: randomUUID(),
      plan_id: plan,
      job_id: job,
    };
    const record = context.state.tokens.issue('ado-oidc', claims.sub, ado.oidcTokenLifetimeSeconds, { claims, serviceConnectionId, grant: 'oidctoken' });
    return ok({ oidcToken: record.token });
  }

  return [
    {
      method: 'GET',
      pattern: /^\/oidc\/\.well-known\/oauth-authorization-server$/,
      auth: 'none',
      handle: () =>
        ok({
          issuer: `${context.url}/oidc`,
          authorization_endpoint: `${context.url}/oidc/v1/authorize`,
          token_endpoint: `${context.url}/oidc/v1/token`,
          jwks_uri: `${context.url}/oidc/jwks.json`,
          grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token', tokenExchangeGrant],
          scopes_supported: ['all-apis', 'offline_access'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        }),
    },
    { method: 'POST', pattern: /^\/oidc\/v1\/token$/, auth: 'none', handle: databricksToken },
    { method: 'POST', pattern: /^\/entra\/(?<tenant>[^/]+)\/oauth2\/v2\.0\/token$/, auth: 'none', handle: (r) => entraToken(r, 'v2') },
    { method: 'POST', pattern: /^\/entra\/(?<tenant>[^/]+)\/oauth2\/token$/, auth: 'none', handle: (r) => entraToken(r, 'v1') },
    {
      method: 'OPTIONS',
      pattern: /^\/ado\/(?<org>[^/]+)\/_apis\/distributedtask\/?$/,
      auth: 'none',
      handle: (request) => {
        checkOrganization(request);
        return ok({
          count: 1,
          value: [
            {
              id: oidcTokenLocationId,
              area: 'distributedtask',
              resourceName: 'oidctoken',
              // azure-devops-node-api fills {area} and {resource} (not {resourceName}) from the location.
              routeTemplate: '{scopeIdentifier}/_apis/{area}/hubs/{hubName}/plans/{planId}/jobs/{jobId}/{resource}',
              resourceVersion: 1,
              minVersion: '7.1',
              maxVersion: '7.2',
              releasedVersion: '0.0',
            },
          ],
        });
      },
    },
    {
      method: 'POST',
      pattern: /^\/ado\/(?<org>[^/]+)\/(?<project>[^/]+)\/_apis\/distributedtask\/hubs\/(?<hub>[^/]+)\/plans\/(?<plan>[^/]+)\/jobs\/(?<job>[^/]+)\/oidctoken$/,
      auth: 'ado',
      handle: oidcToken,
    },
  ];
}
