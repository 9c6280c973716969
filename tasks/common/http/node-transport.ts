import * as http from 'node:http';
import * as https from 'node:https';
import { TransportError, type HttpRequest, type HttpResponse, type HttpTransport } from './transport';

/** Agent network settings (from task-lib `getHttpProxyConfiguration` / `getHttpCertConfiguration`). */
export interface NodeTransportOptions {
  /** Socket inactivity timeout. */
  timeoutMs?: number;
}

/** The HttpTransport over Node's http/https modules. */
export function createNodeTransport(options: NodeTransportOptions = {}): HttpTransport {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return {
    send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
      return new Promise<HttpResponse>((resolve, reject) => {
        const url = new URL(request.url);
        const module = url.protocol === 'https:' ? https : http;
        const req = module.request(url, { method: request.method, headers: request.headers, signal, timeout: timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error: NodeJS.ErrnoException) => reject(new TransportError(error.message, error.code, { cause: error })));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
          });
        });
        req.on('timeout', () => req.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
        req.on('error', (error: NodeJS.ErrnoException) => {
          const code = error.name === 'AbortError' ? 'ABORT_ERR' : error.code;
          reject(new TransportError(error.message, code, { cause: error }));
        });
        if (request.body !== undefined) req.write(request.body);
        req.end();
      });
    },
  };
}
