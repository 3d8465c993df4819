import { describe, expect, it } from 'vitest';
import type { CoarseMask } from '../../src/types/network';
import type { Rect } from '../../src/types/geometry';
import { blendSquares, networkCropForSquare, sampleCropMask, standingSquares, type SquareCrops, type StandingSplit } from '../../src/pipeline/standing';

const NW = 256;
const NH = 144;

/**
 * A person mask at the network size over a frameWidth × frameHeight frame: each texel is the
 * share of its 4×4 sub-samples (frame positions) for which `inside` holds. Texels outside
 * the frame are 0, as createImageBitmap fills them with transparent black.
 */
function rasterize(inside: (x: number, y: number) => boolean, crop: Rect, width: number, height: number, frame: { width: number; height: number }): CoarseMask {
  const pha = new Float32Array(width * height);
  const n = 4;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      let hits = 0;
      for (let b = 0; b < n; b++) {
        for (let a = 0; a < n; a++) {
          const x = crop.x + ((i + (a + 0.5) / n) * crop.width) / width;
          const y = crop.y + ((j + (b + 0.5) / n) * crop.height) / height;
          if (x >= 0 && y >= 0 && x < frame.width && y < frame.height && inside(x, y)) hits++;
        }
      }
      pha[j * width + i] = hits / (n * n);
    }
  }
  return { width, height, pha };
}

