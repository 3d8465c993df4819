import { describe, expect, it } from 'vitest';
import { COMPOSITE_MODE, COMPOSITE_VIEW, coverFit, type CompositeParams } from '../../src/gpu/params/composite';
import { compositeReference } from '../../src/gpu/reference/composite';
import { downsampleReference } from '../../src/gpu/reference/downsample';
import { at, createImage, sampleBilinear, type FloatImage } from '../../src/gpu/reference/image';
import { importFrameReference } from '../../src/gpu/reference/importFrame';
import { blurPlan, gaussianRadius } from '../../src/gpu/params/blur';
import { blurPrepareReference, gaussianBlurReference } from '../../src/gpu/reference/maskedBlur';
import { roiWeight, upsampleMaskReference } from '../../src/gpu/reference/upsampleMask';
import { type UpsampleMaskParams } from '../../src/gpu/params/upsample';

/** An image from row-major interleaved values. */
function img(width: number, height: number, channels: number, values: number[]): FloatImage {
  const im = createImage(width, height, channels);
  expect(values.length).toBe(width * height * channels);
  im.data.set(values);
  return im;
}
const fill = (width: number, height: number, channels: number, f: (x: number, y: number, c: number) => number): FloatImage => {
  const im = createImage(width, height, channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) im.data[(y * width + x) * channels + c] = f(x, y, c);
  return im;
};
const values = (im: FloatImage): number[] => [...im.data];
const closeAll = (actual: number[], expected: number[], digits = 6): void => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v, `index ${i}`).toBeCloseTo(expected[i]!, digits));
};

describe('image', () => {
  const g = img(2, 2, 1, [0, 1, 2, 3]);

  it('createImage rejects non-positive or fractional sizes', () => {
    expect(createImage(3, 2, 4).data.length).toBe(24);
    expect(() => createImage(0, 2, 1)).toThrow(RangeError);
    expect(() => createImage(2, -1, 1)).toThrow(RangeError);
    expect(() => createImage(1.5, 2, 1)).toThrow(RangeError);
  });

  it('at clamps coordinates to the image', () => {
    expect(at(g, 1, 1, 0)).toBe(3);
    expect(at(g, -1, 0, 0)).toBe(0);
    expect(at(g, 5, 0, 0)).toBe(1);
    expect(at(g, 1, 7, 0)).toBe(3);
    expect(at(g, -3, 9, 0)).toBe(2);
  });

  it('sampleBilinear returns texels at their centres and averages at midpoints', () => {
    expect(sampleBilinear(g, 0.25, 0.25, 0)).toBe(0);
    expect(sampleBilinear(g, 0.75, 0.25, 0)).toBe(1);
    expect(sampleBilinear(g, 0.25, 0.75, 0)).toBe(2);
    expect(sampleBilinear(g, 0.75, 0.75, 0)).toBe(3);
    expect(sampleBilinear(g, 0.5, 0.25, 0)).toBe(0.5);
    expect(sampleBilinear(g, 0.25, 0.5, 0)).toBe(1);
    expect(sampleBilinear(g, 0.5, 0.5, 0)).toBe(1.5);
    // clamp to edge outside the texel centres
    expect(sampleBilinear(g, 0, 0, 0)).toBe(0);
    expect(sampleBilinear(g, 1, 1, 0)).toBe(3);
  });
});

describe('downsampleReference', () => {
  const src = img(4, 2, 1, [1, 2, 3, 4, 5, 6, 7, 8]);

  it('averages 2×2 blocks of a 4×2 image', () => {
    expect(values(downsampleReference(src, 2, 1))).toEqual([3.5, 5.5]);
    expect(values(downsampleReference(src, 1, 1))).toEqual([4.5]);
  });

  it('uses footprints [0,2) and [2,5) for 5 → 2', () => {
    const row = img(5, 1, 1, [1, 2, 3, 4, 5]);
    expect(values(downsampleReference(row, 2, 1))).toEqual([1.5, 4]);
  });

  it('repeats texels when upsampling 2 → 4', () => {
    expect(values(downsampleReference(img(2, 1, 1, [0.25, 0.75]), 4, 1))).toEqual([0.25, 0.25, 0.75, 0.75]);
  });

  it('crops to the rect argument', () => {
    expect(values(downsampleReference(src, 1, 1, { x: 1, y: 0, width: 2, height: 2 }))).toEqual([4.5]);
    expect(values(downsampleReference(src, 2, 1, { x: 2, y: 1, width: 2, height: 1 }))).toEqual([7, 8]);
  });

  it('keeps channels apart and a constant image constant', () => {
    const rgb = fill(7, 5, 3, (_x, _y, c) => [0.25, 0.5, 0.75][c]!);
    const out = downsampleReference(rgb, 3, 2);
    for (let i = 0; i < 6; i++) expect([out.data[i * 3], out.data[i * 3 + 1], out.data[i * 3 + 2]]).toEqual([0.25, 0.5, 0.75]);
  });
});

