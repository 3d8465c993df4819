// What one frame carries besides its pixels (a depth image) and what the engine reports about
// it: timings, refine and plate-fit measurements, read-backs. Shared by the pipeline, the
// worker, the element and the command-line tools.

/**
 * One depth image from an Azure Kinect (a recording or the live bridge), in the DEPTH camera's
 * geometry: the engine registers it to the colour frame it comes with (see setDepthCalibration).
 */
export interface DepthInput {
  width: number;
  height: number;
  /** [height, width] uint16 millimetres, row-major, 0 = no measurement. */
  data: Uint16Array<ArrayBuffer>;
}

/** What the depth of the last frame said (present when the frame came with depth). */
export interface DepthStats {
  /** The subject's depth band in millimetres, or null when no subject was found in the depth. */
  band: { near: number; far: number } | null;
  /** Share of the depth image's pixels in the subject's component, 0..1. */
  subject: number;
}

/**
 * Per-frame timings in milliseconds, measured in the worker. On the Canvas 2D path `import`
 * and `gpu` are 0 and the compositing is the rest of `total`.
 */
export interface FrameStats {
  /** Copy of the VideoFrame into the GPU input texture (CPU time to encode the copy). */
  import: number;
  /**
   * Base segmentation, CPU wall time: tasks-vision: downscale + mask + upload; onnx-webgpu:
   * encoding and queueing the network runs (their GPU time falls in `gpu`).
   */
  segment: number;
  /** GPU passes (downsample, upsample, blur, composite), submit → GPU done. */
  gpu: number;
  /** Whole frame in the worker, from receipt to the output VideoFrame. */
  total: number;
  /**
   * With options.stageTimings on an adapter with 'timestamp-query': GPU milliseconds per
   * stage of the pipeline's table (src/pipeline/stages.ts) that ran, keyed by the stage's name,
   * between timestamps at the stage boundaries: import, segment, standing, roi (these three
   * include the network's CPU time when it runs on the CPU), depth, upsample, plate, coarse,
   * refine, temporal, memory (the background memory's update), blur, composite; bgmv2-base on
   * the BGMv2 path. Absent otherwise.
   */
  stages?: Record<string, number>;
}

/**
 * What the background memory knows (options.backgroundMemory), measured every few frames from
 * the memory's own counters (src/pipeline/stages/backgroundMemory.ts).
 */
export interface MemoryStats {
  /** Share 0..1 of the frame's confident background (alpha ≈ 0 with a margin) that the memory knows. */
  known: number;
  /** Share 0..1 of the whole frame the memory knows. */
  coverage: number;
  /** Whether frames use it as their plate now (no captured plate, enough of it known). */
  inUse: boolean;
  /** How often it started again since the pipeline was made (new size or source, camera move, lighting change). */
  resets: number;
}

/**
 * How well the captured background plate still fits the scene, measured where the
 * person is not (coarse alpha < 0.05), at the base resolution.
 */
export interface PlateFit {
  /** Mean luma of the frame ÷ mean luma of the plate over the background (1 = no drift). */
  brightness: number;
  /** Mean absolute RGB difference (0..1) between frame and gain-corrected plate over the background. */
  difference: number;
  /** True when the plate no longer fits: brightness off by more than 15 % or difference above 0.06. */
  stale: boolean;
}

/** Sparse-refinement accounting of one frame. */
export interface RefineStats {
  /** Tiles refined. */
  tiles: number;
  /** Share of the frame's pixels refined, 0..1. */
  share: number;
  /**
   * Refined tiles that took the known-background matting: with a captured plate, those with a
   * pixel below 0.95 prior; with the background memory, those it knows well enough.
   */
  plateTiles: number;
}

/**
 * How the engine renders: `webgpu` (the pipeline of DESIGN.md), or `canvas2d` when the browser
 * has no WebGPU (no `navigator.gpu`, no adapter, or a lost device that could not be replaced):
 * tasks-vision's mask composited on OffscreenCanvas 2D contexts — blur, image and colour
 * modes work; the plate, the refiner and the `fgr`/`err`/`ref` views do not.
 */
export type Renderer = 'webgpu' | 'canvas2d';

/** An adaptive-quality level as frames report it. */
export interface QualityLevel {
  /** 0 (best) .. levels − 1. */
  level: number;
  levels: number;
  /** The frame rate being held; 0 when adaptation is off. */
  targetFps: number;
}

/** A debug / replay read-back of one output type: tightly packed rows. */
export interface Readback {
  width: number;
  height: number;
  /** 1 channel (grey) for `pha` and `err`, 4 (RGBA) for `com` and `fgr`. */
  channels: 1 | 4;
  data: Uint8Array;
}

/** What a quality level sets in the pipeline. */
export interface QualitySettings {
  /**
   * Region-of-interest passes of the base network, 0..ROI_PASSES: each runs the network again
   * on the person's box, so fewer passes mean a lower base resolution on the person (and one
   * network run less per pass).
   */
  roiPasses: number;
  /** Multiplier of options.refineBudget, 0..1 (0: no tile is refined; the prior stands). */
  budgetScale: number;
}
