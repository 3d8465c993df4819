import halfPixelBilinear from '../../../shaders/half_pixel_bilinear.wgsl?raw';
import shader from '../../../shaders/rvm_fgr.wgsl?raw';
import { buildComputePass, dispatch2d, readStorage, storageTexture, texture, uniform } from '../pass';

const code = halfPixelBilinear + shader;

/** Bind group of shaders/rvm_fgr.wgsl (after shaders/half_pixel_bilinear.wgsl), by WGSL name. */
export const RVM_FGR_BINDINGS = {
  fgr: readStorage(),
  src: readStorage(),
  frame: texture(),
  fine: texture(),
  prior: texture(),
  dst: storageTexture('rgba8unorm'),
  params: uniform(),
};

/**
 * Robust Video Matting's foreground colour at the frame's size (shaders/rvm_fgr.wgsl; reference:
 * src/gpu/reference/rvmFgr.ts): the frame plus RVM's residual fgr − src, resampled bilinearly,
 * where the prior is the residual's scale's alpha. One instance per use: bind() sets its
 * parameters (the tensors' size).
 */
export function createRvmFgrPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'rvm-fgr', code, bindings: RVM_FGR_BINDINGS });
  const params = device.createBuffer({ label: 'rvm-fgr params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /**
     * @param io.fgr, io.src NHWC float32 [1,height,width,3] in 0..1 (STORAGE): RVM's output and input
     * @param io.frame rgba8unorm, io.fine and io.prior r32float alpha in 0..1: the frame's size
     * @param io.dst rgba8unorm with STORAGE_BINDING, the frame's size, written in full (a = 0.5)
     * @throws RangeError when a buffer is too small or the textures' sizes differ
     */
    bind(io: { fgr: GPUBuffer; src: GPUBuffer; width: number; height: number; frame: GPUTexture; fine: GPUTexture; prior: GPUTexture; dst: GPUTexture }): { group: GPUBindGroup; width: number; height: number } {
      const size = io.width * io.height * 12;
      for (const [name, b] of [['fgr', io.fgr], ['src', io.src]] as const) {
        if (b.size < size) throw new RangeError(`rvm-fgr: ${name} has ${b.size} bytes, [1,${io.height},${io.width},3] needs ${size}`);
      }
      const { width, height } = io.dst;
      for (const t of [io.frame, io.fine, io.prior]) {
        if (t.width !== width || t.height !== height) throw new RangeError(`rvm-fgr: ${t.label || 'an input'} is ${t.width}×${t.height}, the output ${width}×${height}`);
      }
      device.queue.writeBuffer(params, 0, new Uint32Array([io.width, io.height, 0, 0]));
      const group = gpu.bind({ fgr: { buffer: io.fgr, size }, src: { buffer: io.src, size }, frame: io.frame, fine: io.fine, prior: io.prior, dst: io.dst, params });
      return { group, width, height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
