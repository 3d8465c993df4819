// Stage `import`: the camera frame into the frame texture I.
import { createImportFramePass } from '../../gpu/passes/importFrame';
import type { FrameState, Stage } from '../stage';

/** `external-texture`: zero-copy import; `image-bitmap`: fallback through an ImageBitmap copy. */
export type ImportPath = 'external-texture' | 'image-bitmap';

/**
 * VideoFrame → FrameTextures.frame (rgba8unorm, full resolution). The zero-copy path imports
 * the VideoFrame as an external texture (shaders/import_frame.wgsl); where the browser cannot
 * (e.g. SwiftShader without a GPU compositor) the first failure switches this stage to an
 * ImageBitmap copy for good, reported as `importPath`. Submits its own work: an external
 * texture is only valid in the task that imported it.
 */
export class ImportFrameStage implements Stage {
  readonly name = 'import';
  readonly timed = true;
  readonly reads = ['videoFrame'] as const;
  readonly writes = ['frame'] as const;
  /** How frames reach the GPU: decided by the first frame. */
  importPath: ImportPath | null = null;
  private readonly pass;

  constructor(private readonly device: GPUDevice) {
    this.pass = createImportFramePass(device);
  }

  enabled(): boolean {
    return true;
  }

  /** @throws the external-texture import's error once that path has worked before (not a missing capability then) */
  async run(frame: FrameState): Promise<void> {
    const dst = frame.textures.frame;
    frame.submit();
    if (this.importPath !== 'image-bitmap') {
      const encoder = this.device.createCommandEncoder({ label: 'import' });
      try {
        this.pass.encode(encoder, frame.videoFrame, dst);
        this.device.queue.submit([encoder.finish()]);
        this.importPath = 'external-texture';
        return;
      } catch (err) {
        if (this.importPath === 'external-texture') throw err;
        console.warn(`bg-replacer: importExternalTexture failed (${String(err)}); using an ImageBitmap copy instead.`);
        this.importPath = 'image-bitmap';
      }
    }
    const bitmap = await createImageBitmap(frame.videoFrame);
    try {
      this.device.queue.copyExternalImageToTexture({ source: bitmap }, { texture: dst }, [dst.width, dst.height]);
    } finally {
      bitmap.close();
    }
  }

  dispose(): void {
    this.pass.dispose();
  }
}
