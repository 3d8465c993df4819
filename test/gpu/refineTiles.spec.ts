import { expect, test, type Page } from '@playwright/test';
import type { TileSelectionParams } from '../../src/gpu/reference/selectTiles';
import type { KnownResult, KnownScene } from './cases/refineCases';
import { openHarness } from './gpuPage';

// shaders/refine_tiles.wgsl (sparse refine by indirect dispatch) through createRefineTilesPass.
//
// Sparse vs full: each tile's result depends only on the inputs, so refining only the selected
// tiles must give what refining every tile gives there (bit-exact in practice; allowed 1/255),
// and leave every other pixel as it was (alpha = the prior copied in, fgr = its preset with a = 0).
//
// GPU vs the TS reference (src/gpu/reference/refineTiles.ts, float64 with the shader's f32
// constants), on every tile, pixels whose discrete decisions are within 1e-6 of flipping
// ("fragile": f32 rounding may take the other side) left out:
//   alpha ≤ 2e-3: the plate branch is a few f32 operations (observed ≤ 2e-7); the guided
//     filter forms E[II] − E[I]² from 81-term f32 sums and solves with (Σ + ε)⁻¹, ‖·‖ ≤ 1/ε =
//     1000, so its rounding (~1e-7 relative) can grow to ~1e-4..1e-3 on flat windows (observed
//     ≤ 4e-4 on the step scene, ≤ 1e-5 on random scenes);
//   fgr ≤ 1/255 + 1e-3: one 8-bit step where the exact F lies at a rounding boundary, plus the
//     alpha difference through F = (α(I − (1 − α)B) + λFn)/(α² + λ), |∂F/∂α| ≤ ~|I − B|/λ = 20
//     (observed alpha differences ≤ 1e-5 → ≤ 2e-4).
// Fragile pixels that nevertheless differ must stay under 2% of the pixels (observed: none).
const ALPHA_TOLERANCE = 2e-3;
const FGR_TOLERANCE = 1 / 255 + 1e-3;
const SPARSE_TOLERANCE = 1 / 255;

const selections: [string, TileSelectionParams][] = [
  ['sampling (budget 9 tiles)', { mode: 'sampling', budget: 9, threshold: 0 }],
  ['thresholding (err > 0.3)', { mode: 'thresholding', budget: 0, threshold: 0.3 }],
];
const sizes: [number, number][] = [
  [48, 32],
  [45, 30], // partial tiles at the right and bottom edges, 1/4-res fills not an exact quarter
];

function runSparse(page: Page, o: { seed: number; width: number; height: number; hasPlate: boolean; selection: TileSelectionParams }) {
  return page.evaluate((a) => window.refineCases.refineSparse(a), o);
}

/** Asserts a known-scene result's alpha checks (and fgr checks), reporting the worst pixel. */
function expectKnown(r: KnownResult, only?: (label: string) => boolean): void {
  const at = (k: number): string => `(${k % r.width}, ${Math.floor(k / r.width)})`;
  for (const check of r.checks) {
    if (only && !only(check.label)) continue;
    let worst = -1;
    let max = 0;
    check.expected.forEach((e, k) => {
      if (e === null) return;
      const d = Math.abs(r.alpha[k]! - e);
      if (worst < 0 || d > max) {
        max = d;
        worst = k;
      }
    });
    expect(worst, `${check.label}: no pixel checked`).toBeGreaterThanOrEqual(0);
    expect(max, `${check.label}: worst at ${at(worst)}: alpha ${r.alpha[worst]} expected ${check.expected[worst]}`).toBeLessThanOrEqual(check.tolerance);
  }
  for (const check of r.fgrChecks) {
    if (only && !only(check.label)) continue;
    let max = 0;
    let where = '';
    check.expected.forEach((e, k) => {
      if (e === null) return;
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(r.fgr[k * 4 + c]! - e[c]!);
        if (d > max) {
          max = d;
          where = `${at(k)} channel ${c}: ${r.fgr[k * 4 + c]} expected ${e[c]}`;
        }
      }
    });
    expect(max, `${check.label}: worst at ${where}`).toBeLessThanOrEqual(check.tolerance);
  }
  // The reference agrees with the GPU on these scenes too.
  const refMax = Math.max(...r.alpha.map((a, k) => Math.abs(a - r.refAlpha[k]!)));
  expect(refMax, 'GPU vs reference alpha').toBeLessThanOrEqual(ALPHA_TOLERANCE);
}

function known(page: Page, name: KnownScene): Promise<KnownResult> {
  return page.evaluate((n) => window.refineCases.refineKnown(n), name);
}

