/**
 * The model version gate is an agentless HttpRequest task: these tests evaluate its request and
 * success expression as the server would, against the workspace emulator.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../emulator';
import { evaluateExpression, evaluateGate, type ServerEndpoint } from '../../support/server-task';
import { repoRoot } from '../../support/task-bundle';

const task = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tasks', 'DatabricksModelVersionGateV1', 'task.json'), 'utf8'));
const pat = 'dapi0123456789abcdef0123456789abcdef';

describe('DatabricksModelVersionGate@1', () => {
  let emulator: Emulator;
  let endpoint: ServerEndpoint;

  before(async () => {
    emulator = await startEmulator({
      scenario: {
        identities: { pats: { [pat]: 'release-bot@contoso.com' } },
        models: [
          {
            fullName: 'main.ml.churn',
            owner: 'release-bot@contoso.com',
            versions: [{ version: 3 }, { version: 4 }, { version: 5, status: 'PENDING_REGISTRATION' }],
            aliases: { champion: 3, challenger: 4, pending: 5 },
          },
        ],
      },
    });
    endpoint = { url: emulator.url, type: 'databricks-workspace', scheme: 'ms.vss-endpoint.endpoint-auth-scheme-token', parameters: { apitoken: pat } };
  });

  after(() => emulator.close());

  it('passes while the alias points to a READY version', async () => {
    const result = await evaluateGate(task, { databricksConnection: 'c', modelName: 'main.ml.churn' }, endpoint);
    assert.equal(result.status, 200);
    assert.equal(result.passed, true);
    const [request] = emulator.requestsTo('GET', '/api/2.1/unity-catalog/models/main.ml.churn/aliases/challenger');
    assert.ok(request, 'the gate read the challenger alias');
  });

  it('passes only for the expected version when one is given', async () => {
    const inputs = { databricksConnection: 'c', modelName: 'main.ml.churn', alias: 'challenger' };
    assert.equal((await evaluateGate(task, { ...inputs, expectedVersion: '4' }, endpoint)).passed, true);
    assert.equal((await evaluateGate(task, { ...inputs, expectedVersion: '3' }, endpoint)).passed, false);
  });

  it('does not pass on a version that is not READY', async () => {
    const result = await evaluateGate(task, { databricksConnection: 'c', modelName: 'main.ml.churn', alias: 'pending' }, endpoint);
    assert.equal(result.status, 200);
    assert.equal(result.passed, false);
  });

  it('does not pass when the alias does not exist', async () => {
    const result = await evaluateGate(task, { databricksConnection: 'c', modelName: 'main.ml.churn', alias: 'nobody' }, endpoint);
    assert.equal(result.status, 404);
    assert.equal(result.passed, false);
  });

  it('does not pass with a token the workspace rejects', async () => {
    const result = await evaluateGate(task, { databricksConnection: 'c', modelName: 'main.ml.churn' }, { ...endpoint, parameters: { apitoken: 'dapi-wrong' } });
    assert.equal(result.status, 401);
    assert.equal(result.passed, false);
  });
});

describe('server task expression evaluator', () => {
  const root = { status: 'READY', version: 4, aliases: [{ alias_name: 'a' }, { alias_name: 'b' }], missing: null };

  it('reads the response body and compares with the language\'s type coercion', () => {
    assert.equal(evaluateExpression("eq(root['status'], 'ready')", root), true);
    assert.equal(evaluateExpression("eq(root['version'], '4')", root), true);
    assert.equal(evaluateExpression("gt(root['version'], 3)", root), true);
    assert.equal(evaluateExpression("eq(count(root['aliases']), 2)", root), true);
    assert.equal(evaluateExpression("and(eq(root['status'], 'READY'), not(eq(root['version'], 5)))", root), true);
    assert.equal(evaluateExpression("or(eq('', 'x'), isNullOrEmpty(root['missing']))", root), true);
    assert.equal(evaluateExpression("eq(root['nope']['deeper'], 'x')", root), false);
  });

  it('refuses what it does not understand instead of guessing', () => {
    assert.throws(() => evaluateExpression("startsWith(root['status'], 'RE')", root), /not supported/);
    assert.throws(() => evaluateExpression("eq(root['status'], 'READY'", root), /end of expression/);
  });
});
