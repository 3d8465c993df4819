import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/downsample.wgsl vs src/gpu/reference/downsample.ts. The output is rgba8unorm,
// so the GPU rounds to 1/255: allow half a step plus float error.
test.describe('downsample pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('whole frame matches the reference', async ({ page }) => {
    const r = await page.evaluate(() => window.gpuCases.downsample(1, null));
    expect(r.count).toBe(8 * 5 * 4);
    expect(r.maxDiff).toBeLessThanOrEqual(0.5 / 255 + 1e-5);
  });

  test('a fractional region of interest matches the reference', async ({ page }) => {
    const r = await page.evaluate(() => window.gpuCases.downsample(2, { x: 5.3, y: 2.7, width: 23.5, height: 14.2 }));
    expect(r.maxDiff).toBeLessThanOrEqual(0.5 / 255 + 1e-5);
  });
});