function boxInside(x0: number, y0: number, x1: number, y1: number): (x: number, y: number) => boolean {
  return (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1;
}

/** A standing body: head, neck, torso, two arms and two legs, in a 1080×1920 frame. */
function body(x: number, y: number): boolean {
  if ((x - 540) ** 2 + (y - 330) ** 2 < 110 ** 2) return true; // head
  if (Math.abs(x - 540) < 45 && y >= 420 && y < 500) return true; // neck
  if (Math.abs(x - 540) < 170 && y >= 480 && y < 1100) return true; // torso
  if (x >= 340 && x < 375 + (y - 520) * 0.05 && y >= 520 && y < 1150) return true; // left arm
  if (x <= 740 && x > 705 - (y - 520) * 0.05 && y >= 520 && y < 1150) return true; // right arm
  if (Math.abs(x - 470) < 60 && y >= 1100 && y < 1780) return true; // left leg
  if (Math.abs(x - 610) < 60 && y >= 1100 && y < 1780) return true; // right leg
  return false;
}

function expectInsideFrame(r: Rect, fw: number, fh: number): void {
  expect(r.x).toBeGreaterThanOrEqual(0);
  expect(r.y).toBeGreaterThanOrEqual(0);
  expect(r.x + r.width).toBeLessThanOrEqual(fw + 1e-9);
  expect(r.y + r.height).toBeLessThanOrEqual(fh + 1e-9);
}

function expectCovers(r: Rect, x0: number, y0: number, x1: number, y1: number): void {
  expect(r.x).toBeLessThanOrEqual(x0);
  expect(r.y).toBeLessThanOrEqual(y0);
  expect(r.x + r.width).toBeGreaterThanOrEqual(x1);
  expect(r.y + r.height).toBeGreaterThanOrEqual(y1);
}

/** The squares are squares of one side and x, ordered, overlapping by ≥ 20 % and consistent with union and seam. */
function expectWellFormed(split: StandingSplit, fw: number, fh: number): number {
  const { top, bottom, union, seam } = split;
  const s = top.width;
  for (const r of [top, bottom]) {
    expect(r.width).toBeCloseTo(s, 9);
    expect(r.height).toBeCloseTo(s, 9);
    expect(r.x).toBeCloseTo(top.x, 9);
    expectInsideFrame(r, fw, fh);
  }
  expect(bottom.y).toBeGreaterThan(top.y);
  expect(seam.start).toBeCloseTo(bottom.y, 9);
  expect(seam.end).toBeCloseTo(top.y + s, 9);
  expect(seam.end - seam.start).toBeGreaterThanOrEqual(0.2 * s - 1e-9);
  expect(union).toEqual({ x: top.x, y: top.y, width: s, height: bottom.y + s - top.y });
  return s;
}

describe('standingSquares', () => {
  const portrait = { width: 1080, height: 1920 };
  const mask = (inside: (x: number, y: number) => boolean, frame = portrait): CoarseMask =>
    rasterize(inside, { x: 0, y: 0, ...frame }, NW, NH, frame);

  it('splits a tall person in a portrait frame into two overlapping squares covering the box', () => {
    const m = mask(boxInside(400, 200, 680, 1800));
    const split = standingSquares(m.pha, NW, NH, portrait.width, portrait.height);
    expect(split).not.toBeNull();
    const s = expectWellFormed(split!, portrait.width, portrait.height);
    // the box with its 10 % margin: 372..708 × 40..1960 (clipped to 1920)
    expect(s).toBeCloseTo(1880 / 1.8, 0);
    expectCovers(split!.union, 400 - 28, 200 - 160, 680 + 28, 1800 + 120);
    expect(split!.top.y).toBeCloseTo(40, 0);
    expect(split!.bottom.y + s).toBeCloseTo(1920, 0);
    // horizontally centred on the box
    expect(split!.top.x + s / 2).toBeCloseTo(540, 0);
  });

  it('splits a standing person in a landscape frame too', () => {
    const landscape = { width: 1920, height: 1080 };
    const split = standingSquares(mask(boxInside(800, 100, 1100, 1000), landscape).pha, NW, NH, 1920, 1080);
    expect(split).not.toBeNull();
    expectWellFormed(split!, 1920, 1080);
    expectCovers(split!.union, 800, 100, 1100, 1000);
  });

  it('returns null for a seated selfie, an empty mask, or a tall person too small in the frame', () => {
    const landscape = { width: 1920, height: 1080 };
    expect(standingSquares(mask(boxInside(600, 300, 1320, 1080), landscape).pha, NW, NH, 1920, 1080)).toBeNull();
    expect(standingSquares(new Float32Array(NW * NH), NW, NH, 1920, 1080)).toBeNull();
    expect(standingSquares(mask(boxInside(480, 800, 600, 1600)).pha, NW, NH, 1080, 1920)).toBeNull(); // 800 < 960
    // the same box passes with a lower minHeight: the threshold is what refuses it
    expect(standingSquares(mask(boxInside(480, 800, 600, 1600)).pha, NW, NH, 1080, 1920, { minHeight: 0.4 })).not.toBeNull();
  });

  it('returns null when a square cannot cover the box with a real overlap', () => {
    // a squat 2000×300 frame: the box with margin is 336 px wide, wider than the frame is tall
    const frame = { width: 2000, height: 300 };
    const m = mask(boxInside(900, 0, 1180, 300), frame);
    expect(standingSquares(m.pha, NW, NH, 2000, 300, { minAspect: 1 })).toBeNull();
  });

  it('clamps the squares inside the frame for a person at its edges', () => {
    const left = standingSquares(mask(boxInside(0, 0, 260, 1900)).pha, NW, NH, 1080, 1920);
    expect(left).not.toBeNull();
    expectWellFormed(left!, 1080, 1920);
    expect(left!.top.x).toBe(0);
    expect(left!.top.y).toBe(0);
    expectCovers(left!.union, 0, 0, 260, 1900);

    // A body cut by the bottom edge is a standing framing only without the full-body requirement.
    expect(standingSquares(mask(boxInside(850, 100, 1080, 1920)).pha, NW, NH, 1080, 1920)).toBeNull();
    const right = standingSquares(mask(boxInside(850, 100, 1080, 1920)).pha, NW, NH, 1080, 1920, { fullBody: false });
    expect(right).not.toBeNull();
    const s = expectWellFormed(right!, 1080, 1920);
    expect(right!.top.x + s).toBeCloseTo(1080, 9);
    expect(right!.bottom.y + s).toBeCloseTo(1920, 9);
    expectCovers(right!.union, 850, 100, 1080, 1920);
  });

  it('rejects a mask of the wrong size and options out of range', () => {
    expect(() => standingSquares(new Float32Array(10), NW, NH, 1080, 1920)).toThrow(RangeError);
    expect(() => standingSquares(new Float32Array(NW * NH), NW, NH, 0, 1920)).toThrow(RangeError);
    expect(() => standingSquares(new Float32Array(NW * NH), NW, NH, 1080, 1920, { minOverlap: 1 })).toThrow(/minOverlap/);
  });
});

describe('networkCropForSquare', () => {
  it('widens the square to the network aspect, centred, possibly beyond the frame', () => {
    const crop = networkCropForSquare({ x: 20, y: 200, width: 540, height: 540 }, NW, NH);
    expect(crop).toEqual({ x: 20 + 270 - 480, y: 200, width: 960, height: 540 });
    expect(crop.width / crop.height).toBeCloseTo(NW / NH, 12);
  });

  it('heightens it for a portrait network', () => {
    const crop = networkCropForSquare({ x: 0, y: 0, width: 144, height: 144 }, NH, NW);
    expect(crop.x).toBe(0);
    expect(crop.width).toBe(144);
    expect(crop.height).toBeCloseTo(256, 9);
    expect(crop.y).toBeCloseTo(-56, 9);
  });

  it('rejects a rectangle that is not a square', () => {
    expect(() => networkCropForSquare({ x: 0, y: 0, width: 100, height: 90 }, NW, NH)).toThrow(RangeError);
  });
});

describe('blendSquares', () => {
  const frame = { width: 1080, height: 1920 };
  const split = standingSquares(rasterize(boxInside(400, 200, 680, 1800), { x: 0, y: 0, ...frame }, NW, NH, frame).pha, NW, NH, 1080, 1920)!;
  const crops: SquareCrops = { top: networkCropForSquare(split.top, NW, NH), bottom: networkCropForSquare(split.bottom, NW, NH) };
  const SW = 256;
  const SH = 512;
  const rowY = (j: number): number => split.union.y + ((j + 0.5) * split.union.height) / SH;
  const fieldMask = (f: (x: number, y: number) => number, crop: Rect): CoarseMask => {
    const pha = new Float32Array(NW * NH);
    for (let j = 0; j < NH; j++) {
      for (let i = 0; i < NW; i++) pha[j * NW + i] = f(crop.x + ((i + 0.5) * crop.width) / NW, crop.y + ((j + 0.5) * crop.height) / NH);
    }
    return { width: NW, height: NH, pha };
  };

  it('ramps monotonically across the overlap: exactly 1 above, 0 below, no hard cut', () => {
    const ones = { width: NW, height: NH, pha: new Float32Array(NW * NH).fill(1) };
    const zeros = { width: NW, height: NH, pha: new Float32Array(NW * NH) };
    const out = blendSquares(ones, zeros, split, crops, SW, SH);
    expect(out.length).toBe(SW * SH);
    let prev = Infinity;
    let intermediate = 0;
    for (let j = 0; j < SH; j++) {
      const y = rowY(j);
      const row = out.subarray(j * SW, (j + 1) * SW);
      const v = row[0]!;
      expect(row.every((r) => r === v)).toBe(true);
      if (y < split.seam.start) expect(v).toBe(1);
      else if (y > split.seam.end) expect(v).toBe(0);
      expect(v).toBeLessThanOrEqual(prev);
      prev = v;
      if (v > 0.05 && v < 0.95) intermediate++;
    }
    // the overlap spans ~SH × (overlap / union height) rows; a hard cut would give none in between
    const overlapRows = (SH * (split.seam.end - split.seam.start)) / split.union.height;
    expect(intermediate).toBeGreaterThan(0.3 * overlapRows);
  });

  it('blends two views of one smooth mask back into that mask (no seam artefact)', () => {
    const f = (x: number, y: number): number => Math.exp(-((x - 560) ** 2 + (y - 950) ** 2) / (2 * 300 ** 2));
    const out = blendSquares(fieldMask(f, crops.top), fieldMask(f, crops.bottom), split, crops, SW, SH);
    // Compare with the field itself, leaving out the half network texel at the union's top
    // and bottom edges where bilinear sampling clamps to the edge texel.
    const edge = (0.5 * split.top.height) / NH;
    let maxAll = 0;
    let maxSeam = 0;
    for (let j = 0; j < SH; j++) {
      const y = rowY(j);
      if (y < split.union.y + edge || y > split.union.y + split.union.height - edge) continue;
      for (let i = 0; i < SW; i++) {
        const x = split.union.x + ((i + 0.5) * split.union.width) / SW;
        const d = Math.abs(out[j * SW + i]! - f(x, y));
        maxAll = Math.max(maxAll, d);
        if (y >= split.seam.start && y <= split.seam.end) maxSeam = Math.max(maxSeam, d);
      }
    }
    expect(maxAll).toBeLessThan(1e-3);
    expect(maxSeam).toBeLessThan(1e-3);
  });

  it('uses the top mask alone above the overlap, exactly as a single-mask resampling', () => {
    const top = fieldMask((x, y) => (x + y) % 97 / 97, crops.top);
    const bottom = { width: NW, height: NH, pha: new Float32Array(NW * NH).fill(0.5) };
    const out = blendSquares(top, bottom, split, crops, SW, SH);
    for (let j = 0; j < SH && rowY(j) < split.seam.start; j++) {
      for (let i = 0; i < SW; i += 17) {
        const x = split.union.x + ((i + 0.5) * split.union.width) / SW;
        expect(out[j * SW + i]).toBeCloseTo(sampleCropMask(top, crops.top, x, rowY(j)), 6);
      }
    }
  });

  it('re-blends a body silhouette split into two squares (IoU > 0.98)', () => {
    const whole = rasterize(body, { x: 0, y: 0, ...frame }, NW, NH, frame);
    const s = standingSquares(whole.pha, NW, NH, frame.width, frame.height)!;
    expect(s).not.toBeNull();
    const c: SquareCrops = { top: networkCropForSquare(s.top, NW, NH), bottom: networkCropForSquare(s.bottom, NW, NH) };
    const out = blendSquares(rasterize(body, c.top, NW, NH, frame), rasterize(body, c.bottom, NW, NH, frame), s, c, SW, SH);
    let inter = 0;
    let uni = 0;
    let seamPixels = 0;
    for (let j = 0; j < SH; j++) {
      const y = s.union.y + ((j + 0.5) * s.union.height) / SH;
      for (let i = 0; i < SW; i++) {
        const x = s.union.x + ((i + 0.5) * s.union.width) / SW;
        const a = out[j * SW + i]! > 0.5;
        const b = body(x, y);
        if (a && b) inter++;
        if (a || b) uni++;
        if (b && y >= s.seam.start && y <= s.seam.end) seamPixels++;
      }
    }
    expect(seamPixels).toBeGreaterThan(0); // the seam crosses the body
    expect(inter / uni).toBeGreaterThan(0.98);
  });

  it('rejects masks of the wrong size and crops that miss their square', () => {
    const m = { width: NW, height: NH, pha: new Float32Array(NW * NH) };
    expect(() => blendSquares({ ...m, height: 10 }, m, split, crops, SW, SH)).toThrow(RangeError);
    expect(() => blendSquares(m, m, split, { top: crops.bottom, bottom: crops.bottom }, SW, SH)).toThrow(/crops.top/);
    expect(() => blendSquares(m, m, split, crops, 0, SH)).toThrow(RangeError);
  });
});
