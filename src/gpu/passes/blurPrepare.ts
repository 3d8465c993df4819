import code from '../../../shaders/blur_prepare.wgsl?raw';
import { buildComputePass, dispatch2d, storageTexture, texture, uniform } from '../pass';

/** Inputs and outputs of the blur-prepare pass. */
export interface BlurPrepareIO {
  /** Full-resolution frame, rgba8unorm. */
  frame: GPUTexture;
  /** Full-resolution alpha, r32float in 0..1. */
  alpha: GPUTexture;
  /** Output (rgb·w, w) at ceil(W/factor)×ceil(H/factor), rgba16float with STORAGE_BINDING. */
  dst: GPUTexture;
}

/** Bind group of shaders/blur_prepare.wgsl, by WGSL name. */
export const BLUR_PREPARE_BINDINGS = { frame: texture(), alpha: texture(), dst: storageTexture('rgba16float'), params: uniform() };

/**
 * Downsamples the frame by an integer factor, weighting every pixel by its background
 * weight 1 − α (shaders/blur_prepare.wgsl; reference: src/gpu/reference/maskedBlur.ts).
 */
export function createBlurPreparePass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'blur-prepare', code, bindings: BLUR_PREPARE_BINDINGS });
  const params = device.createBuffer({ label: 'blur-prepare params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** Sets the integer downsampling factor (≥ 1) for the following frames. */
    setFactor(factor: number): void {
      device.queue.writeBuffer(params, 0, new Uint32Array([factor, 0, 0, 0]));
    },
    bind(io: BlurPrepareIO): { group: GPUBindGroup; width: number; height: number } {
      const group = gpu.bind({ frame: io.frame, alpha: io.alpha, dst: io.dst, params });
      return { group, width: io.dst.width, height: io.dst.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }, ts?: GPUComputePassTimestampWrites): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height, ts);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
