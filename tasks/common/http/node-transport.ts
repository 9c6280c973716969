import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { TransportError, type HttpRequest, type HttpResponse, type HttpTransport } from './transport';

/** The agent's proxy (task-lib `getHttpProxyConfiguration`; same shape as typed-rest-client's). */
export interface AgentProxySettings {
  proxyUrl: string;
  proxyUsername?: string;
  proxyPassword?: string;
  /** Regular expressions; a request whose URL matches one goes direct (matched case-insensitively, as task-lib does). */
  proxyBypassHosts?: string[];
}

/** The agent's certificate files (task-lib `getHttpCertConfiguration`; same shape as typed-rest-client's). */
export interface AgentCertSettings {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  passphrase?: string;
}

/**
 * The agent's network settings as task-lib reports them. Passed unchanged to typed-rest-client
 * clients (azure-devops-node-api) and turned into {@link NodeTransportOptions} for our transport.
 */
export interface AgentNetworkSettings {
  proxy?: AgentProxySettings;
  cert?: AgentCertSettings;
  /** `Agent.SkipCertValidation`: accept any server certificate. */
  ignoreSslError?: boolean;
}

/** TLS material, already read from files. */
export interface TlsSettings {
  /** Extra trusted CA certificates (PEM); added to Node's defaults, not replacing them. */
  ca?: string | Buffer;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** False only when the agent says to skip certificate validation. */
  rejectUnauthorized?: boolean;
}

/** Options of {@link createNodeTransport}. */
export interface NodeTransportOptions {
  /** Socket inactivity timeout. */
  timeoutMs?: number;
  proxy?: AgentProxySettings;
  tls?: TlsSettings;
}

/**
 * Turns the agent's settings into transport options, reading the certificate files with `readFile`
 * (the task-lib adapter passes `fs.readFileSync`).
 */
export function nodeTransportOptionsFromAgent(settings: AgentNetworkSettings, readFile: (path: string) => Buffer): NodeTransportOptions {
  const { cert } = settings;
  const tlsSettings: TlsSettings = {};
  if (cert?.caFile) tlsSettings.ca = readFile(cert.caFile);
  if (cert?.certFile) tlsSettings.cert = readFile(cert.certFile);
  if (cert?.keyFile) tlsSettings.key = readFile(cert.keyFile);
  if (cert?.passphrase) tlsSettings.passphrase = cert.passphrase;
  if (settings.ignoreSslError) tlsSettings.rejectUnauthorized = false;
  return { proxy: settings.proxy?.proxyUrl ? settings.proxy : undefined, tls: tlsSettings };
}

/** True when `url` matches one of the bypass expressions, tested against the whole URL as task-lib does. */
export function bypassesProxy(url: string, bypassHosts: readonly string[] | undefined): boolean {
  return (bypassHosts ?? []).some((pattern) => {
    try {
      return new RegExp(pattern, 'i').test(url);
    } catch {
      return false;
    }
  });
}

function proxyAuthorization(proxy: AgentProxySettings): Record<string, string> {
  if (!proxy.proxyUsername) return {};
  const credentials = Buffer.from(`${proxy.proxyUsername}:${proxy.proxyPassword ?? ''}`).toString('base64');
  return { 'Proxy-Authorization': `Basic ${credentials}` };
}

function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** Node's CA list plus the agent's extra CA, so adding a corporate CA does not drop the public ones. */
function trustedCas(extra: string | Buffer | undefined): (string | Buffer)[] | undefined {
  return extra === undefined ? undefined : [...tls.rootCertificates, extra];
}

/**
 * The HttpTransport over Node's http/https modules, through the agent's proxy (CONNECT tunnel for https) when set.
 * Longer than our usual function: it is a closure over the agent's network settings whose inner
 * functions (tunnel, request, response) each do one thing; splitting it would pass the settings around.
 */
