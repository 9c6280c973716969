/**
 * DatabricksModelPromote@1 once per connection type and scheme against the emulator: the workspace
 * sees the expected kind of token, and every secret and issued token is registered and never
 * printed. Every scheme runs in process; the built bundle, as the agent runs it, proves that the
 * task authenticates from ENDPOINT_* and System variables alone (a token connection, and workload
 * identity federation through the agent's proxy), with task-lib's own output masked.
 */
import assert from 'node:assert/strict';
import type { Emulator, TokenKind } from '../../emulator';
import { startProxy } from '../../unit/http/loopback';
import { runTaskBundle, type EndpointFixture, type TaskRun, type TaskRunOptions } from '../../support/task-bundle';
import { assertSecretKept, runStep } from '../../support/in-process-integration';
import type { InProcessRun } from '../../fakes/task-run';
import { run as promoteTask } from '../../../tasks/DatabricksModelPromoteV1/run';
import { type SimulatedWorkspace, startSimulatedWorkspace } from '../../support/in-process';

const task = 'DatabricksModelPromoteV1';
const systemToken = 'system-access-token-bundle-test';

/** One model per identity, owned by it, so each path can move an alias. */
const identities = {
  pat: 'pat-owner@example.com',
  m2m: 'sp-bundle-m2m',
  wif: 'app-bundle-wif',
  spn: 'app-bundle-spn',
  federation: 'sp-bundle-fed',
};

const scenario = {
  identities: {
    pats: { 'dapi-bundle-pat': identities.pat },
    servicePrincipals: [
      { applicationId: identities.m2m, oauthSecret: 'm2m-bundle-secret' },
      { applicationId: identities.federation, federation: { subjects: ['p://org/proj/pipe'] } },
      { applicationId: identities.wif, entra: { tenantId: 'tenant-b', federatedServiceConnectionIds: ['arm-wif'] } },
      { applicationId: identities.spn, entra: { tenantId: 'tenant-b', clientSecret: 'spn-bundle-secret' } },
    ],
  },
  azureDevOps: { systemAccessTokens: [systemToken], pipelineSubject: 'p://org/proj/pipe' },
  models: Object.entries(identities).map(([key, owner]) => ({ fullName: `main.auth.${key}`, owner, versions: [{ version: 1 }, { version: 2 }], aliases: { champion: 1 } })),
};

type Model = keyof typeof identities;

/** A connection path: the connection inputs and the service connections it reads. */
interface Connection {
  inputs: Record<string, string>;
  endpoints: Record<string, EndpointFixture>;
}

/** A way to connect: the model its identity owns, the kind of token the workspace sees, the secrets to keep. */
interface AuthPath {
  name: string;
  model: Model;
  connection: (emulator: Emulator) => Connection;
  kind: TokenKind;
  secrets: string[];
}

const wif: AuthPath = {
  name: 'Azure Resource Manager connection, workload identity federation',
  model: 'wif',
  connection: (emulator) => ({
    inputs: { connectionType: 'azureResourceManager', azureSubscription: 'arm-wif', workspaceUrl: emulator.url },
    endpoints: {
      'arm-wif': { url: 'https://management.azure.com/', scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: identities.wif, tenantid: 'tenant-b' }, data: { environmentAuthorityUrl: `${emulator.url}/entra/` } },
    },
  }),
  kind: 'entra',
  secrets: [systemToken],
};

const pat: AuthPath = {
  name: 'databricks connection, personal access token',
  model: 'pat',
  connection: (emulator) => ({ inputs: { connectionType: 'databricks', databricksConnection: 'conn' }, endpoints: { conn: { url: emulator.url, scheme: 'Token', parameters: { apitoken: 'dapi-bundle-pat' } } } }),
  kind: 'pat',
  secrets: ['dapi-bundle-pat'],
};

const paths: AuthPath[] = [
  pat,
  {
    name: 'databricks connection, OAuth service principal',
    model: 'm2m',
    connection: (emulator) => ({
      inputs: { connectionType: 'databricks', databricksConnection: 'conn' },
      endpoints: { conn: { url: emulator.url, scheme: 'UsernamePassword', parameters: { username: identities.m2m, password: 'm2m-bundle-secret' } } },
    }),
    kind: 'databricks-oauth',
    secrets: ['m2m-bundle-secret'],
  },
  wif,
  {
    name: 'Azure Resource Manager connection, service principal secret',
    model: 'spn',
    connection: (emulator) => ({
      inputs: { connectionType: 'azureResourceManager', azureSubscription: 'arm-spn', workspaceUrl: emulator.url },
      endpoints: {
        'arm-spn': {
          url: 'https://management.azure.com/',
          scheme: 'ServicePrincipal',
          parameters: { serviceprincipalid: identities.spn, serviceprincipalkey: 'spn-bundle-secret', tenantid: 'tenant-b', authenticationType: 'spnKey' },
          data: { environmentAuthorityUrl: `${emulator.url}/entra/` },
        },
      },
    }),
    kind: 'entra',
    secrets: ['spn-bundle-secret'],
  },
  {
    name: 'Azure DevOps federation',
    model: 'federation',
    connection: (emulator) => ({ inputs: { connectionType: 'azureDevOpsFederation', workspaceUrl: emulator.url, federationClientId: identities.federation }, endpoints: {} }),
    kind: 'databricks-federation',
    secrets: [systemToken],
  },
];

