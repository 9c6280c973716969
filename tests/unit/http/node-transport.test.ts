import assert from 'node:assert/strict';
import { bypassesProxy, createNodeTransport, nodeTransportOptionsFromAgent } from '../../../tasks/common/http/node-transport';
import { TransportError, bodyText } from '../../../tasks/common/http/transport';
import { caPem, startProxy, startTarget, type Server } from './loopback';

describe('node transport', function () {
  const servers: Server[] = [];
  async function start<T extends Server>(server: Promise<T>): Promise<T> {
    const started = await server;
    servers.push(started);
    return started;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('sends method, headers and body and returns status, lower-case headers and body', async () => {
    const target = await start(startTarget(false));
    const response = await createNodeTransport().send({ method: 'POST', url: `${target.url}/api/x?a=1`, headers: { 'User-Agent': 'ua/1', 'Content-Type': 'text/plain' }, body: 'hello' });
    assert.equal(response.status, 200);
    assert.equal(response.headers['x-served-by'], 'http-target');
    assert.deepEqual(JSON.parse(bodyText(response)), { method: 'POST', url: '/api/x?a=1', body: 'hello', userAgent: 'ua/1' });
  });

  it('sends a body with Content-Length rather than chunked', async () => {
    const target = await start(startTarget(false));
    const transport = createNodeTransport();
    await transport.send({ method: 'POST', url: target.url, headers: { 'Content-Type': 'application/json' }, body: '{"a":"é"}' });
    await transport.send({ method: 'PUT', url: target.url, headers: {}, body: new Uint8Array([1, 2, 3]) });
    await transport.send({ method: 'GET', url: target.url, headers: {} });
    assert.deepEqual(
      target.seen.map(({ headers }) => [headers['content-length'], headers['transfer-encoding']]),
      [['10', undefined], ['3', undefined], [undefined, undefined]],
    );
  });

  it('reports a refused connection as a TransportError with its code', async () => {
    const target = await startTarget(false);
    await target.close();
    await assert.rejects(createNodeTransport().send({ method: 'GET', url: target.url, headers: {} }), (error: unknown) => error instanceof TransportError && error.code === 'ECONNREFUSED');
  });

  it('reports an aborted request as aborted', async () => {
    const target = await start(startTarget(false, () => undefined));
    const controller = new AbortController();
    const sending = createNodeTransport().send({ method: 'GET', url: target.url, headers: {} }, controller.signal);
    setImmediate(() => controller.abort());
    await assert.rejects(sending, (error: unknown) => error instanceof TransportError && error.aborted);
  });

  describe('certificates', () => {
    it('trusts the agent CA in addition to the public ones', async () => {
      const target = await start(startTarget(true));
      const response = await createNodeTransport({ tls: { ca: caPem } }).send({ method: 'GET', url: `${target.url}/ok`, headers: {} });
      assert.equal(response.status, 200);
    });

    it('refuses a certificate it cannot verify, unless told to skip validation', async () => {
      const target = await start(startTarget(true));
      await assert.rejects(
        createNodeTransport().send({ method: 'GET', url: target.url, headers: {} }),
        (error: unknown) => error instanceof TransportError && /CERT|SELF_SIGNED|UNABLE_TO/.test(error.code ?? '') && /CA certificate/.test(error.message),
      );
      const response = await createNodeTransport({ tls: { rejectUnauthorized: false } }).send({ method: 'GET', url: target.url, headers: {} });
      assert.equal(response.status, 200);
    });

    it('reads the agent certificate files through the given reader', () => {
      const read: string[] = [];
      const options = nodeTransportOptionsFromAgent(
        { cert: { caFile: '/agent/ca.pem', certFile: '/agent/client.pem', keyFile: '/agent/client.key', passphrase: 'pw' }, ignoreSslError: true },
        (file) => {
          read.push(file);
          return Buffer.from(`content of ${file}`);
        },
      );
      assert.deepEqual(read, ['/agent/ca.pem', '/agent/client.pem', '/agent/client.key']);
      assert.equal(String(options.tls?.ca), 'content of /agent/ca.pem');
      assert.equal(options.tls?.passphrase, 'pw');
      assert.equal(options.tls?.rejectUnauthorized, false);
      assert.equal(options.proxy, undefined);
    });
  });

  describe('proxy', () => {
    const credentials = { username: 'agent', password: 'proxy-pass' };

    it('tunnels https through CONNECT with proxy credentials', async () => {
      const target = await start(startTarget(true));
      const proxy = await start(startProxy(credentials));
      const transport = createNodeTransport({ proxy: { proxyUrl: proxy.url, proxyUsername: 'agent', proxyPassword: 'proxy-pass' }, tls: { ca: caPem } });
      const response = await transport.send({ method: 'POST', url: `${target.url.replace('127.0.0.1', 'localhost')}/oidc/v1/token`, headers: {}, body: 'grant_type=x' });
      assert.equal(response.status, 200);
      assert.equal(JSON.parse(bodyText(response)).body, 'grant_type=x');
      const port = new URL(target.url).port;
      assert.deepEqual(proxy.seen.map((r) => `${r.method} ${r.url}`), [`CONNECT localhost:${port}`]);
      assert.equal(target.seen.length, 1);
      // The target never sees the proxy credentials.
      assert.equal(target.seen[0].headers['proxy-authorization'], undefined);
    });

    it('sends plain http to the proxy with the absolute URL', async () => {
      const target = await start(startTarget(false));
      const proxy = await start(startProxy(credentials));
      const transport = createNodeTransport({ proxy: { proxyUrl: proxy.url, proxyUsername: 'agent', proxyPassword: 'proxy-pass' } });
      const response = await transport.send({ method: 'GET', url: `${target.url}/api/2.2/jobs/get?job_id=1`, headers: {} });
      assert.equal(response.status, 200);
      assert.deepEqual(proxy.seen.map((r) => `${r.method} ${r.url}`), [`GET ${target.url}/api/2.2/jobs/get?job_id=1`]);
    });

    it('goes direct for hosts on the bypass list', async () => {
      const target = await start(startTarget(false));
      const proxy = await start(startProxy());
      const transport = createNodeTransport({ proxy: { proxyUrl: proxy.url, proxyBypassHosts: ['127\\.0\\.0\\.1'] } });
      assert.equal((await transport.send({ method: 'GET', url: target.url, headers: {} })).status, 200);
      assert.equal(proxy.seen.length, 0);
      assert.equal(target.seen.length, 1);
    });

    it('fails with EPROXY when the proxy refuses the tunnel', async () => {
      const target = await start(startTarget(true));
      const proxy = await start(startProxy(credentials));
      const transport = createNodeTransport({ proxy: { proxyUrl: proxy.url, proxyUsername: 'agent', proxyPassword: 'wrong' }, tls: { ca: caPem } });
      await assert.rejects(transport.send({ method: 'GET', url: target.url, headers: {} }), (error: unknown) => error instanceof TransportError && error.code === 'EPROXY' && /407/.test(error.message) && !error.message.includes('wrong'));
      assert.equal(target.seen.length, 0);
    });

    it('matches bypass expressions against the whole URL, case-insensitively, ignoring broken ones', () => {
      assert.equal(bypassesProxy('https://ADB-1.azuredatabricks.net/api', ['adb-1\\.azuredatabricks\\.net']), true);
      assert.equal(bypassesProxy('https://login.microsoftonline.com/t', ['adb-1\\.azuredatabricks\\.net', '(']), false);
      assert.equal(bypassesProxy('https://x', undefined), false);
    });
  });
});
