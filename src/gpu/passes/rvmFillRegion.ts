import core from '../../../shaders/rvm_fill_core.wgsl?raw';
import fillRamp from '../../../shaders/rvm_fill_ramp.wgsl?raw';
import region from '../../../shaders/rvm_fill_region.wgsl?raw';
import { buildComputePass, dispatch2d, storageTexture, texture } from '../pass';

/**
 * The radius, in texels of the coarse scale's grid, of the disk the fill region is opened with:
 * regions narrower than about twice this (8 texels: 32 pixels of a 1280×720 frame, 16 of a
 * 640×360 one) are not filled. Measured with ../shared/eval/dev and RVM's graph on the CPU
 * (README, *Robust Video Matting*): radii 3, 4 and 5 all gave about the same.
 */
export const RVM_FILL_RADIUS = 4;

/** Bind group of shaders/rvm_fill_core.wgsl (after shaders/rvm_fill_ramp.wgsl), by WGSL name. */
export const RVM_FILL_CORE_BINDINGS = { coarse: texture(), fine: texture(), core: storageTexture('r32float') };
/** Bind group of shaders/rvm_fill_region.wgsl, by WGSL name. */
export const RVM_FILL_REGION_BINDINGS = { core: texture(), region: storageTexture('r32float') };

/** The bind groups of one fill region: the core, then the region, each with its grid size. */
export interface RvmFillRegionBinding {
  core: GPUBindGroup;
  region: GPUBindGroup;
  width: number;
  height: number;
}

/**
 * Where Robust Video Matting's coarse scale may fill the fine one (shaders/rvm_fill_core.wgsl,
 * then shaders/rvm_fill_region.wgsl; reference: rvmFillRegionReference in
 * src/gpu/reference/rvmFuse.ts): a morphological opening, on the coarse scale's grid, of the
 * texels where the fill would raise alpha. Read by the fusion (src/gpu/passes/rvmFuse.ts).
 */
export function createRvmFillRegionPass(device: GPUDevice) {
  const constants = { RADIUS: RVM_FILL_RADIUS };
  const coreGpu = buildComputePass(device, { label: 'rvm-fill-core', code: fillRamp + core, bindings: RVM_FILL_CORE_BINDINGS, constants });
  const regionGpu = buildComputePass(device, { label: 'rvm-fill-region', code: region, bindings: RVM_FILL_REGION_BINDINGS, constants });
  return {
    /**
     * @param io.coarse, io.fine r32float alpha in 0..1 at the frame's size, TEXTURE_BINDING
     * @param io.core r32float with TEXTURE_BINDING | STORAGE_BINDING, the grid's size (scratch)
     * @param io.region r32float with STORAGE_BINDING, the grid's size: written in full, 1 inside, 0 outside
     * @throws RangeError when coarse and fine differ in size, core and region differ, or the grid is larger than the frame
     */
    bind(io: { coarse: GPUTexture; fine: GPUTexture; core: GPUTexture; region: GPUTexture }): RvmFillRegionBinding {
      const { width, height } = io.region;
      if (io.coarse.width !== io.fine.width || io.coarse.height !== io.fine.height) {
        throw new RangeError(`rvm-fill-region: coarse ${io.coarse.width}×${io.coarse.height} vs fine ${io.fine.width}×${io.fine.height}`);
      }
      if (io.core.width !== width || io.core.height !== height) throw new RangeError(`rvm-fill-region: core ${io.core.width}×${io.core.height} vs region ${width}×${height}`);
      if (width > io.fine.width || height > io.fine.height) throw new RangeError(`rvm-fill-region: the grid ${width}×${height} is larger than the frame ${io.fine.width}×${io.fine.height}`);
      return {
        core: coreGpu.bind({ coarse: io.coarse, fine: io.fine, core: io.core }),
        region: regionGpu.bind({ core: io.core, region: io.region }),
        width,
        height,
      };
    },
    encode(encoder: GPUCommandEncoder, b: RvmFillRegionBinding): void {
      dispatch2d(encoder, coreGpu.pipelines.main, b.core, b.width, b.height);
      dispatch2d(encoder, regionGpu.pipelines.main, b.region, b.width, b.height);
    },
    dispose(): void {},
  };
}
