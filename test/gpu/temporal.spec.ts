import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/temporal.wgsl vs src/gpu/reference/temporal.ts on 19×13, r32float output: float32
// arithmetic and the GPU's exp against float64 (the block matching compares 8-bit colours, whose
// differences are exact in both).
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

  test('without motion compensation (a captured plate): the pixel\'s own difference, as the reference without search', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.temporal(16, 0.6, true, false, false));
    expect(r.reference.count).toBe(19 * 13);
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBeGreaterThan(0.1);
    expect(r.blend.maxDiff).toBeGreaterThan(0.1);
    const still = await page.evaluate(() => window.stageCases.temporal(17, 0.6, true, true, false));
    expect(still.blend.maxDiff).toBeLessThanOrEqual(1e-6);
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

  test('motion compensation: a frame moved by 1 px blends with the previous alpha along the motion', async ({ page }) => {
    for (const shift of [[1, 0], [-1, 1], [0, -1]] as [number, number][]) {
      const r = await page.evaluate((shift) => window.stageCases.temporalShift(10, 0.6, shift), shift);
      expect(r.reference.maxDiff, `shift ${shift}`).toBeLessThanOrEqual(TOLERANCE);
      expect(r.alongMotion.maxDiff, `shift ${shift}`).toBeLessThanOrEqual(1e-6);
      expect(r.inPlace.maxDiff, `shift ${shift}`).toBeGreaterThan(0.1);
    }
  });

  test('motion beyond the search radius is not smoothed: a frame moved by 3 px keeps its alpha', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.temporalShift(11, 0.6, [3, 0]));
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBeLessThan(0.05);
    expect(r.alongMotion.maxDiff).toBeGreaterThan(0.1);
  });
});
