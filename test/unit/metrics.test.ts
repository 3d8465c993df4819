import { describe, expect, it } from 'vitest';
import {
  bandMask,
  bandSad,
  conn,
  dtssd,
  dtssdStep,
  frameMetrics,
  gaussianFilter,
  grad,
  GRAD_SIGMA,
  iou,
  largestComponent,
  mse,
  sad,
  stillMetrics,
} from '../../src/eval/metrics';

describe('matting metrics', () => {
  const a = [0, 0.5, 1, 1];
  const g = [0, 1, 1, 0];

  it('SAD is Σ|a − g| / 1000', () => {
    expect(sad(a, g)).toBeCloseTo(1.5 / 1000, 12);
    expect(sad(g, a)).toBeCloseTo(1.5 / 1000, 12);
    expect(sad(new Float32Array([0.25, 0.25]), new Float32Array([0.25, 0.25]))).toBe(0);
  });

  it('MSE is mean (a − g)² × 1000', () => {
    expect(mse(a, g)).toBeCloseTo(((0 + 0.25 + 0 + 1) / 4) * 1000, 9);
    expect(mse([1], [0])).toBe(1000);
  });

  it('IoU of a > 0.5 and g > 0.5 (0.5 itself is background)', () => {
    // a > 0.5 = {2, 3}, g > 0.5 = {1, 2} → 1 / 3
    expect(iou(a, g)).toBeCloseTo(1 / 3, 12);
    expect(iou([0.6, 0.9], [0.51, 1])).toBe(1);
    expect(iou([1, 0], [0, 1])).toBe(0);
  });

  it('IoU of two empty masks is 1', () => {
    expect(iou([0, 0.5, 0.2], [0.5, 0, 0])).toBe(1);
  });

  it('rejects masks of different or zero size', () => {
    for (const f of [sad, mse, iou]) {
      expect(() => f([0, 1], [0, 1, 1])).toThrow(RangeError);
      expect(() => f([], [])).toThrow(RangeError);
    }
  });
});

// Hand-worked cases for the metrics score_alpha.py defines beyond SAD / MSE / IoU.
// Images are row-major [H,W]; "w×h" below means width × height.

/** A w×h image from rows of numbers. */
function img(rows: number[][]): { a: Float64Array; width: number; height: number } {
  return { a: Float64Array.from(rows.flat()), width: rows[0]!.length, height: rows.length };
}

describe('gaussianFilter (scipy.ndimage.gaussian_filter, mode reflect, truncate 4)', () => {
  // σ = 0.25 → radius int(4·0.25 + 0.5) = 1; φ(±1) = e^(−8) / (1 + 2e^(−8)), φ(0) = 1 / (1 + 2e^(−8)).
  const e8 = Math.exp(-8);
  const phi1 = e8 / (1 + 2 * e8);
  const phi0 = 1 / (1 + 2 * e8);

  it('first derivative along x: out[i] = Σ_d (d/σ²)·φ(d)·x[i+d], so 16·φ(1)·(x[i+1] − x[i−1])', () => {
    const { a, width, height } = img([[0, 0, 1, 0, 0]]);
    const gx = gaussianFilter(a, width, height, 0.25, [0, 1]);
    const c = 16 * phi1;
    const want = [0, c, 0, -c, 0];
    gx.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 15));
    // Along y on a one-row image every reflected sample is the row itself: smoothing is the
    // identity and the (antisymmetric) derivative is 0.
    const gy = gaussianFilter(a, width, height, 0.25, [1, 0]);
    gy.forEach((v) => expect(v).toBeCloseTo(0, 15));
  });

  it('smoothing reflects at the border (d c b a | a b c d | d c b a)', () => {
    // [1, 0, 0], σ = 0.25: out[0] = φ0·1 + φ1·x[−1 → 0] + φ1·x[1] = φ0 + φ1.
    const out = gaussianFilter([1, 0, 0], 3, 1, 0.25, [0, 0]);
    expect(out[0]).toBeCloseTo(phi0 + phi1, 15);
    expect(out[1]).toBeCloseTo(phi1, 15);
    expect(out[2]).toBeCloseTo(0, 15);
  });

  it('reflects repeatedly when the kernel is wider than the image', () => {
    // [1, 0], σ = 1 → radius 4. Reflected line: … 0 1 1 0 | 1 0 | 0 1 1 0 …
    // out[0] = Σ_d φ(d)·x[reflect(d)] picks d ∈ {−4, −1, 0, 3, 4} → φ0 + φ1 + φ3 + 2φ4.
    const phi = [0, 1, 2, 3, 4].map((d) => Math.exp(-0.5 * d * d));
    const sum = phi[0]! + 2 * (phi[1]! + phi[2]! + phi[3]! + phi[4]!);
    const out = gaussianFilter([1, 0], 2, 1, 1, [0, 0]);
    expect(out[0]).toBeCloseTo((phi[0]! + phi[1]! + phi[3]! + 2 * phi[4]!) / sum, 15);
    expect(out[1]).toBeCloseTo((phi[1]! + 2 * phi[2]! + phi[3]!) / sum, 15);
  });

  it('a unit ramp has derivative ≈ 1 away from the border, a constant has 0', () => {
    const width = 40;
    const ramp = Float64Array.from({ length: width * 3 }, (_, i) => i % width);
    const gx = gaussianFilter(ramp, width, 3, GRAD_SIGMA, [0, 1]);
    for (let x = 7; x < width - 7; x++) expect(gx[width + x]).toBeCloseTo(1, 3);
    const flat = gaussianFilter(new Float64Array(width * 3).fill(0.3), width, 3, GRAD_SIGMA, [1, 1]);
    flat.forEach((v) => expect(v).toBeCloseTo(0, 12));
  });

  it('rejects a wrong size or a non-positive sigma', () => {
    expect(() => gaussianFilter([0, 1, 2], 2, 2, 1, [0, 0])).toThrow(RangeError);
    expect(() => gaussianFilter([0, 1], 2, 1, 0, [0, 0])).toThrow(RangeError);
  });
});

