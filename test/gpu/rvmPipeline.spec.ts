import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { sharedPath } from '../e2e/support';
import { stillFrame } from '../lib/stillFrames';
import { openHarness } from './gpuPage';

/** Serves ../shared's copy of RVM as if `npm run models:fetch -- rvm` had installed it. */
async function serveInstalledRvm(page: Page): Promise<void> {
  const dir = sharedPath('models/rvm_tfjs');
  const files: Record<string, Buffer> = { 'rvm/model.json': readFileSync(join(dir, 'model.json')), 'rvm/group1-shard1of1.bin': readFileSync(join(dir, 'group1-shard1of1.bin')) };
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const installed = {
    version: 1,
    models: [
      {
        id: 'rvm',
        file: 'rvm/model.json',
        sha256: sha(files['rvm/model.json']!),
        interface: 'rvm',
        format: 'tfjs-graph',
        weights: [{ file: 'rvm/group1-shard1of1.bin', sha256: sha(files['rvm/group1-shard1of1.bin']!) }],
        licence: 'GPL-3.0',
      },
    ],
  };
  await page.route('**/models/installed.json', (route) => route.fulfill({ json: installed }));
  for (const [name, bytes] of Object.entries(files)) {
    await page.route(`**/models/${name}`, (route) => route.fulfill({ body: bytes, contentType: 'application/octet-stream' }));
  }
}

