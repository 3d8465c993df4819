import { InputError } from '../errors';
import { BLUR_SIGMA_FRACTION, parseHexColor, type Options, type OutputType } from '../options';
import { createBlurPreparePass } from '../gpu/passes/blurPrepare';
import { createCompositePass } from '../gpu/passes/composite';
import { createDownsamplePass } from '../gpu/passes/downsample';
import { createGaussianBlurPass } from '../gpu/passes/gaussianBlur';
import { createImportFramePass } from '../gpu/passes/importFrame';
import { createUpsampleMaskPass, DEFAULT_UPSAMPLE_PARAMS } from '../gpu/passes/upsampleMask';
import { readTexture } from '../gpu/readback';
import { COMPOSITE_MODE, COMPOSITE_VIEW, coverFit, type CompositeParams } from '../gpu/reference/composite';
import { blurPlan } from '../gpu/reference/maskedBlur';
import type { CoarseMask } from '../models/coarseMask';
import type { FrameStats, Readback } from './protocol';
import { createFrameTextures, destroyFrameTextures, type FrameTextures } from './resources';
import { personRoi, ROI_PASSES, type Rect } from './roi';

/** A base network as the pipeline sees it: an image at its input size in, a mask out. */
export interface BaseNetwork {
  /** Input width in pixels. */
  readonly width: number;
  /** Input height in pixels. */
  readonly height: number;
  /** Segments an image of exactly width×height; takes ownership of (and closes) the bitmap. */
  segment(image: ImageBitmap): Promise<CoarseMask>;
  close(): void;
}

/** `external-texture`: zero-copy import; `image-bitmap`: fallback through an ImageBitmap copy. */
export type ImportPath = 'external-texture' | 'image-bitmap';

type Bound<P extends { bind(io: never): unknown }> = ReturnType<P['bind']>;

/**
 * The per-frame orchestration, in the order of DESIGN.md's data flow:
 * import → base network → downsample guide → upsample mask → (blur) → composite.
 * Owns every pass and texture it creates; one instance per GPU device.
 */
export class FramePipeline {
  private readonly importFrame;
  private readonly downsample;
  private readonly downsampleRoi;
  private readonly upsample;
  private readonly blurPrepare;
  private readonly blurH;
  private readonly blurV;
  private readonly composite;
  private textures: FrameTextures | null = null;
  private blurFactor = 0;
  private bound: {
    downsample: Bound<ReturnType<typeof createDownsamplePass>>;
    downsampleRoi: Bound<ReturnType<typeof createDownsamplePass>>;
    upsample: Bound<ReturnType<typeof createUpsampleMaskPass>>;
    blurPrepare: Bound<ReturnType<typeof createBlurPreparePass>>;
    blurH: Bound<ReturnType<typeof createGaussianBlurPass>>;
    blurV: Bound<ReturnType<typeof createGaussianBlurPass>>;
    composite: Bound<ReturnType<typeof createCompositePass>>;
  } | null = null;
  private background: GPUTexture;
  /** The person's region of interest of the last frame (full-res pixels), or null. */
  roi: Rect | null = null;
  /** How frames reach the GPU: decided by the first frame. */
  importPath: ImportPath | null = null;
  private options: Readonly<Options>;

  /**
   * @param device the GPU device every pass runs on
   * @param network base network producing the coarse person mask
   * @param options initial options (resolved)
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly network: BaseNetwork,
    options: Readonly<Options>,
  ) {
    this.importFrame = createImportFramePass(device);
    this.downsample = createDownsamplePass(device);
    this.downsampleRoi = createDownsamplePass(device, 'downsample-roi');
    this.upsample = createUpsampleMaskPass(device);
    this.blurPrepare = createBlurPreparePass(device);
    this.blurH = createGaussianBlurPass(device, 'horizontal');
    this.blurV = createGaussianBlurPass(device, 'vertical');
    this.composite = createCompositePass(device);
    this.background = this.solidBackground();
    this.options = options;
  }

  /** Applies options from the next frame on. */
  setOptions(options: Readonly<Options>): void {
    this.options = options;
  }

  /**
   * Replaces the `image`-mode background (null: a neutral grey). The bitmap is copied to
   * the GPU and closed.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size
   */
  setBackground(image: ImageBitmap | null): void {
    try {
      const max = this.device.limits.maxTextureDimension2D;
      if (image && (image.width > max || image.height > max || image.width === 0 || image.height === 0)) {
        throw new InputError(
          'unsupported-input',
          `Background image is ${image.width}×${image.height}; the GPU accepts 1..${max} pixels a side — use a smaller image.`,
        );
      }
      const next = image ? this.uploadImage(image) : this.solidBackground();
      this.background.destroy();
      this.background = next;
      this.bound = null;
    } finally {
      image?.close();
    }
  }

