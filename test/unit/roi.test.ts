import { describe, expect, it } from 'vitest';
import { personRoi, roiHoldsPerson, roiMovedLess } from '../../src/pipeline/roi';
import { type Rect } from '../../src/types/geometry';

/** A maskWidth×maskHeight mask that is 1 on the texels [x0, x1] × [y0, y1] (inclusive) and 0 elsewhere. */
function boxMask(mw: number, mh: number, x0: number, y0: number, x1: number, y1: number, v = 1): Float32Array {
  const m = new Float32Array(mw * mh);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) m[y * mw + x] = v;
  return m;
}

function expectRect(actual: Rect | null, expected: Rect): void {
  expect(actual).not.toBeNull();
  for (const k of ['x', 'y', 'width', 'height'] as const) expect(actual![k], k).toBeCloseTo(expected[k], 9);
}

// A 16×9 mask over a 1280×720 frame: one mask texel is 80×80 frame pixels.
describe('personRoi', () => {
  it('returns null without a pixel above 0.5', () => {
    expect(personRoi(new Float32Array(16 * 9), 16, 9, 1280, 720)).toBeNull();
    expect(personRoi(new Float32Array(16 * 9).fill(0.5), 16, 9, 1280, 720)).toBeNull();
  });

  it('returns null when the person fills most of the frame', () => {
    expect(personRoi(boxMask(16, 9, 1, 0, 14, 8), 16, 9, 1280, 720)).toBeNull();
    expect(personRoi(new Float32Array(16 * 9).fill(1), 16, 9, 1280, 720)).toBeNull();
  });

  it('grows a small box by the margin and widens it to the mask aspect', () => {
    // box: texels 6..8 × 3..5 → 240×240 px centred at (600, 360); +10% each side → 288×288;
    // widened to 16:9 → 512×288
    expectRect(personRoi(boxMask(16, 9, 6, 3, 8, 5, 0.9), 16, 9, 1280, 720), { x: 344, y: 216, width: 512, height: 288 });
    // a tall box is heightened instead: texels 7..8 × 2..6 → 160×400 px at (640, 360); 192×480 → 853.33×480
    expectRect(personRoi(boxMask(16, 9, 7, 2, 8, 6), 16, 9, 1280, 720), { x: 640 - 1280 / 3, y: 120, width: 2560 / 3, height: 480 });
  });

  it('moves the rect inside the frame near a border', () => {
    // top-left box 160×160 px centred at (80, 80) → 341.33×192, clamped to the corner
    expectRect(personRoi(boxMask(16, 9, 0, 0, 1, 1), 16, 9, 1280, 720), { x: 0, y: 0, width: 1024 / 3, height: 192 });
    // bottom-right box centred at (1200, 640)
    expectRect(personRoi(boxMask(16, 9, 14, 7, 15, 8), 16, 9, 1280, 720), { x: 1280 - 1024 / 3, y: 528, width: 1024 / 3, height: 192 });
  });

  it('is never smaller than the network input in frame pixels (a one-texel blob gave an empty crop)', () => {
    // 256×144 mask over a 320×180 frame: one texel above 0.5 is a 1.25-pixel box.
    const mask = new Float32Array(256 * 144);
    mask[70 * 256 + 100] = 0.9;
    const r = personRoi(mask, 256, 144, 320, 180);
    // 256×144 would still cover 64 % of the frame: a real zoom, at 1:1.
    expect(r).not.toBeNull();
    expect(r!.width).toBeCloseTo(256, 9);
    expect(r!.height).toBeCloseTo(144, 9);
    // Over a frame the size of the mask, no zoom is possible: no ROI.
    expect(personRoi(mask, 256, 144, 256, 144)).toBeNull();
  });

  it('property: the rect has the mask aspect, contains the box plus margin and lies in the frame', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const int = (n: number): number => Math.floor(rand() * n);
    let checked = 0;
    for (let t = 0; t < 500; t++) {
      const [mw, mh] = ([[16, 9], [8, 8], [9, 16], [12, 5]] as const)[int(4)]!;
      const k = 1 + int(40); // frame has the mask's aspect
      const [fw, fh] = [mw * k, mh * k];
      const x0 = int(mw);
      const y0 = int(mh);
      const x1 = x0 + int(Math.min(3, mw - x0));
      const y1 = y0 + int(Math.min(3, mh - y0));
      const r = personRoi(boxMask(mw, mh, x0, y0, x1, y1), mw, mh, fw, fh);
      if (!r) continue;
      checked++;
      const eps = 1e-9 * fw;
      expect(r.width / r.height).toBeCloseTo(mw / mh, 9);
      expect(r.x).toBeGreaterThanOrEqual(-eps);
      expect(r.y).toBeGreaterThanOrEqual(-eps);
      expect(r.x + r.width).toBeLessThanOrEqual(fw + eps);
      expect(r.y + r.height).toBeLessThanOrEqual(fh + eps);
      // box plus 10% margin, clipped to the frame
      const bw = (x1 + 1 - x0) * k;
      const bh = (y1 + 1 - y0) * k;
      expect(r.x).toBeLessThanOrEqual(Math.max(x0 * k - 0.1 * bw, 0) + eps);
      expect(r.y).toBeLessThanOrEqual(Math.max(y0 * k - 0.1 * bh, 0) + eps);
      expect(r.x + r.width).toBeGreaterThanOrEqual(Math.min((x1 + 1) * k + 0.1 * bw, fw) - eps);
      expect(r.y + r.height).toBeGreaterThanOrEqual(Math.min((y1 + 1) * k + 0.1 * bh, fh) - eps);
    }
    expect(checked).toBeGreaterThan(200);
  });
});