// The RVM path of FramePipeline (matting 'rvm': RVM on the pipeline's device at one or two
// scales → bilinear → fused prior → classic coarse and refine stages) against the TS references
// of its passes and TensorFlow.js's CPU backend running the original graph on the same frames.
// Without a plate the refiner selects no tile on this path, so alpha is the prior everywhere;
// read back as 8-bit pha, so half a step of quantisation is allowed, plus what a one-step
// difference in the rgba8unorm downsampled input can move RVM's alpha.
test.describe('pipeline: Robust Video Matting path', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('shaders/rvm_fill_core.wgsl, rvm_fill_region.wgsl and rvm_fuse.wgsl match their references: a wide region of the coarse scale fills the fine alpha, a narrow stripe does not', async ({ page }) => {
    // A 96×64 frame on a 48×32 grid: the block is 16×12 texels, the stripe 2 wide.
    const r = await page.evaluate(() => window.rvmCases.rvmFuse(96, 64, 48, 32, 7));
    expect(r.region.count).toBe(48 * 32);
    expect(r.region.maxDiff).toBe(0);
    expect(r.prior.count).toBe(96 * 64);
    expect(r.prior.maxDiff).toBeLessThanOrEqual(1e-6);
    expect(r.sure).toBeGreaterThan(1000);
    expect(r.blockInner).toBe(1);
    expect(r.stripe).toBe(0);
  });

  test('shaders/rvm_fgr.wgsl matches its reference: the frame plus RVM\'s residual, resampled, where the prior is the fine scale\'s alpha', async ({ page }) => {
    // 8-bit output: a value on a rounding boundary may land one step either side.
    const r = await page.evaluate(() => window.rvmCases.rvmFgr(53, 37, 19, 11, 5));
    expect(r.count).toBe(53 * 37 * 4);
    expect(r.maxDiff).toBeLessThanOrEqual(1 / 255 + 1e-6);
    expect(r.meanDiff).toBeLessThanOrEqual(1e-4);
  });

  test('two frames of a dev still at 128×72 (one scale): RVM ran, no tile refined without a plate, alpha is the reference prior', async ({ page }) => {
    test.setTimeout(600_000);
    await serveInstalledRvm(page);
    const png = PNG.sync.read(readFileSync(sharedPath('eval/dev/stills/dev_00_0/image.png')));
    const [W, H] = [128, 72];
    const frames = [stillFrame(png, W, H, 0), stillFrame(png, W, H, 2)];
    const r = await page.evaluate(([f, w, h]) => window.rvmCases.rvmPipeline(f, w, h), [frames, W, H] as const);
    console.log(`RVM path ${W}×${H}: ${JSON.stringify(r)}`);
    expect(r.mattings).toEqual(['rvm', 'rvm']);
    expect(r.scales).toBe(1);
    expect(r.licence).toBe('GPL-3.0');
    for (const d of r.diffs) {
      expect(d.tiles).toBe(0);
      expect(d.compared).toBe(W * H);
      expect(d.max).toBeLessThanOrEqual(0.5 / 255 + 2e-3);
      expect(d.mean).toBeLessThanOrEqual(1e-3);
      // F: RVM's foreground, not the frame's colour, on the edge.
      expect(d.fgr.changed).toBeGreaterThan(20);
      expect(d.fgr.max).toBeLessThanOrEqual(0.5 / 255 + 2e-3);
      expect(d.fgr.mean).toBeLessThanOrEqual(1e-3);
    }
  });

  // 640×360: the fine scale at the frame's size, the coarse one at 320×180. Where the coarse
  // alpha sits on the fusion's ramp (slope 1/0.05) its small differences are magnified twenty
  // times: measured, a few hundred pixels (under 0.1 %) beyond the one-scale tolerance, the mean
  // 4e-5. So that share is bounded (0.25 %), and the mean as tightly as with one scale.
  test('a dev still at 640×360 (two scales, fused): alpha is the reference prior', async ({ page }) => {
    test.setTimeout(600_000);
    await serveInstalledRvm(page);
    const png = PNG.sync.read(readFileSync(sharedPath('eval/dev/stills/dev_00_0/image.png')));
    const [W, H] = [640, 360];
    const frames = [stillFrame(png, W, H, 0)];
    const r = await page.evaluate(([f, w, h]) => window.rvmCases.rvmPipeline(f, w, h), [frames, W, H] as const);
    console.log(`RVM path ${W}×${H}: ${JSON.stringify(r)}`);
    expect(r.mattings).toEqual(['rvm']);
    expect(r.scales).toBe(2);
    const d = r.diffs[0]!;
    expect(d.tiles).toBe(0);
    expect(d.compared).toBe(W * H);
    expect(d.over).toBeLessThanOrEqual(0.0025 * W * H);
    expect(d.mean).toBeLessThanOrEqual(1e-3);
    expect(d.fgr.changed).toBeGreaterThan(100);
    expect(d.fgr.over).toBeLessThanOrEqual(0.0025 * 3 * W * H);
    expect(d.fgr.mean).toBeLessThanOrEqual(1e-3);
  });

  // The memory measures every 15 frames (MEMORY_MEASURE_FRAMES) and knows a pixel after a few
  // observations: by frame 15 it knows the first room. The cut comes at frame 20; the
  // measurement at frame 30 (its read-back lands before frame 31, or a frame or two later)
  // finds that what it knew no longer matches. (Its running estimate follows the new room too:
  // a measurement 14 frames after a cut found it already learned, measured, so the cut is
  // placed where a measurement sees it.)
  test('a cut to another room: the background memory sees the scene change and RVM\'s recurrent state starts again, once', async ({ page }) => {
    test.setTimeout(600_000);
    await serveInstalledRvm(page);
    const [W, H] = [64, 36];
    const still = (id: string): number[] => stillFrame(PNG.sync.read(readFileSync(sharedPath(`eval/dev/stills/${id}/image.png`))), W, H, 0);
    const [before, after] = [20, 14];
    const counts = await page.evaluate(([a, b, w, h, n, m]) => window.rvmCases.rvmSceneCut(a, b, w, h, n, m), [still('dev_00_0'), still('dev_00_1'), W, H, before, after] as const);
    console.log(`RVM resets per frame: ${counts.map((c) => c.resets).join(' ')}; memory resets: ${counts.map((c) => c.memory ?? '-').join(' ')}`);
    const start = counts[0]!.resets;
    expect(counts[before - 1]!.resets, 'no reset while the room stays the same').toBe(start);
    expect(counts[before + after - 1]!.resets, 'one reset after the cut').toBe(start + 1);
  });

  test('the engine runs RVM when asked and the installed model is there, classic otherwise; on the CPU runtime (rvmRuntime cpu) the same matte', async ({ page }) => {
    test.setTimeout(600_000);
    await serveInstalledRvm(page);
    const png = PNG.sync.read(readFileSync(sharedPath('eval/dev/stills/dev_00_0/image.png')));
    const frames = [stillFrame(png, 64, 36, 0), stillFrame(png, 64, 36, 1)];
    const r = await page.evaluate(([f, w, h]) => window.rvmCases.engineRvm(f, w, h), [frames, 64, 36] as const);
    expect(r.mattings).toEqual(['rvm', 'rvm', 'classic', 'rvm', 'rvm']);
    // The same graph on two backends: float rounding only (a pixel may round to the next 8-bit level).
    expect(r.cpuVsWebgpu).toBeLessThanOrEqual(1);
  });

  test('matting rvm without the model installed: a clear start-up error naming the command', async ({ page }) => {
    await page.route('**/models/installed.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
    const message = await page.evaluate(() => window.rvmCases.engineRvmMissing());
    expect(message).toMatch(/^model-load: Robust Video Matting is not installed.*npm run models:fetch -- rvm/);
  });
});
