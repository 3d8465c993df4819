import { createImage, type FloatImage } from './image';

/** The ramp width of shaders/rvm_fuse.wgsl. */
export const RVM_FUSE_T = 0.05;

/**
 * Reference of shaders/rvm_fuse.wgsl: per pixel, the fine alpha f filled where the coarse
 * alpha c is sure of the foreground: f + w·(1 − f), w = clamp((c − 0.90) / 0.05, 0, 1),
 * clamped to 0..1.
 * @param coarse, fine [H,W,1] alpha in 0..1, the same size
 * @returns [H,W,1] prior
 * @throws RangeError when the sizes differ
 */
export function rvmFuseReference(coarse: FloatImage, fine: FloatImage): FloatImage {
  if (coarse.width !== fine.width || coarse.height !== fine.height) throw new RangeError(`rvmFuseReference: ${coarse.width}×${coarse.height} vs ${fine.width}×${fine.height}`);
  const out = createImage(fine.width, fine.height, 1);
  const f32 = Math.fround;
  const T = f32(RVM_FUSE_T);
  const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);
  for (let i = 0; i < out.data.length; i++) {
    const c = coarse.data[i * coarse.channels]!;
    const f = fine.data[i * fine.channels]!;
    const w = clamp01(f32(f32(c - f32(1 - f32(2 * T))) / T));
    out.data[i] = clamp01(f32(f + f32(w * f32(1 - f))));
  }
  return out;
}
