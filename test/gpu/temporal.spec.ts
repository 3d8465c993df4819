import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/temporal.wgsl vs src/gpu/reference/temporal.ts on 19×13, r32float output: float32
// arithmetic and the GPU's exp against float64.
const TOLERANCE = 1e-5;

test.describe('temporal smoothing pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('with history on a moving frame: smooths where still, resets where moving', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.temporal(6, 0.6, true, false));
    expect(r.reference.count).toBe(19 * 13);
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBeGreaterThan(0.1);
    expect(r.blend.maxDiff).toBeGreaterThan(0.1);
  });

  test('without history the output is alpha', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.temporal(7, 0.6, false, false));
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBe(0);
    expect(r.blend.maxDiff).toBeGreaterThan(0.1);
  });

  test('strength 0 is the identity', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.temporal(8, 0, true, true));
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBe(0);
  });

  test('a still frame blends fully: alpha + s·(alphaPrev − alpha)', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.temporal(9, 0.6, true, true));
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.blend.maxDiff).toBeLessThanOrEqual(1e-6);
    expect(r.identity.maxDiff).toBeGreaterThan(0.1);
  });
});
