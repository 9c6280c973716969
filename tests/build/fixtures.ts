/**
 * A small, valid extension (one agent task, one server gate task) to break one fact at a time:
 * in memory for the pure checks, or written to a temp folder shaped like the repo for the
 * stage-and-package path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { ExtensionUnderCheck, JsonObject, TaskUnderCheck } from '../../scripts/manifest/checks';
import { toStagedLayout } from '../../scripts/manifest/files';

export const agentId = '0f3e4c1a-7b2d-4e6f-9a8b-1c2d3e4f5a6b';
export const serverId = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';

export function agentTaskJson(): JsonObject {
  return {
    $schema: 'https://raw.githubusercontent.com/Microsoft/azure-pipelines-task-lib/master/tasks.schema.json',
    id: agentId,
    name: 'FixtureAgent',
    friendlyName: 'Fixture agent task',
    description: 'An agent task for the manifest-check tests.',
    author: 'Databricks MLOps for Azure DevOps',
    category: 'Test',
    visibility: ['Build', 'Release'],
    runsOn: ['Agent', 'DeploymentGroup'],
    version: { Major: 1, Minor: 0, Patch: 0 },
    minimumAgentVersion: '3.232.1',
    instanceNameFormat: 'Fixture $(message)',
    groups: [{ name: 'main', displayName: 'Main', isExpanded: true }],
    inputs: [
      { name: 'message', type: 'string', label: 'Message', required: true, groupName: 'main', helpMarkDown: 'What to say.' },
      { name: 'connection', type: 'connectedService:databricks-workspace', label: 'Connection', required: true, groupName: 'main', helpMarkDown: 'The workspace.' },
    ],
    outputVariables: [{ name: 'said', description: 'What was said.' }],
    restrictions: { commands: { mode: 'restricted' }, settableVariables: { allowed: ['said'] } },
    execution: { Node20_1: { target: 'index.js' }, Node24: { target: 'index.js' } },
    messages: { Done: 'Done.' },
  };
}

export function serverTaskJson(): JsonObject {
  return {
    id: serverId,
    name: 'FixtureGate',
    friendlyName: 'Fixture gate',
    description: 'A server gate for the manifest-check tests.',
    author: 'Databricks MLOps for Azure DevOps',
    category: 'Deploy',
    visibility: ['Release'],
    runsOn: ['Server', 'ServerGate'],
    version: { Major: 1, Minor: 0, Patch: 0 },
    instanceNameFormat: 'Gate on $(modelName)',
    groups: [{ name: 'main', displayName: 'Main', isExpanded: true }],
    inputs: [
      { name: 'connection', type: 'connectedService:databricks-workspace:Token', label: 'Connection', required: true, groupName: 'main', helpMarkDown: 'The workspace.' },
      { name: 'modelName', type: 'string', label: 'Model', required: true, groupName: 'main', helpMarkDown: 'catalog.schema.model' },
    ],
    execution: {
      HttpRequest: {
        Execute: {
          EndpointId: '$(connection)',
          EndpointUrl: '$(endpoint.url)/api/2.1/unity-catalog/models/$(modelName)?include_aliases=true',
          Method: 'GET',
          Headers: '{"Content-Type":"application/json"}',
          WaitForCompletion: 'false',
          Expression: "ge(count(root['aliases']), 1)",
        },
      },
    },
  };
}

export function extensionManifest(): JsonObject {
  return {
    manifestVersion: 1,
    id: 'fixture-extension',
    publisher: 'fixture-publisher',
    version: '1.2.3',
    name: 'Fixture',
    description: 'An extension for the manifest-check tests.',
    public: false,
    categories: ['Azure Pipelines'],
    targets: [{ id: 'Microsoft.VisualStudio.Services' }],
    icons: { default: 'images/extension-icon.png' },
    content: { details: { path: 'overview.md' } },
    files: [
      { path: 'images', addressable: true },
      { path: 'dist/tasks/FixtureAgentV1', packagePath: 'tasks/FixtureAgentV1' },
      { path: 'dist/tasks/FixtureGateV1', packagePath: 'tasks/FixtureGateV1' },
    ],
    contributions: [
      {
        id: 'fixture-endpoint',
        type: 'ms.vss-endpoint.service-endpoint-type',
        targets: ['ms.vss-endpoint.endpoint-types'],
        properties: { name: 'databricks-workspace', displayName: 'Fixture workspace', url: { displayName: 'URL', required: true }, authenticationSchemes: [{ type: 'ms.vss-endpoint.endpoint-auth-scheme-token', headers: [{ name: 'Authorization', value: 'Bearer {{endpoint.apitoken}}' }] }, { type: 'ms.vss-endpoint.endpoint-auth-scheme-basic' }] },
      },
      { id: 'fixture-agent-task', type: 'ms.vss-distributed-task.task', targets: ['ms.vss-distributed-task.tasks'], properties: { name: 'tasks/FixtureAgentV1' } },
      { id: 'fixture-gate-task', type: 'ms.vss-distributed-task.task', targets: ['ms.vss-distributed-task.tasks'], properties: { name: 'tasks/FixtureGateV1' } },
    ],
  };
}

function task(folder: string, manifest: JsonObject, files: string[]): TaskUnderCheck {
  return { folder, stagedPath: `tasks/${folder}`, manifest, icon: { kind: 'png', width: 32, height: 32 }, stagedFiles: new Set(files) };
}

/** The valid extension, staged, as loadStagedExtension would return it. */
export function validExtension(): ExtensionUnderCheck {
  const tasks = [task('FixtureAgentV1', agentTaskJson(), ['task.json', 'icon.png', 'index.js']), task('FixtureGateV1', serverTaskJson(), ['task.json', 'icon.png'])];
  const stagedPaths = new Set(['vss-extension.json', 'overview.md', 'images', 'images/extension-icon.png', 'tasks']);
  for (const t of tasks) {
    stagedPaths.add(t.stagedPath);
    for (const file of t.stagedFiles) stagedPaths.add(`${t.stagedPath}/${file}`);
  }
  return { manifest: toStagedLayout(extensionManifest()), icon: { kind: 'png', width: 128, height: 128 }, tasks, stagedPaths };
}

/** A solid-colour PNG of the given size. */
export function pngBytes(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data.fill(200);
  return PNG.sync.write(png);
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Writes the valid extension to `root` as the repo would hold it after `npm run build`. */
export function writeFixtureRepo(root: string): void {
  writeJson(path.join(root, 'vss-extension.json'), extensionManifest());
  fs.writeFileSync(path.join(root, 'overview.md'), '# Fixture\n');
  fs.mkdirSync(path.join(root, 'images'), { recursive: true });
  fs.writeFileSync(path.join(root, 'images', 'extension-icon.png'), pngBytes(128, 128));
  for (const [folder, manifest, code] of [
    ['FixtureAgentV1', agentTaskJson(), true],
    ['FixtureGateV1', serverTaskJson(), false],
  ] as const) {
    writeJson(path.join(root, 'tasks', folder, 'task.json'), manifest);
    const built = path.join(root, 'dist', 'tasks', folder);
    writeJson(path.join(built, 'task.json'), manifest);
    fs.writeFileSync(path.join(built, 'icon.png'), pngBytes(32, 32));
    if (code) fs.writeFileSync(path.join(built, 'index.js'), 'console.log("fixture");\n');
  }
}
