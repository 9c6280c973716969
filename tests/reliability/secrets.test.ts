/**
 * Every agent task with every auth scheme it supports, under faults, including a server that echoes
 * what it was sent (the Authorization header, the token request's form with its client secret or
 * client assertion) in its error body: no token, secret, assertion or PAT reaches a log line, the
 * result message, an output, a summary or a result file, and every credential is registered with
 * setSecret before use. In process for the whole matrix; the built bundles, whose stdout and stderr
 * are what the agent records, for the PAT under an echoing server and for every scheme of one task.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../tasks/common/http/transport';
import type { FaultAction } from '../emulator';
import { runTaskBundle, type TaskRun } from '../support/task-bundle';
import type { InProcessRun } from '../fakes/task-run';
import { authSchemes, taskCases, variables, type AuthScheme } from './task-cases';
import { runCase, startWorkspace, type Workspace } from './workspace-run';

function bodyText(request: HttpRequest): string {
  if (request.body === undefined) return '';
  return typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
}

/** A server (or proxy) that answers the first request matching `echoes` with an error quoting the request. */
function echoing(echoes: (request: HttpRequest) => boolean): (inner: HttpTransport) => HttpTransport {
  return (inner) => {
    let done = false;
    return {
      send: async (request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> => {
        if (done || !echoes(request)) return inner.send(request, signal);
        done = true;
        const quoted = `${request.method} ${request.url} ${JSON.stringify(request.headers)} ${bodyText(request)}`;
        const body = { error_code: 'INVALID_PARAMETER_VALUE', message: `Malformed request: ${quoted}`, error: 'invalid_request', error_description: `Malformed request: ${quoted}` };
        return { status: 400, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
      },
    };
  };
}

const isTokenRequest = (request: HttpRequest): boolean => /\/oidc\/v1\/token|\/oauth2\//.test(request.url);
const isWorkspaceCall = (request: HttpRequest): boolean => new URL(request.url).pathname.startsWith('/api/');

interface SecretsFault {
  name: string;
  transport?: (inner: HttpTransport) => HttpTransport;
  emulator?: FaultAction & { path: RegExp };
}

const secretsFaults: SecretsFault[] = [
  { name: 'no fault' },
  { name: 'the workspace echoing the first API request', transport: echoing(isWorkspaceCall) },
  { name: 'the token endpoint echoing the token request', transport: echoing(isTokenRequest) },
  { name: 'the token expiring at the first API call', emulator: { kind: 'expireToken', path: /^\/api\// } },
  { name: 'the token endpoint failing with 503 once', emulator: { kind: 'status', status: 503, path: /\/oidc\/v1\/token$|\/oauth2\// } },
];

/** A credential as a log line could carry it: raw, form- or URL-encoded, JSON-escaped. */
function spellings(secret: string): string[] {
  return [secret, new URLSearchParams({ s: secret }).toString().slice(2), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
}

/** Every place a credential could show up in what the agent records. */
function visibleText(run: InProcessRun): string[] {
  return [...run.log, run.message, ...Object.values(run.outputs), ...run.files];
}

describe('reliability: secrets', function () {
  this.timeout(60_000);
  let workspace: Workspace;

  before(async () => {
    workspace = await startWorkspace();
  });
  after(async () => workspace?.emulator.close());

  for (const taskCase of taskCases) {
    describe(taskCase.task, () => {
      for (const scheme of authSchemes) {
        it(`${scheme.name}: no credential in the log, message, outputs, summaries or result files, under every fault`, async () => {
          for (const fault of secretsFaults) {
            workspace.emulator.reset();
            if (fault.emulator) workspace.emulator.faults.add({ ...fault.emulator, times: 1 });
            const run = await runCase(workspace, taskCase, { scheme, transport: fault.transport });
            const issued = workspace.emulator.state.tokens.issued().map((record) => record.token);
            const where = `${taskCase.task} with ${scheme.name} under ${fault.name} (${run.result}: ${run.message.slice(0, 120)})`;
            if (fault.name === 'no fault') assert.equal(run.result, 'Succeeded', where);
            for (const secret of [...scheme.secrets, ...issued]) {
              const leaks = visibleText(run).filter((text) => spellings(secret).some((spelling) => text.includes(spelling)));
              assert.deepEqual(leaks.map((text) => text.slice(0, 200)), [], `${where}: ${secret.slice(0, 6)}... visible`);
              // Credentials the task was given or obtained are registered, so the agent masks them anywhere.
              if (fault.name === 'no fault') assert.ok(run.secrets.includes(secret), `${where}: ${secret.slice(0, 6)}... not registered`);
            }
          }
        });
      }
    });
  }

  describe('built bundles, as the agent records them', () => {
    /** The scheme's credentials in an error body of every workspace call: what a server echoing the request would send. */
    function echo(scheme: AuthScheme): FaultAction & { path: RegExp; times: number } {
      const quoted = scheme.secrets.map((secret) => `Authorization: Bearer ${secret} client_secret=${encodeURIComponent(secret)}`).join(' ');
      return { kind: 'status', status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: `Echo: ${quoted}` }, path: /^\/api\//, times: Infinity };
    }

    /**
     * The agent masks a registered secret in every later line, but not in uploaded files: a line may
     * carry a secret only after its `setsecret`, a summary or result file never.
     */
    function assertNothingLeaked(run: TaskRun, scheme: AuthScheme, where: string): void {
      const files = [...run.summaries, ...run.testPublications.flatMap((publication) => publication.properties.resultFiles.split(','))].map((file) => fs.readFileSync(file, 'utf8'));
      for (const secret of [...scheme.secrets, ...workspace.emulator.state.tokens.issued().map((record) => record.token)]) {
        const carries = (text: string): boolean => spellings(secret).some((spelling) => text.includes(spelling));
        let registered = false;
        for (const line of (run.stdout + run.stderr).split(/\r?\n/)) {
          if (line.startsWith('##vso[task.setsecret]')) {
            registered ||= line.includes(secret);
            continue;
          }
          assert.ok(registered || !carries(line), `${where}: ${secret.slice(0, 6)}... printed before it was registered: ${line.slice(0, 160)}`);
        }
        assert.deepEqual(files.filter(carries).map((text) => text.slice(0, 200)), [], `${where}: ${secret.slice(0, 6)}... in a file`);
      }
    }

    async function runBundle(task: string, scheme: AuthScheme, inputs: Record<string, string>): Promise<TaskRun> {
      const { emulator } = workspace;
      return runTaskBundle(task, {
        inputs: { ...scheme.inputs(emulator.url), ...inputs },
        endpoints: scheme.endpoints(emulator),
        variables: { ...variables, 'System.CollectionUri': emulator.collectionUri },
        timeoutMs: 30_000,
      });
    }

    it('every task with a PAT, the workspace echoing every credential: fails without printing one', async () => {
      for (const taskCase of taskCases) {
        workspace.emulator.reset();
        workspace.emulator.faults.add(echo(authSchemes[0]));
        const run = await runBundle(taskCase.task, authSchemes[0], taskCase.inputs);
        assert.equal(run.result, 'Failed', `${taskCase.task}: ${run.resultMessage}`);
        assertNothingLeaked(run, authSchemes[0], taskCase.task);
      }
    });

    it('every auth scheme, the workspace echoing every credential: fails without printing one', async () => {
      const promote = taskCases.find((taskCase) => taskCase.task === 'DatabricksModelPromoteV1')!;
      for (const scheme of authSchemes) {
        workspace.emulator.reset();
        workspace.emulator.faults.add(echo(scheme));
        const run = await runBundle(promote.task, scheme, promote.inputs);
        assert.equal(run.result, 'Failed', `${scheme.name}: ${run.resultMessage}`);
        assertNothingLeaked(run, scheme, scheme.name);
      }
    });
  });
});
