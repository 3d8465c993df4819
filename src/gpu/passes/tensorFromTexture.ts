import code from '../../../shaders/tensor_from_texture.wgsl?raw';
import { buildComputePass, dispatch2d, storage, texture } from '../pass';
import { tensorBytes } from '../../types/tensor';

/** Bind group of shaders/tensor_from_texture.wgsl, by WGSL name. */
export const TENSOR_FROM_TEXTURE_BINDINGS = { src: texture(), tensor: storage() };

/** Tensor layouts the pass writes: planar [1, 3, H, W] or interleaved [1, H, W, 3]. */
export type TensorLayout = 'nchw' | 'nhwc';

/**
 * Writes a texture's RGB as the network input tensor, float32 in 0..1, [1, 3, H, W] (planar,
 * NCHW; onnxruntime-web's models) or [1, H, W, 3] (interleaved, NHWC; TensorFlow.js graphs)
 * into a storage buffer (shaders/tensor_from_texture.wgsl; reference:
 * src/gpu/reference/tensorFromTexture.ts).
 */
export function createTensorFromTexturePass(device: GPUDevice, layout: TensorLayout = 'nchw') {
  const entryPoint = layout === 'nchw' ? 'main' : 'nhwc';
  const gpu = buildComputePass(device, { label: `tensor-from-texture ${layout}`, code, bindings: TENSOR_FROM_TEXTURE_BINDINGS, entryPoints: [entryPoint] });
  return {
    /**
     * @param io.src W×H texture (rgba8unorm or any float format)
     * @param io.tensor STORAGE buffer of at least tensorBytes(W, H) bytes
     * @throws RangeError when the buffer is too small
     */
    bind(io: { src: GPUTexture; tensor: GPUBuffer }): { group: GPUBindGroup; width: number; height: number } {
      const need = tensorBytes(io.src.width, io.src.height);
      if (io.tensor.size < need) throw new RangeError(`tensor-from-texture: buffer has ${io.tensor.size} bytes, needs ${need}`);
      const group = gpu.bind({ src: io.src, tensor: { buffer: io.tensor, size: need } });
      return { group, width: io.src.width, height: io.src.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines[entryPoint], b.group, b.width, b.height);
    },
    dispose(): void {},
  };
}
