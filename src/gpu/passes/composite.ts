import fullscreen from '../../../shaders/fullscreen.wgsl?raw';
import shader from '../../../shaders/composite.wgsl?raw';
import type { CompositeParams } from '../params/composite';
import { buildRenderPass, drawFullscreen, filteredTexture, sampler, texture, uniform } from '../pass';

const code = fullscreen + shader;

/** Inputs and output of the compositor. */
export interface CompositeIO {
  /** Full-resolution frame F, rgba8unorm. */
  frame: GPUTexture;
  /** Full-resolution alpha, r32float in 0..1. */
  alpha: GPUTexture;
  /** Mask-weighted blur (rgb·w, w), rgba16float, any size. */
  blurred: GPUTexture;
  /** Background image for `image` mode, rgba8unorm, any size. */
  background: GPUTexture;
  /** Refiner foreground, rgba8unorm, frame size: (F, 1) where refined, a = 0 elsewhere. */
  fgr: GPUTexture;
  /** Coarse predicted error, r32float, any size (nearest texel). */
  err: GPUTexture;
  /** Output, rgba8unorm with RENDER_ATTACHMENT, same size as the frame. */
  output: GPUTexture;
}

/** Bind group of shaders/composite.wgsl, by WGSL name (all visible to the fragment stage). */
export const COMPOSITE_BINDINGS = {
  frame: texture(),
  alpha: texture(),
  blurred: filteredTexture(),
  background: filteredTexture(),
  linearSampler: sampler(),
  params: uniform(),
  fgr: texture(),
  err: texture(),
};

/**
 * Compositing αF + (1 − α)B′ for the modes off / blur / image / colour, and the debug
 * views pha / fgr / err / ref (shaders/composite.wgsl; reference: src/gpu/reference/composite.ts).
 */
export function createCompositePass(device: GPUDevice) {
  const gpu = buildRenderPass(device, {
    label: 'composite',
    code,
    bindings: COMPOSITE_BINDINGS,
    vertex: 'vs',
    fragment: 'fs',
    targets: [{ format: 'rgba8unorm' }],
  });
  const linearSampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear', addressModeU: 'clamp-to-edge', addressModeV: 'clamp-to-edge' });
  const params = device.createBuffer({ label: 'composite params', size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** Sets mode, view, colour and background fit for the following frames. */
    setParams(p: CompositeParams): void {
      const data = new ArrayBuffer(48);
      new Float32Array(data, 0, 8).set([...p.color, 1, ...p.bgScale, ...p.bgOffset]);
      new Uint32Array(data, 32, 4).set([p.mode, p.view, 0, 0]);
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: CompositeIO): { group: GPUBindGroup; output: GPUTextureView } {
      const { frame, alpha, blurred, background, fgr, err } = io;
      const group = gpu.bind({ frame, alpha, blurred, background, linearSampler, params, fgr, err });
      return { group, output: io.output.createView() };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; output: GPUTextureView }, ts?: GPURenderPassTimestampWrites): void {
      drawFullscreen(encoder, gpu.pipeline, b.group, b.output, 'clear', ts);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
