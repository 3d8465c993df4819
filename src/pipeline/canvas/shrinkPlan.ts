// How the Canvas 2D path runs a wide Gaussian blur: on a shrunk canvas, scaled back up.

/**
 * The least Gaussian sigma, in pixels of the shrunk canvas, the Canvas 2D path blurs with: half
 * the WebGPU path's (blurPlan shrinks until sigma is 3 texels). The shrunk blur is scaled up
 * bilinearly; at 1.5 texels or more the result is smooth, and the blur (Skia blurs on the CPU
 * here) works on a quarter of the pixels.
 */
export const CANVAS_BLUR_MIN_SIGMA = 1.5;

/**
 * A Gaussian blur of `sigmaFull` frame pixels on the Canvas 2D path: run at 1/factor of the
 * frame's size with sigma / factor, shrunk until sigma is CANVAS_BLUR_MIN_SIGMA texels (as the
 * WebGPU path's blurPlan does down to 3), drawn with `ctx.filter = blur(sigma px)` (CSS blur's
 * length is the Gaussian's standard deviation).
 * @param sigmaFull sigma in frame pixels (> 0)
 * @returns factor ≥ 1 (an integer) and sigma in pixels of the 1/factor canvas
 */
export function canvasShrinkPlan(sigmaFull: number): { factor: number; sigma: number } {
  const factor = Math.max(1, Math.floor(sigmaFull / CANVAS_BLUR_MIN_SIGMA));
  return { factor, sigma: sigmaFull / factor };
}
