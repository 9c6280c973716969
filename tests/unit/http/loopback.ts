/** Loopback servers for transport tests: a target (http or https) and a tiny forward proxy. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';

export const fixtures = path.join(__dirname, 'fixtures');
export const caPem = fs.readFileSync(path.join(fixtures, 'ca.pem'));

export interface Server {
  url: string;
  /** `METHOD url` of each request seen, plus selected headers. */
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

function listen(server: http.Server | https.Server, protocol: string, seen: Server['seen']): Promise<Server> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `${protocol}://127.0.0.1:${port}`,
        seen,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Answers every request with JSON describing it. */
export function startTarget(secure: boolean, handler?: http.RequestListener): Promise<Server> {
  const seen: Server['seen'] = [];
  const listener: http.RequestListener = (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (handler) {
      handler(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Served-By': secure ? 'https-target' : 'http-target' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString(), userAgent: req.headers['user-agent'] }));
    });
  };
  const server = secure
    ? https.createServer({ cert: fs.readFileSync(path.join(fixtures, 'server.pem')), key: fs.readFileSync(path.join(fixtures, 'server.key')) }, listener)
    : http.createServer(listener);
  return listen(server, secure ? 'https' : 'http', seen);
}

/**
 * A forward proxy: absolute-URI requests for http targets and CONNECT tunnels for https ones.
 * With `credentials`, anything without the matching Proxy-Authorization gets 407.
 */
export function startProxy(credentials?: { username: string; password: string }): Promise<Server> {
  const seen: Server['seen'] = [];
  const expected = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (expected && req.headers['proxy-authorization'] !== expected) {
      res.writeHead(407).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request(req.url ?? '', { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push({ method: 'CONNECT', url: req.url ?? '', headers: req.headers });
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = net.connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return listen(server, 'http', seen);
}
