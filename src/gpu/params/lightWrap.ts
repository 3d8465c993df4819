// Light wrap's parameters (shaders/light_wrap_prepare.wgsl, shaders/light_wrap.wgsl), shared by
// the passes, their reference, the WebGPU stage and the Canvas 2D path.
import type { Mode } from '../../options';
import { blurPlan } from './blur';

/**
 * How far the new background's light reaches into the person: the Gaussian sigma of the blurred
 * background, as a fraction of the frame height (≈ 11 px at 720p, so it stays a rim at any size).
 */
export const LIGHT_WRAP_SIGMA_FRACTION = 0.015;

/** The modes whose background is a new one whose light can wrap (blur and off show the room itself). */
export const LIGHT_WRAP_MODES: readonly Mode[] = ['image', 'video', 'color'];

/** Where light_wrap_prepare.wgsl takes B′ from: the composite's cover fit of the image, or a colour. */
export interface LightWrapSource {
  /** True: the background image; false: `color`. */
  useImage: boolean;
  /** sRGB 0..1. */
  color: [number, number, number];
  /** Image uv = pixel centre · bgScale + bgOffset (coverFit). */
  bgScale: [number, number];
  bgOffset: [number, number];
}

/**
 * The light wrap's blur for a frame height: blurPlan of LIGHT_WRAP_SIGMA_FRACTION · height.
 * @returns factor ≥ 1 (the downsampling of light_wrap_prepare) and sigma in texels of the downsampled texture
 */
export function lightWrapPlan(frameHeight: number): { factor: number; sigma: number } {
  return blurPlan(LIGHT_WRAP_SIGMA_FRACTION * frameHeight);
}
