// The bench's pictures: a dev still, its plate and an image background, read from PNG files,
// resized to each frame size on the CPU (Pillow's bilinear filter, src/eval/pilResize.ts) and
// put on the GPU as textures the pipeline takes (src/pipeline/textureInput.ts, SceneImage).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { resizeBilinearPil } from '../../../src/eval/pilResize';

/** An 8-bit RGBA picture, row-major. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array<ArrayBuffer>;
}

/** The files the bench reads: a still's frame and plate (same size), and the image-mode background. */
export interface BenchPictures {
  frame: Rgba;
  plate: Rgba;
  background: Rgba;
  /** sha256 (hex) of the frame's PNG bytes: masks recorded on it are keyed by it. */
  frameHash: string;
}

/**
 * Reads a PNG as 8-bit RGBA.
 * @throws Error naming the file when it is missing or not a PNG
 */
export function readPngRgba(path: string): Rgba & { bytes: Buffer } {
  let bytes: Buffer;
  let png: PNG;
  try {
    bytes = readFileSync(path);
    png = PNG.sync.read(bytes);
  } catch (err) {
    throw new Error(`cannot read the PNG ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return { width: png.width, height: png.height, data: new Uint8Array(png.data), bytes };
}

/**
 * Reads `still/image.png`, `still/plate.png` (a dev still of ../shared/eval/dev) and the background.
 * @throws Error when a file is unreadable or the plate's size is not the frame's
 */
export function readPictures(still: string, background: string): BenchPictures {
  const frame = readPngRgba(join(still, 'image.png'));
  const plate = readPngRgba(join(still, 'plate.png'));
  if (plate.width !== frame.width || plate.height !== frame.height) {
    throw new Error(`${still}: plate.png is ${plate.width}×${plate.height}, image.png ${frame.width}×${frame.height}`);
  }
  return { frame, plate, background: readPngRgba(background), frameHash: createHash('sha256').update(frame.bytes).digest('hex') };
}

/**
 * Resizes RGBA to width × height, each channel as Pillow's BILINEAR resize (antialiased when
 * shrinking); alpha set to 255 when `opaque`.
 * @throws RangeError for a size that is not a positive integer
 */
export function resizeRgba(src: Rgba, width: number, height: number, opaque = true): Rgba {
  const n = src.width * src.height;
  const out = new Uint8Array(width * height * 4);
  for (let c = 0; c < (opaque ? 3 : 4); c++) {
    const plane = new Uint8Array(n);
    for (let p = 0; p < n; p++) plane[p] = src.data[p * 4 + c]!;
    const resized = resizeBilinearPil(plane, src.width, src.height, width, height);
    for (let p = 0; p < width * height; p++) out[p * 4 + c] = resized[p]!;
  }
  if (opaque) for (let p = 0; p < width * height; p++) out[p * 4 + 3] = 255;
  return { width, height, data: out };
}

/**
 * A texture holding `image` (rgba8unorm), created here: the caller destroys it.
 * @param usage on top of COPY_DST (the upload)
 */
export function uploadTexture(device: GPUDevice, image: Rgba, usage: number, label: string): GPUTexture {
  const texture = device.createTexture({ label, size: [image.width, image.height], format: 'rgba8unorm', usage: usage | GPUTextureUsage.COPY_DST });
  device.queue.writeTexture({ texture }, image.data, { bytesPerRow: image.width * 4 }, [image.width, image.height]);
  return texture;
}

/** One frame size's inputs on the GPU; destroy() releases them. */
export interface SizedInputs {
  width: number;
  height: number;
  /** The frame, resized (CPU copy: the BGMv2 stand-in derives its coarse colour from it). */
  frameRgba: Rgba;
  /** The frame: rgba8unorm, COPY_SRC (what textureFrameInput takes). */
  frame: GPUTexture;
  /** The plate at the frame's size; the background at its own. */
  plate: GPUTexture;
  background: GPUTexture;
  destroy(): void;
}

/** The pictures resized to width × height and uploaded. */
export function sizedInputs(device: GPUDevice, pictures: BenchPictures, width: number, height: number): SizedInputs {
  const frameRgba = resizeRgba(pictures.frame, width, height);
  const T = GPUTextureUsage;
  const frame = uploadTexture(device, frameRgba, T.COPY_SRC | T.TEXTURE_BINDING, `bench frame ${width}×${height}`);
  const plate = uploadTexture(device, resizeRgba(pictures.plate, width, height), T.TEXTURE_BINDING, `bench plate ${width}×${height}`);
  const background = uploadTexture(device, pictures.background, T.TEXTURE_BINDING, 'bench background');
  return {
    width,
    height,
    frameRgba,
    frame,
    plate,
    background,
    destroy() {
      frame.destroy();
      plate.destroy();
      background.destroy();
    },
  };
}
