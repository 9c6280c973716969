import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { drawIcon, drawTaskIcon } from '../../scripts/make-icons';
import { repoRoot, sourceTaskFolders } from '../../scripts/manifest/files';

const images = path.join(repoRoot, 'images');
const redraw = 'icon differs from the script; run npx tsx scripts/make-icons.ts';

describe('icons', () => {
  for (const [file, size] of [['extension-icon.png', 128], ['task-icon.png', 32]] as const) {
    it(`images/${file} is what scripts/make-icons.ts draws at ${size}x${size}`, () => {
      const committed = PNG.sync.read(fs.readFileSync(path.join(images, file)));
      const drawn = drawIcon(size);
      assert.deepEqual([committed.width, committed.height], [size, size]);
      assert.ok(Buffer.from(committed.data).equals(Buffer.from(drawn.data)), redraw);
    });
  }

  it("each task's icon.png is its own glyph as scripts/make-icons.ts draws it", () => {
    for (const folder of sourceTaskFolders()) {
      const committed = PNG.sync.read(fs.readFileSync(path.join(repoRoot, 'tasks', folder, 'icon.png')));
      assert.ok(Buffer.from(committed.data).equals(Buffer.from(drawTaskIcon(folder).data)), `${folder}: ${redraw}`);
    }
  });

  it('gives every task, and a task it has no glyph for, an icon distinct from the others and from the extension mark', () => {
    const drawn = [...sourceTaskFolders(), 'DatabricksSomethingNewV1'].map((folder) => Buffer.from(drawTaskIcon(folder).data).toString('base64'));
    drawn.push(Buffer.from(drawIcon(32).data).toString('base64'));
    assert.equal(new Set(drawn).size, drawn.length);
  });

  it('draws a mark, not a blank or uniform tile', () => {
    const icon = drawIcon(32);
    const colours = new Set<string>();
    for (let index = 0; index < icon.data.length; index += 4) colours.add(icon.data.subarray(index, index + 4).join(','));
    assert.ok(colours.size > 8);
  });
});
