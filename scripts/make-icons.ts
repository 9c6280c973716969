/**
 * `npx tsx scripts/make-icons.ts`: draws the extension and task icons with pngjs so they are
 * reproducible from source rather than opaque binary drops. The mark is a stacked-layers glyph
 * (a nod to Databricks' stacked diamonds) over a rounded tile, with a small upward arrow for "ops".
 * Re-run and commit the PNGs after changing it; tests check the sizes, not the pixels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

type Rgba = readonly [number, number, number, number];

const tile: Rgba = [27, 58, 87, 255]; // deep Azure-ish navy
const layer: Rgba = [255, 54, 33, 255]; // Databricks red-orange
const accent: Rgba = [255, 255, 255, 255];

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

/** Distance inside a flat diamond (rhombus) with half-width w and half-height hh, ring thickness t. */
function diamondRing(px: number, py: number, cx: number, cy: number, w: number, hh: number, t: number): number {
  const d = (Math.abs(px - cx) / w + Math.abs(py - cy) / hh - 1) * Math.min(w, hh) * 0.9;
  return t / 2 - Math.abs(d);
}

function filledDiamond(px: number, py: number, cx: number, cy: number, w: number, hh: number): number {
  return -(Math.abs(px - cx) / w + Math.abs(py - cy) / hh - 1) * Math.min(w, hh) * 0.9;
}

export function drawIcon(size: number): PNG {
  const png = new PNG({ width: size, height: size });
  png.data.fill(0);
  const s = size / 32; // design grid is 32x32
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      blend(png, x, y, tile, coverage(roundedSquare(px, py, c, c, 15.5 * s, 5 * s)));
      // Three stacked layers: top filled, the two below as chevron-like rings.
      blend(png, x, y, layer, coverage(filledDiamond(px, py, c, 10 * s, 11 * s, 5 * s)));
      for (const cy of [16, 21.5]) {
        const ring = diamondRing(px, py, c, cy * s, 11 * s, 5 * s, 2 * s);
        // Keep only the lower half of the lower rings so they read as layers underneath.
        if (py > (cy - 0.5) * s) blend(png, x, y, layer, coverage(ring));
      }
      // Upward arrow at the bottom right: the "ops" of MLOps, promotion to the next stage.
      const ax = 25 * s;
      const shaft = Math.min(1.1 * s - Math.abs(px - ax), Math.min(py - 21 * s, 28 * s - py));
      const headDepth = py - 19 * s - Math.abs(px - ax) * 1.0;
      const head = Math.min(headDepth, 23 * s - py) * 0.7;
      blend(png, x, y, accent, coverage(Math.max(shaft, head)));
    }
  }
  return png;
}

function write(file: string, size: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(drawIcon(size)));
  console.log(`wrote ${path.relative(process.cwd(), file)} (${size}x${size})`);
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  write(path.join(root, 'images', 'extension-icon.png'), 128);
  write(path.join(root, 'images', 'task-icon.png'), 32);
}
