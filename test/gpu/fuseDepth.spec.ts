import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/fuse_depth.wgsl vs src/gpu/reference/fuseDepth.ts on a 16×12 mask over a 64×48
// colour frame: float32 arithmetic against float64.
const TOLERANCE = 1e-5;

test.describe('fuse-depth pass (depth prior into the coarse mask)', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('whole-frame rect, depth with holes: matches the reference, texels without depth unchanged', async ({ page }) => {
    const r = await page.evaluate(() => window.depthCases.fuseDepth(1, { rect: null, weight: 0.75, depth: 'holes' }));
    expect(r.reference.count).toBe(16 * 12);
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBeGreaterThan(0.1);
    expect(r.noDepth.count).toBe(3);
    expect(r.noDepth.maxDiff).toBe(0);
  });

  test('fractional rect: matches the reference', async ({ page }) => {
    const r = await page.evaluate(() => window.depthCases.fuseDepth(2, { rect: { x: 7.3, y: 5.6, width: 41.7, height: 29.9 }, weight: 0.75, depth: 'holes' }));
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBeGreaterThan(0.1);
  });

  test('the rect copied into rectTarget on the GPU is the one used', async ({ page }) => {
    const r = await page.evaluate(() =>
      window.depthCases.fuseDepth(3, { rect: { x: 10.25, y: 3.5, width: 37.5, height: 40.1 }, weight: 0.6, depth: 'holes', viaRectTarget: true }),
    );
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  test('weight 0 is the identity', async ({ page }) => {
    const r = await page.evaluate(() => window.depthCases.fuseDepth(4, { rect: { x: 7.3, y: 5.6, width: 41.7, height: 29.9 }, weight: 0, depth: 'full' }));
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBe(0);
  });

  test('weight 1 with depth everywhere gives the mean subject over each texel', async ({ page }) => {
    const r = await page.evaluate(() => window.depthCases.fuseDepth(5, { rect: null, weight: 1, depth: 'full' }));
    expect(r.reference.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.blockMean.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(r.identity.maxDiff).toBeGreaterThan(0.1);
  });
});
