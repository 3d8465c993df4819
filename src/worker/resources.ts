/**
 * The textures one frame size needs, created once per (size, blur factor) and reused
 * every frame; owned and destroyed by the FramePipeline.
 */
export interface FrameTextures {
  width: number;
  height: number;
  /** Input frame F, rgba8unorm, full resolution. */
  frame: GPUTexture;
  /** Frame downsampled to the base resolution (guide of the upsampling), rgba8unorm. */
  guideLow: GPUTexture;
  /** Base-network person confidence over the whole frame, r32float, base resolution. */
  maskLow: GPUTexture;
  /** The person's region of interest downsampled to the base resolution, rgba8unorm. */
  guideRoi: GPUTexture;
  /** Base-network person confidence over the region of interest, r32float, base resolution. */
  maskRoi: GPUTexture;
  /** Full-resolution alpha, r32float. */
  alpha: GPUTexture;
  /** Mask-weighted blur ping-pong pair, rgba16float at 1/blurFactor resolution. */
  blurA: GPUTexture;
  blurB: GPUTexture;
  /** Composite output, rgba8unorm, full resolution. */
  output: GPUTexture;
}

const T = GPUTextureUsage;

/**
 * Allocates the textures for a frame of width×height, a base network of
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
  const bw = Math.ceil(width / blurFactor);
  const bh = Math.ceil(height / blurFactor);
  return {
    width,
    height,
    frame: make('frame', width, height, 'rgba8unorm', T.TEXTURE_BINDING | T.STORAGE_BINDING | T.COPY_SRC | T.COPY_DST | T.RENDER_ATTACHMENT),
    guideLow: make('guide-low', lowWidth, lowHeight, 'rgba8unorm', T.TEXTURE_BINDING | T.STORAGE_BINDING),
    maskLow: make('mask-low', lowWidth, lowHeight, 'r32float', T.TEXTURE_BINDING | T.COPY_DST),
    guideRoi: make('guide-roi', lowWidth, lowHeight, 'rgba8unorm', T.TEXTURE_BINDING | T.STORAGE_BINDING),
    maskRoi: make('mask-roi', lowWidth, lowHeight, 'r32float', T.TEXTURE_BINDING | T.COPY_DST),
    alpha: make('alpha', width, height, 'r32float', T.TEXTURE_BINDING | T.STORAGE_BINDING | T.COPY_SRC),
    blurA: make('blur-a', bw, bh, 'rgba16float', T.TEXTURE_BINDING | T.STORAGE_BINDING),
    blurB: make('blur-b', bw, bh, 'rgba16float', T.TEXTURE_BINDING | T.STORAGE_BINDING),
    output: make('output', width, height, 'rgba8unorm', T.RENDER_ATTACHMENT | T.COPY_SRC | T.TEXTURE_BINDING),
  };
}

/** Destroys every texture of a FrameTextures. */
export function destroyFrameTextures(t: FrameTextures): void {
  for (const tex of [t.frame, t.guideLow, t.maskLow, t.guideRoi, t.maskRoi, t.alpha, t.blurA, t.blurB, t.output]) tex.destroy();
}
