import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';

/**
 * Reads a PNG as alpha in 0..1: the first channel of grey, RGB or RGBA images
 * (16-bit images are scaled from 0..65535).
 * @returns [H,W] Float32Array with its size
 * @throws Error from pngjs for a corrupt file
 */
export function readAlphaPng(path: string): { width: number; height: number; alpha: Float32Array } {
  const png = PNG.sync.read(readFileSync(path));
  const alpha = new Float32Array(png.width * png.height);
  // pngjs always decodes to RGBA, 8 bits per channel unless 16-bit input with skipRescale.
  for (let i = 0; i < alpha.length; i++) alpha[i] = png.data[i * 4]! / 255;
  return { width: png.width, height: png.height, alpha };
}
