// Hand-worked cases for the references of the plate-matting stages (plate statistics, coarse
// stage, push-pull fill, temporal smoothing). The GPU passes are compared with these references
// in test/gpu/{plateStats,coarse,pushPull,temporal}.spec.ts.
import { describe, expect, it } from 'vitest';
import { coarseReference, plateExcessReference } from '../../src/gpu/reference/coarse';
import { smoothstep, createImage, type FloatImage } from '../../src/gpu/reference/image';
import { plateGain as plateGainReference, plateStatsReference } from '../../src/gpu/reference/plateStats';
import { pushPullDown, pushPullReference, pushPullUp, roundHalf } from '../../src/gpu/reference/pushPull';
import { temporalReference } from '../../src/gpu/reference/temporal';

const fill = (width: number, height: number, channels: number, f: (x: number, y: number, c: number) => number): FloatImage => {
  const im = createImage(width, height, channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) im.data[(y * width + x) * channels + c] = f(x, y, c);
  return im;
};
const constant = (width: number, height: number, values: number[]): FloatImage => fill(width, height, values.length, (_x, _y, c) => values[c]!);
const pixel = (im: FloatImage, x: number, y: number): number[] => [...im.data.subarray((y * im.width + x) * im.channels, (y * im.width + x + 1) * im.channels)];
const closeAll = (actual: number[], expected: number[], digits = 6): void => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v, `index ${i}`).toBeCloseTo(expected[i]!, digits));
};

