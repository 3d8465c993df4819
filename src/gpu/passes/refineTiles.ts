import plateGain from '../../../shaders/plate_gain.wgsl?raw';
import shader from '../../../shaders/refine_tiles.wgsl?raw';

const code = plateGain + shader;
import { dispatchIndirect, filterTexture, loadTexture, storageTexture, uniformBuffer } from '../layout';
import type { TileBuffers } from './selectTiles';
import { DEFAULT_REFINE_PARAMS, type RefineParams } from '../params/refine';

/** Inputs and outputs of the sparse refiner. */
export interface RefineTilesIO {
  frame: GPUTexture;
  /** Upsampled segmentation prior, r32float. */
  prior: GPUTexture;
  /** Plate at frame size, rgba8unorm (any texture of that size without a plate). */
  plate: GPUTexture;
  /** Push-pull filled foreground / background colours at 1/4 resolution, rgba16float. */
  fgFill: GPUTexture;
  bgFill: GPUTexture;
  /** Plate statistics, 32 bytes. */
  stats: GPUBuffer;
  buffers: TileBuffers;
  /** Outputs written on the selected tiles only: alpha r32float, fgr rgba8unorm (a = 1 where refined). */
  alpha: GPUTexture;
  fgr: GPUTexture;
}

/**
 * Sparse refinement over the selected tiles by indirect dispatch, one workgroup per 8×8
 * tile (shaders/refine_tiles.wgsl; reference: src/gpu/reference/refineTiles.ts).
 */
export function createRefineTilesPass(device: GPUDevice) {
  const ro = (binding: number): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
  const layout = device.createBindGroupLayout({
    label: 'refine-tiles',
    entries: [
      loadTexture(0),
      loadTexture(1),
      loadTexture(2),
      filterTexture(3),
      filterTexture(4),
      ro(5),
      ro(6),
      storageTexture(7, 'r32float'),
      storageTexture(8, 'rgba8unorm'),
      { binding: 9, visibility: GPUShaderStage.COMPUTE, sampler: { type: 'filtering' } },
      uniformBuffer(10),
      ro(11),
    ],
  });
  const pipeline = device.createComputePipeline({
    label: 'refine-tiles',
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module: device.createShaderModule({ label: 'refine-tiles', code }), entryPoint: 'main' },
  });
  const sampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear' });
  const params = device.createBuffer({ label: 'refine params', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    setParams(hasPlate: boolean, p: RefineParams = DEFAULT_REFINE_PARAMS): void {
      const data = new ArrayBuffer(32);
      new Uint32Array(data, 0, 1)[0] = hasPlate ? 1 : 0;
      new Float32Array(data, 4, 3).set([p.tau, p.lambda, p.epsilon]);
      new Uint32Array(data, 16, 1)[0] = p.filterPlate ? 1 : 0;
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: RefineTilesIO): { group: GPUBindGroup; dispatch: GPUBuffer } {
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: io.frame.createView() },
          { binding: 1, resource: io.prior.createView() },
          { binding: 2, resource: io.plate.createView() },
          { binding: 3, resource: io.fgFill.createView() },
          { binding: 4, resource: io.bgFill.createView() },
          { binding: 5, resource: { buffer: io.stats } },
          { binding: 6, resource: { buffer: io.buffers.tiles } },
          { binding: 7, resource: io.alpha.createView() },
          { binding: 8, resource: io.fgr.createView() },
          { binding: 9, resource: sampler },
          { binding: 10, resource: { buffer: params } },
          { binding: 11, resource: { buffer: io.buffers.dispatch } },
        ],
      });
      return { group, dispatch: io.buffers.dispatch };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; dispatch: GPUBuffer }): void {
      dispatchIndirect(encoder, 'refine-tiles', pipeline, b.group, b.dispatch);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