  /**
   * Processes one frame (the caller keeps ownership of `frame`).
   * @param frame the camera or file frame, any size up to the GPU limit
   * @param readbacks output types to read back (debug / replay)
   * @returns the output texture (valid until the next call), timings and read-backs
   */
  async process(
    frame: VideoFrame,
    readbacks: readonly OutputType[] = [],
  ): Promise<{ output: GPUTexture; stats: Omit<FrameStats, 'total'>; readbacks: Partial<Record<OutputType, Readback>> }> {
    const { device } = this;
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const t = this.prepare(width, height);
    const b = this.bound!;

    const t0 = performance.now();
    await this.import(frame, t.frame);
    const t1 = performance.now();

    const needsMask = this.options.mode !== 'off' || this.options.view !== 'com';
    if (needsMask) await this.segment(frame, t);
    const t2 = performance.now();

    this.composite.setParams(this.compositeParams(width, height, this.options.view));
    const encoder = device.createCommandEncoder({ label: 'frame' });
    if (needsMask) {
      this.downsample.encode(encoder, b.downsample);
      this.downsampleRoi.encode(encoder, b.downsampleRoi);
      this.upsample.encode(encoder, b.upsample);
    }
    if (this.options.mode === 'blur') {
      this.blurPrepare.encode(encoder, b.blurPrepare);
      this.blurH.encode(encoder, b.blurH);
      this.blurV.encode(encoder, b.blurV);
    }
    this.composite.encode(encoder, b.composite);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const t3 = performance.now();

    const out: Partial<Record<OutputType, Readback>> = {};
    for (const type of readbacks) out[type] = await this.readback(type, width, height);
    if (readbacks.length > 0) {
      // Leave the output texture holding the selected view again.
      this.composite.setParams(this.compositeParams(width, height, this.options.view));
      const again = device.createCommandEncoder({ label: 'frame (view restore)' });
      this.composite.encode(again, b.composite);
      device.queue.submit([again.finish()]);
    }
    return { output: t.output, stats: { import: t1 - t0, segment: t2 - t1, gpu: t3 - t2 }, readbacks: out };
  }

  /** Destroys every texture and buffer this pipeline created. */
  dispose(): void {
    if (this.textures) destroyFrameTextures(this.textures);
    this.textures = null;
    this.bound = null;
    this.background.destroy();
    for (const pass of [this.importFrame, this.downsample, this.downsampleRoi, this.upsample, this.blurPrepare, this.blurH, this.blurV, this.composite]) pass.dispose();
  }

  /**
   * Frame → F. The zero-copy path imports the VideoFrame as an external texture; where
   * the browser cannot (e.g. SwiftShader without a GPU compositor) the first failure
   * switches this pipeline to an ImageBitmap copy, reported as `importPath`.
   */
  private async import(frame: VideoFrame, dst: GPUTexture): Promise<void> {
    if (this.importPath !== 'image-bitmap') {
      const encoder = this.device.createCommandEncoder({ label: 'import' });
      try {
        this.importFrame.encode(encoder, frame, dst);
        this.device.queue.submit([encoder.finish()]);
        this.importPath = 'external-texture';
        return;
      } catch (err) {
        if (this.importPath === 'external-texture') throw err;
        console.warn(`bg-replacer: importExternalTexture failed (${String(err)}); using an ImageBitmap copy instead.`);
        this.importPath = 'image-bitmap';
      }
    }
    const bitmap = await createImageBitmap(frame);
    try {
      this.device.queue.copyExternalImageToTexture({ source: bitmap }, { texture: dst }, [dst.width, dst.height]);
    } finally {
      bitmap.close();
    }
  }

