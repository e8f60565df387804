// Draws Kassa's icons with pngjs (no image tools needed): the app icon at every size the
// installers use, and the tray images. Run `node scripts/make-icons.ts` after changing the drawing;
// the PNGs are committed. electron-builder derives icon.icns (macOS) and icon.ico (Windows) from
// resources/icons/icon.png on a real build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'icons');

type Rgb = [number, number, number];
const INDIGO: Rgb = [79, 70, 229];
const TEAL: Rgb = [13, 148, 136];
const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];

/** The letter K as three round-capped strokes, in a unit square. */
const K_STROKES: [number, number, number, number][] = [
  [0.35, 0.27, 0.35, 0.73],
  [0.39, 0.53, 0.66, 0.27],
  [0.47, 0.46, 0.67, 0.73],
];

function segmentDistance(px: number, py: number, [ax, ay, bx, by]: [number, number, number, number]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function roundedSquareDistance(px: number, py: number, half: number, radius: number): number {
  const qx = Math.abs(px - 0.5) - (half - radius);
  const qy = Math.abs(py - 0.5) - (half - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/** Signed distance (in unit-square lengths) → pixel coverage, one pixel of antialiasing. */
const coverage = (distance: number, size: number) => Math.max(0, Math.min(1, 0.5 - distance * size));

function draw(size: number, style: 'app' | 'template'): PNG {
  const png = new PNG({ width: size, height: size });
  // Small sizes get a thicker K so it stays legible.
  const stroke = size <= 32 ? 0.085 : 0.068;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) / size;
      const py = (y + 0.5) / size;
      const k = coverage(Math.min(...K_STROKES.map((s) => segmentDistance(px, py, s))) - stroke, size);
      let rgb: Rgb;
      let alpha: number;
      if (style === 'template') {
        rgb = BLACK;
        alpha = k;
      } else {
        const bg = coverage(roundedSquareDistance(px, py, size <= 32 ? 0.5 : 0.45, size <= 32 ? 0.2 : 0.1), size);
        const t = (px + py) / 2;
        const base = INDIGO.map((c, i) => c + (TEAL[i]! - c) * t) as Rgb;
        rgb = base.map((c, i) => c + (WHITE[i]! - c) * k) as Rgb;
        alpha = bg;
      }
      const o = (y * size + x) * 4;
      png.data[o] = Math.round(rgb[0]);
      png.data[o + 1] = Math.round(rgb[1]);
      png.data[o + 2] = Math.round(rgb[2]);
      png.data[o + 3] = Math.round(alpha * 255);
    }
  }
  return png;
}

function write(path: string, png: PNG): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, PNG.sync.write(png));
  process.stdout.write(`${path}\n`);
}

write(join(OUT, 'icon.png'), draw(1024, 'app'));
// Linux icon set (electron-builder `linux.icon` takes a directory of NxN.png).
for (const size of [16, 32, 48, 64, 128, 256, 512]) write(join(OUT, 'png', `${size}x${size}.png`), draw(size, 'app'));
write(join(OUT, 'tray', 'tray.png'), draw(32, 'app'));
write(join(OUT, 'tray', 'trayTemplate.png'), draw(16, 'template'));
write(join(OUT, 'tray', 'trayTemplate@2x.png'), draw(32, 'template'));
