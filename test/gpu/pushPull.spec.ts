import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/pushpull.wgsl (down and up over the whole pyramid that src/gpu/passes/pushPull.ts
// builds) vs src/gpu/reference/pushPull.ts, every level stored as rgba16float. The parent is
// read with a linear sampler, whose weights may have reduced precision on hardware: 2e-3.
const TOLERANCE = 2e-3;

test.describe('push-pull fill', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const [w, h] of [
    [23, 13],
    [32, 16],
    [7, 1],
  ] as const) {
    test(`a sparse seed at ${w}×${h} fills like the reference`, async ({ page }) => {
      const r = await page.evaluate(([a, b]) => window.stageCases.pushPull(8, a, b, false), [w, h] as const);
      expect(r.filled.count).toBe(w * h * 4);
      expect(r.filled.maxDiff).toBeLessThanOrEqual(TOLERANCE);
      // Where w = 1 the fill is the seed colour itself.
      expect(r.seeds).toBeGreaterThan(0);
      expect(r.seedColourDiff).toBe(0);
      // Not trivially constant: the seed colours spread.
      expect(r.range).toBeGreaterThan(0.2);
      expect(r.meanGreyDiff).toBeGreaterThan(0.005);
    });
  }

  test('an empty seed fills grey', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.pushPull(9, 23, 13, true));
    expect(r.filled.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.meanGreyDiff).toBe(0);
  });
});
