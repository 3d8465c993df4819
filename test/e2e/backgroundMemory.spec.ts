// The background memory end to end: a clip generated from a dev still (the cutout composited
// over its background at 640×360) whose person stands still, steps aside, holds, steps back and
// holds again, replayed through the real pipeline (npm run replay, no plate) with the memory
// on and off. While the person is aside the memory sees the background they hid; back in place,
// the refiner takes the memory on tiles of their edge (per-frame refine stats) and the matte
// over that uncovered edge is closer to the ground truth than the same run's without memory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { readAlphaPng } from '../../scripts/lib/png';
import { decodePng, ROOT, sharedPath, tempDir } from './support';

const STILL = 'eval/dev/stills/dev_00_0';
const WIDTH = 640;
const HEIGHT = 360;
/** How far the person steps aside, pixels (10 % of the width). */
const STEP = 64;
/** Horizontal offset of the person per frame: still, aside over 4 frames, hold, back over 4, hold. */
const OFFSETS = [
  ...Array<number>(12).fill(0),
  ...[1, 2, 3, 4].map((k) => (STEP * k) / 4),
  ...Array<number>(14).fill(STEP),
  ...[3, 2, 1, 0].map((k) => (STEP * k) / 4),
  ...Array<number>(14).fill(0),
];
/** The frames scored: the second half of the last hold (the memory measured and in use). */
const SCORED = Array.from({ length: 8 }, (_, k) => OFFSETS.length - 8 + k);

/** Half size by 2×2 means: `channels` interleaved values per pixel. */
function halve(data: ArrayLike<number>, width: number, height: number, channels: number): Float32Array {
  const out = new Float32Array((width / 2) * (height / 2) * channels);
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) {
      for (let c = 0; c < channels; c++) {
        const at = (dx: number, dy: number): number => data[((2 * y + dy) * width + 2 * x + dx) * channels + c]!;
        out[(y * (width / 2) + x) * channels + c] = (at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4;
      }
    }
  }
  return out;
}

/** RGB 0..1 of a PNG file, at half size. */
function rgbHalf(path: string): Float32Array {
  const png = decodePng(readFileSync(path));
  const rgb = new Float32Array(png.width * png.height * 3);
  for (let p = 0; p < png.width * png.height; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = png.data[p * 4 + c]! / 255;
  return halve(rgb, png.width, png.height, 3);
}

/** The person's alpha shifted right by `dx` pixels (0 where it comes from outside the frame). */
function shifted(alpha: Float32Array, dx: number): Float32Array {
  const out = new Float32Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) for (let x = dx; x < WIDTH; x++) out[y * WIDTH + x] = alpha[y * WIDTH + x - dx]!;
  return out;
}

/** Writes the clip's frames (I = αF + (1 − α)B + noise, 8-bit PNG) and returns the ground-truth alpha per frame. */
function generateClip(dir: string): { truth: Float32Array[]; background: Float32Array } {
  const still = sharedPath(STILL);
  const full = readAlphaPng(join(still, 'alpha.png'));
  expect([full.width, full.height]).toEqual([2 * WIDTH, 2 * HEIGHT]);
  const alpha = halve(full.alpha, full.width, full.height, 1);
  const fg = rgbHalf(join(still, 'fg.png'));
  const background = rgbHalf(join(still, 'plate.png'));
  let seed = 7;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return ((seed / 2 ** 31) * 2 - 1) * (1.5 / 255) * 1.7;
  };
  mkdirSync(dir, { recursive: true });
  const truth = OFFSETS.map((dx, t) => {
    const a = shifted(alpha, dx);
    const png = new PNG({ width: WIDTH, height: HEIGHT });
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        const p = y * WIDTH + x;
        const q = y * WIDTH + Math.max(x - dx, 0);
        for (let c = 0; c < 3; c++) {
          const v = a[p]! * fg[q * 3 + c]! + (1 - a[p]!) * background[p * 3 + c]! + noise();
          png.data[p * 4 + c] = Math.round(Math.min(Math.max(v, 0), 1) * 255);
        }
        png.data[p * 4 + 3] = 255;
      }
    }
    writeFileSync(join(dir, `${String(t).padStart(4, '0')}.png`), PNG.sync.write(png));
    return a;
  });
  return { truth, background };
}

/** Runs `npm run replay` (the same script) on the frames: `pha`, and with the memory its `mem` view too. */
function replay(frames: string, out: string, memory: boolean): { refine: ({ tiles: number; plateTiles: number } | null)[]; memory: { coverage: number } | null } {
  const args = ['--input', frames, '--out', out, '--output-type', memory ? 'pha,mem' : 'pha', '--mode', 'color', ...(memory ? [] : ['--no-background-memory'])];
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/replay.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 400_000 });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
}

/** Pixels within `r` of a soft (0 < α < 1) pixel of `alpha` that `keep` accepts. */
function band(alpha: Float32Array, r: number, keep: (p: number) => boolean): Uint8Array {
  const soft = new Uint8Array(WIDTH * HEIGHT);
  for (let p = 0; p < soft.length; p++) soft[p] = alpha[p]! > 0 && alpha[p]! < 1 ? 1 : 0;
  const out = new Uint8Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      if (!keep(y * WIDTH + x)) continue;
      search: for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < HEIGHT && xx >= 0 && xx < WIDTH && soft[yy * WIDTH + xx]) {
            out[y * WIDTH + x] = 1;
            break search;
          }
        }
      }
    }
  }
  return out;
}