describe('roiHoldsPerson', () => {
  const W = 16;
  const H = 9;
  const blob = (x0: number, y0: number, x1: number, y1: number) => {
    const m = new Float32Array(W * H);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
    return m;
  };
  const inner = { x: 100, y: 50, width: 320, height: 180 };

  it('holds while the person stays off the borders inside the frame', () => {
    expect(roiHoldsPerson(blob(3, 2, 12, 8), W, H, inner, 1280, 720)).toBe(true);
  });

  it('fails when the person reaches a border that is not the frame edge', () => {
    expect(roiHoldsPerson(blob(0, 2, 12, 8), W, H, inner, 1280, 720)).toBe(false);
    expect(roiHoldsPerson(blob(3, 2, 16, 8), W, H, inner, 1280, 720)).toBe(false);
    expect(roiHoldsPerson(blob(3, 0, 12, 8), W, H, inner, 1280, 720)).toBe(false);
    expect(roiHoldsPerson(blob(3, 2, 12, 9), W, H, inner, 1280, 720)).toBe(false);
  });

  it('a border on the frame edge may be crossed (the body continues out of the frame)', () => {
    const atBottom = { x: 100, y: 540, width: 320, height: 180 };
    expect(roiHoldsPerson(blob(3, 2, 12, 9), W, H, atBottom, 1280, 720)).toBe(true);
    const atLeft = { x: 0, y: 50, width: 320, height: 180 };
    expect(roiHoldsPerson(blob(0, 2, 12, 8), W, H, atLeft, 1280, 720)).toBe(true);
  });
});

describe('roiMovedLess', () => {
  const rect: Rect = { x: 100, y: 50, width: 200, height: 100 };
  it('holds while every side moves by at most the share of the size along its axis', () => {
    expect(roiMovedLess(rect, rect, 0)).toBe(true);
    expect(roiMovedLess({ x: 110, y: 55, width: 200, height: 100 }, rect, 0.05)).toBe(true);
    expect(roiMovedLess({ x: 90, y: 45, width: 220, height: 110 }, rect, 0.05)).toBe(true);
  });
  it('fails when any one side moves further', () => {
    expect(roiMovedLess({ x: 111, y: 50, width: 189, height: 100 }, rect, 0.05)).toBe(false); // left side 11 > 10
    expect(roiMovedLess({ x: 100, y: 50, width: 211, height: 100 }, rect, 0.05)).toBe(false); // right side
    expect(roiMovedLess({ x: 100, y: 44, width: 200, height: 106 }, rect, 0.05)).toBe(false); // top side 6 > 5
    expect(roiMovedLess({ x: 100, y: 50, width: 200, height: 106 }, rect, 0.05)).toBe(false); // bottom side
  });
});
