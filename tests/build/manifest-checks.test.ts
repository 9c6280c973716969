import assert from 'node:assert/strict';
import {
  checkConnectionInputs,
  checkExtension,
  checkTaskSchemas,
  parseConnectedServiceType,
  relaxedServerTaskSchema,
  taskSchemaValidators,
  type CheckName,
  type ExtensionUnderCheck,
  type JsonObject,
  type Problem,
} from '../../scripts/manifest/checks';
import { readPngSize } from '../../scripts/manifest/png';
import { loadSchema } from '../support/schemas';
import { pngBytes, validExtension } from './fixtures';

/** The checks that failed, without duplicates. */
function failedChecks(problems: Problem[]): CheckName[] {
  return [...new Set(problems.map((problem) => problem.check))];
}

/** Breaks the valid extension with `mutate`, runs every check, and expects exactly `check` to fail. */
function expectOnly(check: CheckName, mutate: (extension: ExtensionUnderCheck) => void, message?: RegExp): Problem[] {
  const extension = validExtension();
  mutate(extension);
  const problems = checkExtension(extension);
  assert.deepEqual(failedChecks(problems), [check], `problems: ${JSON.stringify(problems, null, 2)}`);
  if (message) assert.ok(problems.some((problem) => message.test(problem.message)), `no message matches ${message}: ${JSON.stringify(problems)}`);
  return problems;
}

const agent = (extension: ExtensionUnderCheck) => extension.tasks[0].manifest;
const gate = (extension: ExtensionUnderCheck) => extension.tasks[1].manifest;
const inputs = (task: JsonObject) => task.inputs as JsonObject[];
const contributions = (extension: ExtensionUnderCheck) => extension.manifest.contributions as JsonObject[];
const files = (extension: ExtensionUnderCheck) => extension.manifest.files as JsonObject[];

