import { at, type FloatImage } from './image';
import { COARSE_BLOCK, plateGain } from './plateStats';

/** A pixel matches the memory within this distance (RGB, 0..1), as in shaders/prior_overrule.wgsl. */
export const OVERRULE_MATCH_TOLERANCE = 0.05;
/** Pixels of the 3×3 blocks around a block that may differ from the memory. */
export const OVERRULE_MAX_MISMATCHED = 2;

/**
 * Reference of shaders/prior_overrule.wgsl: the prior with the overruled 4×4 blocks set to 0
 * (every pixel of the 3×3 blocks around known, the block's own pixels all matching, at most
 * OVERRULE_MAX_MISMATCHED others not). Float64 except the gain (float32, as plateGain).
 * @param frame [H,W,≥3] in 0..1; @param plate [H,W,4] the memory (a ≥ 0.5 where known)
 * @param prior [H,W,1] in 0..1; @param stats the 8 u32 plate statistics (gain g)
 * @returns the new prior and the overruled blocks' count
 * @throws RangeError when the sizes differ
 */
export function priorOverruleReference(frame: FloatImage, plate: FloatImage, prior: FloatImage, stats: ArrayLike<number>): { prior: FloatImage; blocks: number } {
  const { width: W, height: H } = frame;
  if (plate.width !== W || plate.height !== H || prior.width !== W || prior.height !== H) throw new RangeError('frame, plate and prior sizes differ');
  const g = plateGain(stats);
  const out: FloatImage = { ...prior, data: prior.data.slice() };
  let blocks = 0;
  const B = COARSE_BLOCK;
  for (let by = 0; by < Math.ceil(H / B); by++) {
    for (let bx = 0; bx < Math.ceil(W / B); bx++) {
      const lo = [bx * B, by * B];
      const hi = [Math.min(lo[0]! + B, W), Math.min(lo[1]! + B, H)];
      let ok = true;
      let mismatched = 0;
      for (let y = Math.max(lo[1]! - B, 0); y < Math.min(hi[1]! + B, H) && ok; y++) {
        for (let x = Math.max(lo[0]! - B, 0); x < Math.min(hi[0]! + B, W); x++) {
          if (at(plate, x, y, 3) < 0.5) {
            ok = false;
            break;
          }
          const d = Math.hypot(...[0, 1, 2].map((c) => at(frame, x, y, c) - Math.min(g[c]! * at(plate, x, y, c), 1)));
          if (d > OVERRULE_MATCH_TOLERANCE) {
            if (x >= lo[0]! && x < hi[0]! && y >= lo[1]! && y < hi[1]!) {
              ok = false;
              break;
            }
            mismatched++;
          }
        }
      }
      if (!ok || mismatched > OVERRULE_MAX_MISMATCHED) continue;
      blocks++;
      for (let y = lo[1]!; y < hi[1]!; y++) for (let x = lo[0]!; x < hi[0]!; x++) out.data[y * W + x] = 0;
    }
  }
  return { prior: out, blocks };
}
