/**
 * The model version gate is an agentless HttpRequest task: these tests evaluate its request and
 * success expression as the server would, against the workspace emulator.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../emulator';
import { connectionRefusal, evaluateExpression, evaluateGate, type ServerEndpoint } from '../../support/server-task';
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
            versions: [
              { version: 3, tags: { 'compliance.status': 'failed' } },
              { version: 4, tags: { 'compliance.status': 'passed', 'signoff.status': 'approved' } },
              { version: 5, status: 'PENDING_REGISTRATION', tags: { 'compliance.status': 'passed' } },
              { version: 6 },
              { version: 7, tags: { 'compliance.status': 'passed', 'signoff.status': 'rejected' } },
            ],
            aliases: { champion: 3, challenger: 4, pending: 5, untagged: 6, refused: 7 },
          },
        ],
      },
    });
    endpoint = { url: emulator.url, type: 'databricks-workspace', scheme: 'Token', parameters: { apitoken: pat } };
  });

  after(() => emulator.close());

  it('passes while the alias points to a READY version', async () => {
    const result = await evaluateGate(task, { databricksConnection: 'c', modelName: 'main.ml.churn' }, endpoint);
    assert.equal(result.status, 200);
    assert.equal(result.passed, true);
    const [request] = emulator.requestsTo('GET', '/api/2.0/mlflow/unity-catalog/registered-models/alias');
    assert.ok(request, 'the gate read the challenger alias from the registry endpoint that returns tags');
    assert.equal(new URL(result.url).searchParams.get('alias'), 'challenger');
    assert.equal(new URL(result.url).searchParams.get('name'), 'main.ml.churn');
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

  it('with requireCompliance, passes only a version tagged compliance.status=passed', async () => {
    const inputs = { databricksConnection: 'c', modelName: 'main.ml.churn', requireCompliance: 'true' };
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'challenger' }, endpoint)).passed, true);
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'champion' }, endpoint)).passed, false, 'compliance failed');
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'untagged' }, endpoint)).passed, false, 'never evaluated');
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'pending' }, endpoint)).passed, false, 'compliant but not READY');
    const missing = await evaluateGate(task, { ...inputs, alias: 'nobody' }, endpoint);
    assert.equal(missing.passed, false);
    assert.equal(missing.status, 404);
  });

  it('without requireCompliance, ignores the compliance tag as before', async () => {
    const inputs = { databricksConnection: 'c', modelName: 'main.ml.churn' };
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'champion' }, endpoint)).passed, true);
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'untagged' }, endpoint)).passed, true);
  });

  it('with requireSignOff, passes only a version tagged signoff.status=approved', async () => {
    const inputs = { databricksConnection: 'c', modelName: 'main.ml.churn', requireSignOff: 'true' };
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'challenger' }, endpoint)).passed, true);
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'refused' }, endpoint)).passed, false, 'rejected sign-off');
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'untagged' }, endpoint)).passed, false, 'no sign-off');
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'refused', requireCompliance: 'true' }, endpoint)).passed, false);
    assert.equal((await evaluateGate(task, { ...inputs, alias: 'challenger', requireCompliance: 'true', expectedVersion: '4' }, endpoint)).passed, true);
  });

  it('is given only personal access token connections: an OAuth (UsernamePassword) connection is refused before any request', async () => {
    const before = emulator.requestsTo('GET', '/api/2.0/mlflow/unity-catalog/registered-models/alias').length;
    const oauth: ServerEndpoint = { url: emulator.url, type: 'databricks-workspace', scheme: 'UsernamePassword', parameters: { username: 'sp-client-id', password: 'oauth-secret' } };
    await assert.rejects(evaluateGate(task, { databricksConnection: 'c', modelName: 'main.ml.churn' }, oauth), /scheme Token, not UsernamePassword/);
    assert.equal(emulator.requestsTo('GET', '/api/2.0/mlflow/unity-catalog/registered-models/alias').length, before, 'no request was sent');
    assert.equal(connectionRefusal(task, endpoint), undefined);
  });

  it('without the scheme list, an OAuth connection would reach the workspace as Basic client credentials and get a bare 401', async () => {
    const unrestricted = structuredClone(task);
    unrestricted.inputs[0].type = 'connectedService:databricks-workspace';
    const oauth: ServerEndpoint = { url: emulator.url, type: 'databricks-workspace', scheme: 'UsernamePassword', parameters: { username: 'sp-client-id', password: 'oauth-secret' } };
    const result = await evaluateGate(unrestricted, { databricksConnection: 'c', modelName: 'main.ml.churn' }, oauth);
    assert.equal(result.status, 401);
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

  it('selects with jsonpath filters and counts the matches', () => {
    const body = { model_version: { tags: [{ key: 'compliance.status', value: 'passed' }, { key: 'x', value: 'passed' }] } };
    assert.equal(evaluateExpression("eq(count(jsonpath('$.model_version.tags[?(@.key == ''compliance.status'' && @.value == ''passed'')]')), 1)", body), true);
    assert.equal(evaluateExpression("eq(count(jsonpath('$.model_version.tags[?(@.key == ''compliance.status'' && @.value == ''failed'')]')), 0)", body), true);
    assert.equal(evaluateExpression("eq(count(jsonpath('$.model_version.missing[?(@.key == ''x'')]')), 0)", body), true);
  });

  it('refuses what it does not understand instead of guessing', () => {
    assert.throws(() => evaluateExpression("startsWith(root['status'], 'RE')", root), /not supported/);
    assert.throws(() => evaluateExpression("eq(root['status'], 'READY'", root), /end of expression/);
  });
});