describe('manifest checks', () => {
  it('pass on the valid fixture (an agent task and a server gate)', () => {
    assert.deepEqual(checkExtension(validExtension()), []);
  });

  describe('task schema', () => {
    let schema: JsonObject;
    before(function () {
      schema = loadSchema('azure-pipelines-task.schema.json', this);
    });

    it('accepts both fixture tasks, the gate through the relaxed copy', () => {
      assert.deepEqual(checkExtension(validExtension(), { taskSchema: schema }), []);
    });

    it('fails a task.json with a property the schema does not know', () => {
      const extension = validExtension();
      agent(extension).handler = 'Node20';
      const problems = checkExtension(extension, { taskSchema: schema });
      assert.deepEqual(failedChecks(problems), ['task-schema']);
      assert.equal(problems[0].subject, 'FixtureAgentV1');
    });

    it('fails an input type outside the schema', () => {
      const extension = validExtension();
      inputs(agent(extension))[0].type = 'text';
      assert.deepEqual(failedChecks(checkTaskSchemas(extension.tasks, schema)), ['task-schema']);
    });

    it("rejects an input 'validation' expression, so numeric bounds are enforced by the tasks' parsers (ADR 0015)", () => {
      const extension = validExtension();
      inputs(agent(extension))[0].validation = { expression: 'isInRange(value, 1, 99)', message: 'Between 1 and 99.' };
      const problems = checkTaskSchemas(extension.tasks, schema);
      assert.deepEqual(failedChecks(problems), ['task-schema']);
      assert.match(problems[0].message, /additional properties.*validation/);
    });

    it('fails an agent handler name the agent does not know (Node20 instead of Node20_1)', () => {
      const extension = validExtension();
      agent(extension).execution = { Node20: { target: 'index.js' }, Node24: { target: 'index.js' } };
      assert.ok(checkTaskSchemas(extension.tasks, schema).length > 0);
    });

    it('needs the relaxed copy for server tasks, which still rejects unknown execution kinds', () => {
      const validators = taskSchemaValidators(schema);
      assert.ok(validators.agent(validExtension().tasks[1].manifest).length > 0, 'the published schema rejects HttpRequest');
      assert.deepEqual(validators.server(validExtension().tasks[1].manifest), []);
      const extension = validExtension();
      gate(extension).execution = { HttpRequest: {}, Webhook: {} };
      assert.deepEqual(failedChecks(checkTaskSchemas(extension.tasks, schema)), ['task-schema']);
    });

    it('leaves the schema it relaxes untouched', () => {
      const before = JSON.stringify(schema);
      relaxedServerTaskSchema(schema);
      assert.equal(JSON.stringify(schema), before);
    });
  });

  describe('each check fails on its broken fixture', () => {
    it('unique ids: two tasks share a GUID (case-insensitively)', () => {
      expectOnly('unique-ids', (extension) => (gate(extension).id = String(agent(extension).id).toUpperCase()), /used by 2 tasks/);
    });

    it('unique ids: a task has no id', () => {
      expectOnly('unique-ids', (extension) => delete gate(extension).id, /no id/);
    });

    it('unique names: two tasks share a name', () => {
      expectOnly('unique-names', (extension) => (gate(extension).name = 'fixtureagent'), /used by 2 tasks/);
    });

    it('unique names: the folder is not name + major version', () => {
      expectOnly('unique-names', (extension) => ((agent(extension).version as JsonObject).Major = 2), /FixtureAgentV2/);
    });

    it('friendlyName longer than 40 characters', () => {
      expectOnly('friendly-name', (extension) => (agent(extension).friendlyName = 'x'.repeat(41)), /41 characters/);
    });

    it('friendlyName missing', () => {
      expectOnly('friendly-name', (extension) => delete gate(extension).friendlyName);
    });

    it('instanceNameFormat missing', () => {
      expectOnly('instance-name-format', (extension) => delete agent(extension).instanceNameFormat);
    });

    it('a task without a contribution', () => {
      expectOnly('contributions', (extension) => contributions(extension).splice(2, 1), /tasks\/FixtureGateV1/);
    });

    it('a task contribution for a folder that is not a task', () => {
      expectOnly('contributions', (extension) => contributions(extension).push({ id: 'ghost', type: 'ms.vss-distributed-task.task', targets: ['ms.vss-distributed-task.tasks'], properties: { name: 'tasks/GhostV1' } }), /GhostV1/);
    });

    it('a task contribution with the wrong target', () => {
      expectOnly('contributions', (extension) => (contributions(extension)[1].targets = ['ms.vss-web.hub']));
    });

    it('a task without a files entry (tfx would silently leave it out)', () => {
      expectOnly('files', (extension) => files(extension).splice(1, 1), /tasks\/FixtureAgentV1/);
    });

    it('a files entry whose path is not staged', () => {
      expectOnly('files', (extension) => files(extension).push({ path: 'docs' }), /'docs'/);
    });

    it('a task files entry that packages some other folder', () => {
      expectOnly('files', (extension) => (files(extension)[2].path = 'images'), /'tasks\/FixtureGateV1'/);
    });

    it('an extension icon that is not 128x128', () => {
      expectOnly('icons', (extension) => (extension.icon = readPngSize(pngBytes(64, 64))), /64x64/);
    });

    it('a task icon that is not 32x32', () => {
      expectOnly('icons', (extension) => (extension.tasks[0].icon = readPngSize(pngBytes(32, 48))), /32x48/);
    });

    it('a task icon that is missing or not a PNG', () => {
      expectOnly('icons', (extension) => (extension.tasks[1].icon = { kind: 'missing' }), /missing/);
      expectOnly('icons', (extension) => (extension.tasks[1].icon = readPngSize(Buffer.from('GIF89a but longer than 24 bytes'))), /not a valid PNG/);
    });

    it('an agent task without Node24', () => {
      expectOnly('handlers', (extension) => delete (agent(extension).execution as JsonObject).Node24, /Node24/);
    });

    it('an agent task without Node20_1', () => {
      expectOnly('handlers', (extension) => (agent(extension).execution = { Node24: { target: 'index.js' } }), /Node20_1/);
    });

    it('Node20_1 and Node24 with different targets', () => {
      expectOnly('handlers', (extension) => {
        agent(extension).execution = { Node20_1: { target: 'index.js' }, Node24: { target: 'main.js' } };
        extension.tasks[0].stagedFiles = new Set([...extension.tasks[0].stagedFiles, 'main.js']);
      }, /differ/);
    });

    it('a handler target that is not in the staged output', () => {
      expectOnly('handlers', (extension) => (extension.tasks[0].stagedFiles = new Set(['task.json', 'icon.png'])), /not in the staged task folder/);
    });

    it('a server task without a server execution', () => {
      expectOnly('handlers', (extension) => (gate(extension).execution = {}), /server execution/);
    });

    it('a minimumAgentVersion other than 3.232.1', () => {
      expectOnly('minimum-agent-version', (extension) => (agent(extension).minimumAgentVersion = '2.144.0'));
      expectOnly('minimum-agent-version', (extension) => delete agent(extension).minimumAgentVersion);
    });

    it('an input without helpMarkDown', () => {
      expectOnly('input-help', (extension) => delete inputs(gate(extension))[1].helpMarkDown, /modelName/);
    });

    it('an input without a groupName', () => {
      expectOnly('input-groups', (extension) => delete inputs(agent(extension))[0].groupName, /message/);
    });

    it('an input in a group that is not declared', () => {
      expectOnly('input-groups', (extension) => (inputs(agent(extension))[1].groupName = 'advanced'), /advanced/);
    });

    it('an agent task without restrictions, with an unknown mode, or whose settable variables miss an output', () => {
      expectOnly('restrictions', (extension) => delete agent(extension).restrictions, /no restrictions/);
      expectOnly('restrictions', (extension) => ((agent(extension).restrictions as JsonObject).commands = { mode: 'none' }), /mode/);
      expectOnly('restrictions', (extension) => ((agent(extension).restrictions as JsonObject).settableVariables = { allowed: [] }), /said/);
      expectOnly('restrictions', (extension) => delete (agent(extension).restrictions as JsonObject).settableVariables, /allowed/);
    });

    it('an extension description over 200 characters', () => {
      expectOnly('extension-manifest', (extension) => (extension.manifest.description = 'd'.repeat(201)), /201 characters/);
    });

    it('a gate connection that does not restrict its schemes, or lists one the server cannot use or the endpoint lacks', () => {
      expectOnly('connection-schemes', (extension) => (inputs(gate(extension))[0].type = 'connectedService:databricks-workspace'), /must list the schemes/);
      expectOnly('connection-schemes', (extension) => (inputs(gate(extension))[0].type = 'connectedService:databricks-workspace:Token,UsernamePassword'), /'UsernamePassword'.*no headers/);
      expectOnly('connection-schemes', (extension) => (inputs(agent(extension))[0].type = 'connectedService:databricks-workspace:PersonalAccessToken'), /'PersonalAccessToken'.*does not declare.*Token, UsernamePassword/);
    });

    it('duplicate contribution ids, and a manifestVersion other than 1', () => {
      expectOnly('extension-manifest', (extension) => (contributions(extension)[2].id = 'fixture-agent-task'), /not unique/);
      expectOnly('extension-manifest', (extension) => (extension.manifest.manifestVersion = 2));
    });
  });
});