describe('grad: Σ(|∇a| − |∇g|)² / 1000', () => {
  it('is 0 for identical mattes and for any two constant mattes', () => {
    const { a, width, height } = img([[0, 0.2, 1], [0.5, 0.7, 0]]);
    expect(grad(a, a, width, height)).toBe(0);
    expect(grad(new Float64Array(12).fill(1), new Float64Array(12), 4, 3)).toBeCloseTo(0, 15);
  });

  it('sums the squared magnitude difference (σ = 0.25: |∇a| = [0, c, 0, c, 0], c = 16·φ(1))', () => {
    const e8 = Math.exp(-8);
    const c = (16 * e8) / (1 + 2 * e8);
    expect(grad([0, 0, 1, 0, 0], [0, 0, 0, 0, 0], 5, 1, 0.25)).toBeCloseTo((2 * c * c) / 1000, 18);
    // Only magnitudes count: a negated edge has the same gradient error as the edge.
    expect(grad([1, 1, 0, 1, 1], [0, 0, 0, 0, 0], 5, 1, 0.25)).toBeCloseTo((2 * c * c) / 1000, 18);
  });

  it('is positive for a soft vs a hard edge and symmetric', () => {
    const hard = img([[0, 0, 0, 1, 1, 1]]);
    const soft = img([[0, 0.2, 0.4, 0.6, 0.8, 1]]);
    const e = grad(soft.a, hard.a, 6, 1);
    expect(e).toBeGreaterThan(0);
    expect(grad(hard.a, soft.a, 6, 1)).toBeCloseTo(e, 15);
  });
});

