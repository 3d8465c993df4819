import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { mse, sad, stillMetrics } from '../../src/eval/metrics';
import { resizeBilinearPil } from '../../src/eval/pilResize';
import { conformToSize, formatG, mean, scoreSet, selectIds, summaryLine, type AlphaImage, type ScoreSource } from '../../src/eval/score';
import { decodeAlphaPng, encodeGreyPng, scoresJson } from '../../scripts/lib/scoreSet';

const image = (width: number, height: number, values: number[]): AlphaImage => ({ width, height, alpha: Float64Array.from(values) });

describe("resizeBilinearPil (Pillow's BILINEAR for 8-bit grey)", () => {
  it('upscales with a triangle filter and clamps at the borders', () => {
    // 2 → 4: centres at 0.25, 0.75, 1.25, 1.75 (input pixel units); the outer two see one
    // sample, the inner two weigh 0.75 / 0.25: 63.75 → 64 and 191.25 → 191.
    expect(Array.from(resizeBilinearPil(Uint8Array.from([0, 255]), 2, 1, 4, 1))).toEqual([0, 64, 191, 255]);
  });

  it('downscales with the support widened by the scale (antialiased)', () => {
    // 4 → 2: support 2, weights over pixels 0..2 of 0.75, 0.75, 0.25 (÷ 1.75): 500 / 7 → 71;
    // over pixels 1..3 of 0.25, 0.75, 0.75: 366.25 / 1.75 → 209.
    expect(Array.from(resizeBilinearPil(Uint8Array.from([0, 100, 200, 255]), 4, 1, 2, 1))).toEqual([71, 209]);
  });

  it('keeps a constant image constant, resizes each axis only when needed, copies at equal size', () => {
    expect(Array.from(resizeBilinearPil(new Uint8Array(6).fill(77), 3, 2, 5, 7))).toEqual(new Array(35).fill(77));
    expect(Array.from(resizeBilinearPil(Uint8Array.from([0, 255]), 1, 2, 1, 4))).toEqual([0, 64, 191, 255]);
    const src = Uint8Array.from([1, 2, 3]);
    const same = resizeBilinearPil(src, 3, 1, 3, 1);
    expect(Array.from(same)).toEqual([1, 2, 3]);
    expect(same).not.toBe(src);
    expect(() => resizeBilinearPil(src, 2, 1, 3, 1)).toThrow(RangeError);
    expect(() => resizeBilinearPil(src, 3, 1, 0, 1)).toThrow(RangeError);
  });
});

describe('conformToSize', () => {
  it('quantises by truncation to 8 bits before resizing, like (a·255).astype(uint8)', () => {
    const out = conformToSize(image(1, 1, [0.5]), 2, 2); // 127.5 → 127
    expect(Array.from(out.alpha)).toEqual([127 / 255, 127 / 255, 127 / 255, 127 / 255]);
    expect(conformToSize(image(2, 1, [0, 1]), 4, 1).alpha.map((v) => Math.round(v * 255))).toEqual(Float64Array.from([0, 64, 191, 255]));
  });

  it('returns the prediction untouched at the right size', () => {
    const p = image(2, 1, [0.123, 0.9]);
    expect(conformToSize(p, 2, 1)).toBe(p);
  });
});

