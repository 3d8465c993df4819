// The frame as the pipeline takes it. Kept apart from frame.ts, whose types the package
// publishes: this one names WebGPU types, which a consumer without @webgpu/types lacks.
import type { Rect } from './geometry';

/**
 * The frame the pipeline processes, as its stages take it: a size, a way onto the GPU and, for a
 * base network that runs on the CPU, crops of it. The browser worker gives a camera VideoFrame
 * (src/worker/videoFrameInput.ts); a headless caller a GPU texture (src/pipeline/textureInput.ts).
 * The stages call these methods and no browser API of their own.
 */
export interface FrameInput {
  /** Frame size in pixels, ≥ 1 each. */
  readonly width: number;
  readonly height: number;
  /**
   * Writes the frame into `dst` (the pipeline's frame texture I: rgba8unorm, width × height,
   * alpha 1) and submits that work itself, after anything the caller submitted before.
   * @throws what the import throws (a lost device; a closed frame)
   */
  importInto(dst: GPUTexture): void | Promise<void>;
  /**
   * The rectangle `rect` of the frame (frame pixels; null: the whole frame) resized to
   * width × height, for a base network that runs on the CPU, which takes ownership of it.
   * @throws InputError 'unsupported-input' where the input has no such image (a GPU texture input)
   */
  crop(rect: Rect | null, width: number, height: number): Promise<ImageBitmap>;
}