describe('blurPrepareReference', () => {
  // r = 0.1..0.8, g = 0.5, b = 0
  const frame = fill(4, 2, 3, (x, y, c) => [(y * 4 + x + 1) / 10, 0.5, 0][c]!);

  it('gives all zeros where α = 1', () => {
    expect(values(blurPrepareReference(frame, fill(4, 2, 1, () => 1), 2))).toEqual(new Array(8).fill(0));
  });

  it('is a plain box average with weight 1 where α = 0', () => {
    const out = blurPrepareReference(frame, fill(4, 2, 1, () => 0), 2);
    expect([out.width, out.height]).toEqual([2, 1]);
    closeAll(values(out), [0.35, 0.5, 0, 1, 0.55, 0.5, 0, 1]);
  });

  it('clips the edge blocks when the factor does not divide the size', () => {
    // w = 1 − α = [1, 0.5, 0.75]; block 0 is x 0..1, block 1 only x 2 (and y 0 only)
    const out = blurPrepareReference(img(3, 1, 3, [0.2, 0, 0, 0.4, 0, 0, 0.8, 0, 0]), img(3, 1, 1, [0, 0.5, 0.25]), 2);
    expect([out.width, out.height]).toEqual([2, 1]);
    closeAll(values(out), [(0.2 * 1 + 0.4 * 0.5) / 2, 0, 0, 0.75, 0.8 * 0.75, 0, 0, 0.75]);
  });
});

