import { at, createImage, type FloatImage } from './image';

/** σ_m of the block-match test, RGB units (the shader's const MATCH). */
const TEMPORAL_MATCH_SIGMA = 0.1;
/** E_still: a block whose mean squared difference in place is at most this is not searched (the shader's const STILL). */
const TEMPORAL_STILL = 1e-3;
/** Where α and α_prev(p + o*) are both at least this, the pixel is inside the person: σ applies there, σ_edge elsewhere (the shader's const INSIDE). */
const TEMPORAL_INSIDE = 0.5;

/** Parameters of the temporal smoothing pass. */
export interface TemporalParams {
  /** s in 0..0.9. */
  strength: number;
  /** σ of the frame-difference test, RGB units (TEMPORAL_SIGMA); with `search`, inside the person. */
  sigma: number;
  /**
   * With `search`: σ where α or α_prev(p + o*) is below 0.5 (the person's edge and the background),
   * RGB units (TEMPORAL_SIGMA_EDGE). Absent: σ.
   */
  sigmaEdge?: number;
  /** false on the first frame after a reset: the output is α. */
  history: boolean;
  /**
   * Motion compensation (shaders/temporal.wgsl): the search radius R in px (TEMPORAL_SEARCH), the
   * previous frame's 3×3 block that best matches within ±R taken, and the frame difference the
   * block's mean. Absent: no motion compensation and the pixel's own difference, the Canvas 2D
   * path's rule (src/pipeline/canvas/cpuMatte.ts).
   */
  search?: number;
}

/**
 * Reference of shaders/temporal.wgsl: α_t = α + k·(α_prev(p + o*) − α),
 * k = s·exp(−|D̄(o*)|² / (2σ²) − E(o*) / (2σ_m²)), D̄(o) the mean of I(q) − I_prev(q + o) and E(o)
 * the mean of |I(q) − I_prev(q + o)|² over the 3×3 neighbourhood N of p, σ_m = 0.1, o* the offset
 * within ±R (row by row from (0, 0): 0, 1, …, R, −R, …, −1 on each axis; the first of equal ones)
 * with the smallest E, or (0, 0) without a search where E(0, 0) ≤ E_still = 1e-3; σ = `sigma`
 * where min(α, α_prev(p + o*)) ≥ 0.5 (inside the person), `sigmaEdge` elsewhere; coordinates
 * clamped to the image, |·| over rgb; k = 0 without history. Without `search`:
 * k = s·exp(−|I − I_prev|² / (2σ²)) at the pixel itself and α_prev(p) (the Canvas 2D path).
 * @param frame [H,W,≥3], framePrev [H,W,≥3], alpha [H,W,1], alphaPrev [H,W,1], same size
 * @returns [H,W,1]
 */
export function temporalReference(frame: FloatImage, framePrev: FloatImage, alpha: FloatImage, alphaPrev: FloatImage, params: TemporalParams): FloatImage {
  const { width, height } = alpha;
  const out = createImage(width, height, 1);
  const clampX = (x: number) => Math.min(Math.max(x, 0), width - 1);
  const clampY = (y: number) => Math.min(Math.max(y, 0), height - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = at(alpha, x, y, 0);
      if (!params.history) {
        out.data[y * width + x] = a;
        continue;
      }
      let d2: number;
      let prev: number;
      let match = 0;
      let sigma = params.sigma;
      if (params.search === undefined) {
        d2 = 0;
        for (let c = 0; c < 3; c++) d2 += (at(frame, x, y, c) - at(framePrev, x, y, c)) ** 2;
        prev = at(alphaPrev, x, y, 0);
      } else {
        const R = params.search;
        const side = 2 * R + 1;
        let best = Infinity;
        let bestMean = [0, 0, 0];
        let bestOffset = [0, 0];
        for (let j = 0; j < side * side; j++) {
          if (j === 1 && best <= 9 * TEMPORAL_STILL) break;
          const ox = ((j % side) + R) % side - R;
          const oy = (Math.floor(j / side) + R) % side - R;
          let ssd = 0;
          const sum = [0, 0, 0];
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              for (let c = 0; c < 3; c++) {
                const e = at(frame, clampX(x + dx), clampY(y + dy), c) - at(framePrev, clampX(x + dx + ox), clampY(y + dy + oy), c);
                sum[c]! += e;
                ssd += e * e;
              }
            }
          }
          if (ssd < best) {
            best = ssd;
            bestMean = sum.map((v) => v / 9);
            bestOffset = [ox, oy];
          }
        }
        d2 = bestMean.reduce((s, v) => s + v * v, 0);
        match = best / 9 / (2 * TEMPORAL_MATCH_SIGMA * TEMPORAL_MATCH_SIGMA);
        prev = at(alphaPrev, clampX(x + bestOffset[0]!), clampY(y + bestOffset[1]!), 0);
        if (Math.min(a, prev) < TEMPORAL_INSIDE) sigma = params.sigmaEdge ?? params.sigma;
      }
      const k = params.strength * Math.exp(-d2 / (2 * sigma * sigma) - match);
      out.data[y * width + x] = a + k * (prev - a);
    }
  }
  return out;
}
