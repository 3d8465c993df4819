// npm run bench:refine -- [--still DIR] [--iterations N] [--max-seconds S] [--budget SHARE] [--gpu] [--json FILE]
// A measurement, not a test: the time of the refine pass alone (shaders/refine_tiles.wgsl) at
// full size on a real still with its plate, sparse (`sampling`, the default budget of 15% of
// the pixels) against `full` (every tile). In headless Chromium (SwiftShader, or the machine's
// GPU with --gpu), on the GPU test harness page served by the Vite dev server: the page runs
// the real plate statistics, coarse stage and push-pull fills once on the frame, the plate and a
// prior (the ground-truth alpha blurred, standing in for the upsampled segmentation), selects
// the tiles both ways, then times `iterations` (default 20) refines of each, interleaved
// (test/gpu/cases/refineCases.ts benchRefine), stopping early (after at least 3) once
// `max-seconds` (default 60) have passed: a full refine takes ~6 s on SwiftShader with 2 cores,
// and the whole run stays under 2 minutes there. GPU timestamps when the adapter has
// 'timestamp-query', else wall time submit → onSubmittedWorkDone.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { PNG } from 'pngjs';
import { chromiumArgs, chromiumPath } from './lib/browser';
import type { BenchResult } from './lib/gpuBenchProtocol';
import { ROOT, startReplayServer, type ReplayServer } from './lib/replayServer';

const USAGE = 'usage: npm run bench:refine -- [--still DIR] [--iterations N] [--max-seconds S] [--budget SHARE] [--gpu] [--json FILE]';
const DEFAULT_STILL = resolve(ROOT, '../shared/eval/dev/stills/dev_00_0');
/** Radius of the two box blurs that turn the ground-truth alpha into a prior (≈ a Gaussian of σ 6.5 px). */
const PRIOR_BLUR = 8;

function fail(message: string): never {
  console.error(`bench-refine: ${message.split('\n')[0]}`);
  process.exit(1);
}

function readPng(path: string): { width: number; height: number; rgba: Buffer } {
  let png;
  try {
    png = PNG.sync.read(readFileSync(path));
  } catch (err) {
    fail(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { width: png.width, height: png.height, rgba: png.data };
}

/** One horizontal then vertical running-box blur of radius r, edges clamped. */
function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += src[y * w + Math.min(Math.max(k, 0), w - 1)]!;
    for (let x = 0; x < w; x++) {
      tmp[y * w + x] = sum / n;
      sum += src[y * w + Math.min(x + r + 1, w - 1)]! - src[y * w + Math.max(x - r, 0)]!;
    }
  }
  for (let x = 0; x < w; x++) {
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += tmp[Math.min(Math.max(k, 0), h - 1) * w + x]!;
    for (let y = 0; y < h; y++) {
      out[y * w + x] = sum / n;
      sum += tmp[Math.min(y + r + 1, h - 1) * w + x]! - tmp[Math.max(y - r, 0) * w + x]!;
    }
  }
  return out;
}

const median = (v: number[]): number => {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        still: { type: 'string', default: DEFAULT_STILL },
        iterations: { type: 'string', default: '20' },
        'max-seconds': { type: 'string', default: '60' },
        budget: { type: 'string', default: '0.15' },
        gpu: { type: 'boolean', default: false },
        json: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  const iterations = Number(args.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) fail(`--iterations must be a positive integer, got ${args.iterations}`);
  const maxSeconds = Number(args['max-seconds']);
  if (!(maxSeconds > 0)) fail(`--max-seconds must be a positive number, got ${args['max-seconds']}`);
  const budget = Number(args.budget);
  if (!(budget > 0 && budget <= 1)) fail(`--budget must be in (0, 1], got ${args.budget}`);

  const still = resolve(args.still);
  const image = readPng(resolve(still, 'image.png'));
  const plate = readPng(resolve(still, 'plate.png'));
  const alpha = readPng(resolve(still, 'alpha.png'));
  const { width, height } = image;
  for (const [name, im] of [['plate.png', plate], ['alpha.png', alpha]] as const) {
    if (im.width !== width || im.height !== height) fail(`${name} is ${im.width}×${im.height}, image.png ${width}×${height}`);
  }
  const truth = new Float32Array(width * height);
  for (let k = 0; k < truth.length; k++) truth[k] = alpha.rgba[k * 4]! / 255;
  const prior = boxBlur(boxBlur(truth, width, height, PRIOR_BLUR), width, height, PRIOR_BLUR);

  let server: ReplayServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await startReplayServer();
    // Developer features: timestamps unquantised (Chromium rounds them to 100 µs otherwise).
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...chromiumArgs(args.gpu), '--enable-webgpu-developer-features'] });
    const page = await browser.newPage();
    let pageError: string | null = null;
    page.on('pageerror', (err) => (pageError = err.message));
    await page.goto(`${server.url}test/gpu/harness.html`);
    await page.waitForFunction(() => 'refineCases' in window, null, { timeout: 60_000 });
    const t0 = performance.now();
    const r: BenchResult = await page.evaluate((o) => window.refineCases.benchRefine(o), {
      width,
      height,
      frame: image.rgba.toString('base64'),
      plate: plate.rgba.toString('base64'),
      prior: Buffer.from(prior.buffer, prior.byteOffset, prior.byteLength).toString('base64'),
      iterations,
      maxSeconds,
      budget,
    });
    if (pageError) fail(`page error: ${pageError}`);
    const source = r.timestamps && r.times.full.gpuMs.every((v) => v > 0) ? 'gpuMs' : 'wallMs';
    const sparseMs = median(r.times.sampling[source]);
    const fullMs = median(r.times.full[source]);
    const tilePixels = 64;
    const summary = {
      still,
      width,
      height,
      adapter: r.adapter,
      timing: source === 'gpuMs' ? 'GPU timestamps' : 'wall time submit → onSubmittedWorkDone',
      iterations: r.iterations,
      budget,
      tiles: r.tiles,
      refinedShare: (r.tiles.sampling * tilePixels) / (width * height),
      sparseMs,
      fullMs,
      ratio: sparseMs / fullMs,
      wallMedianMs: { sparse: median(r.times.sampling.wallMs), full: median(r.times.full.wallMs) },
      samples: r.times,
      seconds: (performance.now() - t0) / 1000,
    };
    console.log(`refine at ${width}×${height} on ${r.adapter || 'unknown adapter'} (${summary.timing}, ${r.iterations} iterations each, interleaved)`);
    console.log(`  sparse (sampling, budget ${(budget * 100).toFixed(0)}%): ${r.tiles.sampling} of ${r.tiles.full} tiles, ${(summary.refinedShare * 100).toFixed(1)}% of the pixels`);
    console.log(`  median sparse ${sparseMs.toFixed(3)} ms, full ${fullMs.toFixed(3)} ms, ratio ${summary.ratio.toFixed(3)}`);
    if (args.json) writeFileSync(args.json, `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await browser?.close();
    await server?.close();
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
