import code from '../../../shaders/gaussian_blur.wgsl?raw';
import { gaussianRadius } from '../params/blur';
import { buildComputePass, dispatch2d, storageTexture, texture, uniform } from '../pass';

/** Inputs and outputs of one direction of the Gaussian blur. */
export interface GaussianBlurIO {
  /** rgba16float input. */
  src: GPUTexture;
  /** rgba16float output of the same size, with STORAGE_BINDING. */
  dst: GPUTexture;
}

/** Bind group of shaders/gaussian_blur.wgsl, by WGSL name. */
export const GAUSSIAN_BLUR_BINDINGS = { src: texture(), dst: storageTexture('rgba16float'), params: uniform() };

/**
 * One direction of a separable, normalised Gaussian blur with radius ceil(3σ)
 * (shaders/gaussian_blur.wgsl; reference: src/gpu/reference/maskedBlur.ts).
 * @param direction 'horizontal' or 'vertical'
 */
export function createGaussianBlurPass(device: GPUDevice, direction: 'horizontal' | 'vertical') {
  const gpu = buildComputePass(device, { label: `gaussian-blur-${direction}`, code, bindings: GAUSSIAN_BLUR_BINDINGS });
  const params = device.createBuffer({ label: `gaussian-blur-${direction} params`, size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const dir = direction === 'horizontal' ? [1, 0] : [0, 1];
  return {
    /** Sets sigma in texels of the blurred texture (> 0). */
    setSigma(sigma: number): void {
      const data = new ArrayBuffer(16);
      new Int32Array(data, 0, 2).set(dir);
      new Float32Array(data, 8, 1)[0] = sigma;
      new Int32Array(data, 12, 1)[0] = gaussianRadius(sigma);
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: GaussianBlurIO): { group: GPUBindGroup; width: number; height: number } {
      const group = gpu.bind({ src: io.src, dst: io.dst, params });
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
