import code from '../../../shaders/background_margin.wgsl?raw';
import { buildComputePass, dispatch2d, storageTexture, texture, uniform } from '../pass';

/** Inputs and outputs of the first half of the background memory's margin test (full resolution). */
export interface BackgroundMarginIO {
  /** This frame's alpha (the temporal stage's alphaOut), r32float 0..1. */
  alpha: GPUTexture;
  /** Out: per pixel the largest alpha at 5 samples along its row, r32float 0..1. */
  rowMax: GPUTexture;
}

/** Bind group of shaders/background_margin.wgsl, by WGSL name. */
export const BACKGROUND_MARGIN_BINDINGS = {
  alpha: texture(),
  rowMax: storageTexture('r32float'),
  params: uniform(),
};

/** The spacing of the margin test's 5×5 samples for a margin of `margin` pixels: half of it, at least 1. */
export function marginStep(margin: number): number {
  return Math.max(Math.trunc(Math.max(1, Math.round(margin)) / 2), 1);
}

/**
 * Row maxima of alpha at 5 samples `step` apart (shaders/background_margin.wgsl; reference:
 * backgroundMarginReference in src/gpu/reference/backgroundMemory.ts): the first, separable
 * half of the background memory's test for confidently-background pixels.
 */
export function createBackgroundMarginPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'background-margin', code, bindings: BACKGROUND_MARGIN_BINDINGS });
  const params = device.createBuffer({ label: 'background-margin params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** @param margin the memory's margin in pixels (≥ 1): samples marginStep(margin) apart */
    setParams(margin: number): void {
      device.queue.writeBuffer(params, 0, new Int32Array([marginStep(margin), 0, 0, 0]));
    },
    bind(io: BackgroundMarginIO): { group: GPUBindGroup; width: number; height: number } {
      const group = gpu.bind({ alpha: io.alpha, rowMax: io.rowMax, params });
      return { group, width: io.rowMax.width, height: io.rowMax.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
