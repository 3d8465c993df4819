import type { Rect } from '../../types/geometry';
import { at, createImage, type FloatImage } from './image';

/**
 * Reference of shaders/downsample.wgsl: area (box) downsample of `rect` of the source.
 * @param src [H,W,C] float in 0..1
 * @param rect source rectangle in pixels (default: the whole image)
 * @returns [height,width,C]; texel (i,j) averages src over x in [floor(rx + i·rw/w), max(floor(rx + (i+1)·rw/w), x0+1)), clamped to the image, likewise in y
 */
export function downsampleReference(
  src: FloatImage,
  width: number,
  height: number,
  rect: Rect = { x: 0, y: 0, width: src.width, height: src.height },
): FloatImage {
  const dst = createImage(width, height, src.channels);
  const f32 = Math.fround;
  const stepX = f32(f32(rect.width) / width);
  const stepY = f32(f32(rect.height) / height);
  const range = (i: number, origin: number, step: number, max: number): [number, number] => {
    const lo = Math.min(Math.floor(f32(f32(origin) + f32(i * step))), max - 1);
    const hi = Math.min(Math.max(Math.floor(f32(f32(origin) + f32((i + 1) * step))), lo + 1), max);
    return [lo, hi];
  };
  for (let j = 0; j < height; j++) {
    const [y0, y1] = range(j, rect.y, stepY, src.height);
    for (let i = 0; i < width; i++) {
      const [x0, x1] = range(i, rect.x, stepX, src.width);
      const n = (x1 - x0) * (y1 - y0);
      for (let c = 0; c < src.channels; c++) {
        let sum = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += at(src, x, y, c);
        dst.data[(j * width + i) * src.channels + c] = sum / n;
      }
    }
  }
  return dst;
}
