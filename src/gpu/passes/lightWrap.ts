import fullscreen from '../../../shaders/fullscreen.wgsl?raw';
import shader from '../../../shaders/light_wrap.wgsl?raw';
import { buildRenderPass, drawFullscreen, filteredTexture, sampler, texture, uniform } from '../pass';

const code = fullscreen + shader;

/** Inputs and output of the light wrap's second step. */
export interface LightWrapIO {
  /** Full-resolution alpha, r32float in 0..1. */
  alpha: GPUTexture;
  /** The blurred (B′·(1 − α), 1 − α), rgba16float, any size (sampled bilinearly). */
  wrap: GPUTexture;
  /** The composite, rgba8unorm with RENDER_ATTACHMENT: blended over in place. */
  output: GPUTexture;
}

/** Bind group of shaders/light_wrap.wgsl, by WGSL name (visible to the fragment stage). */
export const LIGHT_WRAP_BINDINGS = { alpha: texture(), wrap: filteredTexture(), linearSampler: sampler(), params: uniform() };

/**
 * The new background's light over the person's edge: out′ = mix(out, L, strength · α · b)
 * (shaders/light_wrap.wgsl; reference: src/gpu/reference/lightWrap.ts), drawn over the output
 * with blending (src-alpha, one-minus-src-alpha on colour; the output's alpha is kept).
 */
export function createLightWrapPass(device: GPUDevice) {
  const gpu = buildRenderPass(device, {
    label: 'light-wrap',
    code,
    bindings: LIGHT_WRAP_BINDINGS,
    vertex: 'vs',
    fragment: 'fs',
    targets: [
      {
        format: 'rgba8unorm',
        blend: {
          color: { srcFactor: 'src-alpha', dstFactor: 'one-minus-src-alpha', operation: 'add' },
          alpha: { srcFactor: 'zero', dstFactor: 'one', operation: 'add' },
        },
      },
    ],
  });
  const linearSampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear', addressModeU: 'clamp-to-edge', addressModeV: 'clamp-to-edge' });
  const params = device.createBuffer({ label: 'light-wrap params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** Sets the strength (options.lightWrap, 0..1) for the following frames. */
    setStrength(strength: number): void {
      device.queue.writeBuffer(params, 0, new Float32Array([strength, 0, 0, 0]));
    },
    bind(io: LightWrapIO): { group: GPUBindGroup; output: GPUTextureView } {
      const group = gpu.bind({ alpha: io.alpha, wrap: io.wrap, linearSampler, params });
      return { group, output: io.output.createView() };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; output: GPUTextureView }): void {
      drawFullscreen(encoder, gpu.pipeline, b.group, b.output, 'load');
    },
    dispose(): void {
      params.destroy();
    },
  };
}