/** The pipeline around the step: the inputs, the System connection (for OIDC) and the System variables. */
function pipeline(emulator: Emulator, model: Model, connection: Connection): Required<Pick<TaskRunOptions, 'inputs' | 'endpoints' | 'variables'>> {
  return {
    inputs: { modelName: `main.auth.${model}`, version: '2', alias: 'champion', ...connection.inputs },
    endpoints: { SystemVssConnection: { url: emulator.collectionUri, scheme: 'OAuth', parameters: { AccessToken: systemToken } }, ...connection.endpoints },
    variables: {
      'System.CollectionUri': emulator.collectionUri,
      'System.TeamProjectId': 'proj',
      'System.HostType': 'build',
      'System.PlanId': 'plan-1',
      'System.JobId': 'job-1',
    },
  };
}

describe('connection types', function () {
  this.timeout(60_000);
  let workspace: SimulatedWorkspace;
  let emulator: Emulator;

  before(async () => {
    workspace = await startSimulatedWorkspace(scenario);
    emulator = workspace.emulator;
  });
  after(async () => emulator?.close());
  beforeEach(() => emulator.reset());

  /** The alias moved once, with a token of `kind`; returns the tokens issued for it, which are secrets too. */
  function assertAliasMoved(model: Model, kind: TokenKind): string[] {
    const put = emulator.requestsTo('PUT', `/api/2.1/unity-catalog/models/main.auth.${model}/aliases/champion`);
    assert.equal(put.length, 1);
    assert.equal(put[0].auth.tokenKind, kind);
    return emulator.state.tokens.issued().filter((record) => record.kind === kind || record.kind === 'ado-oidc').map((record) => record.token);
  }

  describe('in process', () => {
    function promote(model: Model, connection: Connection): Promise<InProcessRun> {
      return runStep(workspace, promoteTask, pipeline(emulator, model, connection));
    }

    for (const path of paths) {
      it(path.name, async () => {
        const run = await promote(path.model, path.connection(emulator));
        assert.equal(run.result, 'Succeeded', run.message);
        for (const secret of [...path.secrets, ...assertAliasMoved(path.model, path.kind)]) assertSecretKept(run, secret);
      });
    }

    it('fails with the input named when the connection has the wrong scheme', async () => {
      const run = await promote('pat', { inputs: { connectionType: 'databricks', databricksConnection: 'conn' }, endpoints: { conn: { url: emulator.url, scheme: 'Certificate', parameters: {} } } });
      assert.equal(run.result, 'Failed');
      assert.match(run.message, /'databricksConnection' uses the authorization scheme 'Certificate'/);
      assert.equal(emulator.requests.length, 0, 'no call was made');
    });
  });

  describe('built bundle', () => {
    function promote(path: AuthPath, variables: Record<string, string> = {}, secretVariables: Record<string, string> = {}): Promise<TaskRun> {
      const step = pipeline(emulator, path.model, path.connection(emulator));
      return runTaskBundle(task, { ...step, variables: { ...step.variables, ...variables }, secretVariables, timeoutMs: 30_000 });
    }

    /** The alias moved, with a token of `kind`, and every secret was registered and never printed, task-lib's own lines included. */
    function assertAuthenticated(run: TaskRun, path: AuthPath): void {
      assert.equal(run.result, 'Succeeded', `${run.resultMessage}\n${run.stderr}`);
      for (const secret of [...path.secrets, ...assertAliasMoved(path.model, path.kind)]) {
        assert.ok(run.secrets.includes(secret), `${secret.slice(0, 8)}... registered with task.setsecret`);
        const printed = (run.stdout + run.stderr).split(/\r?\n/).filter((line) => line.includes(secret) && !line.startsWith('##vso[task.setsecret'));
        assert.deepEqual(printed, [], 'printed unmasked');
      }
    }

    it('databricks connection, personal access token, from ENDPOINT_* alone', async () => {
      assertAuthenticated(await promote(pat), pat);
    });

    it("workload identity federation through the agent's proxy for token endpoints, the workspace and the OIDC request", async () => {
      const proxy = await startProxy({ username: 'agent-user', password: 'proxy-secret' });
      try {
        const run = await promote(
          wif,
          { 'Agent.ProxyUrl': proxy.url, 'Agent.ProxyUsername': 'agent-user', 'Agent.ProxyBypassList': '["bypass\\\\.example\\\\.com"]' },
          { 'Agent.ProxyPassword': 'proxy-secret' },
        );
        assertAuthenticated(run, wif);
        // task-lib itself debug-prints Agent.ProxyPassword while loading, before any task code runs;
        // on an agent that line is masked because the agent registers its proxy password. We register it too.
        assert.ok(run.secrets.includes('proxy-secret'));
        const seen = proxy.seen.map((r) => `${r.method} ${r.method === 'CONNECT' ? r.url : new URL(r.url).pathname}`);
        const emulatorHost = new URL(emulator.url).host;
        assert.ok(seen.includes(`CONNECT ${emulatorHost}`), `OIDC request tunnelled by azure-devops-node-api: ${seen.join(', ')}`);
        assert.ok(seen.includes('POST /entra/tenant-b/oauth2/v2.0/token'), seen.join(', '));
        assert.ok(seen.includes('PUT /api/2.1/unity-catalog/models/main.auth.wif/aliases/champion'), seen.join(', '));
      } finally {
        await proxy.close();
      }
    });
  });
});
