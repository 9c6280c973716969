import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMessages } from '../../../tasks/common/task/messages';

const tasksDir = path.resolve(__dirname, '..', '..', '..', 'tasks');

/** Every .ts file under a folder, concatenated. */
function sources(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => fs.readFileSync(path.join(dir, file), 'utf8'))
    .join('\n');
}

/** What a task bundles: its folder and the shared code (a core module may hold its catalogue). */
const commonSource = sources(path.join(tasksDir, 'common'));

describe('task messages', () => {
  it('fills %s placeholders in order', () => {
    const message = createMessages({ Deployed: "Deployed to '%s' (run %s)." });
    assert.equal(message('Deployed', 'prod', 42), "Deployed to 'prod' (run 42).");
  });

  for (const folder of fs.readdirSync(tasksDir).filter((f) => fs.existsSync(path.join(tasksDir, f, 'index.ts')))) {
    it(`${folder} uses every message its task.json declares`, () => {
      const manifest = JSON.parse(fs.readFileSync(path.join(tasksDir, folder, 'task.json'), 'utf8')) as { messages?: Record<string, string> };
      const source = `${sources(path.join(tasksDir, folder))}\n${commonSource}`;
      // Used means named as a key: `message('Key', ...)`, or `Key:` in a core catalogue the task passes on.
      const unused = Object.keys(manifest.messages ?? {}).filter((key) => !source.includes(`'${key}'`) && !new RegExp(`\\b${key}:`).test(source));
      assert.deepEqual(unused, []);
    });
  }
});
