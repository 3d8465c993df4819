import code from '../../../shaders/temporal.wgsl?raw';
import { buildComputePass, dispatch2d, storageTexture, texture, uniform } from '../pass';

/** Inputs and outputs of the temporal smoothing pass (all full resolution). */
export interface TemporalIO {
  frame: GPUTexture;
  framePrev: GPUTexture;
  alpha: GPUTexture;
  alphaPrev: GPUTexture;
  /** r32float output. */
  alphaOut: GPUTexture;
}

/**
 * σ_person: scale of the motion test on the matched block's mean frame difference inside the
 * person (α and the matched α_prev ≥ 0.5), RGB units. The mean over 3×3 pixels cancels most sensor
 * noise, so this can be looser than the per-pixel test's 0.03 (the Canvas 2D path's).
 */
export const TEMPORAL_SIGMA = 0.08;
/** σ_edge: the same at the person's edge and on the background, RGB units. */
export const TEMPORAL_SIGMA_EDGE = 0.04;
/** σ of the rule without motion compensation, on the pixel's own difference, RGB units (as the Canvas 2D path's). */
export const TEMPORAL_SIGMA_PIXEL = 0.03;
/** R: the motion compensation's search radius, px per frame (the shader's const R). */
export const TEMPORAL_SEARCH = 2;

/** Bind group of shaders/temporal.wgsl, by WGSL name. */
export const TEMPORAL_BINDINGS = {
  frame: texture(),
  framePrev: texture(),
  alpha: texture(),
  alphaPrev: texture(),
  alphaOut: storageTexture('r32float'),
  params: uniform(),
};

/**
 * Motion-compensated temporal smoothing of alpha (shaders/temporal.wgsl; reference:
 * src/gpu/reference/temporal.ts): alpha averaged with the previous output along the motion (block
 * matching within ±TEMPORAL_SEARCH px) where the matched block did not change.
 */
export function createTemporalPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'temporal', code, bindings: TEMPORAL_BINDINGS });
  const params = device.createBuffer({ label: 'temporal params', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /**
     * @param strength s in 0..0.9
     * @param history false on the first frame after a reset
     * @param compensate true: motion compensation (σ TEMPORAL_SIGMA inside the person and
     *   TEMPORAL_SIGMA_EDGE elsewhere); false: the pixel's own difference (σ TEMPORAL_SIGMA_PIXEL)
     */
    setParams(strength: number, history: boolean, compensate = true): void {
      const data = new ArrayBuffer(32);
      new Float32Array(data, 0, 3).set(compensate ? [strength, TEMPORAL_SIGMA, TEMPORAL_SIGMA_EDGE] : [strength, TEMPORAL_SIGMA_PIXEL, TEMPORAL_SIGMA_PIXEL]);
      new Uint32Array(data, 12, 2).set([history ? 1 : 0, compensate ? 1 : 0]);
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: TemporalIO): { group: GPUBindGroup; width: number; height: number } {
      const { frame, framePrev, alpha, alphaPrev, alphaOut } = io;
      const group = gpu.bind({ frame, framePrev, alpha, alphaPrev, alphaOut, params });
      return { group, width: io.alphaOut.width, height: io.alphaOut.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
