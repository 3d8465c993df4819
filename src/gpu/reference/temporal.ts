import { at, createImage, type FloatImage } from './image';

/** Parameters of the temporal smoothing pass. */
export interface TemporalParams {
  /** s in 0..0.9. */
  strength: number;
  /** σ of the frame-difference test, RGB units (TEMPORAL_SIGMA). */
  sigma: number;
  /** false on the first frame after a reset: the output is α. */
  history: boolean;
}

/**
 * Reference of shaders/temporal.wgsl: α_t = α + k·(α_prev − α), k = s·exp(−|I − I_prev|² / (2σ²))
 * with |·| over rgb, k = 0 without history.
 * @param frame [H,W,≥3], framePrev [H,W,≥3], alpha [H,W,1], alphaPrev [H,W,1], same size
 * @returns [H,W,1]
 */
export function temporalReference(frame: FloatImage, framePrev: FloatImage, alpha: FloatImage, alphaPrev: FloatImage, params: TemporalParams): FloatImage {
  const out = createImage(alpha.width, alpha.height, 1);
  for (let y = 0; y < alpha.height; y++) {
    for (let x = 0; x < alpha.width; x++) {
      const a = at(alpha, x, y, 0);
      let k = 0;
      if (params.history) {
        let d2 = 0;
        for (let c = 0; c < 3; c++) d2 += (at(frame, x, y, c) - at(framePrev, x, y, c)) ** 2;
        k = params.strength * Math.exp(-d2 / (2 * params.sigma * params.sigma));
      }
      out.data[y * alpha.width + x] = a + k * (at(alphaPrev, x, y, 0) - a);
    }
  }
  return out;
}
