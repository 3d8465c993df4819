import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/composite.wgsl vs src/gpu/reference/composite.ts. The output is rgba8unorm and
// two inputs are sampled bilinearly (GPU filtering has limited sub-texel precision): allow 2/255.
const TOLERANCE = 2 / 255;

test.describe('composite pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const mode of ['off', 'blur', 'image', 'color'] as const) {
    test(`mode ${mode}`, async ({ page }) => {
      const r = await page.evaluate((m) => window.gpuCases.composite(8, m, 'com'), mode);
      expect(r.count).toBe(24 * 16 * 4);
      expect(r.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  for (const view of ['pha', 'fgr', 'err', 'ref'] as const) {
    test(`debug view ${view}`, async ({ page }) => {
      const r = await page.evaluate((v) => window.gpuCases.composite(9, 'blur', v), view);
      expect(r.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});
