import plateGain from '../../../shaders/plate_gain.wgsl?raw';
import shader from '../../../shaders/refine_tiles.wgsl?raw';
import { buildComputePass, dispatchIndirect, filteredTexture, readStorage, sampler, storage, storageTexture, texture, uniform } from '../pass';
import type { TileBuffers } from './selectTiles';
import { DEFAULT_REFINE_PARAMS, type RefineParams } from '../params/refine';

const code = plateGain + shader;

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

/** Bind group of shaders/refine_tiles.wgsl (after shaders/plate_gain.wgsl), by WGSL name. */
export const REFINE_TILES_BINDINGS = {
  frame: texture(),
  prior: texture(),
  plate: texture(),
  fgFill: filteredTexture(),
  bgFill: filteredTexture(),
  stats: readStorage(),
  tiles: readStorage(),
  alphaOut: storageTexture('r32float'),
  fgrOut: storageTexture('rgba8unorm'),
  linearSampler: sampler(),
  params: uniform(),
  dispatch: readStorage(),
  plateTiles: storage(),
};

/**
 * Sparse refinement over the selected tiles by indirect dispatch, one workgroup per 8×8
 * tile (shaders/refine_tiles.wgsl; reference: src/gpu/reference/refineTiles.ts).
 */
export function createRefineTilesPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'refine-tiles', code, bindings: REFINE_TILES_BINDINGS });
  const linearSampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear' });
  const params = device.createBuffer({ label: 'refine params', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    setParams(hasPlate: boolean, p: RefineParams = DEFAULT_REFINE_PARAMS): void {
      const data = new ArrayBuffer(32);
      new Uint32Array(data, 0, 1)[0] = hasPlate ? 1 : 0;
      new Float32Array(data, 4, 3).set([p.tau, p.lambda, p.epsilon]);
      new Uint32Array(data, 16, 1)[0] = p.filterPlate ? 1 : 0;
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: RefineTilesIO): { group: GPUBindGroup; dispatch: GPUBuffer; plateTiles: GPUBuffer } {
      const group = gpu.bind({
        frame: io.frame,
        prior: io.prior,
        plate: io.plate,
        fgFill: io.fgFill,
        bgFill: io.bgFill,
        stats: io.stats,
        tiles: io.buffers.tiles,
        alphaOut: io.alpha,
        fgrOut: io.fgr,
        linearSampler,
        params,
        dispatch: io.buffers.dispatch,
        plateTiles: io.buffers.plateTiles,
      });
      return { group, dispatch: io.buffers.dispatch, plateTiles: io.buffers.plateTiles };
    },
    /** Records the refinement; TileBuffers.plateTiles counts this frame's tiles refined with the plate. */
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; dispatch: GPUBuffer; plateTiles: GPUBuffer }): void {
      encoder.clearBuffer(b.plateTiles);
      dispatchIndirect(encoder, 'refine-tiles', gpu.pipelines.main, b.group, b.dispatch);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