  /**
   * Base network on the whole frame, then — when the person does not fill the frame — on
   * their region of interest, re-centred from each ROI pass's own mask (ROI_PASSES passes
   * in all), so the network sees the person larger, closer to the selfie framing it was
   * trained on. Uploads the whole-frame and the last ROI mask and sets the ROI of the
   * guide and upsampling passes.
   */
  private async segment(frame: VideoFrame, t: FrameTextures): Promise<void> {
    const { width, height } = this.network;
    const resize = { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' } as const;
    const full = await this.network.segment(await createImageBitmap(frame, resize));
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    let rect = whole;
    let roiMask = full;
    for (let pass = 0; pass < ROI_PASSES; pass++) {
      const inner = personRoi(roiMask.pha, roiMask.width, roiMask.height, rect.width, rect.height);
      if (!inner) break;
      rect = { x: rect.x + inner.x, y: rect.y + inner.y, width: inner.width, height: inner.height };
      roiMask = await this.network.segment(await createImageBitmap(frame, rect.x, rect.y, rect.width, rect.height, resize));
    }
    const upload = (texture: GPUTexture, mask: CoarseMask): void =>
      this.device.queue.writeTexture({ texture }, mask.pha, { bytesPerRow: mask.width * 4 }, [mask.width, mask.height]);
    upload(t.maskLow, full);
    upload(t.maskRoi, roiMask);
    this.downsample.setRect(whole);
    this.downsampleRoi.setRect(rect);
    this.upsample.setParams({ ...DEFAULT_UPSAMPLE_PARAMS, sigmaRange: this.options.edgeSensitivity }, rect);
    this.roi = rect === whole ? null : rect;
  }

  private prepare(width: number, height: number): FrameTextures {
    const sigmaFull = BLUR_SIGMA_FRACTION[this.options.blurStrength] * height;
    const plan = blurPlan(sigmaFull);
    if (!this.textures || this.textures.width !== width || this.textures.height !== height || this.blurFactor !== plan.factor) {
      if (this.textures) destroyFrameTextures(this.textures);
      this.textures = createFrameTextures(this.device, width, height, this.network.width, this.network.height, plan.factor);
      this.blurFactor = plan.factor;
      this.bound = null;
    }
    this.blurPrepare.setFactor(plan.factor);
    this.blurH.setSigma(plan.sigma);
    this.blurV.setSigma(plan.sigma);
    if (!this.bound) {
      const t = this.textures;
      this.bound = {
        downsample: this.downsample.bind({ src: t.frame, dst: t.guideLow }),
        downsampleRoi: this.downsampleRoi.bind({ src: t.frame, dst: t.guideRoi }),
        upsample: this.upsample.bind({
          frame: t.frame,
          guideFull: t.guideLow,
          maskFull: t.maskLow,
          guideRoi: t.guideRoi,
          maskRoi: t.maskRoi,
          alpha: t.alpha,
        }),
        blurPrepare: this.blurPrepare.bind({ frame: t.frame, alpha: t.alpha, dst: t.blurA }),
        blurH: this.blurH.bind({ src: t.blurA, dst: t.blurB }),
        blurV: this.blurV.bind({ src: t.blurB, dst: t.blurA }),
        composite: this.composite.bind({ frame: t.frame, alpha: t.alpha, blurred: t.blurA, background: this.background, output: t.output }),
      };
    }
    return this.textures;
  }

  private compositeParams(width: number, height: number, view: Options['view']): CompositeParams {
    return {
      mode: COMPOSITE_MODE[this.options.mode],
      view: COMPOSITE_VIEW[view],
      color: parseHexColor(this.options.color),
      ...coverFit(width, height, this.background.width, this.background.height),
    };
  }

  private async readback(type: OutputType, width: number, height: number): Promise<Readback> {
    if (type === 'ref') throw new InputError('unsupported-input', 'The "ref" output needs the sparse refiner, which this build does not have.');
    const b = this.bound!;
    this.composite.setParams(this.compositeParams(width, height, type));
    const encoder = this.device.createCommandEncoder({ label: `readback ${type}` });
    this.composite.encode(encoder, b.composite);
    this.device.queue.submit([encoder.finish()]);
    const rgba = (await readTexture(this.device, this.textures!.output)) as Uint8Array;
    if (type === 'com' || type === 'fgr') return { width, height, channels: 4, data: rgba };
    const grey = new Uint8Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4]!;
    return { width, height, channels: 1, data: grey };
  }

  private uploadImage(image: ImageBitmap): GPUTexture {
    const tex = this.device.createTexture({
      label: 'background',
      size: [image.width, image.height],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT,
    });
    this.device.queue.copyExternalImageToTexture({ source: image }, { texture: tex }, [image.width, image.height]);
    return tex;
  }

  private solidBackground(): GPUTexture {
    const tex = this.device.createTexture({
      label: 'background (none)',
      size: [1, 1],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    });
    this.device.queue.writeTexture({ texture: tex }, new Uint8Array([128, 128, 128, 255]), { bytesPerRow: 4 }, [1, 1]);
    return tex;
  }
}
