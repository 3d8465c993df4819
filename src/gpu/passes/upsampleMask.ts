import code from '../../../shaders/upsample_mask.wgsl?raw';
import type { Rect } from '../../types/geometry';
import type { UpsampleMaskParams } from '../params/upsample';
import { buildComputePass, dispatch2d, readStorage, storageTexture, texture, uniform } from '../pass';

/** Inputs and outputs of the mask upsampling pass. */
export interface UpsampleMaskIO {
  /** Full-resolution frame (guide), rgba8unorm. */
  frame: GPUTexture;
  /** Whole frame downsampled to the mask size, rgba8unorm. */
  guideFull: GPUTexture;
  /** Person confidence over the whole frame, row-major float32 in 0..1 of the guides' size (STORAGE buffer). */
  maskFull: GPUBuffer;
  /** ROI downsampled to the mask size, rgba8unorm. */
  guideRoi: GPUTexture;
  /** Person confidence over the ROI, likewise. */
  maskRoi: GPUBuffer;
  /** Full-resolution alpha, r32float with STORAGE_BINDING, written in 0..1. */
  alpha: GPUTexture;
}

/** Bind group of shaders/upsample_mask.wgsl, by WGSL name. */
export const UPSAMPLE_MASK_BINDINGS = {
  frame: texture(),
  guideFull: texture(),
  maskFull: readStorage(),
  guideRoi: texture(),
  maskRoi: readStorage(),
  alphaOut: storageTexture('r32float'),
  params: uniform(),
};

/**
 * Joint bilateral upsampling of the coarse masks (whole frame and region of interest) to
 * full resolution, guided by the frame so edges follow the image (Kopf et al., SIGGRAPH
 * 2007). WGSL: shaders/upsample_mask.wgsl; reference: src/gpu/reference/upsampleMask.ts.
 */
export function createUpsampleMaskPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'upsample-mask', code, bindings: UPSAMPLE_MASK_BINDINGS });
  const params = device.createBuffer({ label: 'upsample-mask params', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** The uniform whose first vec4f is the ROI: a GPU pass may copy a rectangle into it (after setParams). */
    rectTarget: params,
    /** Sets the filter parameters and the ROI (full-res pixels) for the following frames. */
    setParams(p: UpsampleMaskParams, roi: Rect): void {
      const data = new ArrayBuffer(32);
      new Float32Array(data, 0, 6).set([roi.x, roi.y, roi.width, roi.height, p.sigmaSpatial, p.sigmaRange]);
      new Int32Array(data, 24, 1)[0] = p.radius;
      new Float32Array(data, 28, 1)[0] = p.feather;
      device.queue.writeBuffer(params, 0, data);
    },
    /** @throws RangeError when a mask buffer is smaller than its guide */
    bind(io: UpsampleMaskIO): { group: GPUBindGroup; width: number; height: number } {
      for (const [name, buffer, guide] of [['maskFull', io.maskFull, io.guideFull], ['maskRoi', io.maskRoi, io.guideRoi]] as const) {
        const need = guide.width * guide.height * 4;
        if (buffer.size < need) throw new RangeError(`upsample-mask: ${name} has ${buffer.size} bytes, the ${guide.width}×${guide.height} guide needs ${need}`);
      }
      const group = gpu.bind({
        frame: io.frame,
        guideFull: io.guideFull,
        maskFull: { buffer: io.maskFull, size: io.guideFull.width * io.guideFull.height * 4 },
        guideRoi: io.guideRoi,
        maskRoi: { buffer: io.maskRoi, size: io.guideRoi.width * io.guideRoi.height * 4 },
        alphaOut: io.alpha,
        params,
      });
      return { group, width: io.alpha.width, height: io.alpha.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }, ts?: GPUComputePassTimestampWrites): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height, ts);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
