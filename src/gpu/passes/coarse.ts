import plateGain from '../../../shaders/plate_gain.wgsl?raw';
import shader from '../../../shaders/coarse.wgsl?raw';

const code = plateGain + shader;
import { computePipeline, dispatch2d, loadTexture, storageTexture, uniformBuffer } from '../layout';

/** Inputs and outputs of the coarse stage. */
export interface CoarseIO {
  /** Full-resolution frame, rgba8unorm. */
  frame: GPUTexture;
  /** Plate at frame size, rgba8unorm (any texture of that size without a plate). */
  plate: GPUTexture;
  /** Upsampled segmentation prior, r32float. */
  prior: GPUTexture;
  /** Plate statistics (plate_stats), 32 bytes. */
  stats: GPUBuffer;
  /** Outputs at ceil(W/4)×ceil(H/4): err r32float, seeds rgba16float. */
  err: GPUTexture;
  fgSeed: GPUTexture;
  bgSeed: GPUTexture;
}

/**
 * Coarse stage at 1/4 resolution: predicted error and colour seeds
 * (shaders/coarse.wgsl; reference: src/gpu/reference/coarse.ts).
 */
export function createCoarsePass(device: GPUDevice) {
  const { pipeline, layout } = computePipeline(device, 'coarse', code, [
    loadTexture(0),
    loadTexture(1),
    loadTexture(2),
    { binding: 3, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
    storageTexture(4, 'r32float'),
    storageTexture(5, 'rgba16float'),
    storageTexture(6, 'rgba16float'),
    uniformBuffer(7),
  ]);
  const params = device.createBuffer({ label: 'coarse params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** Whether a plate is in use for the following frames. */
    setHasPlate(hasPlate: boolean): void {
      device.queue.writeBuffer(params, 0, new Uint32Array([hasPlate ? 1 : 0, 0, 0, 0]));
    },
    bind(io: CoarseIO): { group: GPUBindGroup; width: number; height: number } {
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: io.frame.createView() },
          { binding: 1, resource: io.plate.createView() },
          { binding: 2, resource: io.prior.createView() },
          { binding: 3, resource: { buffer: io.stats } },
          { binding: 4, resource: io.err.createView() },
          { binding: 5, resource: io.fgSeed.createView() },
          { binding: 6, resource: io.bgSeed.createView() },
          { binding: 7, resource: { buffer: params } },
        ],
      });
      return { group, width: io.err.width, height: io.err.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, pipeline, b.group, b.width, b.height);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