describe('connection-inputs check', () => {
  const common = {
    group: { name: 'connection', displayName: 'Databricks connection', isExpanded: true },
    inputs: [
      { name: 'connectionType', type: 'pickList', label: 'Connect with', groupName: 'connection', options: { databricks: 'Databricks', other: 'Other' }, helpMarkDown: 'How.' },
      { name: 'databricksConnection', type: 'connectedService:databricks-workspace', label: 'Connection', groupName: 'connection', helpMarkDown: 'Which.' },
    ],
  };
  function withCommonInputs(): ExtensionUnderCheck {
    const extension = validExtension();
    const task = agent(extension);
    task.groups = [...(task.groups as JsonObject[]), structuredClone(common.group)];
    task.inputs = [...structuredClone(common.inputs), ...inputs(task)];
    return extension;
  }

  it('passes a task that carries them verbatim (key order aside) and tasks that take no connection', () => {
    const extension = withCommonInputs();
    const first = inputs(agent(extension))[0];
    inputs(agent(extension))[0] = Object.fromEntries(Object.entries(first).reverse());
    assert.deepEqual(checkExtension(extension, { connectionInputs: common }), []);
    assert.deepEqual(checkExtension(validExtension(), { connectionInputs: common }), []);
  });

  it('fails a task that changed one, dropped one, or changed the group', () => {
    const changed = withCommonInputs();
    (inputs(agent(changed))[0].options as JsonObject).extra = 'Extra';
    assert.deepEqual(failedChecks(checkExtension(changed, { connectionInputs: common })), ['connection-inputs']);
    const dropped = withCommonInputs();
    inputs(agent(dropped)).splice(1, 1);
    assert.match(checkConnectionInputs(dropped.tasks, common)[0].message, /'databricksConnection'.*missing/);
    const regrouped = withCommonInputs();
    (agent(regrouped).groups as JsonObject[])[1].isExpanded = false;
    assert.match(checkConnectionInputs(regrouped.tasks, common)[0].message, /group 'connection'/);
  });
});

describe('parseConnectedServiceType', () => {
  it('splits the endpoint type from the scheme list first-party tasks use (connectedService:github:OAuth,Token)', () => {
    assert.deepEqual(parseConnectedServiceType('connectedService:databricks-workspace'), { endpointType: 'databricks-workspace', schemes: [] });
    assert.deepEqual(parseConnectedServiceType('connectedService:github:OAuth,PersonalAccessToken'), { endpointType: 'github', schemes: ['OAuth', 'PersonalAccessToken'] });
    assert.equal(parseConnectedServiceType('string'), undefined);
  });
});

describe('readPngSize', () => {
  it('reads width and height from the IHDR chunk', () => {
    assert.deepEqual(readPngSize(pngBytes(128, 64)), { kind: 'png', width: 128, height: 64 });
  });

  it('rejects a truncated file, a wrong signature and a first chunk other than IHDR', () => {
    const png = pngBytes(32, 32);
    assert.equal(readPngSize(png.subarray(0, 20)).kind, 'invalid');
    const badSignature = Buffer.from(png);
    badSignature[1] = 0;
    assert.equal(readPngSize(badSignature).kind, 'invalid');
    const badChunk = Buffer.from(png);
    badChunk.write('IDAT', 12, 'latin1');
    assert.equal(readPngSize(badChunk).kind, 'invalid');
  });
});
