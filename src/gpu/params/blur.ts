// The mask-weighted blur's kernel and plan (shaders/blur_prepare.wgsl, shaders/gaussian_blur.wgsl),
// shared by the passes, their reference and both renderers.

/** Kernel radius in texels for a Gaussian of this sigma: ceil(3σ). */
export function gaussianRadius(sigma: number): number {
  return Math.ceil(3 * sigma);
}

/**
 * How the blur runs for a frame height and sigma (in full-resolution pixels): the
 * background is blurred at 1/factor resolution with sigma/factor, so the cost stays
 * bounded at strong blur and 1080p.
 */
export function blurPlan(sigmaFull: number): { factor: number; sigma: number } {
  const factor = Math.max(1, Math.floor(sigmaFull / 3));
  return { factor, sigma: sigmaFull / factor };
}