describe('gaussianBlurReference', () => {
  it('leaves a constant image unchanged', () => {
    const c = fill(6, 5, 2, (_x, _y, ch) => (ch ? 0.3 : 0.7));
    closeAll(values(gaussianBlurReference(c, [1, 0], 1.3)), values(c));
    closeAll(values(gaussianBlurReference(c, [0, 1], 2.5)), values(c));
  });

  it('spreads a unit impulse symmetrically over radius ceil(3σ), summing to 1', () => {
    expect(gaussianRadius(1.5)).toBe(5);
    expect(gaussianRadius(2)).toBe(6);
    expect(gaussianRadius(0.1)).toBe(1);
    for (const dir of [[1, 0], [0, 1]] as [number, number][]) {
      const n = 21;
      const impulse = dir[0] ? createImage(n, 1, 1) : createImage(1, n, 1);
      impulse.data[10] = 1;
      const out = [...gaussianBlurReference(impulse, dir, 1.5).data];
      expect(out.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      for (let k = 1; k <= 10; k++) expect(out[10 - k]).toBeCloseTo(out[10 + k]!, 7);
      expect(out[15]).toBeGreaterThan(0); // k = 5 is inside the radius
      expect(out[16]).toBe(0); // k = 6 is outside
      expect(out[11]! / out[10]!).toBeCloseTo(Math.exp(-1 / (2 * 1.5 * 1.5)), 6);
      expect(out[12]! / out[10]!).toBeCloseTo(Math.exp(-4 / (2 * 1.5 * 1.5)), 6);
    }
  });

  it('blurPlan keeps the per-level sigma near 3', () => {
    expect(blurPlan(9)).toEqual({ factor: 3, sigma: 3 });
    expect(blurPlan(2)).toEqual({ factor: 1, sigma: 2 });
    expect(blurPlan(10)).toEqual({ factor: 3, sigma: 10 / 3 });
  });
});

describe('upsampleMaskReference', () => {
  const params: UpsampleMaskParams = { sigmaSpatial: 1, sigmaRange: 0.1, radius: 2, feather: 4 };
  const W = 32;
  const H = 4;
  const whole = { x: 0, y: 0, width: W, height: H };
  // Low-res mask 8×1: person (1) on the left half, background (0) on the right.
  const mask = fill(8, 1, 1, (x) => (x < 4 ? 1 : 0));
  const guideLow = fill(8, 1, 3, (x) => (x < 4 ? 1 : 0));
  const run = (frameEdge: number, sigmaRange: number): number[] => {
    const frame = fill(W, H, 3, (x) => (x < frameEdge ? 1 : 0));
    const out = upsampleMaskReference(
      { frame, guideFull: guideLow, maskFull: mask, guideRoi: guideLow, maskRoi: mask, roi: whole },
      { ...params, sigmaRange },
    );
    return Array.from({ length: W }, (_, x) => at(out, x, 1, 0));
  };
  const firstBelowHalf = (row: number[]): number => row.findIndex((a) => a < 0.5);

  it('keeps a constant mask constant, through the contrast curve', () => {
    const frame = fill(W, H, 3, (x, y, c) => ((x * 7 + y * 3 + c) % 5) / 4);
    const m = fill(8, 1, 1, () => 0.6);
    const g = fill(8, 1, 3, (x, _y, c) => ((x + c) % 3) / 2);
    const out = upsampleMaskReference({ frame, guideFull: g, maskFull: m, guideRoi: g, maskRoi: m, roi: { x: 4, y: 0, width: 16, height: 4 } }, params);
    // smoothstep(0.3, 0.7, 0.6): t = 0.75, t²(3 − 2t) = 0.5625 · 1.5
    for (const v of out.data) expect(v).toBeCloseTo(0.84375, 5);
  });

  it('roiWeight is 1 inside, 0 at an interior ROI edge, and does not feather at the frame border', () => {
    const roi = { x: 20, y: 20, width: 60, height: 60 };
    expect(roiWeight(roi, 50, 50, 100, 100, 4)).toBe(1);
    expect(roiWeight(roi, 20, 50, 100, 100, 4)).toBe(0);
    expect(roiWeight(roi, 22, 50, 100, 100, 4)).toBe(0.5);
    expect(roiWeight(roi, 50, 79, 100, 100, 4)).toBe(0.25);
    expect(roiWeight(roi, 10, 50, 100, 100, 4)).toBe(0);
    expect(roiWeight({ x: 0, y: 0, width: 100, height: 100 }, 0.5, 99.5, 100, 100, 4)).toBe(1);
    const leftBand = { x: 0, y: 20, width: 50, height: 60 };
    expect(roiWeight(leftBand, 0.5, 50, 100, 100, 4)).toBe(1);
    expect(roiWeight(leftBand, 0.5, 21, 100, 100, 4)).toBe(0.25);
  });

  it('upsamples a step mask: ≈1 on the left, ≈0 on the right', () => {
    const row = run(16, 0.1);
    for (let x = 0; x < 12; x++) expect(row[x]).toBeGreaterThan(0.9);
    for (let x = 20; x < W; x++) expect(row[x]).toBeLessThan(0.1);
    expect(firstBelowHalf(row)).toBe(16);
  });

  it('follows the full-resolution guide edge when it moves', () => {
    // The frame's edge is at x = 12, the coarse mask's at 16: pixels 12..15 are dark like the background.
    const aware = run(12, 0.1);
    const plain = run(12, 1);
    expect(firstBelowHalf(aware)).toBe(12);
    expect(firstBelowHalf(plain)).toBeGreaterThan(12);
    const mean = (r: number[]): number => r.slice(12, 16).reduce((s, v) => s + v, 0) / 4;
    expect(mean(aware)).toBeLessThan(0.1);
    expect(mean(plain)).toBeGreaterThan(mean(aware) + 0.2);
  });
});

describe('compositeReference', () => {
  const F = [0.8, 0.4, 0.2];
  const frame = fill(2, 1, 3, (_x, _y, c) => F[c]!);
  const alphaOf = (a: number): FloatImage => fill(2, 1, 1, () => a);
  const none = createImage(1, 1, 4);
  const base: CompositeParams = { mode: COMPOSITE_MODE.color, view: COMPOSITE_VIEW.com, color: [0, 1, 0.5], bgScale: [0.5, 1], bgOffset: [0, 0] };
  const pixel = (out: FloatImage, x: number): number[] => [...out.data.subarray(x * 4, x * 4 + 4)];

  // No refined pixels (channel 3 = 0): F is the frame. A 1×1 error map of 0.4.
  const unrefined = createImage(2, 1, 4);
  const err = img(1, 1, 1, [0.4]);
  const G = [0.1, 0.9, 0.3];
  const refinedRight = img(2, 1, 4, [0.5, 0.5, 0.5, 0, ...G, 1]);

  it('debug views: pha is alpha grey, err is the coarse error, fgr is F, ref tints refined pixels', () => {
    closeAll(pixel(compositeReference(frame, alphaOf(0.3), none, none, unrefined, err, { ...base, view: COMPOSITE_VIEW.pha }), 1), [0.3, 0.3, 0.3, 1]);
    closeAll(pixel(compositeReference(frame, alphaOf(0.25), none, none, unrefined, err, { ...base, view: COMPOSITE_VIEW.err }), 0), [0.4, 0.4, 0.4, 1]);
    closeAll(pixel(compositeReference(frame, alphaOf(0.25), none, none, unrefined, err, { ...base, view: COMPOSITE_VIEW.fgr }), 0), [...F, 1]);
    const ref = compositeReference(frame, alphaOf(0.25), none, none, refinedRight, err, { ...base, view: COMPOSITE_VIEW.ref });
    closeAll(pixel(ref, 0), [...F, 1]);
    closeAll(pixel(ref, 1), [0.4 + 0.5, 0.2, 0.1, 1]);
  });

  it('uses the refined foreground where the refiner wrote one', () => {
    const out = compositeReference(frame, alphaOf(0.25), none, none, refinedRight, err, base);
    closeAll(pixel(out, 1), [0.25 * G[0]!, 0.25 * G[1]! + 0.75, 0.25 * G[2]! + 0.375, 1]);
  });

  it("uses a network's foreground (channel 3 = 0.5) as F, and the ref view does not tint it", () => {
    const networkRight = img(2, 1, 4, [0.5, 0.5, 0.5, 0, ...G, 0.5]);
    closeAll(pixel(compositeReference(frame, alphaOf(0.25), none, none, networkRight, err, base), 1), [0.25 * G[0]!, 0.25 * G[1]! + 0.75, 0.25 * G[2]! + 0.375, 1]);
    closeAll(pixel(compositeReference(frame, alphaOf(0.25), none, none, networkRight, err, { ...base, view: COMPOSITE_VIEW.fgr }), 1), [...G, 1]);
    closeAll(pixel(compositeReference(frame, alphaOf(0.25), none, none, networkRight, err, { ...base, view: COMPOSITE_VIEW.ref }), 1), [...F, 1]);
  });

  it('color mode blends α·F + (1 − α)·C', () => {
    const out = compositeReference(frame, alphaOf(0.25), none, none, unrefined, err, base);
    // 0.25·(0.8, 0.4, 0.2) + 0.75·(0, 1, 0.5)
    closeAll(pixel(out, 0), [0.2, 0.85, 0.425, 1]);
    closeAll(pixel(out, 1), [0.2, 0.85, 0.425, 1]);
  });

  it('off mode returns F whatever α', () => {
    closeAll(pixel(compositeReference(frame, alphaOf(0), none, none, unrefined, err, { ...base, mode: COMPOSITE_MODE.off }), 0), [...F, 1]);
  });

  it('blur mode divides the weighted blur by its weight, with a small F term', () => {
    const blurred = img(1, 1, 4, [0.2, 0.4, 0.6, 0.5]);
    const out = compositeReference(frame, alphaOf(0), blurred, none, unrefined, err, { ...base, mode: COMPOSITE_MODE.blur });
    // (rgb·w + 1e-3·F) / (w + 1e-3); not clamped
    closeAll(pixel(out, 0), [0.2008 / 0.501, 0.4004 / 0.501, 0.6002 / 0.501, 1]);
  });

  it('image mode samples the background at pixel·bgScale + bgOffset', () => {
    const bg = img(2, 1, 3, [0.1, 0.2, 0.3, 0.9, 0.8, 0.7]);
    const out = compositeReference(frame, alphaOf(0), none, bg, unrefined, err, { ...base, mode: COMPOSITE_MODE.image, ...coverFit(2, 1, 2, 1) });
    closeAll(pixel(out, 0), [0.1, 0.2, 0.3, 1]);
    closeAll(pixel(out, 1), [0.9, 0.8, 0.7, 1]);
  });

  it('coverFit crops a wide image left and right, a tall one top and bottom', () => {
    const uv = (f: ReturnType<typeof coverFit>, x: number, y: number): number[] => [x * f.bgScale[0] + f.bgOffset[0], y * f.bgScale[1] + f.bgOffset[1]];
    const wide = coverFit(100, 100, 200, 100);
    expect(uv(wide, 50, 50)).toEqual([0.5, 0.5]);
    expect(uv(wide, 0, 0)).toEqual([0.25, 0]);
    expect(uv(wide, 100, 100)).toEqual([0.75, 1]);
    const tall = coverFit(100, 100, 100, 200);
    expect(uv(tall, 0, 0)).toEqual([0, 0.25]);
    expect(uv(tall, 100, 100)).toEqual([1, 0.75]);
    // a small square image scaled up to a 2:1 frame
    const up = coverFit(200, 100, 100, 100);
    expect(uv(up, 0, 0)).toEqual([0, 0.25]);
    expect(uv(up, 200, 100)).toEqual([1, 0.75]);
  });
});

describe('importFrameReference', () => {
  it('copies RGB and sets alpha to 1', () => {
    const src = img(2, 1, 4, [0.1, 0.2, 0.3, 0, 0.4, 0.5, 0.6, 0.5]);
    closeAll(values(importFrameReference(src)), [0.1, 0.2, 0.3, 1, 0.4, 0.5, 0.6, 1]);
    closeAll(values(importFrameReference(img(1, 1, 3, [0.7, 0.8, 0.9]))), [0.7, 0.8, 0.9, 1]);
  });
});
