import plateGain from '../../../shaders/plate_gain.wgsl?raw';
import shader from '../../../shaders/prior_overrule.wgsl?raw';
import { buildComputePass, dispatch2d, readStorage, storageTexture, texture } from '../pass';

const code = plateGain + shader;

/** Inputs and output of the prior overrule. */
export interface PriorOverruleIO {
  /** Full-resolution frame, rgba8unorm. */
  frame: GPUTexture;
  /** The background memory as a plate, rgba8unorm (a ≥ 0.5 where known). */
  plate: GPUTexture;
  /** Plate statistics of this frame against it (plate_stats), 32 bytes: the gain g. */
  stats: GPUBuffer;
  /** The upsampled prior, r32float: set to 0 on the overruled blocks, untouched elsewhere. */
  prior: GPUTexture;
}

/** Bind group of shaders/prior_overrule.wgsl (after shaders/plate_gain.wgsl), by WGSL name. */
export const PRIOR_OVERRULE_BINDINGS = {
  frame: texture(),
  plate: texture(),
  stats: readStorage(),
  prior: storageTexture('r32float'),
};

/**
 * Sets the prior to background on 4×4 blocks where the background memory knows the background
 * and the frame matches it (shaders/prior_overrule.wgsl; reference: src/gpu/reference/priorOverrule.ts).
 */
export function createPriorOverrulePass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'prior-overrule', code, bindings: PRIOR_OVERRULE_BINDINGS });
  return {
    bind(io: PriorOverruleIO): { group: GPUBindGroup; width: number; height: number } {
      const group = gpu.bind({ frame: io.frame, plate: io.plate, stats: io.stats, prior: io.prior });
      return { group, width: Math.ceil(io.frame.width / 4), height: Math.ceil(io.frame.height / 4) };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
  };
}
