import { describe, expect, it } from 'vitest';
import { InputError, InvalidOptionError } from '../../src/errors';
import { DEFAULT_DEPTH_BAND_OPTIONS, DEPTH_VIEW_FAR_MM, DEPTH_VIEW_NEAR_MM, segmentDepth, visualiseDepth } from '../../src/pipeline/depthBand';
import { rng } from '../gpu/cases/rng';

// Synthetic Azure Kinect NFOV unbinned depth scenes (640×576 mm, 0 = invalid).
const W = 640;
const H = 576;

/** A standing person seen from the front: head, neck, torso, shoulders, arms hanging 8·scale px from the torso, and legs; `scale` 1 ≈ 1.2 m away. */
function personShape(cx: number, top: number, scale: number): (x: number, y: number) => boolean {
  const s = scale;
  const headR = 32 * s;
  const headY = top + headR;
  const torsoTop = top + 2 * headR + 10 * s;
  const torsoBottom = torsoTop + 190 * s;
  return (x, y) => {
    const dx = x - cx;
    if (Math.hypot(dx, y - headY) <= headR) return true; // head
    if (y >= headY + headR * 0.8 && y < torsoTop && Math.abs(dx) <= 14 * s) return true; // neck
    if (y >= torsoTop && y < torsoBottom && Math.abs(dx) <= 62 * s) return true; // torso
    if (y >= torsoTop && y < torsoTop + 14 * s && Math.abs(dx) <= 92 * s) return true; // shoulders
    if (y >= torsoTop + 5 * s && y < torsoBottom - 20 * s && Math.abs(dx) >= 70 * s && Math.abs(dx) <= 92 * s) return true; // arms, 8·s px from the torso
    if (y >= torsoBottom && Math.abs(dx) >= 8 * s && Math.abs(dx) <= 52 * s) return true; // legs to the bottom of the frame
    return false;
  };
}

interface Scene {
  depth: Uint16Array;
  /** The subject's pixels that carry depth: what segmentDepth must find. */
  truth: Uint8Array;
}

/**
 * Fills a scene: background depth everywhere, then each person at its depth plus a smooth
 * front-to-back curvature (up to +120 mm at the body's sides), then a 10-pixel IR shadow
 * (invalid depth) right of every person (the Kinect's projector–sensor offset), then ±6 mm
 * of noise.
 */
function scene(background: number, people: { shape: (x: number, y: number) => boolean; depthMm: number; cx: number }[], truthIndex = 0): Scene {
  const depth = new Uint16Array(W * H).fill(background);
  const truth = new Uint8Array(W * H);
  // Farthest first, so nearer people cover farther ones.
  const order = people.map((p, i) => ({ ...p, i })).sort((a, b) => b.depthMm - a.depthMm);
  for (const p of order) {
    const body = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (!p.shape(x, y)) continue;
        body[y * W + x] = 1;
        depth[y * W + x] = Math.round(p.depthMm + 120 * Math.min(1, ((x - p.cx) / 110) ** 2));
      }
    }
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (body[y * W + x]) continue;
        let shadow = false;
        for (let k = 1; k <= 10 && x - k >= 0; k++) shadow ||= body[y * W + x - k] === 1;
        if (shadow) depth[y * W + x] = 0;
      }
    }
    for (let i = 0; i < W * H; i++) {
      if (body[i]) truth[i] = p.i === truthIndex ? 1 : 0;
      else if (truth[i] && depth[i] === 0) truth[i] = 0;
    }
  }
  // Sensor noise: ±6 mm on every valid sample.
  const rand = rng(people.length);
  for (let i = 0; i < W * H; i++) if (depth[i] !== 0) depth[i] = depth[i]! + Math.round(12 * (rand() - 0.5));
  return { depth, truth };
}

function fillRect(depth: Uint16Array, x0: number, y0: number, w: number, h: number, value: number): void {
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) depth[y * W + x] = value;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return union === 0 ? 1 : inter / union;
}

/** The band starts at the subject's nearest sample: its nominal depth less up to 6 mm of noise. */
function expectBand(nearMm: number, farMm: number, nominal: number): void {
  expect(nearMm).toBeGreaterThanOrEqual(nominal - 6);
  expect(nearMm).toBeLessThanOrEqual(nominal);
  expect(farMm).toBe(nearMm + DEFAULT_DEPTH_BAND_OPTIONS.bandDepthMm);
}

function count(m: Uint8Array): number {
  let n = 0;
  for (const v of m) n += v;
  return n;
}

