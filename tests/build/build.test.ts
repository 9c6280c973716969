import assert from 'node:assert/strict';
import type { Metafile } from 'esbuild';
import { duplicatePackages, selectTaskFolders } from '../../scripts/build';

function metafileWith(...inputs: string[]): Metafile {
  return {
    inputs: Object.fromEntries(inputs.map((input) => [input, { bytes: 1, imports: [] }])),
    outputs: {},
  };
}

describe('build: duplicatePackages', () => {
  it('reports a package bundled from two node_modules folders, with both locations', () => {
    const duplicates = duplicatePackages(
      metafileWith(
        'tasks/DatabricksModelCompareV1/index.ts',
        'node_modules/azure-pipelines-task-lib/task.js',
        'node_modules/azure-pipelines-task-lib/internal.js',
        'node_modules/azure-devops-node-api/node_modules/azure-pipelines-task-lib/task.js',
      ),
    );
    assert.deepEqual([...duplicates.keys()], ['azure-pipelines-task-lib']);
    assert.deepEqual(duplicates.get('azure-pipelines-task-lib')?.sort(), [
      'node_modules/azure-devops-node-api/node_modules/azure-pipelines-task-lib',
      'node_modules/azure-pipelines-task-lib',
    ]);
  });

  it('treats scoped packages as one name and ignores single copies and project files', () => {
    const duplicates = duplicatePackages(
      metafileWith(
        'tasks/common/ports.ts',
        'node_modules/@scope/pkg/a.js',
        'node_modules/@scope/pkg/b.js',
        'node_modules/other/node_modules/@scope/pkg/a.js',
        'node_modules/yaml/dist/index.js',
        'node_modules/yaml/dist/parse.js',
      ),
    );
    assert.deepEqual([...duplicates.keys()], ['@scope/pkg']);
  });

  it('finds nothing in a clean bundle', () => {
    assert.equal(duplicatePackages(metafileWith('node_modules/azure-pipelines-task-lib/task.js', 'tasks/x.ts')).size, 0);
  });
});

describe('build: selectTaskFolders (npm run build -- <Task>)', () => {
  const all = ['DatabricksBundleDeployV1', 'DatabricksModelCompareV1', 'DatabricksModelPromoteV1'];

  it('selects everything without a filter', () => {
    assert.deepEqual(selectTaskFolders(all, []), all);
  });

  it('selects by exact folder, by name without version, case-insensitively, or by path', () => {
    assert.deepEqual(selectTaskFolders(all, ['DatabricksModelCompareV1']), ['DatabricksModelCompareV1']);
    assert.deepEqual(selectTaskFolders(all, ['databricksmodelpromote', 'tasks/DatabricksBundleDeployV1/']), [
      'DatabricksBundleDeployV1',
      'DatabricksModelPromoteV1',
    ]);
  });

  it('rejects an unknown task and lists the known ones', () => {
    assert.throws(() => selectTaskFolders(all, ['DatabricksModelCompar']), /No task folder matches 'DatabricksModelCompar'.*DatabricksModelCompareV1/);
  });
});
