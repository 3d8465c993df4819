import code from '../../../shaders/roi_box.wgsl?raw';
import { ROI_MARGIN, ROI_MAX_AREA } from '../../worker/roi';
import { computePipeline, loadTexture, uniformBuffer } from '../layout';

/** Bytes of a rectangle buffer: vec4f (x, y, width, height) in full-res pixels. */
export const RECT_BYTES = 16;

/** Inputs and outputs of one region-of-interest step. */
export interface RoiBoxIO {
  /** Person confidence over `prev`, r32float in 0..1, the network's output size. */
  mask: GPUTexture;
  /** The rectangle the mask covers (STORAGE buffer, RECT_BYTES). */
  prev: GPUBuffer;
  /** The next rectangle (STORAGE buffer, RECT_BYTES; COPY_SRC to feed uniforms). */
  next: GPUBuffer;
}

/**
 * The person's region of interest computed on the GPU from a mask (shaders/roi_box.wgsl),
 * the twin of personRoi() in src/worker/roi.ts, which is its reference: one workgroup
 * finds the box of mask > 0.5 and writes the grown, aspect-fitted rectangle (or `prev`
 * when there is no person or no zoom to gain).
 */
export function createRoiBoxPass(device: GPUDevice, margin = ROI_MARGIN, maxArea = ROI_MAX_AREA) {
  const ro = { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } } as const;
  const rw = { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } } as const;
  const { pipeline, layout } = computePipeline(device, 'roi-box', code, [loadTexture(0), ro, rw, uniformBuffer(3)]);
  const params = device.createBuffer({ label: 'roi-box params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(params, 0, new Float32Array([margin, maxArea, 0, 0]));
  return {
    bind(io: RoiBoxIO): GPUBindGroup {
      return device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: io.mask.createView() },
          { binding: 1, resource: { buffer: io.prev, size: RECT_BYTES } },
          { binding: 2, resource: { buffer: io.next, size: RECT_BYTES } },
          { binding: 3, resource: { buffer: params } },
        ],
      });
    },
    encode(encoder: GPUCommandEncoder, group: GPUBindGroup): void {
      const pass = encoder.beginComputePass({ label: 'roi-box' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(1);
      pass.end();
    },
    dispose(): void {
      params.destroy();
    },
  };
}
