import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { drawIcon } from '../../scripts/make-icons';

const images = path.resolve(__dirname, '..', '..', 'images');

describe('icons', () => {
  for (const [file, size] of [['extension-icon.png', 128], ['task-icon.png', 32]] as const) {
    it(`images/${file} is what scripts/make-icons.ts draws at ${size}x${size}`, () => {
      const committed = PNG.sync.read(fs.readFileSync(path.join(images, file)));
      const drawn = drawIcon(size);
      assert.deepEqual([committed.width, committed.height], [size, size]);
      assert.ok(Buffer.from(committed.data).equals(Buffer.from(drawn.data)), 'icon differs from the script; run npx tsx scripts/make-icons.ts');
    });
  }

  it('draws a mark, not a blank or uniform tile', () => {
    const icon = drawIcon(32);
    const colours = new Set<string>();
    for (let index = 0; index < icon.data.length; index += 4) colours.add(icon.data.subarray(index, index + 4).join(','));
    assert.ok(colours.size > 8);
  });
});
