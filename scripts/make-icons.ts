/**
 * `npx tsx scripts/make-icons.ts`: draws the extension icon, the connection icon and one icon per
 * task folder with pngjs, so they are reproducible from source rather than opaque binary drops.
 * The extension mark is a rising line through three stages over a rounded navy tile: the pipeline
 * carrying code to production. It deliberately avoids Databricks' stacked-diamond logo and colours:
 * this is a community extension and must not pass for a Databricks product.
 * Each task gets the tile with its own glyph and accent colour, so the classic editor's task list
 * tells them apart; a task without a glyph here gets a generic one in a colour derived from its name.
 * Re-run and commit the PNGs after changing it (or after adding a task); tests compare the pixels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

type Rgba = readonly [number, number, number, number];
/** A segment on the 32x32 design grid, drawn as a capsule of the given half-width. */
type Stroke = readonly [x1: number, y1: number, x2: number, y2: number, halfWidth: number];

const tile: Rgba = [27, 58, 87, 255]; // deep navy
const white: Rgba = [255, 255, 255, 255];

/** A glyph: strokes in the accent colour, and optional white strokes over them. */
interface Glyph {
  accent: Rgba;
  strokes: readonly Stroke[];
  highlights?: readonly Stroke[];
}

/** The extension's own mark: a rising line through three stages. */
const extensionGlyph: Glyph = {
  accent: [46, 196, 182, 255], // teal
  strokes: [[7, 23, 15, 17, 1.6], [15, 17, 24, 9, 1.6]],
  highlights: [[7, 23, 7, 23, 3], [15, 17, 15, 17, 3], [24, 9, 24, 9, 3]],
};

/** One glyph per task folder. */
export const taskGlyphs: Readonly<Record<string, Glyph>> = {
  // A check mark: tests passed.
  DatabricksIntegrationTestsV1: { accent: [76, 175, 80, 255], strokes: [[8, 16.5, 13.5, 22, 2], [13.5, 22, 24, 10, 2]] },
  // A closed box with a seal line: one immutable package.
  DatabricksReleaseBundleV1: {
    accent: [255, 179, 0, 255],
    strokes: [[8, 11, 24, 11, 1.5], [24, 11, 24, 24, 1.5], [24, 24, 8, 24, 1.5], [8, 24, 8, 11, 1.5], [8, 11, 11, 7, 1.5], [24, 11, 21, 7, 1.5], [11, 7, 21, 7, 1.5]],
    highlights: [[16, 11, 16, 17, 1.3]],
  },
  // An arrow landing on a platform: deploy.
  DatabricksBundleDeployV1: {
    accent: [66, 165, 245, 255],
    strokes: [[7, 24, 25, 24, 1.6]],
    highlights: [[16, 6, 16, 19, 1.5], [16, 19, 11, 14, 1.5], [16, 19, 21, 14, 1.5]],
  },
  // Two bars side by side, the candidate taller: compare.
  DatabricksModelCompareV1: { accent: [171, 71, 188, 255], strokes: [[11, 24, 11, 15, 3]], highlights: [[21, 24, 21, 9, 3]] },
  // Two chevrons pointing up: promote.
  DatabricksModelPromoteV1: {
    accent: [255, 112, 67, 255],
    strokes: [[9, 19, 16, 12, 1.8], [16, 12, 23, 19, 1.8]],
    highlights: [[9, 26, 16, 19, 1.8], [16, 19, 23, 26, 1.8]],
  },
  // Two posts and a bar: a gate.
  DatabricksModelVersionGateV1: {
    accent: [236, 64, 122, 255],
    strokes: [[9, 7, 9, 25, 2], [23, 7, 23, 25, 2]],
    highlights: [[9, 13, 23, 13, 1.4], [9, 19, 23, 19, 1.4]],
  },
  // A shield with a check: compliance.
  DatabricksModelComplianceV1: {
    accent: [38, 166, 154, 255],
    strokes: [[8, 8, 16, 5, 1.6], [16, 5, 24, 8, 1.6], [24, 8, 23, 18, 1.6], [23, 18, 16, 27, 1.6], [16, 27, 9, 18, 1.6], [9, 18, 8, 8, 1.6]],
    highlights: [[12, 16, 15, 19, 1.6], [15, 19, 21, 12, 1.6]],
  },
  // A pen stroke over a signature line: sign-off.
  DatabricksModelSignOffV1: {
    accent: [121, 134, 203, 255],
    strokes: [[6, 24, 26, 24, 1.4]],
    highlights: [[8, 20, 12, 14, 1.6], [12, 14, 14, 19, 1.6], [14, 19, 18, 13, 1.6], [18, 13, 21, 18, 1.6], [21, 18, 25, 10, 1.6]],
  },
  // A splitter: one line in, two routes out (traffic to served versions).
  DatabricksServingRolloutV1: {
    accent: [0, 172, 193, 255],
    strokes: [[5, 16, 14, 16, 1.8], [14, 16, 25, 9, 1.8]],
    highlights: [[14, 16, 25, 23, 1.8]],
  },
  // A line drifting over a threshold: drift.
  DatabricksDriftCheckV1: {
    accent: [255, 202, 40, 255],
    strokes: [[6, 12, 26, 12, 1.2]],
    highlights: [[6, 24, 11, 21, 1.7], [11, 21, 16, 22, 1.7], [16, 22, 21, 14, 1.7], [21, 14, 26, 8, 1.7]],
  },
};

