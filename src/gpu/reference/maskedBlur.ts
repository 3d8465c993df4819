import { at, createImage, type FloatImage } from './image';
import { gaussianRadius } from '../params/blur';

/**
 * Reference of shaders/blur_prepare.wgsl: downsample by an integer factor with background weight w = 1 − α.
 * @param frame [H,W,≥3] in 0..1
 * @param alpha [H,W,1] in 0..1
 * @returns [ceil(H/f), ceil(W/f), 4]: (mean rgb·w, mean w) over each block
 */
export function blurPrepareReference(frame: FloatImage, alpha: FloatImage, factor: number): FloatImage {
  const w = Math.ceil(frame.width / factor);
  const h = Math.ceil(frame.height / factor);
  const out = createImage(w, h, 4);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const x1 = Math.min((i + 1) * factor, frame.width);
      const y1 = Math.min((j + 1) * factor, frame.height);
      const acc = [0, 0, 0, 0];
      for (let y = j * factor; y < y1; y++) {
        for (let x = i * factor; x < x1; x++) {
          const bw = 1 - at(alpha, x, y, 0);
          for (let c = 0; c < 3; c++) acc[c]! += at(frame, x, y, c) * bw;
          acc[3]! += bw;
        }
      }
      const n = (x1 - i * factor) * (y1 - j * factor);
      for (let c = 0; c < 4; c++) out.data[(j * w + i) * 4 + c] = acc[c]! / n;
    }
  }
  return out;
}

/**
 * Reference of shaders/gaussian_blur.wgsl: one direction of a normalised Gaussian, clamp-to-edge.
 * @param direction [1,0] horizontal or [0,1] vertical
 * @param sigma in texels; the kernel radius is ceil(3σ)
 */
export function gaussianBlurReference(src: FloatImage, direction: [number, number], sigma: number): FloatImage {
  const out = createImage(src.width, src.height, src.channels);
  const radius = gaussianRadius(sigma);
  const inv = 1 / (2 * sigma * sigma);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      for (let c = 0; c < src.channels; c++) {
        let acc = 0;
        let norm = 0;
        for (let k = -radius; k <= radius; k++) {
          const g = Math.exp(-k * k * inv);
          acc += g * at(src, x + k * direction[0], y + k * direction[1], c);
          norm += g;
        }
        out.data[(y * src.width + x) * src.channels + c] = acc / norm;
      }
    }
  }
  return out;
}
