import code from '../../../shaders/roi_box.wgsl?raw';
import { buildComputePass, readStorage, storage, uniform } from '../pass';

/** Bytes of a rectangle buffer: vec4f (x, y, width, height) in full-res pixels. */
export const RECT_BYTES = 16;

/** Inputs and outputs of one region-of-interest step. */
export interface RoiBoxIO {
  /** Person confidence over `prev`: row-major float32 in 0..1, the pass's mask size (STORAGE buffer: the network's output). */
  mask: GPUBuffer;
  /** The rectangle the mask covers (STORAGE buffer, RECT_BYTES). */
  prev: GPUBuffer;
  /** The next rectangle (STORAGE buffer, RECT_BYTES; COPY_SRC to feed uniforms). */
  next: GPUBuffer;
}

/** Bind group of shaders/roi_box.wgsl, by WGSL name. */
export const ROI_BOX_BINDINGS = { mask: readStorage(), prev: readStorage(), next: storage(), params: uniform() };

/**
 * The person's region of interest computed on the GPU from a mask (shaders/roi_box.wgsl),
 * the twin of personRoi() in src/pipeline/roi.ts, which is its reference: one workgroup
 * finds the box of mask > 0.5 and writes the grown, aspect-fitted rectangle (or `prev`
 * when there is no person or no zoom to gain).
 * @param maskWidth the mask's size in texels (the base network's output)
 * @param margin growth of the person's box on each side, a fraction of its size (ROI_MARGIN)
 * @param maxArea share of the frame above which the rectangle stays `prev` (ROI_MAX_AREA)
 */
export function createRoiBoxPass(device: GPUDevice, maskWidth: number, maskHeight: number, margin: number, maxArea: number) {
  const gpu = buildComputePass(device, { label: 'roi-box', code, bindings: ROI_BOX_BINDINGS });
  const params = device.createBuffer({ label: 'roi-box params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const data = new ArrayBuffer(16);
  new Float32Array(data, 0, 2).set([margin, maxArea]);
  new Uint32Array(data, 8, 2).set([maskWidth, maskHeight]);
  device.queue.writeBuffer(params, 0, data);
  const bytes = maskWidth * maskHeight * 4;
  return {
    /** @throws RangeError when the mask buffer is smaller than maskWidth × maskHeight floats */
    bind(io: RoiBoxIO): GPUBindGroup {
      if (io.mask.size < bytes) throw new RangeError(`roi-box: mask has ${io.mask.size} bytes, ${maskWidth}×${maskHeight} needs ${bytes}`);
      return gpu.bind({ mask: { buffer: io.mask, size: bytes }, prev: { buffer: io.prev, size: RECT_BYTES }, next: { buffer: io.next, size: RECT_BYTES }, params });
    },
    encode(encoder: GPUCommandEncoder, group: GPUBindGroup): void {
      const pass = encoder.beginComputePass({ label: 'roi-box' });
      pass.setPipeline(gpu.pipelines.main);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(1);
      pass.end();
    },
    dispose(): void {
      params.destroy();
    },
  };
}
