import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stageExtension, toStagedLayout } from '../../scripts/manifest/files';

describe('staging the web contributions', () => {
  it('maps dist/web/<name> to web/<name>, keeping addressable, and leaves a mismatched entry alone', () => {
    const staged = toStagedLayout({
      files: [
        { path: 'dist/web/model-report-tab', packagePath: 'web/model-report-tab', addressable: true },
        { path: 'dist/web/a', packagePath: 'web/b' },
      ],
    });
    assert.deepEqual(staged.files, [{ path: 'web/model-report-tab', addressable: true }, { path: 'dist/web/a', packagePath: 'web/b' }]);
  });

  it('copies the built web folder into the stage', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-stage-web-'));
    try {
      fs.writeFileSync(path.join(root, 'vss-extension.json'), JSON.stringify({ id: 'x', publisher: 'p', version: '1.0.0', files: [] }));
      fs.mkdirSync(path.join(root, 'dist', 'web', 'model-report-tab'), { recursive: true });
      fs.writeFileSync(path.join(root, 'dist', 'web', 'model-report-tab', 'index.html'), '<!doctype html>');
      const stageDir = path.join(root, 'stage');
      stageExtension({ root, stageDir, variant: { variant: 'public' } });
      assert.equal(fs.readFileSync(path.join(stageDir, 'web', 'model-report-tab', 'index.html'), 'utf8'), '<!doctype html>');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
