import code from '../../../shaders/blur_prepare.wgsl?raw';
import { computePipeline, dispatch2d, loadTexture, storageTexture, uniformBuffer } from '../layout';

/** Inputs and outputs of the blur-prepare pass. */
export interface BlurPrepareIO {
  /** Full-resolution frame, rgba8unorm. */
  frame: GPUTexture;
  /** Full-resolution alpha, r32float in 0..1. */
  alpha: GPUTexture;
  /** Output (rgb·w, w) at ceil(W/factor)×ceil(H/factor), rgba16float with STORAGE_BINDING. */
  dst: GPUTexture;
}

/**
 * Downsamples the frame by an integer factor, weighting every pixel by its background
 * weight 1 − α (shaders/blur_prepare.wgsl; reference: src/gpu/reference/maskedBlur.ts).
 */
export function createBlurPreparePass(device: GPUDevice) {
  const { pipeline, layout } = computePipeline(device, 'blur-prepare', code, [
    loadTexture(0),
    loadTexture(1),
    storageTexture(2, 'rgba16float'),
    uniformBuffer(3),
  ]);
  const params = device.createBuffer({ label: 'blur-prepare params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** Sets the integer downsampling factor (≥ 1) for the following frames. */
    setFactor(factor: number): void {
      device.queue.writeBuffer(params, 0, new Uint32Array([factor, 0, 0, 0]));
    },
    bind(io: BlurPrepareIO): { group: GPUBindGroup; width: number; height: number } {
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: io.frame.createView() },
          { binding: 1, resource: io.alpha.createView() },
          { binding: 2, resource: io.dst.createView() },
          { binding: 3, resource: { buffer: params } },
        ],
      });
      return { group, width: io.dst.width, height: io.dst.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }, ts?: GPUComputePassTimestampWrites): void {
      dispatch2d(encoder, pipeline, b.group, b.width, b.height, ts);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
