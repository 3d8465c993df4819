import type { FloatImage } from './image';

/**
 * Reference of shaders/tensor_from_texture.wgsl.
 * @param src [H,W,C≥3] interleaved image in 0..1
 * @param layout 'nchw' (entry point main) or 'nhwc' (entry point nhwc)
 * @returns [1,3,H,W] planar or [1,H,W,3] interleaved float32 holding channels 0..2
 * @throws RangeError for fewer than 3 channels
 */
export function tensorFromTextureReference(src: FloatImage, layout: 'nchw' | 'nhwc' = 'nchw'): Float32Array {
  if (src.channels < 3) throw new RangeError(`tensorFromTexture: need 3 channels, got ${src.channels}`);
  const plane = src.width * src.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[layout === 'nchw' ? c * plane + i : 3 * i + c] = src.data[i * src.channels + c]!;
  }
  return out;
}