describe('segmentDepth', () => {
  it('finds a person at 1.2 m in front of a wall at 3 m, with IR shadows beside the body', () => {
    const { depth, truth } = scene(3000, [{ shape: personShape(320, 60, 1), depthMm: 1200, cx: 320 }]);
    const r = segmentDepth(depth, W, H)!;
    expect(r).not.toBeNull();
    expect(iou(r.mask, truth)).toBeGreaterThan(0.99);
    expectBand(r.nearMm, r.farMm, 1200);
    expect(r.area).toBe(count(r.mask));
    for (let i = 0; i < depth.length; i++) if (depth[i] === 0) expect(r.mask[i]).toBe(0);
    // The gap between arm and torso (8 px of wall, open at its lower end) stays background.
    const y = 60 + 64 + 10 + 100;
    expect(r.mask[y * W + 320 + 66]).toBe(0);
  });

  it('ignores noise specks and a small object nearer than the person', () => {
    const { depth, truth } = scene(3000, [{ shape: personShape(320, 60, 1), depthMm: 1200, cx: 320 }]);
    const rand = rng(1);
    for (let k = 0; k < 60; k++) {
      // 1–3 px specks at 0.5–1.0 m on the wall, left of the person.
      fillRect(depth, 5 + Math.floor(rand() * 150), 5 + Math.floor(rand() * 560), 1 + Math.floor(rand() * 3), 1 + Math.floor(rand() * 3), 500 + Math.floor(rand() * 500));
    }
    fillRect(depth, 540, 300, 30, 30, 700); // a 900-pixel cup at 0.7 m
    const r = segmentDepth(depth, W, H)!;
    expect(iou(r.mask, truth)).toBeGreaterThan(0.99);
    expectBand(r.nearMm, r.farMm, 1200);
    expect(r.mask[315 * W + 555]).toBe(0);
  });

  it('drops an object behind the band even where it touches the person', () => {
    const { depth, truth } = scene(3000, [{ shape: personShape(320, 60, 1), depthMm: 1200, cx: 320 }]);
    // A table at 2.3 m (band ends at 2.1 m) from the left edge up to the person's right leg.
    for (let y = 420; y < 480; y++) for (let x = 0; x < 640; x++) if (!truth[y * W + x] && depth[y * W + x] !== 0) depth[y * W + x] = 2300;
    const r = segmentDepth(depth, W, H)!;
    expect(iou(r.mask, truth)).toBeGreaterThan(0.99);
    expect(r.mask[450 * W + 100]).toBe(0);
  });

  it('fills holes of wrong depth inside the body and leaves invalid pixels out', () => {
    const { depth, truth } = scene(3000, [{ shape: personShape(320, 60, 1), depthMm: 1200, cx: 320 }]);
    fillRect(depth, 300, 250, 6, 6, 3000); // multipath: the wall's depth on the chest
    fillRect(depth, 330, 300, 5, 4, 60000); // an outlier far behind
    fillRect(depth, 290, 330, 8, 8, 0); // no depth (dark clothing)
    for (let y = 330; y < 338; y++) for (let x = 290; x < 298; x++) truth[y * W + x] = 0;
    const r = segmentDepth(depth, W, H)!;
    expect(iou(r.mask, truth)).toBeGreaterThan(0.99);
    for (let y = 250; y < 256; y++) for (let x = 300; x < 306; x++) expect(r.mask[y * W + x]).toBe(1);
    for (let y = 300; y < 304; y++) for (let x = 330; x < 335; x++) expect(r.mask[y * W + x]).toBe(1);
    for (let y = 330; y < 338; y++) for (let x = 290; x < 298; x++) expect(r.mask[y * W + x]).toBe(0);
    // Without hole filling and closing the wrong-depth hole stays open.
    const open = segmentDepth(depth, W, H, { maxHoleFraction: 0, closeRadius: 0 })!;
    expect(open.mask[252 * W + 302]).toBe(0);
  });

  it('chooses the nearest of two people, side by side or overlapping', () => {
    // A at 1.2 m left, B at 1.8 m right: both inside A's band, not connected.
    const side = scene(3000, [
      { shape: personShape(170, 60, 1), depthMm: 1200, cx: 170 },
      { shape: personShape(470, 40, 1.1), depthMm: 1800, cx: 470 },
    ]);
    let r = segmentDepth(side.depth, W, H)!;
    expect(iou(r.mask, side.truth)).toBeGreaterThan(0.99);
    expectBand(r.nearMm, r.farMm, 1200);
    // B nearer than A in the list but farther in depth: the nearer one still wins.
    const swapped = scene(3000, [
      { shape: personShape(470, 40, 1.1), depthMm: 1800, cx: 470 },
      { shape: personShape(170, 60, 1), depthMm: 1200, cx: 170 },
    ], 1);
    r = segmentDepth(swapped.depth, W, H)!;
    expect(iou(r.mask, swapped.truth)).toBeGreaterThan(0.99);
    // Overlapping in the image: B at 1.6 m partly behind A (a 400 mm step parts them).
    const overlap = scene(3000, [
      { shape: personShape(300, 60, 1), depthMm: 1200, cx: 300 },
      { shape: personShape(400, 30, 1.1), depthMm: 1600, cx: 400 },
    ]);
    r = segmentDepth(overlap.depth, W, H)!;
    expect(iou(r.mask, overlap.truth)).toBeGreaterThan(0.99);
    expectBand(r.nearMm, r.farMm, 1200);
    // …which is what the depth-step limit does: without it B joins A.
    r = segmentDepth(overlap.depth, W, H, { maxStepMm: 1000 })!;
    expect(iou(r.mask, overlap.truth)).toBeLessThan(0.8);
  });

  it('skips a nearer person too small to be the subject', () => {
    const { depth, truth } = scene(3000, [
      { shape: personShape(200, 60, 1), depthMm: 1500, cx: 200 },
      { shape: personShape(520, 420, 0.25), depthMm: 900, cx: 520 },
    ]);
    const r = segmentDepth(depth, W, H)!;
    expect(iou(r.mask, truth)).toBeGreaterThan(0.99);
    expectBand(r.nearMm, r.farMm, 1500);
  });

  it('returns null for an empty scene, an all-invalid image and a scene with only specks', () => {
    const wall = new Uint16Array(W * H).fill(3000);
    fillRect(wall, 100, 100, 40, 40, 2900); // a picture frame on the wall
    expect(segmentDepth(wall, W, H)).toBeNull();
    expect(segmentDepth(new Uint16Array(W * H), W, H)).toBeNull();
    const specks = new Uint16Array(W * H);
    const rand = rng(2);
    for (let k = 0; k < 200; k++) specks[Math.floor(rand() * W * H)] = 800 + Math.floor(rand() * 400);
    expect(segmentDepth(specks, W, H)).toBeNull();
  });

  it('handles odd sizes and a subject touching the frame border', () => {
    const w = 101;
    const h = 77;
    const depth = new Uint16Array(w * h).fill(2800);
    const truth = new Uint8Array(w * h);
    for (let y = 20; y < h; y++) {
      for (let x = 0; x < 40; x++) {
        depth[y * w + x] = 1000;
        truth[y * w + x] = 1;
      }
    }
    const r = segmentDepth(depth, w, h)!;
    expect(iou(r.mask, truth)).toBe(1);
  });

  it('rejects bad input and options', () => {
    expect(() => segmentDepth(new Uint16Array(10), 4, 3)).toThrow(InputError);
    expect(() => segmentDepth(new Uint16Array(0), 0, 0)).toThrow(InputError);
    expect(() => segmentDepth(new Uint16Array(12), 4, 3, { bandDepthMm: 0 })).toThrow(InvalidOptionError);
    expect(() => segmentDepth(new Uint16Array(12), 4, 3, { closeRadius: 1.5 })).toThrow(InvalidOptionError);
    expect(() => segmentDepth(new Uint16Array(12), 4, 3, { minAreaFraction: Number.NaN })).toThrow(InvalidOptionError);
  });
});

