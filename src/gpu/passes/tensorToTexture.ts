import halfPixelBilinear from '../../../shaders/half_pixel_bilinear.wgsl?raw';
import shader from '../../../shaders/tensor_to_texture.wgsl?raw';
import { buildComputePass, dispatch2d, readStorage, storageTexture, uniform } from '../pass';

/** Where one channel comes from: a planar NCHW float32 tensor [1, channels, height, width]. */
export interface TensorChannel {
  buffer: GPUBuffer;
  channels: number;
  width: number;
  height: number;
  /** The channel to read, 0..channels−1. */
  channel: number;
}

const code = halfPixelBilinear + shader;

/** Bind group of shaders/tensor_to_texture.wgsl (after shaders/half_pixel_bilinear.wgsl), by WGSL name. */
export const TENSOR_TO_TEXTURE_BINDINGS = { tensor: readStorage(), dst: storageTexture('r32float'), params: uniform() };

/**
 * One channel of a network output tensor left on the GPU → an r32float texture of any size,
 * bilinear with align_corners = False (shaders/tensor_to_texture.wgsl; reference:
 * src/gpu/reference/tensorToTexture.ts). One instance per use: bind() sets the instance's
 * parameters (channel, size, clamping).
 */
export function createTensorToTexturePass(device: GPUDevice, label = 'tensor-to-texture') {
  const gpu = buildComputePass(device, { label, code, bindings: TENSOR_TO_TEXTURE_BINDINGS });
  const params = device.createBuffer({ label: `${label} params`, size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /**
     * @param io.dst r32float texture with STORAGE_BINDING, written in full
     * @param clamp01 clamp the values to 0..1 (alpha)
     * @throws RangeError when the channel is out of range or the buffer too small
     */
    bind(io: { src: TensorChannel; dst: GPUTexture }, clamp01 = false): { group: GPUBindGroup; width: number; height: number } {
      const { buffer, channels, width, height, channel } = io.src;
      if (!Number.isInteger(channel) || channel < 0 || channel >= channels) throw new RangeError(`tensor-to-texture: channel ${channel} of ${channels}`);
      const need = channels * width * height * 4;
      if (buffer.size < need) throw new RangeError(`tensor-to-texture: buffer has ${buffer.size} bytes, [1,${channels},${height},${width}] needs ${need}`);
      device.queue.writeBuffer(params, 0, new Uint32Array([channel, width, height, clamp01 ? 1 : 0]));
      const group = gpu.bind({ tensor: { buffer, size: need }, dst: io.dst, params });
      return { group, width: io.dst.width, height: io.dst.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
