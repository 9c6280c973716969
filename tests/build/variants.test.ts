import assert from 'node:assert/strict';
import { toStagedLayout } from '../../scripts/manifest/files';
import {
  applyVariantToManifest,
  applyVariantToTask,
  deriveTaskId,
  endpointTypeNames,
  parseVariant,
  resolveVariantSettings,
  suffixWithin,
  uuidV5,
} from '../../scripts/manifest/variants';
import { agentId, agentTaskJson, extensionManifest, serverId } from './fixtures';

describe('variants', () => {
  describe('deriveTaskId', () => {
    it('is RFC 4122 version 5 (checked against the published DNS-namespace example)', () => {
      assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
      assert.equal(deriveTaskId(agentId, 'dev'), '9c48773b-d404-5362-9013-5824b6169954');
    });

    it('is deterministic and gives each task and each variant its own GUID', () => {
      const ids = [deriveTaskId(agentId, 'dev'), deriveTaskId(agentId, 'private'), deriveTaskId(serverId, 'dev'), deriveTaskId(serverId, 'private')];
      assert.equal(new Set([...ids, agentId, serverId]).size, 6);
      assert.equal(deriveTaskId(agentId, 'dev'), deriveTaskId(agentId.toUpperCase(), 'dev'));
      for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('keeps the public GUID for the public variant and rejects a non-GUID', () => {
      assert.equal(deriveTaskId(agentId, 'public'), agentId);
      assert.throws(() => deriveTaskId('not-a-guid', 'dev'), /Invalid task id 'not-a-guid'/);
    });
  });

  describe('applyVariantToTask', () => {
    it('changes only id and friendlyName, on a copy', () => {
      const task = agentTaskJson();
      const dev = applyVariantToTask(task, 'dev');
      assert.equal(task.id, agentId);
      assert.deepEqual({ ...dev, id: task.id, friendlyName: task.friendlyName }, task);
      assert.equal(dev.friendlyName, 'Fixture agent task (dev)');
    });

    it('keeps the friendlyName within 40 characters', () => {
      const task = { ...agentTaskJson(), friendlyName: 'Compare a candidate model with champion' };
      const dev = applyVariantToTask(task, 'dev');
      assert.equal(dev.friendlyName, 'Compare a candidate model with cha (dev)');
      assert.ok(String(dev.friendlyName).length <= 40);
      assert.equal(suffixWithin('short', ' (dev)', 40), 'short (dev)');
    });
  });

  describe('endpoint types', () => {
    it('gives a non-public variant its own endpoint type name, and points its tasks at it', () => {
      const manifest = extensionManifest();
      assert.deepEqual(endpointTypeNames(manifest), ['databricks-workspace']);
      const dev = applyVariantToManifest(manifest, { variant: 'dev' });
      assert.deepEqual(endpointTypeNames(dev), ['databricks-workspace-dev']);
      assert.deepEqual(endpointTypeNames(applyVariantToManifest(manifest, { variant: 'public' })), ['databricks-workspace']);
      const task = agentTaskJson();
      (task.inputs as Record<string, unknown>[]).push({ name: 'azureSubscription', type: 'connectedService:AzureRM', label: 'Azure', groupName: 'main', helpMarkDown: 'h' });
      const types = (applyVariantToTask(task, 'dev', endpointTypeNames(manifest)).inputs as Record<string, unknown>[]).map((input) => input.type);
      assert.deepEqual(types, ['string', 'connectedService:databricks-workspace-dev', 'connectedService:AzureRM']);
    });

    it('keeps the schemes a connection input accepts when it renames the endpoint type', () => {
      const task = agentTaskJson();
      (task.inputs as Record<string, unknown>[]).push({ name: 'gateConnection', type: 'connectedService:databricks-workspace:Token', label: 'Gate', groupName: 'main', helpMarkDown: 'h' });
      const types = (applyVariantToTask(task, 'dev', ['databricks-workspace']).inputs as Record<string, unknown>[]).map((input) => input.type);
      assert.equal(types.at(-1), 'connectedService:databricks-workspace-dev:Token');
    });
  });

  describe('applyVariantToManifest', () => {
    it('leaves the public manifest as it is unless overridden', () => {
      assert.deepEqual(applyVariantToManifest(extensionManifest(), { variant: 'public' }), extensionManifest());
      const overridden = applyVariantToManifest(extensionManifest(), { variant: 'public', publisher: 'contoso', extensionId: 'mlops', overrides: { public: true, version: '9.9.9' } });
      assert.deepEqual([overridden.publisher, overridden.id, overridden.public, overridden.version], ['contoso', 'mlops', true, '9.9.9']);
    });

    it('gives dev and private their own id and name, and never a public listing', () => {
      const dev = applyVariantToManifest({ ...extensionManifest(), public: true }, { variant: 'dev' });
      assert.deepEqual([dev.id, dev.name, dev.public, dev.publisher], ['fixture-extension-dev', 'Fixture (dev)', false, 'fixture-publisher']);
      assert.equal(applyVariantToManifest(extensionManifest(), { variant: 'private', extensionId: 'ours' }).id, 'ours');
    });
  });

  describe('resolveVariantSettings', () => {
    it('reads the environment', () => {
      assert.deepEqual(resolveVariantSettings({ MLOPS_VARIANT: 'dev', MLOPS_PUBLISHER: 'me', MLOPS_EXTENSION_ID: ' ' }, []), {
        variant: 'dev',
        publisher: 'me',
        extensionId: undefined,
        overrides: undefined,
      });
      assert.equal(resolveVariantSettings({}, []).variant, 'public');
    });

    it('lets flags win over the environment', () => {
      const settings = resolveVariantSettings({ MLOPS_VARIANT: 'dev', MLOPS_PUBLISHER: 'me' }, ['--variant', 'private', '--publisher=corp', '--override', '{"public":false}']);
      assert.deepEqual(settings, { variant: 'private', publisher: 'corp', extensionId: undefined, overrides: { public: false } });
    });

    it('rejects bad values with the accepted forms', () => {
      assert.throws(() => parseVariant('staging'), /Invalid variant 'staging': expected one of public, private, dev/);
      assert.throws(() => resolveVariantSettings({}, ['--override', '[1]']), /expected a JSON object/);
      assert.throws(() => resolveVariantSettings({}, ['--override', '{']), /expected a JSON object/);
      assert.throws(() => resolveVariantSettings({}, ['--flavour', 'dev']), /Unknown argument '--flavour'/);
      assert.throws(() => resolveVariantSettings({}, ['--publisher']), /Missing value for --publisher/);
    });
  });

  describe('toStagedLayout', () => {
    it('maps built task folders to where the VSIX holds them and leaves other entries alone', () => {
      const staged = toStagedLayout(extensionManifest());
      assert.deepEqual(staged.files, [{ path: 'images', addressable: true }, { path: 'tasks/FixtureAgentV1' }, { path: 'tasks/FixtureGateV1' }]);
      const odd = toStagedLayout({ files: [{ path: 'dist/tasks/AV1', packagePath: 'tasks/BV1' }] });
      assert.deepEqual(odd.files, [{ path: 'dist/tasks/AV1', packagePath: 'tasks/BV1' }]);
    });
  });
});