describe('plateStatsReference', () => {
  it('turns the means of one background block into fixed point, rounding to nearest', () => {
    // ī = 0.5 → 512.5 → 512 (u32 truncates v·1024 + 0.5); b̄ = 0.25 → 256; mean |ī − b̄| = 0.25 → 256.
    const stats = plateStatsReference(constant(4, 4, [0.5, 0.5, 0.5, 1]), constant(4, 4, [0.25, 0.25, 0.25, 1]), constant(4, 4, [0]));
    expect([...stats]).toEqual([512, 512, 512, 256, 256, 256, 256, 1]);
  });

  it('averages a clipped edge block over its own pixels and skips a block with any prior ≥ 0.02', () => {
    // 5×4: block (0,0) has a pixel with prior 0.02 (not < 0.02) → skipped; block (1,0) is the
    // 1×4 column x = 4, r = [1, 1, 0, 0] → mean 0.5 over 4 pixels (not 16).
    const frame = fill(5, 4, 4, (x, y, c) => (c === 0 ? (x === 4 && y < 2 ? 1 : 0) : c === 1 ? 0.3 : c === 2 ? 0.7 : 1));
    const plate = constant(5, 4, [0, 0, 0, 1]);
    const prior = fill(5, 4, 1, (x, y) => (x === 1 && y === 2 ? 0.02 : 0));
    // r: 0.5 → 512; g: 307.2 + 0.5 → 307; b: 716.8 + 0.5 → 717; |ī − b̄| mean (0.5 + 0.3 + 0.7)/3 = 0.5 → 512.
    expect([...plateStatsReference(frame, plate, prior)]).toEqual([512, 307, 717, 0, 0, 0, 512, 1]);
    // Just below the threshold the first block counts too: + 16·(0,0.3,0.7) means of block (0,0).
    prior.data[2 * 5 + 1] = 0.0199;
    expect([...plateStatsReference(frame, plate, prior)]).toEqual([512, 307 * 2, 717 * 2, 0, 0, 0, 512 + Math.floor(((0.3 + 0.7) / 3) * 1024 + 0.5), 2]);
  });

  it('rounds an exact half up and sums blocks', () => {
    // ī = 1.5/1024 → 1.5 + 0.5 = 2 exactly; two blocks → 4.
    const v = 1.5 / 1024;
    const stats = plateStatsReference(constant(8, 4, [v, 0, 0, 1]), constant(8, 4, [0, 0, 0, 1]), constant(8, 4, [0]));
    expect([...stats]).toEqual([4, 0, 0, 0, 0, 0, 2, 2]); // |ī − b̄| mean = v/3 → 0.5 + 0.5 = 1 per block
  });

  it('gives zeros when no block is background', () => {
    const stats = plateStatsReference(constant(6, 6, [1, 1, 1, 1]), constant(6, 6, [0, 0, 0, 1]), constant(6, 6, [0.5]));
    expect([...stats]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('coarse reference helpers', () => {
  it('plateGainReference: ΣI/ΣB per channel, 1 where ΣB = 0 or with fewer than 16 blocks', () => {
    expect(plateGainReference([2048, 1024, 5, 1024, 2048, 0, 0, 16])).toEqual([2, 0.5, 1]);
    expect(plateGainReference([2048, 1024, 5, 1024, 2048, 0, 0, 15])).toEqual([1, 1, 1]);
  });

  it('smoothstep', () => {
    expect(smoothstep(0.02, 0.08, 0.05)).toBeCloseTo(0.5, 12);
    expect(smoothstep(0.02, 0.08, 0.035)).toBeCloseTo(0.15625, 12); // t = 0.25: t²(3 − 2t)
    expect(smoothstep(0.02, 0.08, 0)).toBe(0);
    expect(smoothstep(0.02, 0.08, 1)).toBe(1);
  });

  it('plateExcessReference: nearest plate colour over 3×3 minus noise and spread', () => {
    // Plate black except (2,1) = (0.3, 0, 0); frame (1, 0, 0) at (1,1): nearest 0.7,
    // spread 0.3 → 0.7 − (0.02 + 0.075) = 0.605.
    const plate = fill(3, 3, 4, (x, y, c) => (x === 2 && y === 1 && c === 0 ? 0.3 : c === 3 ? 1 : 0));
    expect(plateExcessReference(plate, 1, 1, [1, 0, 0], [1, 1, 1])).toBeCloseTo(0.605, 6);
    // A neighbour that matches the frame explains it (a shift of one pixel): 0.
    expect(plateExcessReference(plate, 1, 1, [0.3, 0, 0], [1, 1, 1])).toBe(0);
    // At the corner the neighbourhood is clamped: (0,0) sees only black → |i| − 0.02.
    expect(plateExcessReference(plate, 0, 0, [0.5, 0, 0], [1, 1, 1])).toBeCloseTo(0.48, 12);
    // The gain-corrected plate is clamped to 1, as the frame saturates there: g·B = 1.5 → 1.
    const bright = constant(3, 3, [0.8, 0.8, 0.8, 1]);
    expect(plateExcessReference(bright, 1, 1, [1, 1, 1], [1.5, 1.5, 1.5])).toBe(0);
  });
});

describe('coarseReference', () => {
  const rgb = [0.2, 0.4, 0.6, 1];
  const frame = constant(6, 4, rgb); // blocks 4×4 and 2×4 (clipped)
  const none = new Uint32Array(8);

  it('without a plate: err = 1 − |2p − 1| maximum; seeds from min/max p', () => {
    const prior = fill(6, 4, 1, (x) => (x < 4 ? 1 : 0));
    const out = coarseReference(frame, frame, prior, none, false);
    expect(out.err.width).toBe(2);
    expect(out.err.height).toBe(1);
    closeAll([...out.err.data], [0, 0]);
    closeAll(pixel(out.fgSeed, 0, 0), [0.2, 0.4, 0.6, 1]);
    closeAll(pixel(out.fgSeed, 1, 0), [0, 0, 0, 0]);
    closeAll(pixel(out.bgSeed, 0, 0), [0, 0, 0, 0]);
    closeAll(pixel(out.bgSeed, 1, 0), [0.2, 0.4, 0.6, 1]);
  });

  it('without a plate: unsure prior, thresholds 0.95 and 0.05 are strict', () => {
    const prior = fill(6, 4, 1, (x, y) => (x < 4 ? (x === 0 && y === 0 ? 0.25 : 1) : 0.05));
    const out = coarseReference(frame, frame, prior, none, false);
    // Block 0: max(1 − |2·0.25 − 1|) = 0.5; not all > 0.95 → no fg seed. Block 1: p = 0.05 → 0.1, no bg seed.
    closeAll([...out.err.data], [0.5, 0.1]);
    closeAll(pixel(out.fgSeed, 0, 0), [0, 0, 0, 0]);
    closeAll(pixel(out.bgSeed, 1, 0), [0, 0, 0, 0]);
    const sure = coarseReference(frame, frame, fill(6, 4, 1, (x) => (x < 4 ? 0.95 : 0.96)), none, false);
    closeAll(pixel(sure.fgSeed, 0, 0), [0, 0, 0, 0]); // 0.95 is not > 0.95
    closeAll(pixel(sure.fgSeed, 1, 0), [0.2, 0.4, 0.6, 1]);
  });

  it('with a plate: the frame–plate difference confirms or contradicts the prior', () => {
    // Block 0: frame white over a black plate with prior 1 → excess √3 − 0.02 > 0.06: fg seed,
    // err |1 − 1| = 0. Block 1: frame = plate with prior 1 → excess 0: no fg seed, err |1 − 0| = 1.
    const f = fill(6, 4, 4, (x, _y, c) => (c === 3 ? 1 : x < 4 ? 1 : 0.5));
    const plate = fill(6, 4, 4, (x, _y, c) => (c === 3 ? 1 : x < 4 ? 0 : 0.5));
    const out = coarseReference(f, plate, constant(6, 4, [1]), none, true);
    closeAll([...out.err.data], [0, 1]);
    closeAll(pixel(out.fgSeed, 0, 0), [1, 1, 1, 1]);
    closeAll(pixel(out.fgSeed, 1, 0), [0, 0, 0, 0]);
    // The background seed is the gain-corrected plate everywhere (gain 1 without statistics).
    closeAll(pixel(out.bgSeed, 0, 0), [0, 0, 0, 1]);
    closeAll(pixel(out.bgSeed, 1, 0), [0.5, 0.5, 0.5, 1]);
  });

  it('with a plate: the gain from the statistics scales the background seed (unclamped) and the plate in the excess', () => {
    // g = (1.5, 1.5, 1.5): plate 0.8 → g·B = 1.2, clamped to 1 in the excess (frame saturated at 1),
    // not in the seed. Prior 0 and excess 0 → err 0.
    const stats = [1536 * 16, 1536 * 16, 1536 * 16, 1024 * 16, 1024 * 16, 1024 * 16, 0, 16];
    const out = coarseReference(constant(4, 4, [1, 1, 1, 1]), constant(4, 4, [0.8, 0.8, 0.8, 1]), constant(4, 4, [0]), stats, true);
    closeAll([...out.err.data], [0]);
    closeAll(pixel(out.bgSeed, 0, 0), [1.2, 1.2, 1.2, 1]);
    // Mean excess between the smoothstep edges: frame 0.05 above a grey plate everywhere,
    // excess 0.05·√3 − 0.02 per pixel; err = |0 − smoothstep(0.02, 0.08, d)|.
    const d = 0.05 * Math.sqrt(3) - 0.02;
    const mid = coarseReference(constant(4, 4, [0.55, 0.55, 0.55, 1]), constant(4, 4, [0.5, 0.5, 0.5, 1]), constant(4, 4, [0]), none, true);
    expect(mid.err.data[0]).toBeCloseTo(smoothstep(0.02, 0.08, d), 6);
    expect(mid.err.data[0]).toBeGreaterThan(0.4);
  });
});

describe('push-pull reference', () => {
  it('roundHalf rounds to the nearest half, ties to even', () => {
    expect(roundHalf(1)).toBe(1);
    expect(roundHalf(1 + 2 ** -11)).toBe(1); // tie → even mantissa
    expect(roundHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9); // tie → even mantissa
    expect(roundHalf(1 + 2 ** -11 + 2 ** -20)).toBe(1 + 2 ** -10);
    expect(roundHalf(0.1)).toBe(0.0999755859375);
    expect(roundHalf(-0.1)).toBe(-0.0999755859375);
    expect(roundHalf(0.5 - 2 ** -13)).toBe(0.5); // spacing below 0.5 is 2^-12: tie → even (0.5)
    expect(roundHalf(2 ** -25)).toBe(0); // subnormal tie → 0
    expect(roundHalf(3 * 2 ** -25)).toBe(2 ** -23);
    expect(roundHalf(65504)).toBe(65504);
    expect(roundHalf(65520)).toBe(Infinity);
    expect(roundHalf(0)).toBe(0);
  });

  it('down averages 2×2 children with clamped coordinates (an odd edge counts twice)', () => {
    const src = fill(3, 1, 4, (x, _y, c) => [0.2, 0.6, 1][x]! * (c + 1));
    const d = pushPullDown(src);
    expect([d.width, d.height]).toEqual([2, 1]);
    closeAll(pixel(d, 0, 0), [0.4, 0.8, 1.2, 1.6]);
    closeAll(pixel(d, 1, 0), [1, 2, 3, 4]);
  });

  it('up: (c.rgb + (1 − w)·P) / 1, grey at the top, the parent sampled bilinearly at texel centres', () => {
    const top = pushPullUp(constant(1, 1, [0.1, 0.2, 0.3, 0.5]), null);
    closeAll(pixel(top, 0, 0), [0.35, 0.45, 0.55, 1]);
    // 4×1 empty level under a 2×1 parent (r = 0, 1): centres at parent x = −0.25, 0.25, 0.75, 1.25.
    const up = pushPullUp(constant(4, 1, [0, 0, 0, 0]), fill(2, 1, 4, (x, _y, c) => (c === 0 ? x : 1)));
    closeAll([0, 1, 2, 3].map((x) => pixel(up, x, 0)[0]!), [0, 0.25, 0.75, 1]);
    // w = 1 keeps the seed colour whatever the parent.
    const kept = pushPullUp(constant(2, 1, [0.7, 0.1, 0.4, 1]), constant(1, 1, [0, 1, 0, 1]));
    closeAll(pixel(kept, 1, 0), [0.7, 0.1, 0.4, 1]);
  });

  it('fills an empty texel from the pyramid and keeps a full one, in half precision', () => {
    // 2×1 → 1×1: down = (0.4, 0.2, 0.1, 0.5); top = 0.5·grey + that = (0.65, 0.45, 0.35).
    const filled = pushPullReference(fill(2, 1, 4, (x, _y, c) => (x === 0 ? [0.8, 0.4, 0.2, 1][c]! : 0)));
    expect(pixel(filled, 0, 0)).toEqual([roundHalf(0.8), roundHalf(0.4), roundHalf(0.2), 1]);
    expect(pixel(filled, 1, 0)).toEqual([roundHalf(0.65), roundHalf(0.45), roundHalf(0.35), 1]);
  });

  it('fills an empty seed with grey and a one-texel seed with its colour', () => {
    expect([...pushPullReference(createImage(5, 3, 4)).data]).toEqual(Array.from({ length: 60 }, (_, i) => (i % 4 === 3 ? 1 : 0.5)));
    const one = pushPullReference(constant(1, 1, [0.25, 0.5, 0.75, 1]));
    expect(pixel(one, 0, 0)).toEqual([0.25, 0.5, 0.75, 1]);
  });
});

describe('temporalReference', () => {
  const frame = constant(2, 1, [0.5, 0.5, 0.5, 1]);
  const alpha = fill(2, 1, 1, (x) => [0.2, 1][x]!);
  const alphaPrev = fill(2, 1, 1, (x) => [0.6, 0][x]!);

  it('a still frame blends by the strength', () => {
    const out = temporalReference(frame, frame, alpha, alphaPrev, { strength: 0.5, sigma: 0.03, history: true });
    closeAll([...out.data], [0.4, 0.5]);
  });

  it('a frame difference of σ gives k = s·e^(−1/2)', () => {
    const moved = constant(2, 1, [0.53, 0.5, 0.5, 1]);
    const out = temporalReference(moved, frame, constant(2, 1, [0]), constant(2, 1, [1]), { strength: 0.8, sigma: 0.03, history: true });
    closeAll([...out.data], [0.8 * Math.exp(-0.5), 0.8 * Math.exp(-0.5)]);
  });

  it('no history or strength 0 is the identity', () => {
    expect([...temporalReference(frame, frame, alpha, alphaPrev, { strength: 0.9, sigma: 0.03, history: false }).data]).toEqual([...alpha.data]);
    expect([...temporalReference(frame, frame, alpha, alphaPrev, { strength: 0, sigma: 0.03, history: true }).data]).toEqual([...alpha.data]);
  });

  it('with motion compensation, a pattern moved by 2 px blends along the motion', () => {
    // I_prev(x) = I(x − 2) on a 24×3 pattern that no other offset matches: the block at p matches
    // the previous frame's at p + 2 exactly (columns 1–15: the block and its match lie inside the frame).
    const W = 24;
    const pattern = (shift: number) => fill(W, 3, 4, (x, _y, c) => {
      const v = ((Math.max(x - shift, 0) * 5) % 9) / 8;
      return [v, 0.5, 1 - v, 1][c]!;
    });
    const prevAlpha = fill(W, 3, 1, (x) => x / 30);
    const out = temporalReference(pattern(0), pattern(2), constant(W, 3, [1]), prevAlpha, { strength: 0.5, sigma: 0.03, history: true, search: 2 });
    for (let x = 1; x <= 15; x++) expect(out.data[W + x], `x ${x}`).toBeCloseTo(1 + 0.5 * ((x + 2) / 30 - 1), 6);
    // Without motion compensation the same pixels are not smoothed (each differs by ≥ 1/8 in two channels).
    const plain = temporalReference(pattern(0), pattern(2), constant(W, 3, [1]), prevAlpha, { strength: 0.5, sigma: 0.03, history: true });
    for (let x = 2; x <= 15; x++) expect(plain.data[W + x], `x ${x}`).toBeCloseTo(1, 6);
  });


  it('with motion compensation, a block still within noise is not searched', () => {
    // I_prev(x) = I(x − 1) on a ramp of `slope` per px and channel: the match at p + 1 is exact,
    // but with slope 0.01 the block in place differs by E(0, 0) = 3·0.01² = 3e-4 ≤ E_still (1e-3)
    // and is kept; with slope 0.02 (E = 1.2e-3) the search finds p + 1.
    const ramp = (slope: number, shift: number) => fill(9, 3, 4, (x, _y, c) => (c < 3 ? 0.3 + slope * (x - shift) : 1));
    const prevAlpha = fill(9, 3, 1, (x) => 0.5 + x / 20);
    const params = { strength: 0.5, sigma: 0.08, sigmaEdge: 0.04, history: true, search: 2 };
    const still = temporalReference(ramp(0.01, 0), ramp(0.01, 1), constant(9, 3, [1]), prevAlpha, params);
    const k = 0.5 * Math.exp(-3e-4 / (2 * 0.08 ** 2) - 3e-4 / (2 * 0.1 ** 2));
    for (let x = 1; x <= 6; x++) expect(still.data[9 + x]).toBeCloseTo(1 + k * (0.5 + x / 20 - 1), 6);
    const moved = temporalReference(ramp(0.02, 0), ramp(0.02, 1), constant(9, 3, [1]), prevAlpha, params);
    for (let x = 1; x <= 6; x++) expect(moved.data[9 + x]).toBeCloseTo(1 + 0.5 * (0.5 + (x + 1) / 20 - 1), 6);
  });

  it('with motion compensation, σ is sigma inside the person (α and the matched α_prev ≥ 0.5) and sigmaEdge elsewhere', () => {
    // A uniform brightening by 0.05: every offset matches alike, (0, 0) is kept, |D̄|² = E = 3·0.05².
    const brighter = constant(3, 3, [0.55, 0.55, 0.55, 1]);
    const before = constant(3, 3, [0.5, 0.5, 0.5, 1]);
    const d2 = 3 * 0.05 ** 2;
    const k = (sigma: number) => 0.6 * Math.exp(-d2 / (2 * sigma ** 2) - d2 / (2 * 0.1 ** 2));
    const params = { strength: 0.6, sigma: 0.08, sigmaEdge: 0.04, history: true, search: 2 };
    for (const [a, prev, sigma] of [[0.8, 0.9, 0.08], [0.5, 0.5, 0.08], [0.3, 0.9, 0.04], [0.9, 0.49, 0.04]] as const) {
      const out = temporalReference(brighter, before, constant(3, 3, [a]), constant(3, 3, [prev]), params);
      expect(out.data[4], `α ${a}, α_prev ${prev}`).toBeCloseTo(a + k(sigma) * (prev - a), 6);
    }
    // Without sigmaEdge, σ everywhere.
    const one = temporalReference(brighter, before, constant(3, 3, [0.3]), constant(3, 3, [0.9]), { ...params, sigmaEdge: undefined });
    expect(one.data[4]).toBeCloseTo(0.3 + k(0.08) * 0.6, 6);
  });
});