/** Signed coverage helper: 1 inside, 0 outside, linear over one pixel for cheap anti-aliasing. */
function coverage(distanceInside: number): number {
  return Math.max(0, Math.min(1, distanceInside + 0.5));
}

function blend(png: PNG, x: number, y: number, color: Rgba, alpha: number): void {
  if (alpha <= 0) return;
  const i = (png.width * y + x) << 2;
  const a = (color[3] / 255) * alpha;
  const baseA = png.data[i + 3] / 255;
  const outA = a + baseA * (1 - a);
  for (let c = 0; c < 3; c++) {
    const mixed = outA === 0 ? 0 : (color[c] * a + png.data[i + c] * baseA * (1 - a)) / outA;
    png.data[i + c] = Math.round(mixed);
  }
  png.data[i + 3] = Math.round(outA * 255);
}

/** Distance inside a rounded square of half-size h and corner radius r centred at (cx, cy). */
function roundedSquare(px: number, py: number, cx: number, cy: number, h: number, r: number): number {
  const qx = Math.abs(px - cx) - (h - r);
  const qy = Math.abs(py - cy) - (h - r);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
  return -outside;
}

/** Distance inside a capsule around the segment (x1, y1)-(x2, y2) of half-width w. */
function capsule(px: number, py: number, [x1, y1, x2, y2, w]: Stroke, scale: number): number {
  const [ax, ay, bx, by] = [x1 * scale, y1 * scale, x2 * scale, y2 * scale];
  const [dx, dy] = [bx - ax, by - ay];
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
  return w * scale - Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** The generic glyph for a task not listed in `taskGlyphs`: a ring in a colour hashed from its name. */
function genericGlyph(name: string): Glyph {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  const hue = (hash % 360) / 60;
  const channel = (offset: number) => Math.round(255 * Math.max(0, Math.min(1, Math.abs(((hue + offset) % 6) - 3) - 1)));
  const ring: Stroke[] = [];
  for (let step = 0; step < 12; step++) {
    const [a, b] = [(step / 12) * 2 * Math.PI, ((step + 1) / 12) * 2 * Math.PI];
    ring.push([16 + 8 * Math.cos(a), 16 + 8 * Math.sin(a), 16 + 8 * Math.cos(b), 16 + 8 * Math.sin(b), 1.8]);
  }
  return { accent: [channel(0), channel(4), channel(2), 255], strokes: ring, highlights: [[16, 16, 16, 16, 2.5]] };
}

function drawGlyph(size: number, glyph: Glyph): PNG {
  const png = new PNG({ width: size, height: size });
  png.data.fill(0);
  const s = size / 32; // design grid is 32x32
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      blend(png, x, y, tile, coverage(roundedSquare(px, py, c, c, 15.5 * s, 5 * s)));
      blend(png, x, y, glyph.accent, coverage(Math.max(...glyph.strokes.map((stroke) => capsule(px, py, stroke, s)))));
      if (glyph.highlights) blend(png, x, y, white, coverage(Math.max(...glyph.highlights.map((stroke) => capsule(px, py, stroke, s)))));
    }
  }
  return png;
}

/** The extension mark at `size` pixels (also the connection type's icon at 32). */
export function drawIcon(size: number): PNG {
  return drawGlyph(size, extensionGlyph);
}

/** The 32x32 icon of one task folder (`DatabricksModelCompareV1`). */
export function drawTaskIcon(folder: string): PNG {
  return drawGlyph(32, taskGlyphs[folder] ?? genericGlyph(folder));
}

function write(file: string, png: PNG): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png));
  console.log(`wrote ${path.relative(process.cwd(), file)} (${png.width}x${png.height})`);
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  write(path.join(root, 'images', 'extension-icon.png'), drawIcon(128));
  write(path.join(root, 'images', 'task-icon.png'), drawIcon(32));
  const tasksDir = path.join(root, 'tasks');
  for (const folder of fs.readdirSync(tasksDir)) {
    if (/V\d+$/.test(folder) && fs.existsSync(path.join(tasksDir, folder, 'task.json'))) write(path.join(tasksDir, folder, 'icon.png'), drawTaskIcon(folder));
  }
}
