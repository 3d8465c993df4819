import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/blur_prepare.wgsl and shaders/gaussian_blur.wgsl vs src/gpu/reference/maskedBlur.ts.
// Outputs are rgba16float: allow about one half-float step at 1.0 (2^-10).
const F16 = 2 ** -10;

test.describe('mask-weighted blur passes', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const factor of [1, 3]) {
    test(`blur-prepare, factor ${factor}`, async ({ page }) => {
      const r = await page.evaluate((f) => window.gpuCases.blurPrepare(6, f), factor);
      expect(r.maxDiff).toBeLessThanOrEqual(F16);
    });
  }

  for (const direction of ['horizontal', 'vertical'] as const) {
    test(`gaussian blur, ${direction}`, async ({ page }) => {
      const r = await page.evaluate((d) => window.gpuCases.gaussianBlur(7, d, 2.5), direction);
      expect(r.count).toBe(29 * 17 * 4);
      expect(r.maxDiff).toBeLessThanOrEqual(F16);
    });
  }
});
