/**
 * A stand-in for the Azure DevOps page around the Model promotion tab, for the browser test:
 * - `http://127.0.0.1:<port>/host.html`: the host page (xdm-host.js plays the SDK handshake) with
 *   the tab in an iframe from another origin, `http://extension.test:<port>/tab/` (the browser maps
 *   that name to 127.0.0.1), as the real host
 *   serves extension content from the extension's own origin;
 * - `http://127.0.0.1:<port>/contoso/`: the collection, serving the Build API's attachment routes
 *   (`GET {project}/_apis/build/builds/{buildId}/attachments/{type}` and
 *   `GET {project}/_apis/build/builds/{buildId}/{timelineId}/{recordId}/attachments/{type}/{name}`)
 *   from recorded attachments, with CORS and a bearer token check, logging each request.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { RecordedAttachment } from './record-reports';

/** What the host page shows. */
export interface HostScenario {
  attachments: RecordedAttachment[];
  /** The host's theme variables, as Azure DevOps sends them in the handshake. */
  themeData: Record<string, string>;
}

/** A request the collection saw. */
export interface CollectionRequest {
  method: string;
  path: string;
  authorization?: string;
  accept?: string;
}

export interface TabHost {
  /** The host page URL. */
  url: string;
  /** The access token the host hands out; the API refuses any other. */
  accessToken: string;
  requests: CollectionRequest[];
  setScenario(scenario: HostScenario): void;
  close(): Promise<void>;
}

/** Theme variables of the host's light and dark themes (a subset of what Azure DevOps sends). */
export const hostThemes = {
  light: { 'background-color': 'rgba(255, 255, 255, 1)', 'text-primary-color': 'rgba(0, 0, 0, .9)', 'text-secondary-color': 'rgba(0, 0, 0, .55)' },
  dark: { 'background-color': 'rgba(32, 31, 30, 1)', 'text-primary-color': 'rgba(255, 255, 255, .9)', 'text-secondary-color': 'rgba(255, 255, 255, .55)' },
};

/** The tab's origin host name; the browser must map it to 127.0.0.1 (`--host-resolver-rules`). */
export const tabHostName = 'extension.test';

const projectId = '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d';
const buildId = 4711;
const contentTypes: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** Starts the host on a free loopback port, serving the built tab from `tabDir`. */
export async function startTabHost(tabDir: string): Promise<TabHost> {
  const accessToken = 'tab-test-token-0f3c0b7a';
  const requests: CollectionRequest[] = [];
  let scenario: HostScenario = { attachments: [], themeData: hostThemes.light };
  let port = 0;
  const collectionUrl = (): string => `http://127.0.0.1:${port}/contoso/`;

  function hostPage(): string {
    const config = {
      collectionUrl: collectionUrl(),
      tabUrl: `http://${tabHostName}:${port}/tab/index.html`,
      accessToken,
      projectId,
      projectName: 'ml-platform',
      buildId,
      buildNumber: '2026.11.28.1',
      contributionId: 'databricks-mlops.databricks-mlops.model-report-tab',
      themeData: scenario.themeData,
    };
    const background = scenario.themeData['background-color'];
    return `<!doctype html><html><head><meta charset="utf-8"><title>Pipeline run 2026.11.28.1</title>
<style>body{margin:0;background:${background};font-family:sans-serif}header{padding:10px 20px;color:${scenario.themeData['text-primary-color']};border-bottom:1px solid rgba(128,128,128,.4)}iframe{border:0;width:100%;height:300px;display:block}</style></head>
<body><header>churn-model release · 2026.11.28.1 · <strong>Model promotion</strong></header>
<iframe id="tab" title="Model promotion"></iframe>
<script type="application/json" id="host-config">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>
<script src="/xdm-host.js"></script></body></html>`;
  }

  function send(response: http.ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'Content-Type': type, ...headers });
    response.end(body);
  }

  const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization, Accept, Content-Type, X-VSS-ReauthenticationAction, X-TFS-FedAuthRedirect, X-TFS-Session' };

  function collection(request: http.IncomingMessage, response: http.ServerResponse, url: URL): void {
    if (request.method === 'OPTIONS') return send(response, 204, 'text/plain', '', { ...cors, 'Access-Control-Allow-Methods': 'GET' });
    requests.push({ method: request.method ?? 'GET', path: url.pathname, authorization: request.headers.authorization, accept: request.headers.accept });
    if (request.headers.authorization !== `Bearer ${accessToken}`) return send(response, 401, 'application/json', JSON.stringify({ message: 'TF400813: not authorized' }), cors);
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    // [project, _apis, build, builds, buildId, (timelineId, recordId,) attachments, type(, name)]
    if (parts[0] !== projectId || parts[1] !== '_apis' || parts[2] !== 'build' || parts[3] !== 'builds' || parts[4] !== String(buildId)) {
      return send(response, 404, 'application/json', JSON.stringify({ message: 'not found' }), cors);
    }
    if (parts.length === 7 && parts[5] === 'attachments') {
      const listed = scenario.attachments
        .filter((a) => a.type === parts[6])
        .map((a) => ({
          name: a.name,
          _links: { self: { href: `${collectionUrl()}${projectId}/_apis/build/builds/${buildId}/${a.timelineId}/${a.recordId}/attachments/${encodeURIComponent(a.type)}/${encodeURIComponent(a.name)}` } },
        }));
      // The SDK asks with noArrayWrap=true in Accept: the list comes as a bare array.
      const body = (request.headers.accept ?? '').includes('noArrayWrap=true') ? listed : { count: listed.length, value: listed };
      return send(response, 200, 'application/json; charset=utf-8', JSON.stringify(body), cors);
    }
    if (parts.length === 10 && parts[7] === 'attachments') {
      const found = scenario.attachments.find((a) => a.timelineId === parts[5] && a.recordId === parts[6] && a.type === parts[8] && a.name === parts[9]);
      if (found) return send(response, 200, 'application/octet-stream', found.content, cors);
    }
    send(response, 404, 'application/json', JSON.stringify({ message: 'not found' }), cors);
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const tabOrigin = request.headers.host?.startsWith(`${tabHostName}:`);
    if (url.pathname.startsWith('/contoso/')) return collection(request, response, url);
    if (!tabOrigin && url.pathname === '/host.html') return send(response, 200, contentTypes['.html'], hostPage());
    if (!tabOrigin && url.pathname === '/xdm-host.js') return send(response, 200, contentTypes['.js'], fs.readFileSync(path.join(__dirname, 'xdm-host.js')));
    if (tabOrigin && url.pathname.startsWith('/tab/')) {
      const file = path.join(tabDir, path.basename(url.pathname));
      if (fs.existsSync(file)) return send(response, 200, contentTypes[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
    }
    send(response, 404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/host.html`,
    accessToken,
    requests,
    setScenario: (next) => (scenario = next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