/** Σ|α − g| over the region, /1000 (SAD as the scorer counts it), of one predicted frame. */
function sadOver(path: string, truth: Float32Array, region: Uint8Array): number {
  const png = PNG.sync.read(readFileSync(path));
  const channels = png.data.length / (png.width * png.height);
  let sum = 0;
  for (let p = 0; p < region.length; p++) if (region[p]) sum += Math.abs(png.data[p * channels]! / 255 - truth[p]!);
  return sum / 1000;
}

test('background memory: after the person steps aside and back, the refiner takes the memory on their edge and the matte over the uncovered edge improves', async () => {
  test.setTimeout(900_000);
  const dir = tempDir('memory-clip');
  const frames = join(dir, 'frames');
  const { truth, background } = generateClip(frames);
  const on = replay(frames, join(dir, 'on'), true);
  const off = replay(frames, join(dir, 'off'), false);

  // The uncovered edge: the edge band (10 px around 0 < α < 1) of the person back in place,
  // where the background was visible while they stood aside.
  const aside = shifted(truth[0]!, STEP);
  const region = band(truth[0]!, 10, (p) => aside[p]! === 0);
  const pixels = region.reduce((n, v) => n + v, 0);
  expect(pixels, 'the uncovered edge has pixels').toBeGreaterThan(1000);

  const framesOn = SCORED.map((t) => on.refine[t]!);
  const framesOff = SCORED.map((t) => off.refine[t]!);
  const sad = (out: string, t: number): number => sadOver(join(dir, out, 'pha', `${String(t).padStart(4, '0')}.png`), truth[t]!, region);
  const sadOn = SCORED.reduce((s, t) => s + sad('on', t), 0) / SCORED.length;
  const sadOff = SCORED.reduce((s, t) => s + sad('off', t), 0) / SCORED.length;
  const plateShare = framesOn.reduce((n, r) => n + r.plateTiles, 0) / framesOn.reduce((n, r) => n + r.tiles, 0);
  console.log(
    `background memory: uncovered edge (${pixels} px) SAD per frame ${sadOn.toFixed(3)} with memory, ${sadOff.toFixed(3)} without ` +
      `(frames ${SCORED[0]}–${SCORED.at(-1)}); refined tiles that took the memory ${(100 * plateShare).toFixed(1)} %; memory knows ${(100 * (on.memory?.coverage ?? 0)).toFixed(1)} % of the frame`,
  );
  // The refiner takes the memory on every scored frame; without it, never.
  for (const r of framesOn) expect(r.plateTiles).toBeGreaterThan(0);
  for (const r of framesOff) expect(r.plateTiles).toBe(0);
  expect(on.memory?.coverage ?? 0).toBeGreaterThan(0.5);
  expect(off.memory).toBeNull();
  // The matte over the uncovered edge improves.
  expect(sadOn).toBeLessThan(sadOff);

  // The `mem` view of the last frame, the person back in place: where they stand, the background
  // the memory saw while they stood aside (14 frames, clear of their edge by more than the
  // margin), and the frame darkened and tinted purple where it never saw the background.
  const last = OFFSETS.length - 1;
  const view = decodePng(readFileSync(join(dir, 'on', 'mem', `${String(last).padStart(4, '0')}.png`)));
  const input = decodePng(readFileSync(join(frames, `${String(last).padStart(4, '0')}.png`)));
  const TINT = [0.45, 0.1, 0.5];
  const nearAside = band(aside.map((a) => (a > 0 ? 0.5 : 0)), 6, () => true);
  const seen = { error: 0, n: 0 };
  const under = { tinted: 0, n: 0 };
  for (let p = 0; p < WIDTH * HEIGHT; p++) {
    if (truth[last]![p]! !== 1) continue;
    const rgb = [0, 1, 2].map((c) => view.data[p * 4 + c]! / 255);
    if (aside[p]! === 0 && !nearAside[p]) {
      seen.error += Math.max(...[0, 1, 2].map((c) => Math.abs(rgb[c]! - background[p * 3 + c]!)));
      seen.n++;
    } else if (aside[p]! === 1) {
      // 0.25·I + 0.75·tint, to 8 bits.
      if ([0, 1, 2].every((c) => Math.abs(rgb[c]! - (0.25 * input.data[p * 4 + c]! / 255 + 0.75 * TINT[c]!)) <= 1.5 / 255)) under.tinted++;
      under.n++;
    }
  }
  expect(seen.n, 'pixels under the person that the memory saw while they stood aside').toBeGreaterThan(1000);
  expect(seen.error / seen.n, 'mean |mem − background| there').toBeLessThan(0.05);
  expect(under.n).toBeGreaterThan(1000);
  expect(under.tinted / under.n, 'share of never-seen pixels shown tinted').toBeGreaterThan(0.95);
});
