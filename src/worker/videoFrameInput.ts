// The browser's frames into the pipeline: a camera or file VideoFrame as a FrameInput.
import { createImportFramePass } from '../gpu/passes/importFrame';
import type { Rect } from '../types/geometry';
import type { FrameInput } from '../types/frameInput';

/** `external-texture`: zero-copy import; `image-bitmap`: fallback through an ImageBitmap copy. */
export type ImportPath = 'external-texture' | 'image-bitmap';

/**
 * Makes FrameInputs of VideoFrames on one GPU device. The zero-copy path imports the
 * VideoFrame as an external texture (shaders/import_frame.wgsl: GPU-side YUV → RGB); where the
 * browser cannot (e.g. SwiftShader without a GPU compositor) the first failure switches this
 * importer to an ImageBitmap copy for good, reported as `importPath`. Crops for a CPU base
 * network come from createImageBitmap. Owns the import pass; dispose() releases it.
 */
export class VideoFrameImporter {
  /** How frames reach the GPU: decided by the first frame imported. */
  importPath: ImportPath | null = null;
  private readonly pass;

  constructor(private readonly device: GPUDevice) {
    this.pass = createImportFramePass(device);
  }

  /** The pipeline's view of `frame`, which stays the caller's: it must stay open until the pipeline's process() settles. */
  input(frame: VideoFrame): FrameInput {
    return {
      width: frame.displayWidth,
      height: frame.displayHeight,
      importInto: (dst) => this.importInto(frame, dst),
      crop: (rect: Rect | null, width: number, height: number) => {
        const resize = { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' } as const;
        return rect ? createImageBitmap(frame, rect.x, rect.y, rect.width, rect.height, resize) : createImageBitmap(frame, resize);
      },
    };
  }

  /**
   * Imports `frame` into `dst` (rgba8unorm, the frame's display size), submitted: an external
   * texture is only valid in the task that imported it.
   * @throws the external-texture import's error once that path has worked before (not a missing capability then)
   */
  private async importInto(frame: VideoFrame, dst: GPUTexture): Promise<void> {
    if (this.importPath !== 'image-bitmap') {
      const encoder = this.device.createCommandEncoder({ label: 'import' });
      try {
        this.pass.encode(encoder, frame, dst);
        this.device.queue.submit([encoder.finish()]);
        this.importPath = 'external-texture';
        return;
      } catch (err) {
        if (this.importPath === 'external-texture') throw err;
        console.warn(`bg-replacer: importExternalTexture failed (${String(err)}); using an ImageBitmap copy instead.`);
        this.importPath = 'image-bitmap';
      }
    }
    const bitmap = await createImageBitmap(frame);
    try {
      this.device.queue.copyExternalImageToTexture({ source: bitmap }, { texture: dst }, [dst.width, dst.height]);
    } finally {
      bitmap.close();
    }
  }

  /** Releases the import pass. */
  dispose(): void {
    this.pass.dispose();
  }
}