describe('conn: connectivity error (Rhemann et al.), as score_alpha.py conn_err', () => {
  it('is 0 when a equals g, and for two empty mattes', () => {
    const { a, width, height } = img([[0, 0.3, 1], [1, 0.9, 0.05]]);
    expect(conn(a, a, width, height)).toBe(0);
    expect(conn([0, 0, 0], [0, 0, 0], 3, 1)).toBe(0);
  });

  it('the 0.15 rule: a difference below 0.15 above the level counts as fully connected', () => {
    // Nothing reaches 0.1 in both, so the level l is 0 everywhere: φ(x) = 1 − x·[x ≥ 0.15].
    expect(conn([0.1], [0], 1, 1)).toBe(0); // φ(0.1) = 1 = φ(0)
    expect(conn([0.2], [0], 1, 1)).toBeCloseTo(0.2 / 1000, 15); // φ(0.2) = 0.8
    expect(conn([0.14, 0.16], [0, 0], 2, 1)).toBeCloseTo(0.16 / 1000, 15);
  });

  it('pixels outside the largest component drop to the previous threshold', () => {
    // g = 1 everywhere; a = [1, 0, 1]: two one-pixel components at every threshold, the
    // first in raster order is kept (l = 1), the other drops at t = 0.1 (l = 0).
    // pixel 0: φ(1) = φ(1) = 1 (d = 0) → 0; pixel 1: l = 0, φ(a) = 1, φ(g) = 0 → 1;
    // pixel 2: l = 0, φ(a) = φ(g) = 0 → 0. Total 1 / 1000.
    expect(conn([1, 0, 1], [1, 1, 1], 3, 1)).toBeCloseTo(1 / 1000, 15);
  });

  it('ties between equal components go to the first in raster order (scipy label order + argmax)', () => {
    // X = (a 0.35, g 1), Y = (a 0.35, g 0.35), one pixel each, separated by (a 0, g 1).
    // Kept X: l = 0.3 (it leaves at t = 0.4), |φ(a) − φ(g)| = |1 − (1 − 0.7)| = 0.7.
    // Dropped X: l = 0, |(1 − 0.35) − 0| = 0.65. Y gives 0 either way, the separator 1.
    expect(conn([0.35, 0, 0.35], [1, 1, 0.35], 3, 1)).toBeCloseTo(1.7 / 1000, 12);
    expect(conn([0.35, 0, 0.35], [0.35, 1, 1], 3, 1)).toBeCloseTo(1.65 / 1000, 12);
  });

  it('labels with 8-connectivity: a diagonal line is one component', () => {
    // g = 1 everywhere. a: a diagonal of 1s (3 pixels, one component with 8-connectivity)
    // and a vertical pair of 0.35 (2 pixels); the diagonal is the largest and is kept.
    // Pair: l = 0, |(1 − 0.35) − 0| = 0.65 each; ten zeros: 1 each; diagonal: 0 → 11.3.
    // (With 4-connectivity the pair would win and the total would be 11.4.)
    const { a, width, height } = img([
      [1, 0, 0, 0, 0.35],
      [0, 1, 0, 0, 0.35],
      [0, 0, 1, 0, 0],
    ]);
    expect(conn(a, new Float64Array(15).fill(1), width, height)).toBeCloseTo(11.3 / 1000, 12);
  });

  it('largestComponent keeps the biggest 8-connected blob, or nothing for an empty mask', () => {
    // 4×4: a horizontal pair (top left) and an anti-diagonal of three (bottom right).
    const mask = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(largestComponent(mask, 4, 4))).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(largestComponent(new Uint8Array(4), 2, 2))).toEqual([0, 0, 0, 0]);
  });
});

describe('unknown band and band SAD', () => {
  it('is empty when g has no foreground or no background', () => {
    expect(Array.from(bandMask([0, 0, 0, 0], 2, 2))).toEqual([0, 0, 0, 0]);
    expect(Array.from(bandMask([1, 1, 1, 1], 2, 2))).toEqual([0, 0, 0, 0]);
    expect(bandSad([1, 1, 1, 1], [0, 0, 0, 0], 2, 2)).toBe(0);
    expect(bandSad([0, 0, 0, 0], [1, 1, 1, 1], 2, 2)).toBe(0);
  });

  it('covers 10 px either side of a hard edge (21 px square dilation of g > 0 and of g < 1)', () => {
    // 30×1, g = 1 on x < 15: dilating x ≤ 14 reaches x ≤ 24, dilating x ≥ 15 reaches x ≥ 5.
    const g = Float64Array.from({ length: 30 }, (_, x) => (x < 15 ? 1 : 0));
    const band = bandMask(g, 30, 1);
    expect(Array.from(band)).toEqual(Array.from({ length: 30 }, (_, x) => (x >= 5 && x <= 24 ? 1 : 0)));
    // a = 0.5 everywhere: |a − g| = 0.5 on the 20 band pixels → 10 / 1000.
    expect(bandSad(new Float64Array(30).fill(0.5), g, 30, 1)).toBeCloseTo(10 / 1000, 15);
    expect(sad(new Float64Array(30).fill(0.5), g)).toBeCloseTo(15 / 1000, 15);
  });

  it('is a (2·10+1)² square around an isolated unknown pixel, cut by the image border', () => {
    // 25×25, g = 0 except g = 0.5 at (12, 12): g < 1 everywhere, g > 0 dilates to x, y ∈ 2..22.
    const g = new Float64Array(625);
    g[12 * 25 + 12] = 0.5;
    const band = bandMask(g, 25, 25);
    expect(band.reduce((s, v) => s + v, 0)).toBe(441);
    expect(band[2 * 25 + 2]).toBe(1);
    expect(band[1 * 25 + 2]).toBe(0);
    expect(band[22 * 25 + 22]).toBe(1);
    expect(band[23 * 25 + 22]).toBe(0);
    // a = 1: 440 pixels differ by 1 and the centre by 0.5.
    expect(bandSad(new Float64Array(625).fill(1), g, 25, 25)).toBeCloseTo(440.5 / 1000, 15);
    // At (2, 2) the square reaches outside; pixels outside count as false, so the band is cut.
    const corner = new Float64Array(625);
    corner[2 * 25 + 2] = 0.5;
    expect(bandMask(corner, 25, 25).reduce((s, v) => s + v, 0)).toBe(13 * 13);
  });

  it('with px = 0 is just the pixels with 0 < g < 1', () => {
    expect(Array.from(bandMask([0, 0.2, 1, 0.99, 0], 5, 1, 0))).toEqual([0, 1, 0, 1, 0]);
  });

  it('rejects a negative or fractional width and a wrong size', () => {
    expect(() => bandMask([0, 1], 2, 1, -1)).toThrow(RangeError);
    expect(() => bandMask([0, 1], 2, 1, 1.5)).toThrow(RangeError);
    expect(() => bandMask([0, 1, 1], 2, 1)).toThrow(RangeError);
    expect(() => bandSad([0, 1], [0, 1], 2, 1, new Uint8Array(3))).toThrow(RangeError);
  });
});

