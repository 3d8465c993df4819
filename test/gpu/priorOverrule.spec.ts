import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/prior_overrule.wgsl vs src/gpu/reference/priorOverrule.ts on a 46×34 scene (12×9
// blocks of 4×4, the last column and row 2 pixels; 2×2 workgroups): the memory knows x < 36.
// The output is r32float and either the prior as it was or 0, so GPU and reference must agree
// exactly. The scene keeps every pixel's |I − min(g·B, 1)| far from the 0.05 tolerance (≤ 0.017
// on matching pixels: noise and 8-bit rounding; ≥ 0.15 on the person and the outliers), so
// float32 cannot flip a decision.
test.describe('prior overrule pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const gain of [false, true]) {
    test(`a chair the memory knows is overruled, the person and unknown areas are not (${gain ? 'gain 1.04, 1, 0.96' : 'gain 1'})`, async ({ page }) => {
      const r = await page.evaluate((a) => window.memoryCases.priorOverrule(a.seed, a.gain), { seed: gain ? 31 : 32, gain });
      expect(r.differing, `pixels differing from the reference (max ${r.maxDiff})`).toBe(0);
      expect(r.count).toBe(46 * 34);
      // The chair (2×2 blocks, prior 1, frame = memory, two outliers in its ring) becomes background.
      expect(r.chairPixels).toBe(64);
      expect(r.chairMax).toBe(0);
      // The person (frame ≠ memory), the area the memory does not know and the clutter block
      // (three outliers in its ring, one more than allowed) keep their prior.
      expect(r.personPixels).toBeGreaterThan(50);
      expect(r.personChanged).toBe(0);
      expect(r.unknownChanged).toBe(0);
      expect(r.clutterChanged).toBe(0);
      // Besides the chair, plain known background is overruled too (its prior was 0.05..0.3).
      expect(r.blocks).toBeGreaterThan(4 + 10);
    });
  }
});
