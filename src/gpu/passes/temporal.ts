import code from '../../../shaders/temporal.wgsl?raw';
import { computePipeline, dispatch2d, loadTexture, storageTexture, uniformBuffer } from '../layout';

/** Inputs and outputs of the temporal smoothing pass (all full resolution). */
export interface TemporalIO {
  frame: GPUTexture;
  framePrev: GPUTexture;
  alpha: GPUTexture;
  alphaPrev: GPUTexture;
  /** r32float output. */
  alphaOut: GPUTexture;
}

/** Frame-difference scale of the motion test, RGB units. */
export const TEMPORAL_SIGMA = 0.03;

/**
 * Motion-aware temporal smoothing of alpha (shaders/temporal.wgsl; reference:
 * src/gpu/reference/temporal.ts).
 */
export function createTemporalPass(device: GPUDevice) {
  const { pipeline, layout } = computePipeline(device, 'temporal', code, [
    loadTexture(0),
    loadTexture(1),
    loadTexture(2),
    loadTexture(3),
    storageTexture(4, 'r32float'),
    uniformBuffer(5),
  ]);
  const params = device.createBuffer({ label: 'temporal params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** @param strength 0..0.9; @param history false on the first frame after a reset */
    setParams(strength: number, history: boolean, sigma = TEMPORAL_SIGMA): void {
      const data = new ArrayBuffer(16);
      new Float32Array(data, 0, 2).set([strength, sigma]);
      new Uint32Array(data, 8, 1)[0] = history ? 1 : 0;
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: TemporalIO): { group: GPUBindGroup; width: number; height: number } {
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: io.frame.createView() },
          { binding: 1, resource: io.framePrev.createView() },
          { binding: 2, resource: io.alpha.createView() },
          { binding: 3, resource: io.alphaPrev.createView() },
          { binding: 4, resource: io.alphaOut.createView() },
          { binding: 5, resource: { buffer: params } },
        ],
      });
      return { group, width: io.alphaOut.width, height: io.alphaOut.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, pipeline, b.group, b.width, b.height);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
