import code from '../../../shaders/tensor_from_texture.wgsl?raw';
import { computePipeline, dispatch2d, loadTexture } from '../layout';
import { tensorBytes } from '../../types/tensor';

/**
 * Writes a texture's RGB as the network input tensor [1, 3, H, W] float32 in 0..1 (planar,
 * NCHW) into a storage buffer (shaders/tensor_from_texture.wgsl; reference:
 * src/gpu/reference/tensorFromTexture.ts).
 */
export function createTensorFromTexturePass(device: GPUDevice) {
  const { pipeline, layout } = computePipeline(device, 'tensor-from-texture', code, [
    loadTexture(0),
    { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
  ]);
  return {
    /**
     * @param io.src W×H texture (rgba8unorm or any float format)
     * @param io.tensor STORAGE buffer of at least tensorBytes(W, H) bytes
     * @throws RangeError when the buffer is too small
     */
    bind(io: { src: GPUTexture; tensor: GPUBuffer }): { group: GPUBindGroup; width: number; height: number } {
      const need = tensorBytes(io.src.width, io.src.height);
      if (io.tensor.size < need) throw new RangeError(`tensor-from-texture: buffer has ${io.tensor.size} bytes, needs ${need}`);
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: io.src.createView() },
          { binding: 1, resource: { buffer: io.tensor, size: need } },
        ],
      });
      return { group, width: io.src.width, height: io.src.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, pipeline, b.group, b.width, b.height);
    },
    dispose(): void {},
  };
}
