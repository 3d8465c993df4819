import type { Rect } from '../../types/geometry';
import { createImage, type FloatImage } from './image';

/** Depth samples per mask texel along each axis (shaders/fuse_depth.wgsl SAMPLES). */
export const FUSE_DEPTH_SAMPLES = 4;

/**
 * The colour pixel index sampled by point k (0..SAMPLES−1) of mask texel t along one axis:
 * floor(origin + (t + (k + 0.5)/SAMPLES) · extent/size), clamped to [0, limit − 1], in float32
 * arithmetic as the shader computes it.
 */
export function fuseDepthSample(t: number, k: number, origin: number, extent: number, size: number, limit: number): number {
  const f = Math.fround;
  const step = f(f(extent) / size);
  const p = f(f(origin) + f(f(t + (k + 0.5) / FUSE_DEPTH_SAMPLES) * step));
  return Math.min(Math.max(Math.floor(p), 0), limit - 1);
}

/**
 * Reference of shaders/fuse_depth.wgsl: the depth prior fused into the colour model's person
 * confidence (depth as the rough segmentation: Virtual Stage, Microsoft / Plain Concepts,
 * 2020). For each mask texel, over the SAMPLES × SAMPLES points of its footprint in `rect`:
 * v = share of points with depth > 0, s = mean subject over those points, and the texel
 * becomes mix(c, s, weight·v); a texel with no depth point keeps c.
 * @param mask [mh,mw,1] colour-model confidence in 0..1 over `rect`
 * @param depth [H,W,1] registered depth in mm at colour resolution, 0 = no depth
 * @param subject [H,W,1] 1 where the depth sample belongs to the depth-band subject, else 0
 * @param rect colour pixels the mask covers (may be fractional)
 * @param weight 0..1
 * @returns the fused mask [mh,mw,1]
 * @throws RangeError when depth and subject differ in size
 */
export function fuseDepthReference(mask: FloatImage, depth: FloatImage, subject: FloatImage, rect: Rect, weight: number): FloatImage {
  if (depth.width !== subject.width || depth.height !== subject.height) {
    throw new RangeError(`fuse-depth: depth is ${depth.width}×${depth.height}, subject ${subject.width}×${subject.height}`);
  }
  const out = createImage(mask.width, mask.height, 1);
  const n = FUSE_DEPTH_SAMPLES;
  for (let ty = 0; ty < mask.height; ty++) {
    for (let tx = 0; tx < mask.width; tx++) {
      let hits = 0;
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const y = fuseDepthSample(ty, j, rect.y, rect.height, mask.height, depth.height);
        for (let i = 0; i < n; i++) {
          const x = fuseDepthSample(tx, i, rect.x, rect.width, mask.width, depth.width);
          if (depth.data[y * depth.width + x]! > 0) {
            hits++;
            sum += subject.data[y * subject.width + x]!;
          }
        }
      }
      const c = mask.data[ty * mask.width + tx]!;
      const a = (weight * hits) / (n * n);
      out.data[ty * mask.width + tx] = hits > 0 ? c * (1 - a) + (sum / hits) * a : c;
    }
  }
  return out;
}
