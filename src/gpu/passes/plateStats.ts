import code from '../../../shaders/plate_stats.wgsl?raw';
import { buildComputePass, dispatch2d, storage, texture } from '../pass';

/** Bytes of the plate statistics buffer: 8 × u32 (see shaders/plate_stats.wgsl). */
export const PLATE_STATS_BYTES = 32;
/** Fixed-point scale of the sums. */
export const PLATE_STATS_SCALE = 1024;

/** Inputs and outputs of the plate-statistics pass. */
export interface PlateStatsIO {
  /** Full-resolution frame, rgba8unorm. */
  frame: GPUTexture;
  /** Plate at frame size, rgba8unorm. */
  plate: GPUTexture;
  /** Upsampled segmentation prior, r32float. */
  prior: GPUTexture;
  /** 32-byte STORAGE buffer, cleared by this pass's encode. */
  stats: GPUBuffer;
}

/** Bind group of shaders/plate_stats.wgsl, by WGSL name. */
export const PLATE_STATS_BINDINGS = { frame: texture(), plate: texture(), prior: texture(), stats: storage() };

/**
 * Sums of frame and plate colours over the background at 1/4 resolution
 * (shaders/plate_stats.wgsl; reference: src/gpu/reference/plateStats.ts).
 */
export function createPlateStatsPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'plate-stats', code, bindings: PLATE_STATS_BINDINGS });
  return {
    bind(io: PlateStatsIO): { group: GPUBindGroup; width: number; height: number; stats: GPUBuffer } {
      const group = gpu.bind({ frame: io.frame, plate: io.plate, prior: io.prior, stats: io.stats });
      return { group, width: Math.ceil(io.frame.width / 4), height: Math.ceil(io.frame.height / 4), stats: io.stats };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number; stats: GPUBuffer }): void {
      encoder.clearBuffer(b.stats);
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {},
  };
}