test.describe('refine pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const hasPlate of [true, false]) {
    const branch = hasPlate ? 'with a plate' : 'without a plate (guided filter)';
    for (const [selName, selection] of selections) {
      for (const [width, height] of sizes) {
        test(`${branch}, ${selName}, ${width}×${height}: sparse = full on the selected tiles, the rest untouched, full = reference`, async ({ page }) => {
          const r = await runSparse(page, { seed: width + (hasPlate ? 1 : 2), width, height, hasPlate, selection });
          const tiles = r.tilesX * r.tilesY;
          // The full selection lists every tile once; the sparse one is a valid selection.
          expect(r.full.dispatch).toEqual([tiles, 1, 1]);
          expect(new Set(r.full.tiles).size).toBe(tiles);
          expect(r.sparse.invalid, 'sparse selection vs reference').toBeNull();
          expect(r.sparse.dispatch).toEqual([r.sparse.refCount, 1, 1]);
          expect(r.sparse.tiles.length).toBeGreaterThan(0);
          expect(r.sparse.tiles.length).toBeLessThan(tiles);
          // Sparse = full on the selected tiles, every selected pixel marked refined.
          expect(r.sparseVsFull.alpha.max, JSON.stringify(r.sparseVsFull.alpha.at)).toBeLessThanOrEqual(SPARSE_TOLERANCE);
          expect(r.sparseVsFull.fgr.max, JSON.stringify(r.sparseVsFull.fgr.at)).toBeLessThanOrEqual(SPARSE_TOLERANCE);
          expect(r.sparseVsFull.unmarked).toBe(0);
          // Everything else untouched, exactly.
          expect(r.touched.pixels).toBeGreaterThan(0);
          expect(r.touched.alpha, 'alpha changed outside the selected tiles').toBe(0);
          expect(r.touched.fgr, 'fgr changed outside the selected tiles').toBe(0);
          // Full refine vs the TS reference.
          expect(r.reference.alpha.max, JSON.stringify(r.reference.alpha.at)).toBeLessThanOrEqual(ALPHA_TOLERANCE);
          expect(r.reference.fgr.max, JSON.stringify(r.reference.fgr.at)).toBeLessThanOrEqual(FGR_TOLERANCE);
          expect(r.reference.fragileDiffer, `fragile pixels that differ (of ${r.reference.fragile} fragile)`).toBeLessThanOrEqual(0.02 * r.reference.pixels);
          if (!hasPlate) expect(r.reference.fragile).toBe(0);
        });
      }
    }
  }

  // The background memory as the plate: a = 0 where it does not know the background. A tile takes
  // the plate where it knows ≥ 90 % of the tile's pixels with prior < 0.95; within such a tile an
  // unknown pixel is refined as without a plate and is no candidate for its neighbours.
  for (const [width, height] of sizes) {
    for (const filterPlate of [true, false]) {
      test(`a plate known in part, ${width}×${height}, ${filterPlate ? 'guided-filtered' : 'raw'} matte: full = reference, plateTiles = reference's, some tiles take the plate and some not`, async ({ page }) => {
        const r = await page.evaluate((a) => window.refineCases.refinePartial(a), { seed: width + 5, width, height, plate: 'partial' as const, filterPlate });
        expect(r.unknownTexels).toBeGreaterThan(0.4 * width * height);
        expect(r.plateTiles.gpu, 'GPU plateTiles vs reference').toBe(r.plateTiles.reference);
        expect(r.plateTiles.gpu).toBeGreaterThan(0);
        expect(r.plateTiles.gpu).toBeLessThan(r.tiles);
        expect(r.reference.alpha.max, JSON.stringify(r.reference.alpha.at)).toBeLessThanOrEqual(ALPHA_TOLERANCE);
        expect(r.reference.fgr.max, JSON.stringify(r.reference.fgr.at)).toBeLessThanOrEqual(FGR_TOLERANCE);
        expect(r.reference.fragileDiffer, `fragile pixels that differ (of ${r.reference.fragile} fragile)`).toBeLessThanOrEqual(0.02 * r.reference.pixels);
      });
    }
  }

  test('plateTiles: a plate known everywhere is taken by every tile, no plate by none', async ({ page }) => {
    const known = await page.evaluate(() => window.refineCases.refinePartial({ seed: 9, width: 45, height: 30, plate: 'known', filterPlate: true }));
    expect(known.tiles).toBe(6 * 4);
    expect(known.plateTiles).toEqual({ gpu: known.tiles, reference: known.tiles });
    expect(known.reference.alpha.max, JSON.stringify(known.reference.alpha.at)).toBeLessThanOrEqual(ALPHA_TOLERANCE);
    const none = await page.evaluate(() => window.refineCases.refinePartial({ seed: 9, width: 45, height: 30, plate: 'none', filterPlate: true }));
    expect(none.plateTiles).toEqual({ gpu: 0, reference: 0 });
    expect(none.reference.alpha.max, JSON.stringify(none.reference.alpha.at)).toBeLessThanOrEqual(ALPHA_TOLERANCE);
  });

  test('known background: a ramp of true alphas over a solid plate gives the cleaned alpha', async ({ page }) => {
    expectKnown(await known(page, 'blend'));
  });

  test('known background: a plate captured up to one pixel off is still background', async ({ page }) => {
    expectKnown(await known(page, 'shift'));
  });

  test('known background: foreground of the plate colour there, with distinguishable foreground nearby, keeps the prior', async ({ page }) => {
    expectKnown(await known(page, 'camouflage'));
  });

  test('known background: foreground just past the candidate contrast (+26/255) is foreground', async ({ page }) => {
    expectKnown(await known(page, 'nearPlate26'));
  });

  test('guided filter: a constant prior is unchanged, a step prior on a step guide stays a step', async ({ page }) => {
    expectKnown(await known(page, 'guidedConstant'));
    expectKnown(await known(page, 'guidedStep'));
  });

  test('known background: foreground within 0.1 of the plate colour with no usable candidate keeps the prior', async ({ page }) => {
    const r15 = await known(page, 'nearPlate15');
    const r25 = await known(page, 'nearPlate25');
    expectKnown(r15);
    expectKnown(r25);
  });

  // A known limitation, pinned so a change shows up here (the test then "unexpectedly passes").
  // Trusting the prior when no nearby foreground stands out from the plate fixes this case but
  // keeps the segmenter's false positives too: on the dev set it raised SAD from 6.9 to 9.9.
  test('known limitation: foreground exactly the colour of a uniform plate loses a confident prior', async ({ page }) => {
    test.fail(true, 'I matches the plate and no candidate stands out from it, so nearestFg = 1e9 and alpha = 0 whatever the prior');
    expectKnown(await known(page, 'uniformCamouflage'));
  });
});
