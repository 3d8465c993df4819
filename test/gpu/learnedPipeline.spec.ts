import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

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
});