export function createNodeTransport(options: NodeTransportOptions = {}): HttpTransport {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const tlsOptions: tls.ConnectionOptions = {
    ca: trustedCas(options.tls?.ca),
    cert: options.tls?.cert,
    key: options.tls?.key,
    passphrase: options.tls?.passphrase,
    rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
  };
  const proxy = options.proxy?.proxyUrl ? options.proxy : undefined;
  const proxyUrl = proxy ? new URL(proxy.proxyUrl) : undefined;

  /** Opens a tunnel through the proxy to the target's host and port. */
  function tunnel(target: URL, via: URL, signal: AbortSignal | undefined): Promise<net.Socket> {
    return new Promise<net.Socket>((resolve, reject) => {
      const authority = `${target.hostname}:${defaultPort(target)}`;
      const req = (via.protocol === 'https:' ? https : http).request({
        host: bare(via.hostname),
        port: defaultPort(via),
        method: 'CONNECT',
        path: authority,
        headers: { Host: authority, ...proxyAuthorization(proxy as AgentProxySettings) },
        signal,
        timeout: timeoutMs,
        ...(via.protocol === 'https:' ? tlsOptions : {}),
      });
      req.on('connect', (res: http.IncomingMessage, socket: net.Socket) => {
        if (res.statusCode === 200) {
          resolve(socket);
        } else {
          socket.destroy();
          reject(new TransportError(`the proxy ${via.host} answered ${res.statusCode} to CONNECT ${authority}`, 'EPROXY'));
        }
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`the proxy did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => reject(transportError(error)));
      req.end();
    });
  }

  /** Sends the request directly, as an absolute-URI request to an http proxy, or over a tunnel socket. */
  function exchange(request: HttpRequest, signal: AbortSignal | undefined, route: Route): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(request.url);
      const secure = url.protocol === 'https:';
      const common = { method: request.method, signal, timeout: timeoutMs };
      let req: http.ClientRequest;
      if (route.kind === 'tunnel') {
        // TLS to the target over the proxy's socket; no agent, so the socket is never pooled.
        const socket = route.socket;
        req = https.request(url, {
          ...common,
          headers: request.headers,
          createConnection: () => tls.connect({ ...tlsOptions, socket, servername: bare(url.hostname) }),
        });
      } else if (route.kind === 'proxy') {
        const via = route.via;
        req = (via.protocol === 'https:' ? https : http).request({
          ...common,
          host: bare(via.hostname),
          port: defaultPort(via),
          path: url.href,
          headers: { Host: url.host, ...request.headers, ...proxyAuthorization(proxy as AgentProxySettings) },
          ...(via.protocol === 'https:' ? tlsOptions : {}),
        });
      } else {
        req = (secure ? https : http).request(url, { ...common, headers: request.headers, ...(secure ? tlsOptions : {}) });
      }
      req.on('response', (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) => reject(transportError(error)));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => reject(transportError(error)));
      // One end(body) call lets Node send Content-Length; write() then end() would send the
      // buffered body chunked, which HTTP/1.0 proxies and some gateways answer with 411.
      req.end(request.body);
    });
  }

  return {
    async send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
      const url = new URL(request.url);
      if (!proxyUrl || bypassesProxy(url.href, proxy?.proxyBypassHosts)) return exchange(request, signal, { kind: 'direct' });
      if (url.protocol !== 'https:') return exchange(request, signal, { kind: 'proxy', via: proxyUrl });
      const socket = await tunnel(url, proxyUrl, signal);
      try {
        return await exchange(request, signal, { kind: 'tunnel', socket });
      } finally {
        socket.destroy();
      }
    },
  };
}

type Route = { kind: 'direct' } | { kind: 'proxy'; via: URL } | { kind: 'tunnel'; socket: net.Socket };

/** A URL hostname without the brackets of an IPv6 literal, as socket APIs want it. */
function bare(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '');
}

function transportError(error: NodeJS.ErrnoException): TransportError {
  const code = error.name === 'AbortError' ? 'ABORT_ERR' : error.code;
  const certificate = code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
  // A corporate TLS-inspecting proxy or private CA is the usual cause; say where the fix goes.
  const hint = certificate ? " (the server's certificate is not trusted: configure the agent's CA certificate, or its proxy)" : '';
  return new TransportError(`${error.message}${hint}`, code, { cause: error });
}
