import code from '../../../shaders/rvm_fuse.wgsl?raw';
import { buildComputePass, dispatch2d, storageTexture, texture } from '../pass';

/** Bind group of shaders/rvm_fuse.wgsl, by WGSL name. */
export const RVM_FUSE_BINDINGS = { coarse: texture(), fine: texture(), prior: storageTexture('r32float') };

/**
 * Robust Video Matting's alpha at two scales → the prior (shaders/rvm_fuse.wgsl; reference:
 * src/gpu/reference/rvmFuse.ts): the fine scale's alpha, its holes filled where the coarse
 * scale is sure of the foreground.
 */
export function createRvmFusePass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'rvm-fuse', code, bindings: RVM_FUSE_BINDINGS });
  return {
    /**
     * @param io.coarse, io.fine r32float alpha in 0..1 at the prior's size, TEXTURE_BINDING
     * @param io.prior r32float with STORAGE_BINDING, written in full
     * @throws RangeError when the sizes differ
     */
    bind(io: { coarse: GPUTexture; fine: GPUTexture; prior: GPUTexture }): { group: GPUBindGroup; width: number; height: number } {
      const { width, height } = io.prior;
      for (const t of [io.coarse, io.fine]) {
        if (t.width !== width || t.height !== height) throw new RangeError(`rvm-fuse: ${t.label || 'an input'} is ${t.width}×${t.height}, the prior ${width}×${height}`);
      }
      return { group: gpu.bind(io), width, height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {},
  };
}
