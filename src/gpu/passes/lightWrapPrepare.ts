import code from '../../../shaders/light_wrap_prepare.wgsl?raw';
import type { LightWrapSource } from '../params/lightWrap';
import { buildComputePass, dispatch2d, filteredTexture, sampler, storageTexture, texture, uniform } from '../pass';

/** Inputs and output of the light wrap's first step. */
export interface LightWrapPrepareIO {
  /** Full-resolution alpha, r32float in 0..1. */
  alpha: GPUTexture;
  /** The `image`-mode background, rgba8unorm, any size (bound in colour mode too, unused there). */
  background: GPUTexture;
  /** Output (B′·(1 − α), 1 − α) at ceil(W/factor)×ceil(H/factor), rgba16float with STORAGE_BINDING. */
  dst: GPUTexture;
}

/** Bind group of shaders/light_wrap_prepare.wgsl, by WGSL name. */
export const LIGHT_WRAP_PREPARE_BINDINGS = {
  alpha: texture(),
  background: filteredTexture(),
  linearSampler: sampler(),
  dst: storageTexture('rgba16float'),
  params: uniform(),
};

/**
 * The new background B′ where it shows around the person, downsampled by an integer factor and
 * weighted by the background weight 1 − α (shaders/light_wrap_prepare.wgsl; reference:
 * src/gpu/reference/lightWrap.ts). The Gaussian passes blur it next.
 */
export function createLightWrapPreparePass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'light-wrap-prepare', code, bindings: LIGHT_WRAP_PREPARE_BINDINGS });
  const linearSampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear', addressModeU: 'clamp-to-edge', addressModeV: 'clamp-to-edge' });
  const params = device.createBuffer({ label: 'light-wrap-prepare params', size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** Sets where B′ comes from and the downsampling factor (an integer ≥ 1) for the following frames. */
    setParams(source: LightWrapSource, factor: number): void {
      const data = new ArrayBuffer(48);
      new Float32Array(data, 0, 8).set([...source.color, 1, ...source.bgScale, ...source.bgOffset]);
      new Uint32Array(data, 32, 4).set([factor, source.useImage ? 1 : 0, 0, 0]);
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: LightWrapPrepareIO): { group: GPUBindGroup; width: number; height: number } {
      const group = gpu.bind({ alpha: io.alpha, background: io.background, linearSampler, dst: io.dst, params });
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