describe('scoreSet (score_alpha.py aggregation)', () => {
  const truthStill = image(2, 2, [0, 1, 1, 0]);
  const clipTruth = [image(2, 1, [0, 0]), image(2, 1, [1, 0]), image(2, 1, [1, 1])];
  const clipPred = [image(2, 1, [0, 0]), image(2, 1, [0, 0]), null];
  const source: ScoreSource = {
    stillTruth: () => truthStill,
    stillPrediction: (id) => (id === 's1' ? image(2, 2, [0, 1, 0.5, 0]) : null),
    clipTruth: (_id, t) => clipTruth[t]!,
    clipPrediction: (_id, t) => clipPred[t]!,
  };
  const index = { stills: [{ id: 's1' }, { id: 's2' }], clips: [{ id: 'c', frames: 3 }] };

  it('scores each still, counts missing predictions as zeros and averages', () => {
    const report = scoreSet(index, source);
    const s1 = stillMetrics([0, 1, 0.5, 0], truthStill.alpha, 2, 2);
    const s2 = stillMetrics([0, 0, 0, 0], truthStill.alpha, 2, 2);
    expect(report.stills).toEqual([
      { id: 's1', ...s1 },
      { id: 's2', ...s2 },
    ]);
    expect(report.stills[0]!.sad).toBeCloseTo(0.5 / 1000, 15);
    expect(report.stills[1]!.sad).toBeCloseTo(2 / 1000, 15);
    expect(report.stills[1]!.iou).toBe(0);
    expect(report.summary.sad).toBeCloseTo(1.25 / 1000, 15);
    expect(report.summary.iou).toBeCloseTo(0.25, 15); // (1/2 + 0) / 2
    // one missing still + one missing clip frame
    expect(report.summary.missing).toBe(2);
  });

  it('averages clip frame metrics and computes dtSSD over consecutive frames', () => {
    const [clip] = scoreSet(index, source).clips;
    // frame errors |a − g|: [0,0], [1,0], [1,1] → SAD 0, 1, 2 (/1000), MSE 0, 500, 1000
    expect(clip!.id).toBe('c');
    expect(clip!.sad).toBeCloseTo(1 / 1000, 15);
    expect(clip!.mse).toBeCloseTo(500, 12);
    // steps: Δa − Δg = [−1, 0] → sqrt(0.5)·100; [0, −1] → sqrt(0.5)·100
    expect(clip!.dtssd).toBeCloseTo(Math.SQRT1_2 * 100, 12);
    const report = scoreSet(index, source);
    expect(report.summary.clip_sad).toBe(clip!.sad);
    expect(report.summary.clip_dtssd).toBe(clip!.dtssd);
    expect(Object.keys(report.summary)).toEqual(['sad', 'mse', 'grad', 'conn', 'band_sad', 'iou', 'clip_sad', 'clip_mse', 'clip_band_sad', 'clip_dtssd', 'missing']);
    expect(Object.keys(clip!)).toEqual(['id', 'sad', 'mse', 'band_sad', 'dtssd']);
  });

  it('resizes a prediction of another size to the truth', () => {
    const report = scoreSet(
      { stills: [{ id: 'x' }], clips: [] },
      { ...source, stillPrediction: () => image(1, 1, [1]), stillTruth: () => image(2, 2, [1, 1, 1, 1]) },
    );
    expect(report.stills[0]!.sad).toBe(0);
  });

  it('gives NaN means when there are no clips (null in the JSON), and filters by id', () => {
    const report = scoreSet(selectIds(index, ['s1']), source);
    expect(report.stills.map((s) => s.id)).toEqual(['s1']);
    expect(report.clips).toEqual([]);
    expect(report.summary.clip_sad).toBeNaN();
    expect(JSON.parse(scoresJson(report)).summary.clip_sad).toBeNull();
    expect(selectIds(index)).toBe(index);
    expect(mean([])).toBeNaN();
    expect(mean([1, 2, 4])).toBeCloseTo(7 / 3, 15);
  });

  it('agrees with sad / mse on the frames', () => {
    const [clip] = scoreSet(index, source).clips;
    const frames = [0, 1, 2].map((t) => sad(clipPred[t]?.alpha ?? [0, 0], clipTruth[t]!.alpha));
    expect(clip!.sad).toBeCloseTo(mean(frames), 15);
    expect(clip!.mse).toBeCloseTo(mean([0, 1, 2].map((t) => mse(clipPred[t]?.alpha ?? [0, 0], clipTruth[t]!.alpha))), 12);
  });
});

