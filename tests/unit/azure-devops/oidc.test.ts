import assert from 'node:assert/strict';
import type * as http from 'node:http';
import { createRequestUriOidcSource, createTaskApiOidcSource, type OidcJob } from '../../../tasks/common/azure-devops/oidc';
import { ApiError } from '../../../tasks/common/http/errors';
import { silentLogger } from '../../../tasks/common/ports';
import { FakeClock } from '../../fakes/clock';
import { FakeTransport, json, reset, text } from '../../fakes/transport';
import { startProxy, startTarget, type Server } from '../http/loopback';

/** Location id of the `oidctoken` resource in the distributedtask area (azure-devops-node-api TaskApi). */
const oidcLocationId = '69a319f4-28c1-4bfd-93e6-ea0ff5c6f1a2';

/** Just enough Azure DevOps for TaskApi.createOidcToken: resource locations and the oidctoken route. */
function adoHandler(answers: { status: number; body: unknown }[]): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    if (req.method === 'OPTIONS' && url.pathname.endsWith('/_apis/distributedtask')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          count: 1,
          value: [
            {
              id: oidcLocationId,
              area: 'distributedtask',
              resourceName: 'oidctoken',
              routeTemplate: '{scopeIdentifier}/_apis/distributedtask/hubs/{hubName}/plans/{planId}/jobs/{jobId}/oidctoken',
              resourceVersion: 1,
              minVersion: '7.1',
              maxVersion: '7.2',
              releasedVersion: '0.0',
            },
          ],
        }),
      );
      return;
    }
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    res.writeHead(answer.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  };
}

function job(collectionUri: string): OidcJob {
  return { collectionUri: `${collectionUri}/contoso/`, accessToken: 'system-access-token', projectId: 'project-guid', hostType: 'build', planId: 'plan-guid', jobId: 'job-guid' };
}

