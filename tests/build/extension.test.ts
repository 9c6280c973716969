/**
 * The real repository: its manifest, its checks and its .vsix. These use the built tasks under
 * dist/tasks (npm test builds before running the suite); a task that is missing or whose task.json
 * changed since the last build is rebuilt first.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTasks } from '../../scripts/build';
import { checkExtension, isServerTask, type JsonObject } from '../../scripts/manifest/checks';
import { loadStagedExtension, readConnectionInputs, readJson, repoRoot, sourceTaskFolders, stageExtension } from '../../scripts/manifest/files';
import { deriveTaskId } from '../../scripts/manifest/variants';
import { packageExtension } from '../../scripts/package';
import { loadSchema, requireSchema, schemaDir } from '../support/schemas';
import { jsonEntry, readVsix } from './vsix';

const manifest = readJson(path.join(repoRoot, 'vss-extension.json'));
const packageJson = readJson(path.join(repoRoot, 'package.json'));
const contributions = manifest.contributions as JsonObject[];
const endpointType = () => contributions.find((contribution) => contribution.type === 'ms.vss-endpoint.service-endpoint-type');

async function ensureBuilt(): Promise<void> {
  const stale = sourceTaskFolders().filter((folder) => {
    const built = path.join(repoRoot, 'dist', 'tasks', folder);
    const source = path.join(repoRoot, 'tasks', folder);
    if (!fs.existsSync(path.join(built, 'task.json'))) return true;
    if (fs.readFileSync(path.join(built, 'task.json'), 'utf8') !== fs.readFileSync(path.join(source, 'task.json'), 'utf8')) return true;
    return fs.existsSync(path.join(source, 'index.ts')) && !fs.existsSync(path.join(built, 'index.js'));
  });
  if (stale.length > 0) await buildTasks(stale);
}

describe('vss-extension.json', () => {
  it('keeps its version in step with package.json', () => {
    assert.equal(manifest.version, packageJson.version);
  });

  it('is the MLOps for Azure Databricks extension for Azure Pipelines', () => {
    assert.equal(manifest.manifestVersion, 1);
    assert.equal(manifest.name, 'MLOps for Azure Databricks');
    assert.ok(String(manifest.description).length <= 200);
    assert.deepEqual(manifest.categories, ['Azure Pipelines']);
    assert.deepEqual(manifest.targets, [{ id: 'Microsoft.VisualStudio.Services' }]);
    assert.deepEqual(manifest.icons, { default: 'images/extension-icon.png' });
    assert.deepEqual((manifest.content as JsonObject).details, { path: 'overview.md' });
  });

  it('contributes the databricks-workspace endpoint type as the connection contract requires', () => {
    const endpoint = endpointType();
    assert.ok(endpoint, 'no ms.vss-endpoint.service-endpoint-type contribution');
    assert.deepEqual(endpoint.targets, ['ms.vss-endpoint.endpoint-types']);
    const properties = endpoint.properties as JsonObject;
    assert.equal(properties.name, 'databricks-workspace');
    assert.equal(properties.displayName, 'Azure Databricks workspace');
    assert.equal((properties.url as JsonObject).required, true);
    const schemes = properties.authenticationSchemes as JsonObject[];
    assert.deepEqual(schemes.map((scheme) => scheme.type), ['ms.vss-endpoint.endpoint-auth-scheme-token', 'ms.vss-endpoint.endpoint-auth-scheme-basic']);
    // The token scheme's default header has no "Bearer"; Databricks needs it.
    assert.deepEqual(schemes[0].headers, [{ name: 'Authorization', value: 'Bearer {{endpoint.apitoken}}' }]);
    const token = (schemes[0].inputDescriptors as JsonObject[]).find((input) => input.id === 'apitoken');
    assert.equal(token?.inputMode, 'passwordbox');
    assert.equal(token?.isConfidential, true);
    const basic = schemes[1].inputDescriptors as JsonObject[];
    assert.deepEqual(basic.map((input) => input.id), ['username', 'password']);
    assert.match(String(basic[0].name), /client id/i);
    assert.match(String(basic[1].name), /secret/i);
    assert.equal(basic[1].isConfidential, true);
    const test = (properties.dataSources as JsonObject[]).find((source) => source.name === 'TestConnection');
    assert.ok(test, 'no TestConnection data source');
    assert.match(String(test.endpointUrl), /^\{\{endpoint\.url\}\}\/api\//);
    assert.ok(test.resultSelector);
    assert.deepEqual(test.authenticationScheme, { type: 'ms.vss-endpoint.endpoint-auth-scheme-token' });
  });

  it('is the endpoint type every task connection input refers to', () => {
    const connectionInputs = readJson(path.join(repoRoot, 'tasks', 'common', 'azure-devops', 'connection-inputs.json'));
    const input = (connectionInputs.inputs as JsonObject[]).find((candidate) => candidate.name === 'databricksConnection');
    assert.equal(input?.type, `connectedService:${(endpointType()?.properties as JsonObject).name}`);
  });
});

describe('the repository passes the manifest checks', () => {
  let stageDir: string;
  before(async function () {
    this.timeout(120_000);
    await ensureBuilt();
    stageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-stage-'));
  });
  after(() => fs.rmSync(stageDir, { recursive: true, force: true }));

  it('has every task folder from the plan, each with a task.json', () => {
    assert.deepEqual(sourceTaskFolders(), [
      'DatabricksBundleDeployV1',
      'DatabricksDriftCheckV1',
      'DatabricksIntegrationTestsV1',
      'DatabricksModelCompareV1',
      'DatabricksModelComplianceV1',
      'DatabricksModelPromoteV1',
      'DatabricksModelSignOffV1',
      'DatabricksModelVersionGateV1',
      'DatabricksReleaseBundleV1',
      'DatabricksServingRolloutV1',
    ]);
  });

  for (const variant of ['public', 'dev'] as const) {
    it(`with no problems in the ${variant} variant`, function () {
      const schema = loadSchema('azure-pipelines-task.schema.json', this);
      const folders = stageExtension({ stageDir, variant: { variant } });
      assert.deepEqual(checkExtension(loadStagedExtension(stageDir, folders), { taskSchema: schema, connectionInputs: readConnectionInputs(repoRoot, variant) }), []);
    });
  }
});

describe('npm run package on the repository', () => {
  let outDir: string;
  let entries: Map<string, Buffer>;
  before(async function () {
    this.timeout(120_000);
    requireSchema('azure-pipelines-task.schema.json', this);
    await ensureBuilt();
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-vsix-'));
    const result = await packageExtension({ variant: { variant: 'public' }, outDir, stageDir: path.join(outDir, 'stage'), schemaDir: schemaDir(), requireSchema: true, log: () => undefined });
    entries = await readVsix(result.vsixPath);
  });
  after(() => outDir && fs.rmSync(outDir, { recursive: true, force: true }));

  it('puts every task folder in the vsix: task.json, icon.png and, for agent tasks, the bundle', () => {
    for (const folder of sourceTaskFolders()) {
      const task = jsonEntry(entries, `tasks/${folder}/task.json`);
      assert.equal(task.id, readJson(path.join(repoRoot, 'tasks', folder, 'task.json')).id);
      assert.ok(entries.has(`tasks/${folder}/icon.png`), `${folder}/icon.png`);
      for (const file of ['task.loc.json', 'Strings/resources.resjson/en-US/resources.resjson']) assert.ok(entries.has(`tasks/${folder}/${file}`), `${folder}/${file}`);
      if (!isServerTask(task)) {
        const target = (task.execution as Record<string, { target: string }>).Node24.target;
        assert.ok((entries.get(`tasks/${folder}/${target}`)?.length ?? 0) > 0, `${folder}/${target}`);
      }
    }
    assert.ok(entries.has('images/extension-icon.png'));
    for (const name of ['overview.md', 'LICENSE', 'CHANGELOG.md']) assert.ok(entries.has(name), `${name} missing from the vsix`);
  });

  it('gives every task its own icon', () => {
    const icons = sourceTaskFolders().map((folder) => entries.get(`tasks/${folder}/icon.png`)?.toString('base64'));
    assert.equal(new Set(icons).size, icons.length);
  });

  it('declares each task and the databricks-workspace endpoint type in the packaged manifest', () => {
    const packaged = jsonEntry(entries, 'extension.vsomanifest');
    const packagedContributions = packaged.contributions as JsonObject[];
    const endpoint = packagedContributions.find((contribution) => contribution.type === 'ms.vss-endpoint.service-endpoint-type');
    assert.equal((endpoint?.properties as JsonObject).name, 'databricks-workspace');
    const taskPaths = packagedContributions.filter((contribution) => contribution.type === 'ms.vss-distributed-task.task').map((contribution) => (contribution.properties as JsonObject).name);
    assert.deepEqual(taskPaths.sort(), sourceTaskFolders().map((folder) => `tasks/${folder}`));
  });

  it('ships no TypeScript sources and no reference schemas', () => {
    const names = [...entries.keys()];
    assert.deepEqual(names.filter((name) => name.endsWith('.ts') || /schema\.json$/.test(name)), []);
  });
});

describe('the dev variant of the repository', () => {
  it('gives every task a GUID distinct from all public ones, derived deterministically', () => {
    const publicIds = sourceTaskFolders().map((folder) => String(readJson(path.join(repoRoot, 'tasks', folder, 'task.json')).id));
    const devIds = publicIds.map((id) => deriveTaskId(id, 'dev'));
    assert.equal(new Set([...publicIds.map((id) => id.toLowerCase()), ...devIds]).size, publicIds.length * 2);
    assert.deepEqual(publicIds.map((id) => deriveTaskId(id, 'dev')), devIds);
  });
});
