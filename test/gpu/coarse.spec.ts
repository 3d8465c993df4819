import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/coarse.wgsl vs src/gpu/reference/coarse.ts on a 45×34 scene (12×9 blocks): a person
// (prior 1), a false-positive region of the prior over plain background, frame = plate·gain + noise.
// err is r32float: float32 vs float64 arithmetic, amplified up to 25× by the smoothstep.
// The seeds are rgba16float, compared with the reference rounded to half: one half step at 1.
const ERR_TOLERANCE = 2e-5;
const F16 = 2 ** -10;
const BLOCKS = 12 * 9;

test.describe('coarse pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('with a plate and its statistics (gain ≠ 1)', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.coarse(3, true, 'reference'));
    expect(r.err.count).toBe(BLOCKS);
    expect(r.err.maxDiff).toBeLessThanOrEqual(ERR_TOLERANCE);
    expect(r.fgSeed.maxDiff).toBeLessThanOrEqual(F16);
    expect(r.bgSeed.maxDiff).toBeLessThanOrEqual(F16);
    // The statistics of the scene give the gain it was made with (1.1, 0.93, 1.04).
    expect(r.gain[0]).toBeCloseTo(1.1, 1);
    expect(r.gain[1]).toBeCloseTo(0.93, 1);
    expect(r.gain[2]).toBeCloseTo(1.04, 1);
    // With a plate every block has a background seed; the person gives foreground seeds, the
    // false positive (frame = background there) none, and an error of 1 (prior 1, plate says 0).
    expect(r.bgBlocks).toBe(BLOCKS);
    expect(r.fgBlocks).toBeGreaterThan(4);
    expect(r.ghostFgBlocks).toBe(0);
    expect(r.ghostErrMin).toBeGreaterThan(0.99);
  });

  test('with a plate and no statistics (gain 1)', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.coarse(4, true, 'none'));
    expect(r.gain).toEqual([1, 1, 1]);
    expect(r.err.maxDiff).toBeLessThanOrEqual(ERR_TOLERANCE);
    expect(r.fgSeed.maxDiff).toBeLessThanOrEqual(F16);
    expect(r.bgSeed.maxDiff).toBeLessThanOrEqual(F16);
    expect(r.fgBlocks).toBeGreaterThan(4);
  });

  test('without a plate (statistics ignored)', async ({ page }) => {
    const r = await page.evaluate(() => window.stageCases.coarse(5, false, 'reference'));
    expect(r.err.maxDiff).toBeLessThanOrEqual(ERR_TOLERANCE);
    expect(r.fgSeed.maxDiff).toBeLessThanOrEqual(F16);
    expect(r.bgSeed.maxDiff).toBeLessThanOrEqual(F16);
    // The prior alone decides: the false positive is foreground, only part of the blocks are background.
    expect(r.ghostFgBlocks).toBe(4);
    expect(r.fgBlocks).toBeGreaterThan(4);
    expect(r.bgBlocks).toBeGreaterThan(16);
    expect(r.bgBlocks).toBeLessThan(BLOCKS);
  });

  // The background memory as the plate: a block with a texel it does not know (a < 0.5) is
  // computed as without a plate, the others as with the plate (partlyKnown in stageCases: x ≥ 32,
  // GHOST included, and four single texels).
  for (const stats of ['reference', 'none'] as const) {
    test(`with a plate known in part (${stats === 'reference' ? 'its statistics' : 'gain 1'}): unknown blocks as without a plate, the others as with it`, async ({ page }) => {
      const r = await page.evaluate((s) => window.stageCases.coarsePartial(6, s), stats);
      expect(r.err.count).toBe(BLOCKS);
      expect(r.err.maxDiff).toBeLessThanOrEqual(ERR_TOLERANCE);
      expect(r.fgSeed.maxDiff).toBeLessThanOrEqual(F16);
      expect(r.bgSeed.maxDiff).toBeLessThanOrEqual(F16);
      // 4 columns of 9 blocks, and 4 single texels in 4 other blocks.
      expect(r.unknown.blocks).toBe(4 * 9 + 4);
      expect(r.known.blocks).toBe(BLOCKS - r.unknown.blocks);
      for (const part of [r.unknown, r.known]) {
        expect(part.err.maxDiff).toBeLessThanOrEqual(ERR_TOLERANCE);
        expect(part.fgSeed.maxDiff).toBeLessThanOrEqual(F16);
        expect(part.bgSeed.maxDiff).toBeLessThanOrEqual(F16);
      }
      // The false positive lies where the plate is unknown: the prior decides, as without a plate.
      expect(r.ghostFgBlocks).toBe(4);
      if (stats === 'none') expect(r.gain).toEqual([1, 1, 1]);
    });
  }
});