describe('dtSSD: mean over t of sqrt(mean((Δa − Δg)²)) × 100', () => {
  it('is 100·sqrt(mean squared change error) per step, averaged over steps', () => {
    const a = [[0, 0], [1, 0], [1, 0]];
    const g = [[0, 0], [0, 0], [0, 0]];
    // step 1: Δa − Δg = [1, 0] → sqrt(0.5)·100; step 2: no change → 0.
    expect(dtssdStep(a[1]!, a[0]!, g[1]!, g[0]!)).toBeCloseTo(Math.SQRT1_2 * 100, 12);
    expect(dtssd(a, g)).toBeCloseTo((Math.SQRT1_2 * 100) / 2, 12);
  });

  it('ignores a constant error and counts motion that the truth does not have', () => {
    const g = [[0.2, 0.4], [0.3, 0.5], [0.6, 0.1]];
    const offset = g.map((f) => f.map((v) => v + 0.1));
    expect(dtssd(offset, g)).toBeCloseTo(0, 12);
    // a static while g moves by ±0.2: each step's error is 0.2 → 20.
    expect(dtssd([[0, 0], [0, 0]], [[0, 0.2], [0.2, 0]])).toBeCloseTo(20, 12);
  });

  it('is NaN with fewer than two frames; rejects mismatched counts or sizes', () => {
    expect(dtssd([[1, 0]], [[0, 0]])).toBeNaN();
    expect(dtssd([], [])).toBeNaN();
    expect(() => dtssd([[0], [0]], [[0]])).toThrow(RangeError);
    expect(() => dtssdStep([0, 0], [0], [0, 0], [0, 0])).toThrow(RangeError);
  });
});

describe('stillMetrics and frameMetrics', () => {
  it('bundle the single metrics under score_alpha.py keys', () => {
    const { a, width, height } = img([[0, 0.5, 1, 1], [0.2, 0.9, 0.1, 0]]);
    const g = Float64Array.from([0, 1, 1, 0, 0.3, 1, 0, 0]);
    const m = stillMetrics(a, g, width, height);
    expect(Object.keys(m)).toEqual(['sad', 'mse', 'grad', 'conn', 'band_sad', 'iou']);
    expect(m.sad).toBe(sad(a, g));
    expect(m.mse).toBe(mse(a, g));
    expect(m.grad).toBe(grad(a, g, width, height));
    expect(m.conn).toBe(conn(a, g, width, height));
    expect(m.band_sad).toBe(bandSad(a, g, width, height));
    expect(m.iou).toBe(iou(a, g));
    expect(frameMetrics(a, g, width, height)).toEqual({ sad: m.sad, mse: m.mse, band_sad: m.band_sad });
  });

  it('score an empty prediction of an empty truth with IoU 0, like score_alpha.py', () => {
    expect(stillMetrics([0, 0], [0, 0], 2, 1).iou).toBe(0);
    expect(iou([0, 0], [0, 0], 0)).toBe(0);
  });

  it('reject sizes that do not match width × height', () => {
    expect(() => stillMetrics([0, 0, 0], [0, 0, 0], 2, 2)).toThrow(RangeError);
    expect(() => frameMetrics([0, 0], [0, 0], 1, 1)).toThrow(RangeError);
    expect(() => conn([0, 0], [0, 0], 0, 2)).toThrow(RangeError);
  });
});
