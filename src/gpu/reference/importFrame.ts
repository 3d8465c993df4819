import { createImage, type FloatImage } from './image';

/**
 * Reference of shaders/import_frame.wgsl: RGB copied, alpha set to 1.
 * @param src [H,W,4] RGBA in 0..1 (the frame as decoded to sRGB-encoded RGB)
 * @returns [H,W,4] in 0..1
 */
export function importFrameReference(src: FloatImage): FloatImage {
  const out = createImage(src.width, src.height, 4);
  for (let i = 0; i < src.width * src.height; i++) {
    for (let c = 0; c < 3; c++) out.data[i * 4 + c] = src.data[i * src.channels + c]!;
    out.data[i * 4 + 3] = 1;
  }
  return out;
}
