import { createHash } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { denseRefinerModel, randomBaseModel, randomRefinerParams } from './cases/bgmv2Model';
import { rng } from './cases/rng';
import { openHarness } from './gpuPage';

/** Serves a random-weight BGMv2 base export and refiner as if `npm run models:fetch` had installed them. */
async function serveInstalledBgmv2(page: Page, W: number, H: number): Promise<void> {
  const rand = rng(3);
  const files: Record<string, Uint8Array> = {
    'bgmv2_base_test.onnx': randomBaseModel(rand, W / 4, H / 4),
    'bgmv2_refine_test.onnx': denseRefinerModel(randomRefinerParams(rand), W, H, W / 4, H / 4),
  };
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  const installed = {
    version: 1,
    models: [
      { id: 'bgmv2-base', file: 'bgmv2_base_test.onnx', sha256: sha(files['bgmv2_base_test.onnx']!), interface: 'base' },
      { id: 'bgmv2-test-refiner', file: 'bgmv2_refine_test.onnx', sha256: sha(files['bgmv2_refine_test.onnx']!), interface: 'refine' },
    ],
  };
  await page.route('**/models/installed.json', (route) => route.fulfill({ json: installed }));
  for (const [name, bytes] of Object.entries(files)) {
    await page.route(`**/models/${name}`, (route) => route.fulfill({ body: Buffer.from(bytes), contentType: 'application/octet-stream' }));
  }
}

// The BGMv2 path of FramePipeline (base network on WebGPU → err → tile selection → learned
// refiner; the coarse alpha upsampled elsewhere) against learnedRefineOutput fed with the base
// network's own outputs of that frame. The pipeline's alpha is read back as 8-bit `pha`, so
// half a step of quantisation is allowed, plus f32 rounding (the refiner alone agrees with
// the reference to ~5e-7: test/gpu/refineLearned.spec.ts).
test.describe('pipeline: BackgroundMattingV2 path', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const [W, H, mode, value] of [[64, 40, 'sampling', 0.3], [48, 32, 'thresholding', 0.8]] as const) {
    test(`${W}×${H}, ${mode} ${value}: refined tiles and coarse elsewhere match the reference`, async ({ page }) => {
      test.setTimeout(300_000);
      const r = await page.evaluate(([w, h, m, v]) => window.learnedPipelineCases.learnedFrame(7, w, h, m, v), [W, H, mode, value] as const);
      console.log(`BGMv2 path ${W}×${H}: ${JSON.stringify(r)}`);
      expect(r.tiles).toBeGreaterThan(0);
      expect(r.refinedShare).toBeGreaterThan(0);
      expect(r.refinedShare).toBeLessThan(1);
      expect(r.refineStats?.tiles).toBe(r.tiles);
      expect(r.maxDiffRefined).toBeLessThanOrEqual(0.5 / 255 + 1e-4);
      expect(r.maxDiff).toBeLessThanOrEqual(0.5 / 255 + 1e-4);
    });
  }

  test('the engine runs BGMv2 when asked, with a plate and an installed model, and classic otherwise', async ({ page }) => {
    test.setTimeout(300_000);
    await serveInstalledBgmv2(page, 64, 40);
    const r = await page.evaluate(() => window.learnedPipelineCases.engineBgmv2(64, 40));
    expect(r.mattings).toEqual(['classic', 'bgmv2', 'bgmv2', 'classic']);
    expect(r.refined.slice(1, 3)).toEqual([true, true]);
  });

  test('matting bgmv2 without an installed model: a clear start-up error naming models:fetch', async ({ page }) => {
    await page.route('**/models/installed.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
    const message = await page.evaluate(() => window.learnedPipelineCases.engineBgmv2Missing());
    expect(message).toMatch(/^model-load: No BackgroundMattingV2 model is installed.*models:fetch/);
  });
});
