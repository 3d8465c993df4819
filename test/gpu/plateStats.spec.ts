import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/plate_stats.wgsl vs src/gpu/reference/plateStats.ts on 45×34 (12×9 blocks, the last
// column 1 pixel wide and the last row 2 pixels high; 2×2 workgroups). The sums are integers
// (fixed point ×1024 per block, float32 arithmetic emulated in the reference): they must be equal.
test.describe('plate statistics pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const seed of [1, 2]) {
    test(`sums over the background equal the reference exactly (seed ${seed})`, async ({ page }) => {
      const r = await page.evaluate((s) => window.stageCases.plateStats(s, false), seed);
      expect(r.gpu).toEqual(r.reference);
      // Not trivial: some blocks are background, the person and the false-positive region are not.
      const count = r.gpu[7]!;
      expect(count).toBeGreaterThan(16);
      expect(count).toBeLessThan(12 * 9);
      // Mean block colours are about 0.1..0.8, i.e. 100..820 in fixed point per block.
      for (let k = 0; k < 6; k++) expect(r.gpu[k]!).toBeGreaterThan(100 * count);
      expect(r.gpu[6]!).toBeGreaterThan(0);
    });
  }

  test('no block is background (one pixel of each has prior 0.02): everything is 0', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.plateStats(1, true));
    expect(r.reference).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // The buffer held garbage before the pass: its encode must clear it.
    expect(r.gpu).toEqual(r.reference);
  });

  test('a plate known in part: blocks with an unknown texel are not counted, the sums equal the reference exactly', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.plateStatsPartial(3));
    expect(r.gpu).toEqual(r.reference);
    expect(r.unknownBlocks).toBe(4 * 9 + 4);
    const count = r.gpu[7]!;
    expect(count).toBeGreaterThan(16);
    expect(count).toBeLessThan(r.knownEverywhereCount);
  });
});
