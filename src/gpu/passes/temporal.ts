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

/** Frame-difference scale of the motion test, RGB units. */
export const TEMPORAL_SIGMA = 0.03;

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
 * Motion-aware temporal smoothing of alpha (shaders/temporal.wgsl; reference:
 * src/gpu/reference/temporal.ts).
 */
export function createTemporalPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'temporal', code, bindings: TEMPORAL_BINDINGS });
  const params = device.createBuffer({ label: 'temporal params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** @param strength 0..0.9; @param history false on the first frame after a reset */
    setParams(strength: number, history: boolean, sigma = TEMPORAL_SIGMA): void {
      const data = new ArrayBuffer(16);
      new Float32Array(data, 0, 2).set([strength, sigma]);
      new Uint32Array(data, 8, 1)[0] = history ? 1 : 0;
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
