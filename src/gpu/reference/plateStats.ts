import { at, type FloatImage } from './image';

/** Block size of the coarse scale (1/4 resolution), as in shaders/plate_stats.wgsl and shaders/coarse.wgsl. */
export const COARSE_BLOCK = 4;
/** Fixed-point scale of the plate statistics (PLATE_STATS_SCALE). */
const SCALE = 1024;
/** A block counts as background when its maximum prior is below this. */
const BACKGROUND_PRIOR = 0.02;

/**
 * Reference of shaders/plate_stats.wgsl. For every 4×4 block of the frame (clipped at the
 * right and bottom edges) whose maximum prior is below 0.02, the block means ī, b̄ of frame and
 * plate are turned into fixed point, u32(v·1024 + 0.5), and summed over the blocks.
 * The arithmetic is float32 in the shader's order (Math.fround after each operation), so the
 * integer sums match the GPU's exactly.
 * @param frame [H,W,≥3] in 0..1
 * @param plate [H,W,≥3] in 0..1, same size; with a fourth channel, a block counts only where
 *   every texel has a ≥ 0.5 (the background memory's known texels)
 * @param prior [H,W,1] in 0..1, same size
 * @returns 8 u32: [Σī.r, Σī.g, Σī.b, Σb̄.r, Σb̄.g, Σb̄.b, Σ mean_rgb |ī − b̄|, count of blocks]
 */
export function plateStatsReference(frame: FloatImage, plate: FloatImage, prior: FloatImage): Uint32Array {
  const f = Math.fround;
  const stats = new Uint32Array(8);
  const cw = Math.ceil(frame.width / COARSE_BLOCK);
  const ch = Math.ceil(frame.height / COARSE_BLOCK);
  const fixed = (v: number): number => Math.floor(f(f(v * SCALE) + 0.5));
  for (let j = 0; j < ch; j++) {
    for (let i = 0; i < cw; i++) {
      const x0 = i * COARSE_BLOCK;
      const y0 = j * COARSE_BLOCK;
      const x1 = Math.min(x0 + COARSE_BLOCK, frame.width);
      const y1 = Math.min(y0 + COARSE_BLOCK, frame.height);
      const sumI = [0, 0, 0];
      const sumB = [0, 0, 0];
      let pMax = 0;
      let known = true;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          for (let c = 0; c < 3; c++) {
            sumI[c] = f(sumI[c]! + f(at(frame, x, y, c)));
            sumB[c] = f(sumB[c]! + f(at(plate, x, y, c)));
          }
          if (plate.channels >= 4 && at(plate, x, y, 3) < 0.5) known = false;
          pMax = Math.max(pMax, f(at(prior, x, y, 0)));
        }
      }
      if (!(pMax < f(BACKGROUND_PRIOR)) || !known) continue;
      const n = (x1 - x0) * (y1 - y0);
      const mi = sumI.map((s) => f(s / n));
      const mb = sumB.map((s) => f(s / n));
      const d = mi.map((v, c) => Math.abs(f(v - mb[c]!)));
      const dMean = f(f(f(d[0]! + d[1]!) + d[2]!) / 3);
      const v = [...mi.map(fixed), ...mb.map(fixed), fixed(dMean), 1];
      for (let k = 0; k < 8; k++) stats[k] = (stats[k]! + v[k]!) >>> 0;
    }
  }
  return stats;
}

/**
 * Per-channel plate gain ΣI/ΣB from the plate statistics, as plateGain() in
 * shaders/plate_gain.wgsl: 1 when fewer than 16 blocks were counted, and per channel where
 * ΣB is 0. Float32.
 * @param stats the 8 u32 of shaders/plate_stats.wgsl
 */
export function plateGain(stats: ArrayLike<number>): [number, number, number] {
  if (stats[7]! < 16) return [1, 1, 1];
  const f = Math.fround;
  const gain = (c: number): number => (stats[3 + c]! > 0 ? f(f(stats[c]!) / f(stats[3 + c]!)) : 1);
  return [gain(0), gain(1), gain(2)];
}