describe('Azure DevOps OIDC token sources', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  describe('TaskApi.createOidcToken', () => {
    it('asks for the service connection token with the job access token, and masks both', async () => {
      const ado = await startTarget(false, adoHandler([{ status: 200, body: { oidcToken: 'eyJ.connection.sig' } }]));
      servers.push(ado);
      const secrets: string[] = [];
      const source = createTaskApiOidcSource(job(ado.url), { serviceConnectionId: 'arm-1', description: "service connection 'arm-1'" }, {}, {
        clock: new FakeClock(),
        logger: silentLogger,
        setSecret: (value) => secrets.push(value),
        userAgent: 'ext/1 Task/1',
      });
      assert.equal(await source.getOidcToken(), 'eyJ.connection.sig');
      const post = ado.seen.find((r) => r.method === 'POST');
      assert.ok(post);
      const url = new URL(post.url, ado.url);
      assert.equal(url.pathname, '/contoso/project-guid/_apis/distributedtask/hubs/build/plans/plan-guid/jobs/job-guid/oidctoken');
      assert.equal(url.searchParams.get('serviceConnectionId'), 'arm-1');
      assert.equal(post.headers.authorization, 'Bearer system-access-token');
      assert.deepEqual(secrets, ['system-access-token', 'eyJ.connection.sig']);
    });

    it("asks for the pipeline's own token without serviceConnectionId", async () => {
      const ado = await startTarget(false, adoHandler([{ status: 200, body: { oidcToken: 'eyJ.pipeline.sig' } }]));
      servers.push(ado);
      const source = createTaskApiOidcSource(job(ado.url), { description: 'this pipeline' }, {}, { clock: new FakeClock(), logger: silentLogger, setSecret: () => undefined, userAgent: 'u' });
      assert.equal(await source.getOidcToken(), 'eyJ.pipeline.sig');
      const post = ado.seen.find((r) => r.method === 'POST');
      assert.equal(new URL(post?.url ?? '', ado.url).searchParams.has('serviceConnectionId'), false);
    });

    it('goes through the agent proxy', async () => {
      const ado = await startTarget(false, adoHandler([{ status: 200, body: { oidcToken: 'eyJ.proxied.sig' } }]));
      const proxy = await startProxy({ username: 'agent', password: 'proxy-pass' });
      servers.push(ado, proxy);
      const source = createTaskApiOidcSource(
        job(ado.url),
        { serviceConnectionId: 'arm-1', description: 'x' },
        { proxy: { proxyUrl: proxy.url, proxyUsername: 'agent', proxyPassword: 'proxy-pass', proxyBypassHosts: [] } },
        { clock: new FakeClock(), logger: silentLogger, setSecret: () => undefined, userAgent: 'u' },
      );
      assert.equal(await source.getOidcToken(), 'eyJ.proxied.sig');
      // typed-rest-client tunnels even plain http: one CONNECT for the location lookup, one for the token.
      const adoHost = new URL(ado.url).host;
      assert.deepEqual(
        proxy.seen.map((r) => `${r.method} ${r.url}`),
        [`CONNECT ${adoHost}`, `CONNECT ${adoHost}`],
      );
      assert.ok(proxy.seen.every((r) => r.headers['proxy-authorization'] === `Basic ${Buffer.from('agent:proxy-pass').toString('base64')}`));
    });

    it('retries a server error and reports a refusal with the connection and no token', async () => {
      const ado = await startTarget(false, adoHandler([{ status: 500, body: { message: 'hiccup' } }, { status: 200, body: { oidcToken: 'eyJ.after-retry.sig' } }]));
      servers.push(ado);
      const clock = new FakeClock();
      const options = { clock, logger: silentLogger, setSecret: () => undefined, userAgent: 'u', retry: { random: () => 0.5 } };
      const source = createTaskApiOidcSource(job(ado.url), { serviceConnectionId: 'arm-1', description: "service connection 'arm-1'" }, {}, options);
      assert.equal(await source.getOidcToken(), 'eyJ.after-retry.sig');
      assert.equal(clock.sleeps.length, 1);

      const refusing = await startTarget(false, adoHandler([{ status: 403, body: { message: 'Access denied for system-access-token', typeKey: 'AccessCheckException' } }]));
      servers.push(refusing);
      const denied = createTaskApiOidcSource(job(refusing.url), { serviceConnectionId: 'arm-1', description: "service connection 'arm-1'" }, {}, options);
      await assert.rejects(denied.getOidcToken(), (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.status, 403);
        assert.match(error.message, /service connection 'arm-1'/);
        assert.match(error.message, /allowed to use the service connection/);
        assert.ok(!error.message.includes('system-access-token'), error.message);
        return true;
      });
    });

    it('fails clearly when the answer has no token', async () => {
      const ado = await startTarget(false, adoHandler([{ status: 200, body: {} }]));
      servers.push(ado);
      const source = createTaskApiOidcSource(job(ado.url), { description: 'this pipeline' }, {}, { clock: new FakeClock(), logger: silentLogger, setSecret: () => undefined, userAgent: 'u' });
      await assert.rejects(source.getOidcToken(), (error: unknown) => error instanceof ApiError && error.errorCode === 'MALFORMED_RESPONSE');
    });
  });

  describe('System.OidcRequestUri', () => {
    const requestUri = 'https://dev.azure.com/contoso/p/_apis/distributedtask/hubs/build/plans/pl/jobs/j/oidctoken';

    it('posts through the transport, adding the api version and connection id', async () => {
      const transport = new FakeTransport(reset(), json(200, { oidcToken: 'eyJ.t.sig' }));
      const secrets: string[] = [];
      const clock = new FakeClock();
      const source = createRequestUriOidcSource(requestUri, 'system-access-token', { serviceConnectionId: 'arm-1', description: 'x' }, { transport, clock, logger: silentLogger, userAgent: 'u', retry: { random: () => 0 } }, (v) => secrets.push(v));
      assert.equal(await source.getOidcToken(), 'eyJ.t.sig');
      assert.equal(transport.requests.length, 2, 'a dropped connection is retried');
      const url = new URL(transport.requests[1].url);
      assert.equal(url.searchParams.get('api-version'), '7.1');
      assert.equal(url.searchParams.get('serviceConnectionId'), 'arm-1');
      assert.equal(transport.requests[1].headers.Authorization, 'Bearer system-access-token');
      assert.deepEqual(secrets, ['system-access-token', 'eyJ.t.sig']);
    });

    it('rejects a body that is not the expected JSON', async () => {
      const transport = new FakeTransport(text(200, '<html>sign in</html>'));
      const source = createRequestUriOidcSource(requestUri, 'tok', { description: 'this pipeline' }, { transport, clock: new FakeClock(), logger: silentLogger, userAgent: 'u' }, () => undefined);
      await assert.rejects(source.getOidcToken(), (error: unknown) => error instanceof ApiError && error.errorCode === 'MALFORMED_RESPONSE');
      assert.equal(transport.requests.length, 1);
    });

    it('stops at once when cancelled', async () => {
      const transport = new FakeTransport(json(200, { oidcToken: 'x' }));
      const source = createRequestUriOidcSource(requestUri, 'tok', { description: 'p' }, { transport, clock: new FakeClock(), logger: silentLogger, userAgent: 'u' }, () => undefined);
      await assert.rejects(source.getOidcToken(AbortSignal.abort(new Error('cancelled'))), /cancelled/);
      assert.equal(transport.requests.length, 0);
    });
  });
});
