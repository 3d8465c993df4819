import plateGain from '../../../shaders/plate_gain.wgsl?raw';
import shader from '../../../shaders/coarse.wgsl?raw';
import { buildComputePass, dispatch2d, readStorage, storageTexture, texture, uniform } from '../pass';

const code = plateGain + shader;

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

/** Bind group of shaders/coarse.wgsl (after shaders/plate_gain.wgsl), by WGSL name. */
export const COARSE_BINDINGS = {
  frame: texture(),
  plate: texture(),
  prior: texture(),
  stats: readStorage(),
  err: storageTexture('r32float'),
  fgSeed: storageTexture('rgba16float'),
  bgSeed: storageTexture('rgba16float'),
  params: uniform(),
};

/**
 * Coarse stage at 1/4 resolution: predicted error and colour seeds
 * (shaders/coarse.wgsl; reference: src/gpu/reference/coarse.ts).
 */
export function createCoarsePass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'coarse', code, bindings: COARSE_BINDINGS });
  const params = device.createBuffer({ label: 'coarse params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** Whether a plate is in use for the following frames. */
    setHasPlate(hasPlate: boolean): void {
      device.queue.writeBuffer(params, 0, new Uint32Array([hasPlate ? 1 : 0, 0, 0, 0]));
    },
    bind(io: CoarseIO): { group: GPUBindGroup; width: number; height: number } {
      const { frame, plate, prior, stats, err, fgSeed, bgSeed } = io;
      const group = gpu.bind({ frame, plate, prior, stats, err, fgSeed, bgSeed, params });
      return { group, width: io.err.width, height: io.err.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
