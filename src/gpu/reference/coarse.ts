import { at, createImage, smoothstep, type FloatImage } from './image';
import { COARSE_BLOCK, plateGain } from './plateStats';

/** Fewest background blocks in the plate statistics for a gain other than 1. */

/** Outputs of the coarse stage, at ceil(W/4)×ceil(H/4). */
export interface CoarseOutputs {
  /** [h,w,1] predicted error of the prior. */
  err: FloatImage;
  /** [h,w,4] (ī·w, w), w = 1 on confident foreground blocks. */
  fgSeed: FloatImage;
  /** [h,w,4] (ī·w, w), w = 1 on confident background blocks; with a plate (g·b̄, 1). */
  bgSeed: FloatImage;
}

/**
 * plateExcess() of shaders/coarse.wgsl: how far the frame colour `i` at (x, y) lies from the
 * gain-corrected plate beyond a misregistration of up to a pixel and noise: with
 * b(q) = min(g·B(q), 1) per channel (the frame saturates at 1),
 * max(0, min_q |i − b(q)| − (0.02 + 0.25·max_q |b(q) − b(x, y)|)), q over the 3×3
 * neighbourhood clamped to the image that the plate knows (no fourth channel, or a ≥ 0.5),
 * |·| the Euclidean length over rgb.
 */
export function plateExcessReference(plate: FloatImage, x: number, y: number, i: readonly number[], g: readonly number[]): number {
  const corrected = (px: number, py: number): number[] => [0, 1, 2].map((c) => Math.min(g[c]! * at(plate, px, py, c), 1));
  const centre = corrected(x, y);
  let nearest = 1e9;
  let spread = 0;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      if (plate.channels >= 4 && at(plate, x + dx, y + dy, 3) < 0.5) continue;
      const b = corrected(x + dx, y + dy);
      nearest = Math.min(nearest, Math.hypot(i[0]! - b[0]!, i[1]! - b[1]!, i[2]! - b[2]!));
      spread = Math.max(spread, Math.hypot(b[0]! - centre[0]!, b[1]! - centre[1]!, b[2]! - centre[2]!));
    }
  }
  return Math.max(0, nearest - (0.02 + 0.25 * spread));
}

/**
 * Reference of shaders/coarse.wgsl. For each 4×4 block of the frame (clipped at the edges),
 * from the prior p (min, max, mean over the block), the block mean ī and, with a plate, the
 * mean plateExcessReference d and the plate gain g (plateGainReference of `stats`):
 *   err    = max over the block of 1 − |2p − 1|; with a plate also max(·, |mean p − smoothstep(0.02, 0.08, d)|)
 *   fgSeed = (ī·w, w), w = [min p > 0.95] (and, with a plate, [d > 0.06])
 *   bgSeed = (ī·w, w), w = [max p < 0.05]; with a plate (g·b̄, 1)
 * Computed in float64 (thresholds compared against their float32 values); not rounded to half.
 * A block with a plate texel whose fourth channel is below 0.5 (unknown to the background
 * memory) is computed as without a plate.
 * @param frame [H,W,≥3], plate [H,W,≥3] (ignored without a plate), prior [H,W,1]
 * @param stats the 8 u32 plate statistics (only read with a plate)
 */
export function coarseReference(frame: FloatImage, plate: FloatImage, prior: FloatImage, stats: ArrayLike<number>, hasPlate: boolean): CoarseOutputs {
  const f = Math.fround;
  const w = Math.ceil(frame.width / COARSE_BLOCK);
  const h = Math.ceil(frame.height / COARSE_BLOCK);
  const err = createImage(w, h, 1);
  const fgSeed = createImage(w, h, 4);
  const bgSeed = createImage(w, h, 4);
  const g = plateGain(stats);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const x0 = i * COARSE_BLOCK;
      const y0 = j * COARSE_BLOCK;
      const x1 = Math.min(x0 + COARSE_BLOCK, frame.width);
      const y1 = Math.min(y0 + COARSE_BLOCK, frame.height);
      const sumI = [0, 0, 0];
      const sumB = [0, 0, 0];
      let sumP = 0;
      let pMin = 1;
      let pMax = 0;
      let unsure = 0;
      let excess = 0;
      let known = hasPlate;
      for (let y = y0; y < y1 && known; y++) {
        for (let x = x0; x < x1; x++) if (plate.channels >= 4 && at(plate, x, y, 3) < 0.5) known = false;
      }
      const plateHere = hasPlate && known;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const p = at(prior, x, y, 0);
          const iPixel = [0, 1, 2].map((c) => at(frame, x, y, c));
          for (let c = 0; c < 3; c++) {
            sumI[c]! += iPixel[c]!;
            sumB[c]! += at(plate, x, y, c);
          }
          if (plateHere) excess += plateExcessReference(plate, x, y, iPixel, g);
          sumP += p;
          pMin = Math.min(pMin, p);
          pMax = Math.max(pMax, p);
          unsure = Math.max(unsure, 1 - Math.abs(2 * p - 1));
        }
      }
      const n = (x1 - x0) * (y1 - y0);
      const mean = sumI.map((s) => s / n);
      const pMean = sumP / n;
      let e = unsure;
      let fgW = pMin > f(0.95) ? 1 : 0;
      const bgW = pMax < f(0.05) ? 1 : 0;
      let bg = [...mean.map((v) => v * bgW), bgW];
      if (plateHere) {
        const d = excess / n;
        e = Math.max(e, Math.abs(pMean - smoothstep(0.02, 0.08, d)));
        if (!(d > f(0.06))) fgW = 0;
        bg = [...sumB.map((s, c) => (g[c]! * s) / n), 1];
      }
      const o = j * w + i;
      err.data[o] = e;
      fgSeed.data.set([...mean.map((v) => v * fgW), fgW], o * 4);
      bgSeed.data.set(bg, o * 4);
    }
  }
  return { err, fgSeed, bgSeed };
}
