import code from '../../../shaders/plate_stats.wgsl?raw';
import { computePipeline, dispatch2d, loadTexture } from '../layout';

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

/**
 * Sums of frame and plate colours over the background at 1/4 resolution
 * (shaders/plate_stats.wgsl; reference: src/gpu/reference/plateStats.ts).
 */
export function createPlateStatsPass(device: GPUDevice) {
  const { pipeline, layout } = computePipeline(device, 'plate-stats', code, [
    loadTexture(0),
    loadTexture(1),
    loadTexture(2),
    { binding: 3, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
  ]);
  return {
    bind(io: PlateStatsIO): { group: GPUBindGroup; width: number; height: number; stats: GPUBuffer } {
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: io.frame.createView() },
          { binding: 1, resource: io.plate.createView() },
          { binding: 2, resource: io.prior.createView() },
          { binding: 3, resource: { buffer: io.stats } },
        ],
      });
      return { group, width: Math.ceil(io.frame.width / 4), height: Math.ceil(io.frame.height / 4), stats: io.stats };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number; stats: GPUBuffer }): void {
      encoder.clearBuffer(b.stats);
      dispatch2d(encoder, pipeline, b.group, b.width, b.height);
    },
    dispose(): void {},
  };
}
