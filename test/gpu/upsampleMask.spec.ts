import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/upsample_mask.wgsl vs src/gpu/reference/upsampleMask.ts (r32float output).
test.describe('upsample-mask pass (joint bilateral)', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('without a region of interest', async ({ page }) => {
    const r = await page.evaluate(() => window.gpuCases.upsampleMask(3, null, 0.1));
    expect(r.count).toBe(40 * 24);
    expect(r.maxDiff).toBeLessThanOrEqual(1e-4);
  });

  test('with an interior region of interest and feathered edges', async ({ page }) => {
    const r = await page.evaluate(() => window.gpuCases.upsampleMask(4, { x: 6.5, y: 3.25, width: 24, height: 14.4 }, 0.2));
    expect(r.maxDiff).toBeLessThanOrEqual(1e-4);
  });

  test('with a region of interest touching the frame border', async ({ page }) => {
    const r = await page.evaluate(() => window.gpuCases.upsampleMask(5, { x: 0, y: 4, width: 32, height: 20 }, 0.05));
    expect(r.maxDiff).toBeLessThanOrEqual(1e-4);
  });
});
