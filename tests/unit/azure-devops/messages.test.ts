import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMessages } from '../../../tasks/common/azure-devops/messages';

const tasksDir = path.resolve(__dirname, '..', '..', '..', 'tasks');

/** Every .ts file of a task folder, concatenated. */
function taskSource(folder: string): string {
  return fs
    .readdirSync(path.join(tasksDir, folder))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => fs.readFileSync(path.join(tasksDir, folder, file), 'utf8'))
    .join('\n');
}

describe('task messages', () => {
  it('fills %s placeholders in order', () => {
    const message = createMessages({ Deployed: "Deployed to '%s' (run %s)." });
    assert.equal(message('Deployed', 'prod', 42), "Deployed to 'prod' (run 42).");
  });

  for (const folder of fs.readdirSync(tasksDir).filter((f) => fs.existsSync(path.join(tasksDir, f, 'index.ts')))) {
    it(`${folder} uses every message its task.json declares`, () => {
      const manifest = JSON.parse(fs.readFileSync(path.join(tasksDir, folder, 'task.json'), 'utf8')) as { messages?: Record<string, string> };
      const source = taskSource(folder);
      const unused = Object.keys(manifest.messages ?? {}).filter((key) => !source.includes(`'${key}'`));
      assert.deepEqual(unused, []);
    });
  }
});
