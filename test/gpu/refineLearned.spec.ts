import { expect, test } from '@playwright/test';
import type { LearnedResult } from './cases/learnedCases';
import { openHarness } from './gpuPage';

// shaders/refine_learned.wgsl (BackgroundMattingV2's learned refiner, sparse, by indirect
// dispatch) through createRefineLearnedPass, against:
// - onnxruntime-web (wasm) running the same random-weight refiner as a dense ONNX graph in the
//   paper's full mode (Resize linear half_pixel / nearest, Pad, Concat, Conv,
//   BatchNormalization, Relu), the weights read back from that same file by
//   src/models/bgmv2/refinerWeights.ts (BatchNorm folded);
// - the TS reference in patch mode (src/gpu/reference/refineLearned.ts, float64).
// On the tiles the real selection pass picks (thresholding a random error map):
//   alpha (r32float) vs clamp(pha, 0, 1): ≤ 1e-4 (f32 sums of ≤ 378 products per layer, and
//     BatchNorm folded on one side only; observed ≤ 6e-7 on SwiftShader);
//   fgr (rgba8unorm) vs clamp(residual + src, 0, 1): ≤ 1/255 + 1e-4: one 8-bit step, as
//     conversions to unorm8 may round either way on some GPUs (observed 0.5/255: SwiftShader
//     rounds to nearest), plus the f32 difference.
// Pixels outside the selected tiles keep their preset values exactly. The weights make pha
// fall strictly inside 0..1 on most pixels, so the clamps hide nothing there (checked).
const ALPHA_TOLERANCE = 1e-4;
const FGR_TOLERANCE = 1 / 255 + 1e-4;

const cases: { width: number; height: number; coarseWidth: number; coarseHeight: number; note: string }[] = [
  { width: 48, height: 32, coarseWidth: 12, coarseHeight: 8, note: 'coarse at 1/4' },
  { width: 64, height: 40, coarseWidth: 16, coarseHeight: 10, note: 'coarse at 1/4, 5 tile rows' },
  { width: 52, height: 36, coarseWidth: 13, coarseHeight: 9, note: 'partial tiles at the right and bottom edges' },
  { width: 48, height: 32, coarseWidth: 7, coarseHeight: 11, note: 'coarse of another size and aspect' },
];
const SEEDS = [1, 2, 3];

function describeWorst(r: LearnedResult['onnx']['alpha']): string {
  return r.at ? `at (${r.at.x}, ${r.at.y}) channel ${r.at.c}: gpu ${r.at.gpu}, expected ${r.at.expected}` : 'nothing compared';
}

test.describe('learned refiner (BGMv2)', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const c of cases) {
    for (const seed of SEEDS) {
      test(`${c.width}×${c.height}, ${c.note}, seed ${seed}: sparse WGSL = onnxruntime dense = TS reference on the selected tiles, the rest untouched`, async ({ page }) => {
        const r = await page.evaluate((o) => window.learnedCases.refineVsOnnx(o), { seed, ...c, share: 0.4 });
        const tiles = r.tilesX * r.tilesY;
        expect(r.count).toBe(r.tiles.length);
        expect(r.count, 'some tiles selected').toBeGreaterThan(0);
        expect(r.count, 'not every tile selected').toBeLessThan(tiles);
        expect(r.refinedPixels).toBeGreaterThan(0);
        // The comparison is not hidden by the clamps.
        expect(r.unclampedPha, 'pixels with 0 < pha < 1').toBeGreaterThan(0.5 * r.refinedPixels);
        expect(r.unclampedFgr, 'pixels with 0 < residual + src < 1').toBeGreaterThan(0.3 * r.refinedPixels);
        // Our reading of the ONNX ops (and of the paper's code) agrees with onnxruntime everywhere.
        expect(r.referenceVsOnnx.max, `reference vs onnxruntime ${describeWorst(r.referenceVsOnnx)}`).toBeLessThanOrEqual(ALPHA_TOLERANCE);
        expect(r.onnx.alpha.max, `alpha vs onnxruntime ${describeWorst(r.onnx.alpha)}`).toBeLessThanOrEqual(ALPHA_TOLERANCE);
        expect(r.onnx.fgr.max, `fgr vs onnxruntime ${describeWorst(r.onnx.fgr)}`).toBeLessThanOrEqual(FGR_TOLERANCE);
        expect(r.reference.alpha.max, `alpha vs reference ${describeWorst(r.reference.alpha)}`).toBeLessThanOrEqual(ALPHA_TOLERANCE);
        expect(r.reference.fgr.max, `fgr vs reference ${describeWorst(r.reference.fgr)}`).toBeLessThanOrEqual(FGR_TOLERANCE);
        expect(r.unmarked, 'selected pixels without fgr.a = 1').toBe(0);
        expect(r.touched.pixels).toBeGreaterThan(0);
        expect(r.touched.alpha, 'alpha written outside the selected tiles').toBe(0);
        expect(r.touched.fgr, 'fgr written outside the selected tiles').toBe(0);
        test.info().annotations.push({
          type: 'diffs',
          description: `tiles ${r.count}/${tiles}; alpha vs ort ${r.onnx.alpha.max.toExponential(2)}, vs ref ${r.reference.alpha.max.toExponential(2)}; fgr vs ort ${(r.onnx.fgr.max * 255).toFixed(3)}/255; ref vs ort (raw) ${r.referenceVsOnnx.max.toExponential(2)}`,
        });
      });
    }
  }

  test('rejects a frame that is not a multiple of 4', async ({ page }) => {
    const message = await page.evaluate(async () => {
      try {
        await window.learnedCases.refineVsOnnx({ seed: 1, width: 50, height: 32, coarseWidth: 12, coarseHeight: 8, share: 0.4 });
        return 'no error';
      } catch (err) {
        return String(err);
      }
    });
    expect(message).toMatch(/RangeError.*50×32.*multiple of 4/);
  });

  // A measurement (LEARNED_BENCH=1 npx playwright test test/gpu/refineLearned.spec.ts -g timing):
  // 1280×720, 8% of the tiles vs all of them; SwiftShader takes seconds per full refine.
  test('timing at 1280×720: 8% of the tiles vs every tile', async ({ page }) => {
    test.skip(!process.env.LEARNED_BENCH, 'set LEARNED_BENCH=1 to measure');
    test.setTimeout(900_000);
    const r = await page.evaluate(() => window.learnedCases.benchLearned({ width: 1280, height: 720, share: 0.08, iterations: 5, maxSeconds: 240 }));
    const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1] ?? Number.NaN;
    const line = (k: 'sparse' | 'full'): string =>
      `${k} ${r.tiles[k]} tiles: wall ${median(r.times[k].wallMs).toFixed(1)} ms` + (r.timestamps ? `, gpu ${median(r.times[k].gpuMs).toFixed(1)} ms` : '');
    console.log(`learned refiner on ${r.adapter}, ${r.iterations} rounds: ${line('sparse')}; ${line('full')}`);
    expect(r.tiles.sparse).toBe(r.tiles.budget);
    expect(r.tiles.full).toBe(160 * 90);
    expect(median(r.times.sparse.wallMs)).toBeLessThan(median(r.times.full.wallMs));
  });
});