describe('visualiseDepth', () => {
  it('draws near bright, far dim, no depth black, opaque', () => {
    const mm = new Float32Array([0, 300, 1000, 2650, 5000, 9000, 100, -5, Number.NaN]);
    const rgba = visualiseDepth(mm, 3, 3);
    expect(rgba.length).toBe(9 * 4);
    const grey = [...mm].map((_, i) => rgba[4 * i]!);
    for (let i = 0; i < mm.length; i++) {
      expect(rgba[4 * i + 1]).toBe(grey[i]);
      expect(rgba[4 * i + 2]).toBe(grey[i]);
      expect(rgba[4 * i + 3]).toBe(255);
    }
    expect(grey[0]).toBe(0); // no depth
    expect(grey[7]).toBe(0);
    expect(grey[8]).toBe(0);
    expect(grey[1]).toBe(255); // at the near end
    expect(grey[6]).toBe(255); // nearer than the near end
    expect(grey[4]).toBe(40); // at the far end
    expect(grey[5]).toBe(40); // beyond it: still visible, unlike no depth
    // Linear in between: 2650 mm is half way from 300 to 5000.
    expect(2650).toBe((DEPTH_VIEW_NEAR_MM + DEPTH_VIEW_FAR_MM) / 2);
    expect(grey[3]).toBe(Math.round((255 + 40) / 2));
    expect(grey[2]!).toBeGreaterThan(grey[3]!);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => visualiseDepth(new Float32Array(5), 2, 3)).toThrow(InputError);
  });
});
