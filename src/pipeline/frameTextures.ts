import { createTileBuffers, type TileBuffers } from '../gpu/passes/selectTiles';
import { PLATE_STATS_BYTES } from '../gpu/passes/plateStats';

/**
 * The textures and buffers one frame size needs, created once per (size, blur factor) and
 * reused every frame; owned and destroyed by the FramePipeline.
 */
export interface FrameTextures {
  width: number;
  height: number;
  /** Input frame I, rgba8unorm, full resolution. */
  frame: GPUTexture;
  /** Frame downsampled to the base resolution (guide of the upsampling), rgba8unorm. */
  guideLow: GPUTexture;
  /**
   * Base-network person confidence over the whole frame, row-major float32 at the base
   * resolution (STORAGE; the onnx-webgpu network writes it directly).
   */
  maskFull: GPUBuffer;
  /** The person's region of interest downsampled to the base resolution, rgba8unorm. */
  guideRoi: GPUTexture;
  /** Base-network person confidence over the region of interest, likewise. */
  maskRoi: GPUBuffer;
  /**
   * Standing-speaker mode (Options.standing): the union of the two squares downsampled to
   * lowWidth × 2·lowWidth (rgba8unorm), and the squares' blended mask over it (float32).
   */
  guideStage: GPUTexture;
  maskStage: GPUBuffer;
  /** Upsampled segmentation prior (coarse alpha at full resolution), r32float. */
  prior: GPUTexture;
  /** Refined alpha: the prior, overwritten on the refined tiles, r32float. */
  alpha: GPUTexture;
  /** Temporally smoothed alpha (what is composited), r32float. */
  alphaOut: GPUTexture;
  /** Previous frame's alphaOut and frame, for temporal smoothing. */
  alphaPrev: GPUTexture;
  framePrev: GPUTexture;
  /** Foreground colour F on refined pixels (a = 1 there, 0 elsewhere), rgba8unorm. */
  fgr: GPUTexture;
  /** Coarse stage outputs at ceil(W/4)×ceil(H/4): predicted error and colour seeds and fills. */
  err: GPUTexture;
  fgSeed: GPUTexture;
  bgSeed: GPUTexture;
  fgFill: GPUTexture;
  bgFill: GPUTexture;
  /** Plate statistics (plate_stats.wgsl), 32 bytes. */
  stats: GPUBuffer;
  /** Tile list and indirect dispatch arguments of the sparse refiner. */
  tiles: TileBuffers;
  /** Mask-weighted blur ping-pong pair, rgba16float at 1/blurFactor resolution. */
  blurA: GPUTexture;
  blurB: GPUTexture;
  /** Composite output, rgba8unorm, full resolution. */
  output: GPUTexture;
}

const T = GPUTextureUsage;

/**
 * Allocates the resources for a frame of width×height, a base network of
 * lowWidth×lowHeight and a blur at 1/blurFactor resolution.
 */
export function createFrameTextures(
  device: GPUDevice,
  width: number,
  height: number,
  lowWidth: number,
  lowHeight: number,
  blurFactor: number,
): FrameTextures {
  const make = (label: string, w: number, h: number, format: GPUTextureFormat, usage: number): GPUTexture =>
    device.createTexture({ label, size: [w, h], format, usage });
  const full = (label: string, format: GPUTextureFormat, usage: number): GPUTexture => make(label, width, height, format, usage);
  const cw = Math.ceil(width / 4);
  const ch = Math.ceil(height / 4);
  const bw = Math.ceil(width / blurFactor);
  const bh = Math.ceil(height / blurFactor);
  const store = T.TEXTURE_BINDING | T.STORAGE_BINDING;
  const mask = (label: string, w = lowWidth, h = lowHeight): GPUBuffer =>
    device.createBuffer({ label, size: w * h * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  const stage = stageSize(lowWidth);
  return {
    width,
    height,
    frame: full('frame', 'rgba8unorm', store | T.COPY_SRC | T.COPY_DST | T.RENDER_ATTACHMENT),
    guideLow: make('guide-low', lowWidth, lowHeight, 'rgba8unorm', store),
    maskFull: mask('mask-full'),
    guideRoi: make('guide-roi', lowWidth, lowHeight, 'rgba8unorm', store),
    maskRoi: mask('mask-roi'),
    guideStage: make('guide-stage', stage.width, stage.height, 'rgba8unorm', store),
    maskStage: mask('mask-stage', stage.width, stage.height),
    prior: full('prior', 'r32float', store | T.COPY_SRC),
    alpha: full('alpha', 'r32float', store | T.COPY_DST | T.COPY_SRC),
    alphaOut: full('alpha-out', 'r32float', store | T.COPY_SRC),
    alphaPrev: full('alpha-prev', 'r32float', T.TEXTURE_BINDING | T.COPY_DST),
    framePrev: full('frame-prev', 'rgba8unorm', T.TEXTURE_BINDING | T.COPY_DST),
    fgr: full('fgr', 'rgba8unorm', store | T.RENDER_ATTACHMENT | T.COPY_SRC),
    err: make('err', cw, ch, 'r32float', store | T.COPY_SRC),
    fgSeed: make('fg-seed', cw, ch, 'rgba16float', store),
    bgSeed: make('bg-seed', cw, ch, 'rgba16float', store),
    fgFill: make('fg-fill', cw, ch, 'rgba16float', store),
    bgFill: make('bg-fill', cw, ch, 'rgba16float', store),
    stats: device.createBuffer({ label: 'plate stats', size: PLATE_STATS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
    tiles: createTileBuffers(device, width, height),
    blurA: make('blur-a', bw, bh, 'rgba16float', store),
    blurB: make('blur-b', bw, bh, 'rgba16float', store),
    output: full('output', 'rgba8unorm', T.RENDER_ATTACHMENT | T.COPY_SRC | T.COPY_DST | T.TEXTURE_BINDING),
  };
}

/** Size of the standing-speaker mask over the two squares' union for a base network lowWidth wide: lowWidth × 2·lowWidth. */
export function stageSize(lowWidth: number): { width: number; height: number } {
  return { width: lowWidth, height: 2 * lowWidth };
}

/** Destroys every texture and buffer of a FrameTextures. */
export function destroyFrameTextures(t: FrameTextures): void {
  for (const value of Object.values(t)) {
    if (value instanceof GPUTexture || value instanceof GPUBuffer) value.destroy();
  }
  t.tiles.tiles.destroy();
  t.tiles.dispatch.destroy();
  t.tiles.errors.destroy();
  t.tiles.plateTiles.destroy();
}
