// Small moving frames cut from a dev still, for tests that run a network on a real person.
import type { PNG } from 'pngjs';

/**
 * `png` box-downsampled by a whole factor to width × height, shifted `dx` pixels right (edge
 * pixels repeated), as RGBA 8-bit (alpha 255), row-major.
 * @throws RangeError when png.width / width is not a whole number
 */
export function stillFrame(png: PNG, width: number, height: number, dx: number): number[] {
  const step = png.width / width;
  if (!Number.isInteger(step)) throw new RangeError(`stillFrame: ${png.width} is not a multiple of ${width}`);
  const out: number[] = new Array(width * height * 4).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.max(x - dx, 0), width - 1);
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let j = 0; j < step; j++) for (let i = 0; i < step; i++) sum += png.data[((y * step + j) * png.width + sx * step + i) * 4 + c]!;
        out[(y * width + x) * 4 + c] = Math.round(sum / (step * step));
      }
    }
  }
  return out;
}
