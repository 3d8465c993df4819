import code from '../../../shaders/downsample.wgsl?raw';
import type { Rect } from '../../types/geometry';
import { buildComputePass, dispatch2d, storageTexture, texture, uniform } from '../pass';

/** Inputs and outputs of the downsample pass. */
export interface DownsampleIO {
  /** Full-resolution frame, rgba8unorm. */
  src: GPUTexture;
  /** Base-resolution output, rgba8unorm with STORAGE_BINDING. */
  dst: GPUTexture;
}

/** Bind group of shaders/downsample.wgsl, by WGSL name. */
export const DOWNSAMPLE_BINDINGS = { src: texture(), dst: storageTexture('rgba8unorm'), params: uniform() };

/**
 * Area downsample of a rectangle of the frame to the base resolution
 * (shaders/downsample.wgsl; reference: src/gpu/reference/downsample.ts). Each instance
 * has its own rectangle (one for the whole frame, one for the region of interest).
 */
export function createDownsamplePass(device: GPUDevice, label = 'downsample') {
  const gpu = buildComputePass(device, { label, code, bindings: DOWNSAMPLE_BINDINGS });
  const params = device.createBuffer({ label: `${label} params`, size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** The uniform holding the rectangle (vec4f at offset 0): a GPU pass may copy a rectangle into it. */
    rectTarget: params,
    /** Sets the source rectangle in pixels for the following frames. */
    setRect(rect: Rect): void {
      device.queue.writeBuffer(params, 0, new Float32Array([rect.x, rect.y, rect.width, rect.height]));
    },
    /** Makes the bind group for one set of textures (once per size, not per frame). */
    bind(io: DownsampleIO): { group: GPUBindGroup; width: number; height: number } {
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
