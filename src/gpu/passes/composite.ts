import code from '../../../shaders/composite.wgsl?raw';
import type { CompositeParams } from '../params/composite';
import { filterTexture, loadTexture, uniformBuffer } from '../layout';

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

const FRAGMENT = GPUShaderStage.FRAGMENT;

/**
 * Compositing αF + (1 − α)B′ for the modes off / blur / image / colour, and the debug
 * views pha / fgr / err / ref (shaders/composite.wgsl; reference: src/gpu/reference/composite.ts).
 */
export function createCompositePass(device: GPUDevice) {
  const layout = device.createBindGroupLayout({
    label: 'composite',
    entries: [
      loadTexture(0, FRAGMENT),
      loadTexture(1, FRAGMENT),
      filterTexture(2, FRAGMENT),
      filterTexture(3, FRAGMENT),
      { binding: 4, visibility: FRAGMENT, sampler: { type: 'filtering' } },
      uniformBuffer(5, FRAGMENT),
      loadTexture(6, FRAGMENT),
      loadTexture(7, FRAGMENT),
    ],
  });
  const module = device.createShaderModule({ label: 'composite', code });
  const pipeline = device.createRenderPipeline({
    label: 'composite',
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    vertex: { module, entryPoint: 'vs' },
    fragment: { module, entryPoint: 'fs', targets: [{ format: 'rgba8unorm' }] },
    primitive: { topology: 'triangle-list' },
  });
  const sampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear', addressModeU: 'clamp-to-edge', addressModeV: 'clamp-to-edge' });
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
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: io.frame.createView() },
          { binding: 1, resource: io.alpha.createView() },
          { binding: 2, resource: io.blurred.createView() },
          { binding: 3, resource: io.background.createView() },
          { binding: 4, resource: sampler },
          { binding: 5, resource: { buffer: params } },
          { binding: 6, resource: io.fgr.createView() },
          { binding: 7, resource: io.err.createView() },
        ],
      });
      return { group, output: io.output.createView() };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; output: GPUTextureView }, ts?: GPURenderPassTimestampWrites): void {
      const pass = encoder.beginRenderPass({
        colorAttachments: [{ view: b.output, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] }],
        ...(ts ? { timestampWrites: ts } : {}),
      });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, b.group);
      pass.draw(3);
      pass.end();
    },
    dispose(): void {
      params.destroy();
    },
  };
}
