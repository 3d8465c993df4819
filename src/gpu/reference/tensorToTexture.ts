import { createImage, type FloatImage } from './image';

/**
 * Reference of shaders/tensor_to_texture.wgsl: channel `channel` of a planar [1,C,h,w]
 * tensor resampled bilinearly (align_corners = False, edges clamped) to width×height.
 * @param tensor [1,C,h,w] float32, planar
 * @returns [height,width,1] image
 */
export function tensorToTextureReference(
  tensor: Float32Array,
  src: { channels: number; width: number; height: number; channel: number },
  width: number,
  height: number,
  clamp01 = false,
): FloatImage {
  const out = createImage(width, height, 1);
  const f32 = Math.fround;
  const at = (x: number, y: number): number => {
    const cx = Math.min(Math.max(x, 0), src.width - 1);
    const cy = Math.min(Math.max(y, 0), src.height - 1);
    return tensor[(src.channel * src.height + cy) * src.width + cx]!;
  };
  const sx = f32(src.width / width);
  const sy = f32(src.height / height);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const px = Math.max(f32(f32(i + 0.5) * sx) - 0.5, 0);
      const py = Math.max(f32(f32(j + 0.5) * sy) - 0.5, 0);
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      const top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * fx;
      const bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * fx;
      let v = top + (bottom - top) * fy;
      if (clamp01) v = Math.min(Math.max(v, 0), 1);
      out.data[j * width + i] = v;
    }
  }
  return out;
}
