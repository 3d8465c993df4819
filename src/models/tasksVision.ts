import { ImageSegmenter } from '@mediapipe/tasks-vision';
import { assetUrl, type AssetLocation } from '../assets';
import { ReplacerError } from '../errors';
import type { CoarseMask } from '../types/network';
import { loadVerifiedModel } from './manifest';
import { hasOffscreenWebgl2 } from './webgl2';


/**
 * The `tasks-vision` backend: MediaPipe's landscape selfie segmenter (256×144) run by
 * @mediapipe/tasks-vision's ImageSegmenter (wasm, CPU delegate), loaded from our own
 * origin (public/models, public/tasks-vision) after a sha256 check.
 * Runs inside src/models/segmenter.worker.ts: tasks-vision's WebGL post-processing must
 * not share a worker with the engine's WebGPU canvas (seen on SwiftShader: the masks
 * come back empty after the first frame).
 */
export class TasksVisionSegmenter {
  private timestampMs = 0;

  private constructor(
    private readonly segmenter: ImageSegmenter,
    /** Model input width in pixels. */
    readonly width: number,
    /** Model input height in pixels. */
    readonly height: number,
  ) {}

  /**
   * Loads and verifies the model, then the wasm runtime.
   * @param assets where the model and the runtime are served
   * @throws ReplacerError 'model-integrity' | 'model-load' ('model-load' also when this worker
   *   has no WebGL2, which tasks-vision's post-processing needs even on its CPU delegate)
   */
  static async create(assets: AssetLocation): Promise<TasksVisionSegmenter> {
    if (!hasOffscreenWebgl2()) {
      throw new ReplacerError(
        'model-load',
        'The segmentation model (tasks-vision) needs WebGL2, which this browser does not offer in workers (WebGL disabled, or a browser started without a display); without a usable WebGPU adapter it has no other way to run. isSupported() reports this as webgl2: false.',
      );
    }
    const { entry, bytes } = await loadVerifiedModel(assets, 'selfie-landscape');
    try {
      // The ES-module SIMD build, as FilesetResolver.forVisionTasks(base, true) names it.
      const fileset = {
        wasmLoaderPath: assetUrl(assets, 'tasks-vision/vision_wasm_module_internal.js'),
        wasmBinaryPath: assetUrl(assets, 'tasks-vision/vision_wasm_module_internal.wasm'),
      };
      const segmenter = await ImageSegmenter.createFromOptions(fileset, {
        baseOptions: { modelAssetBuffer: new Uint8Array(bytes), delegate: 'CPU' },
        runningMode: 'VIDEO',
        outputConfidenceMasks: true,
        outputCategoryMask: false,
      });
      return new TasksVisionSegmenter(segmenter, entry.input.width, entry.input.height);
    } catch (err) {
      throw new ReplacerError('model-load', `The segmentation model could not be started: ${String(err)}`, { cause: err });
    }
  }

  /**
   * Segments one image already at the model's input size.
   * @param image width×height image (the frame resized by the caller)
   * @returns person confidence [height, width] in 0..1
   */
  segment(image: ImageBitmap): CoarseMask {
    if (image.width !== this.width || image.height !== this.height) {
      throw new RangeError(`segment: expected a ${this.width}×${this.height} image, got ${image.width}×${image.height}`);
    }
    // VIDEO mode needs strictly increasing timestamps; frame timestamps may repeat in replay.
    this.timestampMs += 1;
    const result = this.segmenter.segmentForVideo(image, this.timestampMs);
    try {
      const mask = result.confidenceMasks?.[0];
      if (!mask) throw new ReplacerError('model-load', 'The segmenter returned no confidence mask.');
      return { width: mask.width, height: mask.height, pha: mask.getAsFloat32Array().slice() };
    } finally {
      result.close();
    }
  }

  /** Frees the wasm graph. */
  close(): void {
    this.segmenter.close();
  }
}