describe('formatG and summaryLine (Python’s .4g)', () => {
  it('formats like Python', () => {
    const cases: [number, string][] = [
      [0.000123456, '0.0001235'],
      [12345.6, '1.235e+04'],
      [1, '1'],
      [0.5, '0.5'],
      [123.456, '123.5'],
      [1e-5, '1e-05'],
      [0, '0'],
      [99999, '1e+05'],
      [9999.4, '9999'],
      [0.99996, '1'],
      [Number.NaN, 'nan'],
    ];
    for (const [v, s] of cases) expect(formatG(v), String(v)).toBe(s);
  });

  it('prints key=value pairs with missing as an integer', () => {
    const s = { sad: 1.5, mse: 2, grad: 3, conn: 4, band_sad: 5, iou: 0.9, clip_sad: 1, clip_mse: 2, clip_band_sad: 3, clip_dtssd: Number.NaN, missing: 3 };
    expect(summaryLine(s)).toBe('sad=1.5 mse=2 grad=3 conn=4 band_sad=5 iou=0.9 clip_sad=1 clip_mse=2 clip_band_sad=3 clip_dtssd=nan missing=3');
  });
});

/** A PNG of the given colour type and depth; samples per pixel as PNG stores them. */
function png(colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16, width: number, height: number, samples: number[]): Buffer {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  expect(samples.length).toBe(width * height * channels);
  const p = new PNG({ width, height, colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType === 4 || colorType === 6 });
  p.data = bitDepth === 16 ? Buffer.from(Uint16Array.from(samples).buffer) : Buffer.from(samples);
  return PNG.sync.write(p, { colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType === 4 || colorType === 6 });
}

const levels = (a: AlphaImage): number[] => Array.from(a.alpha, (v) => Math.round(v * 255));

describe('decodeAlphaPng (what Pillow gives score_alpha.py)', () => {
  it('8-bit grey as is', () => {
    const a = decodeAlphaPng(png(0, 8, 3, 1, [0, 128, 255]));
    expect([a.width, a.height]).toEqual([3, 1]);
    expect(Array.from(a.alpha)).toEqual([0, 128 / 255, 1]);
  });

  it('RGB as 601-2 luma rounded like convert("L")', () => {
    // (100·19595 + 150·38470 + 200·7471 + 32768) >> 16 = 141; pure red → 76
    expect(levels(decodeAlphaPng(png(2, 8, 2, 1, [100, 150, 200, 255, 0, 0])))).toEqual([141, 76]);
  });

  it('RGBA and grey+alpha: the alpha channel', () => {
    expect(levels(decodeAlphaPng(png(6, 8, 2, 1, [255, 255, 255, 10, 0, 0, 0, 200])))).toEqual([10, 200]);
    expect(levels(decodeAlphaPng(png(4, 8, 2, 1, [255, 30, 0, 250])))).toEqual([30, 250]);
  });

  it('16-bit: grey clipped at 255 (Pillow mode I → L), colour and alpha by high byte', () => {
    expect(levels(decodeAlphaPng(png(0, 16, 3, 1, [200, 300, 65535])))).toEqual([200, 255, 255]);
    expect(levels(decodeAlphaPng(png(4, 16, 1, 1, [0, 0x80ff])))).toEqual([0x80]);
    expect(levels(decodeAlphaPng(png(2, 16, 1, 1, [0xff00, 0, 0])))).toEqual([76]);
  });

  it('throws for bytes that are not a PNG', () => {
    expect(() => decodeAlphaPng(Buffer.from('not a png'))).toThrow();
  });

  it('encodeGreyPng writes an 8-bit grey PNG that decodes back', () => {
    const bytes = encodeGreyPng(Uint8Array.from([0, 1, 254, 255]), 2, 2);
    const p = PNG.sync.read(bytes);
    expect([p.width, p.height, p.colorType, p.depth]).toEqual([2, 2, 0, 8]);
    expect(levels(decodeAlphaPng(bytes))).toEqual([0, 1, 254, 255]);
    expect(() => encodeGreyPng(new Uint8Array(3), 2, 2)).toThrow(RangeError);
  });
});
