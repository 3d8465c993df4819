import code from '../../../shaders/fuse_depth.wgsl?raw';
import { InvalidOptionError } from '../../errors';
import type { Rect } from '../../types/geometry';
import { buildComputePass, dispatch2d, storage, texture, uniform } from '../pass';

/**
 * Default share of the fused confidence taken from depth where depth covers a mask texel.
 * At 0.75 depth decides where the two disagree outright: colour 0 / subject 1 fuses to 0.75
 * and colour 1 / subject 0 to 0.25, both outside the smoothstep(0.3, 0.7) ramp that
 * upsample_mask.wgsl applies, so a background the colour model takes for the person (or a
 * person in clothes the colour of the wall) follows depth. A quarter stays with the colour
 * model so that texels depth only partly covers, or covers with a mixed subject share (the
 * body's outline, where registered depth is coarse and has flying pixels), keep the colour
 * model's edge and stay uncertain for the refiner. Chosen by this reasoning, not measured on
 * recordings.
 */
export const DEFAULT_FUSE_DEPTH_WEIGHT = 0.75;

/** Parameters of the depth fusion. */
export interface FuseDepthParams {
  /** 0..1: 0 leaves the colour confidence as is, 1 replaces it with depth's where depth covers the whole texel. */
  weight: number;
}

/** Inputs and output of the depth fusion. */
export interface FuseDepthIO {
  /** Colour-model person confidence, row-major float32 in 0..1, [maskHeight, maskWidth] (STORAGE buffer), fused in place. */
  mask: GPUBuffer;
  maskWidth: number;
  maskHeight: number;
  /** Registered depth at colour resolution, r32float millimetres, 0 = no depth. */
  depth: GPUTexture;
  /** Registered depth-band subject, r32float, same size as depth: 1 = subject, 0 = not or no depth. */
  subject: GPUTexture;
}

/** What {@link createFuseDepthPass}'s bind returns. */
export interface FuseDepthBinding {
  group: GPUBindGroup;
  width: number;
  height: number;
}

const PARAMS_BYTES = 32;

/** Bind group of shaders/fuse_depth.wgsl, by WGSL name. */
export const FUSE_DEPTH_BINDINGS = { mask: storage(), depth: texture(), subject: texture(), params: uniform() };

/**
 * Fuses the depth prior (registered depth and depth-band subject, see
 * src/gpu/passes/registerDepth.ts and src/pipeline/depthBand.ts) into a coarse mask in place:
 * mix(c, mean subject, weight · share of samples with depth) over 4×4 samples of each
 * texel's footprint. WGSL: shaders/fuse_depth.wgsl; reference: src/gpu/reference/fuseDepth.ts.
 *
 * One pass serves one mask: setParams sets the rectangle the mask covers, bind sets its size
 * (in the pass's uniform), so the whole-frame and ROI masks each need their own pass.
 */
export function createFuseDepthPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'fuse-depth', code, bindings: FUSE_DEPTH_BINDINGS });
  const params = device.createBuffer({ label: 'fuse-depth params', size: PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /** The uniform whose first vec4f is the rectangle the mask covers: a GPU pass may copy the ROI into it (after setParams). */
    rectTarget: params,
    /**
     * Sets the fusion weight and the rectangle (colour pixels) the mask covers.
     * @throws InvalidOptionError when weight is not a number in 0..1
     */
    setParams(p: FuseDepthParams, rect: Rect): void {
      if (typeof p.weight !== 'number' || !(p.weight >= 0 && p.weight <= 1)) {
        throw new InvalidOptionError('depthWeight', `expected a number in 0..1, got ${JSON.stringify(p.weight)}`);
      }
      device.queue.writeBuffer(params, 0, new Float32Array([rect.x, rect.y, rect.width, rect.height, p.weight]));
    },
    /**
     * Binds a mask and the registered depth; sets the mask size for this pass.
     * @throws RangeError for a mask size that is not positive whole numbers, a mask buffer
     *   smaller than maskWidth·maskHeight floats, or depth and subject of different sizes
     */
    bind(io: FuseDepthIO): FuseDepthBinding {
      const { maskWidth: w, maskHeight: h } = io;
      if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw new RangeError(`fuse-depth: mask size must be positive integers, got ${w}×${h}`);
      if (io.mask.size < w * h * 4) throw new RangeError(`fuse-depth: the mask has ${io.mask.size} bytes, ${w}×${h} needs ${w * h * 4}`);
      if (io.depth.width !== io.subject.width || io.depth.height !== io.subject.height) {
        throw new RangeError(`fuse-depth: depth is ${io.depth.width}×${io.depth.height}, subject ${io.subject.width}×${io.subject.height}`);
      }
      device.queue.writeBuffer(params, 20, new Uint32Array([w, h]));
      const group = gpu.bind({ mask: { buffer: io.mask, size: w * h * 4 }, depth: io.depth, subject: io.subject, params });
      return { group, width: w, height: h };
    },
    encode(encoder: GPUCommandEncoder, b: FuseDepthBinding, ts?: GPUComputePassTimestampWrites): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height, ts);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
