// I420 frames of the bandwidth benchmark: the pipeline's RGBA composite turned into BT.601
// limited-range I420 (what the encoders take), and the PSNR of decoded frames against the
// encoder's input.

/**
 * RGBA (8-bit, alpha ignored) to I420 with the BT.601 matrix and limited range (Y 16..235,
 * Cb/Cr 16..240): what the replay page assumed when it turned the .y4m into RGB
 * (src/sources/y4m.ts y4mColorSpace). Chroma is the mean of each 2×2 block's RGB.
 * @param rgba width·height·4 bytes
 * @returns width·height·1.5 bytes: Y, then U, then V
 * @throws RangeError for an odd size or a wrong byte count
 */
export function rgbaToI420(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (width % 2 || height % 2 || width <= 0 || height <= 0) throw new RangeError(`rgbaToI420: ${width}×${height} is not an even size`);
  if (rgba.length !== width * height * 4) throw new RangeError(`rgbaToI420: ${rgba.length} bytes for ${width}×${height} RGBA`);
  const out = new Uint8Array(width * height * 1.5);
  const cw = width / 2;
  const uOffset = width * height;
  const vOffset = uOffset + cw * (height / 2);
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let i = 0, p = 0; i < width * height; i++, p += 4) {
    out[i] = clamp(16 + (219 * (0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!)) / 255);
  }
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const p = ((2 * cy + dy) * width + 2 * cx + dx) * 4;
        r += rgba[p]!;
        g += rgba[p + 1]!;
        b += rgba[p + 2]!;
      }
      r /= 4 * 255;
      g /= 4 * 255;
      b /= 4 * 255;
      out[uOffset + cy * cw + cx] = clamp(128 + 224 * (-0.168736 * r - 0.331264 * g + 0.5 * b));
      out[vOffset + cy * cw + cx] = clamp(128 + 224 * (0.5 * r - 0.418688 * g - 0.081312 * b));
    }
  }
  return out;
}

/**
 * PSNR from a mean squared error of 8-bit samples.
 * @returns dB; 100 for an MSE of 0 (identical)
 */
export function psnrFromMse(mse: number): number {
  return mse <= 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
}

/** Running squared errors of I420 frames: luma and all planes. */
export class I420ErrorSum {
  private sumY = 0;
  private countY = 0;
  private sumAll = 0;
  private countAll = 0;
  /**
   * Adds one frame pair.
   * @param a, b I420 frames of width×height (even), same length
   * @throws RangeError when the lengths differ from width·height·1.5
   */
  add(a: Uint8Array, b: Uint8Array, width: number, height: number): void {
    const ySize = width * height;
    const size = ySize + 2 * (width / 2) * (height / 2);
    if (a.length !== size || b.length !== size) throw new RangeError(`I420 frame of ${width}×${height} needs ${size} bytes, got ${a.length} and ${b.length}`);
    let y = 0;
    for (let i = 0; i < ySize; i++) {
      const d = a[i]! - b[i]!;
      y += d * d;
    }
    let c = 0;
    for (let i = ySize; i < size; i++) {
      const d = a[i]! - b[i]!;
      c += d * d;
    }
    this.sumY += y;
    this.countY += ySize;
    this.sumAll += y + c;
    this.countAll += size;
  }
  /** PSNR (dB) of luma and of all planes over every frame added. @throws Error when nothing was added */
  psnr(): { y: number; yuv: number } {
    if (this.countY === 0) throw new Error('no frames compared');
    return { y: psnrFromMse(this.sumY / this.countY), yuv: psnrFromMse(this.sumAll / this.countAll) };
  }
}
