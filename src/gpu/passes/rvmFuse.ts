import fillRamp from '../../../shaders/rvm_fill_ramp.wgsl?raw';
import shader from '../../../shaders/rvm_fuse.wgsl?raw';
import { buildComputePass, dispatch2d, storageTexture, texture } from '../pass';

const code = fillRamp + shader;

/** Bind group of shaders/rvm_fuse.wgsl (after shaders/rvm_fill_ramp.wgsl), by WGSL name. */
export const RVM_FUSE_BINDINGS = { coarse: texture(), fine: texture(), region: texture(), prior: storageTexture('r32float') };

/**
 * Robust Video Matting's alpha at two scales → the prior (shaders/rvm_fuse.wgsl; reference:
 * src/gpu/reference/rvmFuse.ts): the fine scale's alpha, its holes filled where the coarse
 * scale is sure of the foreground, inside the fill region (src/gpu/passes/rvmFillRegion.ts).
 */
export function createRvmFusePass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'rvm-fuse', code, bindings: RVM_FUSE_BINDINGS });
  return {
    /**
     * @param io.coarse, io.fine r32float alpha in 0..1 at the prior's size, TEXTURE_BINDING
     * @param io.region r32float 1/0 on the fill region's grid (any size up to the prior's), TEXTURE_BINDING
     * @param io.prior r32float with STORAGE_BINDING, written in full
     * @throws RangeError when coarse or fine is not the prior's size, or the grid is larger than it
     */
    bind(io: { coarse: GPUTexture; fine: GPUTexture; region: GPUTexture; prior: GPUTexture }): { group: GPUBindGroup; width: number; height: number } {
      const { width, height } = io.prior;
      for (const t of [io.coarse, io.fine]) {
        if (t.width !== width || t.height !== height) throw new RangeError(`rvm-fuse: ${t.label || 'an input'} is ${t.width}×${t.height}, the prior ${width}×${height}`);
      }
      if (io.region.width > width || io.region.height > height) throw new RangeError(`rvm-fuse: the region's grid ${io.region.width}×${io.region.height} is larger than the prior ${width}×${height}`);
      return { group: gpu.bind(io), width, height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {},
  };
}
