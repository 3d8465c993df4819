// Sparse refine accounting: the refine pass alone (shaders/refine_tiles.wgsl) in `sampling`
// mode (the default budget) against `full` (every tile), timed in the same browser as the rest
// of the bench, as `npm run bench:refine` does it (test/gpu/cases/refineCases.ts benchRefine):
// a real dev still with its plate, scaled to the bench size, and a prior made from its ground
// truth blurred (standing in for the upsampled segmentation).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { PNG } from 'pngjs';
import type { BenchResult } from '../gpuBenchProtocol';
import { percentile } from '../stats';
import type { Size } from './plan';

/** One size's refine timing. */
export interface RefineTiming extends Size {
  still: string;
  adapter: string;
  /** 'GPU timestamps' or 'wall time submit → onSubmittedWorkDone'. */
  timing: string;
  rounds: number;
  budget: number;
  tiles: { sampling: number; full: number };
  /** Share of the frame's pixels refined in sampling mode, 0..1. */
  refinedShare: number;
  /** Median time of one refine pass, ms. */
  samplingMs: number;
  fullMs: number;
  /** samplingMs ÷ fullMs. */
  ratio: number;
  samples: BenchResult['times'];
}

const TILE_PIXELS = 64;

/** One horizontal then vertical running-box blur of radius r, edges clamped. */
function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  const n = 2 * r + 1;
  const at = (a: Float32Array, x: number, y: number): number => a[Math.min(Math.max(y, 0), h - 1) * w + Math.min(Math.max(x, 0), w - 1)]!;
  for (let y = 0; y < h; y++) {
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += at(src, k, y);
    for (let x = 0; x < w; x++) {
      tmp[y * w + x] = sum / n;
      sum += at(src, x + r + 1, y) - at(src, x - r, y);
    }
  }
  for (let x = 0; x < w; x++) {
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += at(tmp, x, k);
    for (let y = 0; y < h; y++) {
      out[y * w + x] = sum / n;
      sum += at(tmp, x, y + r + 1) - at(tmp, x, y - r);
    }
  }
  return out;
}

/** An image file scaled to `size` by ffmpeg (bicubic), decoded to RGBA. @throws Error when ffmpeg fails */
function scaledRgba(path: string, size: Size): Buffer {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-vf', `scale=${size.width}:${size.height}:flags=bicubic`, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'], {
    maxBuffer: 64 << 20,
  });
  if (run.error || run.status !== 0) throw new Error(`${path}: ffmpeg: ${run.error?.message ?? run.stderr.toString().trim().split('\n')[0]}`);
  const png = PNG.sync.read(run.stdout);
  if (png.width !== size.width || png.height !== size.height) throw new Error(`${path}: scaled to ${png.width}×${png.height}, expected ${size.width}×${size.height}`);
  return png.data;
}

/**
 * Times sparse against full refinement at one size on the GPU harness page.
 * @param still a dev still folder (image.png, plate.png, alpha.png)
 * @param rounds interleaved rounds (one sampling and one full refine each), after one warm-up
 * @throws Error when the harness fails or an input cannot be read
 */
export async function timeRefine(browser: Browser, baseUrl: string, still: string, size: Size, rounds: number, budget = 0.15): Promise<RefineTiming> {
  const image = size.width === 1280 && size.height === 720 ? PNG.sync.read(readFileSync(join(still, 'image.png'))).data : scaledRgba(join(still, 'image.png'), size);
  const plate = scaledRgba(join(still, 'plate.png'), size);
  const alpha = scaledRgba(join(still, 'alpha.png'), size);
  const truth = new Float32Array(size.width * size.height);
  for (let k = 0; k < truth.length; k++) truth[k] = alpha[k * 4]! / 255;
  // Two box blurs of radius 8 at 1280×720 (≈ a Gaussian of σ 6.5 px), scaled with the width.
  const radius = Math.max(1, Math.round((8 * size.width) / 1280));
  const prior = boxBlur(boxBlur(truth, size.width, size.height, radius), size.width, size.height, radius);
  const page = await browser.newPage();
  try {
    let pageError: string | null = null;
    page.on('pageerror', (err) => (pageError = err.message));
    await page.goto(`${baseUrl}test/gpu/harness.html`);
    await page.waitForFunction(() => 'refineCases' in window, null, { timeout: 120_000 });
    const r: BenchResult = await page.evaluate((o) => window.refineCases.benchRefine(o), {
      width: size.width,
      height: size.height,
      frame: image.toString('base64'),
      plate: plate.toString('base64'),
      prior: Buffer.from(prior.buffer, prior.byteOffset, prior.byteLength).toString('base64'),
      iterations: rounds,
      maxSeconds: 3600,
      budget,
    });
    if (pageError) throw new Error(`refine timing: page error: ${pageError}`);
    const gpu = r.timestamps && r.times.full.gpuMs.length > 0 && r.times.full.gpuMs.every((v) => v > 0);
    const key = gpu ? 'gpuMs' : 'wallMs';
    const samplingMs = percentile(r.times.sampling[key], 50);
    const fullMs = percentile(r.times.full[key], 50);
    return {
      ...size,
      still,
      adapter: r.adapter,
      timing: gpu ? 'GPU timestamps' : 'wall time submit → onSubmittedWorkDone',
      rounds: r.iterations,
      budget,
      tiles: { sampling: r.tiles.sampling, full: r.tiles.full },
      refinedShare: (r.tiles.sampling * TILE_PIXELS) / (size.width * size.height),
      samplingMs,
      fullMs,
      ratio: samplingMs / fullMs,
      samples: r.times,
    };
  } finally {
    await page.close();
  }
}
