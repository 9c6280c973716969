/**
 * The `node:http` plumbing both emulators (Databricks and Azure DevOps) share: reading a request
 * into an {@link EmulatorRequest}, matching the route table, writing a {@link Reply}, the headers of
 * an injected status fault, and listening on / closing a loopback port. Each emulator keeps what
 * differs: authentication, the error body shape and its request log.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultAction } from './faults';
import type { EmulatorRequest, Reply, Route } from './http-kit';

/** Reads the whole request; `params` stays empty until a route matched. */
export async function readRequest(incoming: IncomingMessage): Promise<EmulatorRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const url = new URL(incoming.url ?? '/', 'http://emulator');
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(incoming.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { method: (incoming.method ?? 'GET').toUpperCase(), path: url.pathname, query: url.searchParams, headers, raw: Buffer.concat(chunks), params: {} };
}

/** The first route for the method whose pattern matches the whole path, with its named groups. */
export function findRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: { ...match.groups } };
  }
  return undefined;
}

/** How a server writes replies: headers it always adds, and the content type of JSON bodies. */
export interface ReplyStyle {
  headers?: Record<string, string>;
  jsonContentType: string;
}

/** Writes `reply`: objects as JSON, bytes as octets, strings as text; no body for HEAD. */
export function writeReply(response: ServerResponse, method: string, reply: Reply, style: ReplyStyle): void {
  const headers: Record<string, string> = { ...style.headers, ...reply.headers };
  let payload: Buffer | undefined;
  if (reply.body instanceof Uint8Array) {
    payload = Buffer.from(reply.body);
    headers['content-type'] ??= 'application/octet-stream';
  } else if (typeof reply.body === 'string') {
    payload = Buffer.from(reply.body);
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body));
    headers['content-type'] ??= style.jsonContentType;
  }
  headers['content-length'] ??= String(payload?.length ?? 0);
  response.writeHead(reply.status, headers);
  response.end(method === 'HEAD' ? undefined : payload);
}

/** The headers of an injected status fault: its own, plus `Retry-After` (seconds or an HTTP date) when set. */
export function faultHeaders(fault: Extract<FaultAction, { kind: 'status' }>): Record<string, string> {
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter instanceof Date ? fault.retryAfter.toUTCString() : String(fault.retryAfter);
  return headers;
}

/** Listens on 127.0.0.1 (`port` 0: a free one) and returns the base URL. */
export async function listenOnLoopback(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server, dropping kept-alive connections so it does not wait for clients. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
