import { InputError } from '../errors';
import { BLUR_SIGMA_FRACTION, parseHexColor, type Options, type OutputType, type ReadbackType } from '../options';
import { createBlurPreparePass } from '../gpu/passes/blurPrepare';
import { createCompositePass } from '../gpu/passes/composite';
import { createDownsamplePass } from '../gpu/passes/downsample';
import { createGaussianBlurPass } from '../gpu/passes/gaussianBlur';
import { createImportFramePass } from '../gpu/passes/importFrame';
import { createUpsampleMaskPass } from '../gpu/passes/upsampleMask';
import { DEFAULT_UPSAMPLE_PARAMS } from '../gpu/params/upsample';
import { createCoarsePass } from '../gpu/passes/coarse';
import { createPlateStatsPass, PLATE_STATS_BYTES, PLATE_STATS_SCALE } from '../gpu/passes/plateStats';
import { createPushPullPass } from '../gpu/passes/pushPull';
import { createRefineTilesPass } from '../gpu/passes/refineTiles';
import { createSelectTilesPass, TILE_SIZE } from '../gpu/passes/selectTiles';
import { createTemporalPass } from '../gpu/passes/temporal';
import { createRoiBoxPass, RECT_BYTES } from '../gpu/passes/roiBox';
import { createTensorFromTexturePass } from '../gpu/passes/tensorFromTexture';
import { createTensorToTexturePass } from '../gpu/passes/tensorToTexture';
import { createFgrResidualPass } from '../gpu/passes/fgrResidual';
import { createRefineLearnedPass, createRefinerWeightsBuffer } from '../gpu/passes/refineLearned';
import type { Bgmv2Base } from '../models/bgmv2/base';
import type { RefinerWeights } from '../types/refiner';
import { readTexture } from '../gpu/readback';
import { COMPOSITE_MODE, COMPOSITE_VIEW, coverFit, type CompositeParams } from '../gpu/params/composite';
import { blurPlan } from '../gpu/params/blur';
import type { CoarseMask, BaseNetwork, GpuBaseNetwork } from '../types/network';
import type { DepthInput, DepthStats, FrameStats, PlateFit, Readback, RefineStats, QualitySettings } from '../types/frame';
import type { KinectCalibration } from '../types/kinect';
import { DepthStage } from './depthStage';
import { createFrameTextures, destroyFrameTextures, stageSize, type FrameTextures } from './frameTextures';
import { blendSquares, networkCropForSquare, standingSquares, type StandingSplit } from './standing';
import { StageTimer } from '../gpu/stageTimer';
import { QUALITY_LEVELS } from '../worker/adaptive';
import { nextRoi, ROI_MARGIN, ROI_MAX_AREA, ROI_PASSES } from './roi';
import type { Rect } from '../types/geometry';

/**
 * BackgroundMattingV2 as the matting stages (Lin, Ryabtsev et al., CVPR 2021): its base
 * network gives the coarse pha, fgr, err and hid from the frame and the plate at the base
 * size; tiles are selected on err; its learned refiner refines them. The caller owns `base`.
 */
export interface LearnedMatting {
  base: Bgmv2Base;
  weights: RefinerWeights;
}

/** `external-texture`: zero-copy import; `image-bitmap`: fallback through an ImageBitmap copy. */
export type ImportPath = 'external-texture' | 'image-bitmap';

type Bound<P extends { bind(io: never): unknown }> = ReturnType<P['bind']>;

/**
 * Plate fit is measured every PLATE_FIT_FRAMES frames or PLATE_FIT_MS milliseconds, whichever
 * comes first (each a 32-byte read-back, not awaited; only with a plate).
 */
const PLATE_FIT_FRAMES = 30;
const PLATE_FIT_MS = 1000;

/**
 * The per-frame orchestration, in the order of DESIGN.md's data flow:
 * import → base network (whole frame + region of interest) → guides → upsampled prior →
 * plate statistics → coarse stage (err, colour seeds) → push-pull colour fills → tile
 * selection → sparse refine (indirect) → temporal smoothing → (blur) → composite.
 * Owns every pass, texture and buffer it creates; one instance per GPU device.
 */
export class FramePipeline {
  private readonly importFrame;
  private readonly downsample;
  private readonly downsampleRoi;
  /** Standing-speaker mode: the squares' union downsampled, and the upsampling of its mask. */
  private readonly downsampleStage;
  private readonly upsampleStage;
  private readonly upsample;
  private readonly plateStats;
  private readonly coarse;
  private readonly fillFg;
  private readonly fillBg;
  private readonly selectTiles;
  private readonly refine;
  private readonly temporal;
  private readonly blurPrepare;
  private readonly blurH;
  private readonly blurV;
  private readonly composite;
  private readonly toTensor;
  private readonly roiBox;
  private readonly learnedSrcDown;
  private readonly learnedBgrDown;
  private readonly phaToPrior;
  private readonly errToErr;
  private readonly fgrResidual;
  private readonly refineLearned;
  /** The BGMv2 path's model and what this pipeline made for it (weights buffer, residual, base-size inputs). */
  private learned: (LearnedMatting & { weightsBuffer: GPUBuffer; residual: GPUBuffer; srcLow: GPUTexture; bgrLow: GPUTexture }) | null = null;
  private learnedBound: {
    srcDown: Bound<ReturnType<typeof createDownsamplePass>>;
    bgrDown: Bound<ReturnType<typeof createDownsamplePass>>;
    srcTensor: Bound<ReturnType<typeof createTensorFromTexturePass>>;
    bgrTensor: Bound<ReturnType<typeof createTensorFromTexturePass>>;
    pha: Bound<ReturnType<typeof createTensorToTexturePass>>;
    err: Bound<ReturnType<typeof createTensorToTexturePass>>;
    residual: Bound<ReturnType<typeof createFgrResidualPass>>;
    refine: Bound<ReturnType<typeof createRefineLearnedPass>>;
  } | null = null;
  private warnedLearnedSize = false;
  /** Region-of-interest rectangles of the GPU path: [whole frame, after pass 1, …, after pass ROI_PASSES]. */
  private readonly rects: GPUBuffer[];
  private textures: FrameTextures | null = null;
  private blurFactor = 0;
  private bound: {
    /** The refined-foreground texture, cleared every frame (fgr.a = 0: not refined). */
    fgrView: GPUTextureView;
    downsample: Bound<ReturnType<typeof createDownsamplePass>>;
    downsampleRoi: Bound<ReturnType<typeof createDownsamplePass>>;
    downsampleStage: Bound<ReturnType<typeof createDownsamplePass>>;
    upsampleStage: Bound<ReturnType<typeof createUpsampleMaskPass>>;
    upsample: Bound<ReturnType<typeof createUpsampleMaskPass>>;
    plateStats: Bound<ReturnType<typeof createPlateStatsPass>>;
    coarse: Bound<ReturnType<typeof createCoarsePass>>;
    fillFg: Bound<ReturnType<typeof createPushPullPass>>;
    fillBg: Bound<ReturnType<typeof createPushPullPass>>;
    selectTiles: Bound<ReturnType<typeof createSelectTilesPass>>;
    refine: Bound<ReturnType<typeof createRefineTilesPass>>;
    temporal: Bound<ReturnType<typeof createTemporalPass>>;
    blurPrepare: Bound<ReturnType<typeof createBlurPreparePass>>;
    blurH: Bound<ReturnType<typeof createGaussianBlurPass>>;
    blurV: Bound<ReturnType<typeof createGaussianBlurPass>>;
    composite: Bound<ReturnType<typeof createCompositePass>>;
    /** GPU base network only: guides → network input, and the ROI steps. */
    tensorFull: Bound<ReturnType<typeof createTensorFromTexturePass>> | null;
    tensorRoi: Bound<ReturnType<typeof createTensorFromTexturePass>> | null;
    roiSteps: GPUBindGroup[];
  } | null = null;
  private background: GPUTexture;
  /** The plate as given (kept to rebuild its texture at a new frame size), and its texture. */
  private plateImage: ImageBitmap | null = null;
  private plateTexture: GPUTexture | null = null;
  /** The Azure Kinect depth stage, made by the first setDepthCalibration with a calibration. */
  private depthStage: DepthStage | null = null;
  /** Whether the previous frame's alpha can be used (false after a reset). */
  private hasHistory = false;
  private frameCount = 0;
  private plateFitBuffer: GPUBuffer | null = null;
  private plateFitPending = false;
  private lastFitAt = 0;
  /** The last plate-fit measurement, null without a plate. */
  plateFit: PlateFit | null = null;
  /**
   * The person's region of interest of the last frame (full-res pixels), or null (none, or a
   * GPU base network: its ROI stays on the GPU).
   */
  roi: Rect | null = null;
  /** The last frame's standing-speaker split (Options.standing), or null when it was not used. */
  standing: StandingSplit | null = null;
  /** How frames reach the GPU: decided by the first frame. */
  importPath: ImportPath | null = null;
  private options: Readonly<Options>;
  /** True while process() runs: textures replaced meanwhile are retired, not destroyed. */
  private processing = false;
  /**
   * Textures replaced (setBackground, setPlate) while a frame was being processed: its bind
   * groups still use them, so they are destroyed when that frame is done.
   */
  private retired: GPUTexture[] = [];
  /** The adaptive-quality knobs (see setQuality); the best level until told otherwise. */
  private quality: QualitySettings = QUALITY_LEVELS[0]!;
  /** Created on the first frame with options.stageTimings (when the device supports it). */
  private timer: StageTimer | null = null;

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
    this.downsampleStage = createDownsamplePass(device, 'downsample-stage');
    this.upsampleStage = createUpsampleMaskPass(device);
    this.upsample = createUpsampleMaskPass(device);
    this.plateStats = createPlateStatsPass(device);
    this.coarse = createCoarsePass(device);
    this.fillFg = createPushPullPass(device, 'fill-fg');
    this.fillBg = createPushPullPass(device, 'fill-bg');
    this.selectTiles = createSelectTilesPass(device);
    this.refine = createRefineTilesPass(device);
    this.temporal = createTemporalPass(device);
    this.blurPrepare = createBlurPreparePass(device);
    this.blurH = createGaussianBlurPass(device, 'horizontal');
    this.blurV = createGaussianBlurPass(device, 'vertical');
    this.composite = createCompositePass(device);
    this.toTensor = createTensorFromTexturePass(device);
    this.roiBox = createRoiBoxPass(device, network.width, network.height, ROI_MARGIN, ROI_MAX_AREA);
    this.learnedSrcDown = createDownsamplePass(device, 'bgmv2-src-down');
    this.learnedBgrDown = createDownsamplePass(device, 'bgmv2-bgr-down');
    this.phaToPrior = createTensorToTexturePass(device, 'bgmv2-pha-to-prior');
    this.errToErr = createTensorToTexturePass(device, 'bgmv2-err');
    this.fgrResidual = createFgrResidualPass(device);
    this.refineLearned = createRefineLearnedPass(device);
    this.rects = Array.from({ length: ROI_PASSES + 1 }, (_, i) =>
      device.createBuffer({ label: `roi rect ${i}`, size: RECT_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
    );
    this.background = this.solidBackground();
    this.options = options;
  }

  /** Applies options from the next frame on. */
  setOptions(options: Readonly<Options>): void {
    this.options = options;
  }

  /**
   * Sets the adaptive-quality knobs from the next frame on (see QUALITY_LEVELS): the number of
   * region-of-interest passes of the base network and the scale of the refine budget
   * (`sampling` mode, and the BGMv2 refiner's tile budget).
   * @throws RangeError for roiPasses outside 0..ROI_PASSES or budgetScale outside 0..1
   */
  setQuality(quality: QualitySettings): void {
    const { roiPasses, budgetScale } = quality;
    if (!Number.isInteger(roiPasses) || roiPasses < 0 || roiPasses > ROI_PASSES) throw new RangeError(`roiPasses must be 0..${ROI_PASSES}, got ${roiPasses}`);
    if (!(budgetScale >= 0 && budgetScale <= 1)) throw new RangeError(`budgetScale must be in 0..1, got ${budgetScale}`);
    this.quality = quality;
  }

  /**
   * Replaces the `image`-mode background (null: a neutral grey). The bitmap is copied to
   * the GPU and closed.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size
   */
  setBackground(image: ImageBitmap | null): void {
    try {
      this.checkImageSize(image, 'Background image');
      const next = image ? this.uploadImage(image, image.width, image.height) : this.solidBackground();
      this.retire(this.background);
      this.background = next;
      this.bound = null;
    } finally {
      image?.close();
    }
  }

  /**
   * Sets (or clears, with null) the clean background plate. The pipeline keeps the bitmap
   * (and closes it when replaced) and uploads it at the frame size.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size
   */
  /**
   * Sets (or clears) the Azure Kinect calibration: frames given with depth then have it
   * registered, segmented and fused into the coarse masks (see DepthStage).
   */
  setDepthCalibration(calibration: KinectCalibration | null): void {
    if (calibration) this.depthStage ??= new DepthStage(this.device);
    this.depthStage?.setCalibration(calibration);
  }

  setPlate(image: ImageBitmap | null): void {
    try {
      this.checkImageSize(image, 'Background plate');
    } catch (err) {
      image?.close();
      throw err;
    }
    this.plateImage?.close();
    this.plateImage = image;
    this.retire(this.plateTexture);
    this.plateTexture = null;
    this.plateFit = null;
    this.hasHistory = false;
    this.bound = null;
  }

  /**
   * Uses BackgroundMattingV2 for the matting stages whenever a plate is set and the frame's
   * sides are multiples of 4 (its refiner's patch grid); null returns to the segmentation
   * prior and the classical refiner. The pipeline does not take ownership of `learned.base`.
   */
  setLearned(learned: LearnedMatting | null): void {
    this.releaseLearned();
    if (learned) {
      const { base } = learned;
      const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
      const low = (label: string): GPUTexture =>
        this.device.createTexture({ label, size: [base.width, base.height], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING });
      this.learned = {
        ...learned,
        weightsBuffer: createRefinerWeightsBuffer(this.device, learned.weights),
        residual: this.device.createBuffer({ label: 'bgmv2 fgr residual', size: 3 * base.width * base.height * 4, usage }),
        srcLow: low('bgmv2 src (base size)'),
        bgrLow: low('bgmv2 bgr (base size)'),
      };
    }
    this.hasHistory = false;
    this.bound = null;
  }

  /** True when this frame takes the BGMv2 path (see setLearned). */
  private learnedActive(width: number, height: number): boolean {
    if (!this.learned || !this.plateImage) return false;
    if (width % 4 === 0 && height % 4 === 0) return true;
    if (!this.warnedLearnedSize) {
      console.warn(`bg-replacer: BGMv2 needs frame sides that are multiples of 4 (got ${width}×${height}); using the classical refiner.`);
      this.warnedLearnedSize = true;
    }
    return false;
  }

  /**
   * The selected tiles of the last frame (debug / tests: a read-back).
   * @returns packed x | y << 16 tile coordinates
   */
  async debugSelectedTiles(): Promise<number[]> {
    const t = this.textures;
    if (!t) return [];
    const count = t.tiles.tilesX * t.tiles.tilesY;
    const staging = this.device.createBuffer({ size: 16 + count * 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(t.tiles.dispatch, 0, staging, 0, 16);
      encoder.copyBufferToBuffer(t.tiles.tiles, 0, staging, 16, count * 4);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const words = new Uint32Array(staging.getMappedRange().slice(0));
      return [...words.subarray(4, 4 + words[3]!)];
    } finally {
      staging.destroy();
    }
  }

  /**
   * Processes one frame (the caller keeps ownership of `frame`).
   * @param frame the camera or file frame, any size up to the GPU limit
   * @param readbacks output types to read back (debug / replay); refine accounting is read too
   * @returns the output texture (valid until the next call), timings, refine accounting
   *   (with read-backs, or in the `ref` view) and read-backs
   */
  async process(frame: VideoFrame, readbacks: readonly ReadbackType[] = [], depth: DepthInput | null = null): ReturnType<FramePipeline['processFrame']> {
    this.processing = true;
    try {
      return await this.processFrame(frame, readbacks, depth);
    } finally {
      this.processing = false;
      // Destroying after the submit is safe: WebGPU waits for the submitted work.
      for (const texture of this.retired.splice(0)) texture.destroy();
    }
  }

  /** Destroys `texture` now, or after the frame in flight (see `retired`). */
  private retire(texture: GPUTexture | null): void {
    if (!texture) return;
    if (this.processing) this.retired.push(texture);
    else texture.destroy();
  }

  private async processFrame(
    frame: VideoFrame,
    readbacks: readonly ReadbackType[],
    depth: DepthInput | null,
  ): Promise<{
    output: GPUTexture;
    stats: Omit<FrameStats, 'total'>;
    refine: RefineStats | null;
    readbacks: Partial<Record<ReadbackType, Readback>>;
    /** Which matting stages ran (see setLearned). */
    matting: 'classic' | 'bgmv2';
    /** What the frame's depth said, when it came with depth and a calibration is set. */
    depth: DepthStats | null;
  }> {
    const { device, options } = this;
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const t = await this.prepare(width, height);
    const b = this.bound!;

    if (options.stageTimings && !this.timer && StageTimer.supported(device)) this.timer = new StageTimer(device);
    const timer = options.stageTimings ? this.timer : null;
    timer?.begin();
    timer?.markNow('start');
    const t0 = performance.now();
    await this.import(frame, t.frame);
    timer?.markNow('import');
    const t1 = performance.now();

    const needsMask = options.mode !== 'off' || options.view !== 'com';
    const learned = needsMask && this.learnedActive(width, height);
    if (learned) await this.runLearnedBase(t);
    else if (needsMask) await this.segment(frame, t);
    if (needsMask) timer?.markNow(learned ? 'bgmv2-base' : 'segment');
    const t2 = performance.now();

    const hasPlate = this.plateTexture !== null;
    this.composite.setParams(this.compositeParams(width, height, options.view));
    this.coarse.setHasPlate(hasPlate);
    this.refine.setParams(hasPlate);
    const tileBudget = Math.floor((options.refineBudget * this.quality.budgetScale * width * height) / (TILE_SIZE * TILE_SIZE));
    this.selectTiles.setParams(options.refineMode, tileBudget, options.refineThreshold, t.tiles);
    this.temporal.setParams(options.temporalSmoothing, this.hasHistory);

    const encoder = device.createCommandEncoder({ label: 'frame' });
    let depthStats: DepthStats | null = null;
    encoder.beginRenderPass({ colorAttachments: [{ view: b.fgrView, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 0] }] }).end();
    if (learned) {
      // BGMv2: coarse pha upsampled (the result wherever no tile is refined), err at 1/4
      // resolution for the selection, fgr residual for the refiner, then the learned refine.
      const lb = this.learnedBound!;
      this.phaToPrior.encode(encoder, lb.pha);
      this.errToErr.encode(encoder, lb.err);
      this.fgrResidual.encode(encoder, lb.residual);
      this.plateStats.encode(encoder, b.plateStats);
      this.selectTiles.encode(encoder, b.selectTiles);
      encoder.copyTextureToTexture({ texture: t.prior }, { texture: t.alpha }, [width, height]);
      this.refineLearned.encode(encoder, lb.refine);
      timer?.mark(encoder, 'refine');
    } else if (needsMask) {
      const standing = this.standing !== null;
      if (this.network.kind === 'cpu') {
        this.downsample.encode(encoder, b.downsample);
        if (standing) this.downsampleStage.encode(encoder, b.downsampleStage);
        else this.downsampleRoi.encode(encoder, b.downsampleRoi);
      }
      if (depth && this.depthStage?.active) {
        // The colour model's masks are in their buffers (written or computed above): fuse
        // the depth into them, over the ROI the masks cover, before they are upsampled.
        const roi = this.network.kind === 'gpu' ? this.rects[this.quality.roiPasses]! : (this.standing?.union ?? this.roi ?? { x: 0, y: 0, width, height });
        const { width: nw, height: nh } = this.network;
        const roiSize = standing ? stageSize(nw) : { width: nw, height: nh };
        const masks = { maskFull: t.maskFull, fullWidth: nw, fullHeight: nh, maskRoi: standing ? t.maskStage : t.maskRoi, roiWidth: roiSize.width, roiHeight: roiSize.height };
        depthStats = this.depthStage.encode(encoder, depth, width, height, masks, roi);
        timer?.mark(encoder, 'depth');
      }
      if (standing) this.upsampleStage.encode(encoder, b.upsampleStage);
      else this.upsample.encode(encoder, b.upsample);
      timer?.mark(encoder, 'upsample');
      if (hasPlate) this.plateStats.encode(encoder, b.plateStats);
      else encoder.clearBuffer(t.stats);
      timer?.mark(encoder, 'plate');
      this.coarse.encode(encoder, b.coarse);
      this.fillFg.encode(encoder, b.fillFg);
      this.fillBg.encode(encoder, b.fillBg);
      timer?.mark(encoder, 'coarse');
      this.selectTiles.encode(encoder, b.selectTiles);
      encoder.copyTextureToTexture({ texture: t.prior }, { texture: t.alpha }, [width, height]);
      this.refine.encode(encoder, b.refine);
      timer?.mark(encoder, 'refine');
    }
    if (needsMask) {
      this.temporal.encode(encoder, b.temporal);
      encoder.copyTextureToTexture({ texture: t.alphaOut }, { texture: t.alphaPrev }, [width, height]);
      encoder.copyTextureToTexture({ texture: t.frame }, { texture: t.framePrev }, [width, height]);
      this.hasHistory = true;
      timer?.mark(encoder, 'temporal');
    }
    if (options.mode === 'blur') {
      this.blurPrepare.encode(encoder, b.blurPrepare);
      this.blurH.encode(encoder, b.blurH);
      this.blurV.encode(encoder, b.blurV);
      timer?.mark(encoder, 'blur');
    }
    this.composite.encode(encoder, b.composite);
    timer?.mark(encoder, 'composite');
    const now = performance.now();
    const measureFit =
      hasPlate && needsMask && !this.plateFitPending && (this.frameCount % PLATE_FIT_FRAMES === 0 || now - this.lastFitAt >= PLATE_FIT_MS);
    if (measureFit) this.lastFitAt = now;
    if (measureFit) encoder.copyBufferToBuffer(t.stats, 0, this.plateFitReadBuffer(), 0, PLATE_STATS_BYTES);
    device.queue.submit([encoder.finish()]);
    if (!depthStats) this.depthStage?.skip();
    if (measureFit) this.readPlateFit();
    this.frameCount++;
    await device.queue.onSubmittedWorkDone();
    const t3 = performance.now();
    const stages = timer ? await timer.read() : null;

    const refine = needsMask && (readbacks.length > 0 || options.view === 'ref') ? await this.readRefineStats(t) : null;
    const out: Partial<Record<ReadbackType, Readback>> = {};
    for (const type of readbacks) out[type] = await this.readback(type, width, height);
    if (readbacks.length > 0) {
      // Leave the output texture holding the selected view again.
      this.composite.setParams(this.compositeParams(width, height, options.view));
      const again = device.createCommandEncoder({ label: 'frame (view restore)' });
      this.composite.encode(again, b.composite);
      device.queue.submit([again.finish()]);
    }
    return { output: t.output, stats: { import: t1 - t0, segment: t2 - t1, gpu: t3 - t2, ...(stages ? { stages } : {}) }, refine, readbacks: out, matting: learned ? 'bgmv2' : 'classic', depth: depthStats };
  }

  /** Destroys every texture and buffer this pipeline created. */
  dispose(): void {
    if (this.textures) destroyFrameTextures(this.textures);
    this.textures = null;
    this.bound = null;
    this.background.destroy();
    this.plateTexture?.destroy();
    this.plateTexture = null;
    this.plateImage?.close();
    this.plateImage = null;
    if (!this.plateFitPending) this.plateFitBuffer?.destroy();
    this.plateFitBuffer = null;
    for (const rect of this.rects) rect.destroy();
    this.timer?.destroy();
    this.timer = null;
    this.releaseLearned();
    this.depthStage?.dispose();
    this.depthStage = null;
    for (const pass of [
      this.importFrame,
      this.downsample,
      this.downsampleRoi,
      this.downsampleStage,
      this.upsampleStage,
      this.upsample,
      this.plateStats,
      this.coarse,
      this.fillFg,
      this.fillBg,
      this.selectTiles,
      this.refine,
      this.temporal,
      this.blurPrepare,
      this.blurH,
      this.blurV,
      this.composite,
      this.toTensor,
      this.roiBox,
      this.learnedSrcDown,
      this.learnedBgrDown,
      this.phaToPrior,
      this.errToErr,
      this.fgrResidual,
      this.refineLearned,
    ]) {
      pass.dispose();
    }
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
   * at the best quality level, fewer at lower ones: see setQuality), so the network sees the person larger, closer to the selfie framing it was
   * trained on. Uploads the whole-frame and the last ROI mask and sets the ROI of the
   * guide and upsampling passes.
   */
  private async segment(frame: VideoFrame, t: FrameTextures): Promise<void> {
    if (this.network.kind === 'gpu') return this.segmentOnGpu(this.network, t);
    const network = this.network;
    const { width, height } = network;
    const resize = { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' } as const;
    const full = await network.segment(await createImageBitmap(frame, resize));
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    this.standing = null;
    const split = this.options.standing ? standingSquares(full.pha, full.width, full.height, t.width, t.height) : null;
    if (split) {
      // Standing-speaker mode: the top and bottom squares, each seen by the network at its own
      // aspect (widened with the frame's pixels), blended over their union with a feathered seam.
      const crops = { top: networkCropForSquare(split.top, width, height), bottom: networkCropForSquare(split.bottom, width, height) };
      const [top, bottom] = [crops.top, crops.bottom].map((c) => createImageBitmap(frame, c.x, c.y, c.width, c.height, resize));
      const topMask = await network.segment(await top!);
      const bottomMask = await network.segment(await bottom!);
      const stage = stageSize(width);
      this.device.queue.writeBuffer(t.maskFull, 0, full.pha);
      this.device.queue.writeBuffer(t.maskStage, 0, blendSquares(topMask, bottomMask, split, crops, stage.width, stage.height));
      this.downsample.setRect(whole);
      this.downsampleStage.setRect(split.union);
      this.upsampleStage.setParams({ ...DEFAULT_UPSAMPLE_PARAMS, sigmaRange: this.options.edgeSensitivity }, split.union);
      this.standing = split;
      this.roi = split.union;
      return;
    }
    let rect = whole;
    let roiMask = full;
    for (let pass = 0; pass < this.quality.roiPasses; pass++) {
      const next = nextRoi(roiMask.pha, roiMask.width, roiMask.height, rect);
      if (next === rect) break;
      rect = next;
      roiMask = await network.segment(await createImageBitmap(frame, rect.x, rect.y, rect.width, rect.height, resize));
    }
    this.device.queue.writeBuffer(t.maskFull, 0, full.pha);
    this.device.queue.writeBuffer(t.maskRoi, 0, roiMask.pha);
    this.downsample.setRect(whole);
    this.downsampleRoi.setRect(rect);
    this.upsample.setParams({ ...DEFAULT_UPSAMPLE_PARAMS, sigmaRange: this.options.edgeSensitivity }, rect);
    this.roi = rect === whole ? null : rect;
  }

  /**
   * The same sequence as segment() for a network on the GPU, with nothing read back: the
   * guides become the network input in a GPU buffer, each ROI is computed by roi_box.wgsl
   * from the previous mask and copied into the downsample and upsample uniforms on the GPU.
   * Every ROI pass runs (when a pass finds no zoom, its ROI is the previous one and the
   * network sees the same input again), so the result equals the CPU path's.
   */
  private async segmentOnGpu(network: GpuBaseNetwork, t: FrameTextures): Promise<void> {
    const { device } = this;
    this.standing = null;
    const b = this.bound!;
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    device.queue.writeBuffer(this.rects[0]!, 0, new Float32Array([0, 0, t.width, t.height]));
    this.downsample.setRect(whole);
    this.upsample.setParams({ ...DEFAULT_UPSAMPLE_PARAMS, sigmaRange: this.options.edgeSensitivity }, whole);
    let encoder = device.createCommandEncoder({ label: 'segment (whole frame)' });
    this.downsample.encode(encoder, b.downsample);
    this.toTensor.encode(encoder, b.tensorFull!);
    device.queue.submit([encoder.finish()]);
    await network.run(t.maskFull);
    encoder = device.createCommandEncoder({ label: 'segment (roi)' });
    const passes = this.quality.roiPasses;
    if (passes === 0) {
      // No ROI pass: the ROI guide and mask are the whole frame's.
      encoder.copyBufferToBuffer(this.rects[0]!, 0, this.downsampleRoi.rectTarget, 0, RECT_BYTES);
      this.downsampleRoi.encode(encoder, b.downsampleRoi);
      encoder.copyBufferToBuffer(t.maskFull, 0, t.maskRoi, 0, t.maskFull.size);
    }
    for (let pass = 0; pass < passes; pass++) {
      this.roiBox.encode(encoder, b.roiSteps[pass]!);
      encoder.copyBufferToBuffer(this.rects[pass + 1]!, 0, this.downsampleRoi.rectTarget, 0, RECT_BYTES);
      this.downsampleRoi.encode(encoder, b.downsampleRoi);
      this.toTensor.encode(encoder, b.tensorRoi!);
      device.queue.submit([encoder.finish()]);
      await network.run(t.maskRoi);
      encoder = device.createCommandEncoder({ label: 'segment (roi)' });
    }
    encoder.copyBufferToBuffer(this.rects[passes]!, 0, this.upsample.rectTarget, 0, RECT_BYTES);
    device.queue.submit([encoder.finish()]);
    this.roi = null;
  }

  /**
   * BGMv2's base network on this frame: frame and plate area-downsampled to the base size,
   * written as its src and bgr tensors, and the network queued (outputs stay on the GPU).
   */
  private async runLearnedBase(t: FrameTextures): Promise<void> {
    this.standing = null;
    const lb = this.learnedBound!;
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    this.learnedSrcDown.setRect(whole);
    this.learnedBgrDown.setRect(whole);
    const encoder = this.device.createCommandEncoder({ label: 'bgmv2 inputs' });
    this.learnedSrcDown.encode(encoder, lb.srcDown);
    this.learnedBgrDown.encode(encoder, lb.bgrDown);
    this.toTensor.encode(encoder, lb.srcTensor);
    this.toTensor.encode(encoder, lb.bgrTensor);
    this.device.queue.submit([encoder.finish()]);
    await this.learned!.base.run();
    this.roi = null;
  }

  /** Destroys what setLearned() made (not the base network, which the caller owns). */
  private releaseLearned(): void {
    if (this.learned) {
      this.learned.weightsBuffer.destroy();
      this.learned.residual.destroy();
      this.learned.srcLow.destroy();
      this.learned.bgrLow.destroy();
    }
    this.learned = null;
    this.learnedBound = null;
  }

  private async prepare(width: number, height: number): Promise<FrameTextures> {
    const sigmaFull = BLUR_SIGMA_FRACTION[this.options.blurStrength] * height;
    const plan = blurPlan(sigmaFull);
    if (!this.textures || this.textures.width !== width || this.textures.height !== height || this.blurFactor !== plan.factor) {
      if (this.textures) destroyFrameTextures(this.textures);
      this.textures = createFrameTextures(this.device, width, height, this.network.width, this.network.height, plan.factor);
      this.blurFactor = plan.factor;
      this.plateTexture?.destroy();
      this.plateTexture = null;
      this.hasHistory = false;
      this.bound = null;
    }
    if (this.plateImage && !this.plateTexture) {
      const sized =
        this.plateImage.width === width && this.plateImage.height === height
          ? this.plateImage
          : await createImageBitmap(this.plateImage, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
      this.plateTexture = this.uploadImage(sized, width, height);
      if (sized !== this.plateImage) sized.close();
      this.bound = null;
    }
    this.blurPrepare.setFactor(plan.factor);
    this.blurH.setSigma(plan.sigma);
    this.blurV.setSigma(plan.sigma);
    if (!this.bound) {
      const t = this.textures;
      // Without a plate the passes that take one are given the frame (same size, unused).
      const plate = this.plateTexture ?? t.frame;
      this.bound = {
        fgrView: t.fgr.createView(),
        downsample: this.downsample.bind({ src: t.frame, dst: t.guideLow }),
        downsampleRoi: this.downsampleRoi.bind({ src: t.frame, dst: t.guideRoi }),
        downsampleStage: this.downsampleStage.bind({ src: t.frame, dst: t.guideStage }),
        upsampleStage: this.upsampleStage.bind({
          frame: t.frame,
          guideFull: t.guideLow,
          maskFull: t.maskFull,
          guideRoi: t.guideStage,
          maskRoi: t.maskStage,
          alpha: t.prior,
        }),
        upsample: this.upsample.bind({
          frame: t.frame,
          guideFull: t.guideLow,
          maskFull: t.maskFull,
          guideRoi: t.guideRoi,
          maskRoi: t.maskRoi,
          alpha: t.prior,
        }),
        plateStats: this.plateStats.bind({ frame: t.frame, plate, prior: t.prior, stats: t.stats }),
        coarse: this.coarse.bind({ frame: t.frame, plate, prior: t.prior, stats: t.stats, err: t.err, fgSeed: t.fgSeed, bgSeed: t.bgSeed }),
        fillFg: this.fillFg.bind({ seed: t.fgSeed, filled: t.fgFill }),
        fillBg: this.fillBg.bind({ seed: t.bgSeed, filled: t.bgFill }),
        selectTiles: this.selectTiles.bind({ err: t.err, buffers: t.tiles }),
        refine: this.refine.bind({
          frame: t.frame,
          prior: t.prior,
          plate,
          fgFill: t.fgFill,
          bgFill: t.bgFill,
          stats: t.stats,
          buffers: t.tiles,
          alpha: t.alpha,
          fgr: t.fgr,
        }),
        temporal: this.temporal.bind({ frame: t.frame, framePrev: t.framePrev, alpha: t.alpha, alphaPrev: t.alphaPrev, alphaOut: t.alphaOut }),
        blurPrepare: this.blurPrepare.bind({ frame: t.frame, alpha: t.alphaOut, dst: t.blurA }),
        blurH: this.blurH.bind({ src: t.blurA, dst: t.blurB }),
        blurV: this.blurV.bind({ src: t.blurB, dst: t.blurA }),
        composite: this.composite.bind({
          frame: t.frame,
          alpha: t.alphaOut,
          blurred: t.blurA,
          background: this.background,
          fgr: t.fgr,
          err: t.err,
          output: t.output,
        }),
        tensorFull: this.network.kind === 'gpu' ? this.toTensor.bind({ src: t.guideLow, tensor: this.network.input }) : null,
        tensorRoi: this.network.kind === 'gpu' ? this.toTensor.bind({ src: t.guideRoi, tensor: this.network.input }) : null,
        roiSteps: Array.from({ length: ROI_PASSES }, (_, pass) =>
          this.roiBox.bind({ mask: pass === 0 ? t.maskFull : t.maskRoi, prev: this.rects[pass]!, next: this.rects[pass + 1]! }),
        ),
      };
      this.learnedBound = null;
      const l = this.learned;
      if (l && this.plateTexture && width % 4 === 0 && height % 4 === 0) {
        const { base } = l;
        const channel = (buffer: GPUBuffer, channels: number) => ({ buffer, channels, width: base.width, height: base.height, channel: 0 });
        this.learnedBound = {
          srcDown: this.learnedSrcDown.bind({ src: t.frame, dst: l.srcLow }),
          bgrDown: this.learnedBgrDown.bind({ src: this.plateTexture, dst: l.bgrLow }),
          srcTensor: this.toTensor.bind({ src: l.srcLow, tensor: base.src }),
          bgrTensor: this.toTensor.bind({ src: l.bgrLow, tensor: base.bgr }),
          pha: this.phaToPrior.bind({ src: channel(base.pha, 1), dst: t.prior }, true),
          err: this.errToErr.bind({ src: channel(base.err, 1), dst: t.err }, true),
          residual: this.fgrResidual.bind({ fgr: base.fgr, src: base.src, residual: l.residual, count: 3 * base.width * base.height }),
          refine: this.refineLearned.bind({
            src: t.frame,
            bgr: this.plateTexture,
            coarse: { pha: base.pha, fgr: l.residual, hid: base.hid, width: base.width, height: base.height },
            buffers: t.tiles,
            weights: l.weightsBuffer,
            alpha: t.alpha,
            fgr: t.fgr,
          }),
        };
      }
    }
    return this.textures;
  }

  private compositeParams(width: number, height: number, view: OutputType): CompositeParams {
    return {
      mode: COMPOSITE_MODE[this.options.mode],
      view: COMPOSITE_VIEW[view],
      color: parseHexColor(this.options.color),
      ...coverFit(width, height, this.background.width, this.background.height),
    };
  }

  private async readback(type: ReadbackType, width: number, height: number): Promise<Readback> {
    if (type === 'depth') {
      if (this.depthStage) return this.depthStage.readback(width, height);
      throw new InputError('unsupported-input', 'The depth view needs an Azure Kinect source (a recording or the bridge): this input has no depth.');
    }
    const b = this.bound!;
    this.composite.setParams(this.compositeParams(width, height, type));
    const encoder = this.device.createCommandEncoder({ label: `readback ${type}` });
    this.composite.encode(encoder, b.composite);
    this.device.queue.submit([encoder.finish()]);
    const rgba = (await readTexture(this.device, this.textures!.output)) as Uint8Array;
    if (type === 'com' || type === 'fgr' || type === 'ref') return { width, height, channels: 4, data: rgba };
    const grey = new Uint8Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4]!;
    return { width, height, channels: 1, data: grey };
  }

  /** Reads the refined-tile count (debug / replay only: a 4-byte read-back). */
  private async readRefineStats(t: FrameTextures): Promise<RefineStats> {
    const buffer = this.device.createBuffer({ size: 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(t.tiles.dispatch, 12, buffer, 0, 4);
      this.device.queue.submit([encoder.finish()]);
      await buffer.mapAsync(GPUMapMode.READ);
      const tiles = new Uint32Array(buffer.getMappedRange())[0]!;
      buffer.unmap();
      return { tiles, share: Math.min(1, (tiles * TILE_SIZE * TILE_SIZE) / (t.width * t.height)) };
    } finally {
      buffer.destroy();
    }
  }

  private plateFitReadBuffer(): GPUBuffer {
    this.plateFitBuffer ??= this.device.createBuffer({
      label: 'plate fit read-back',
      size: PLATE_STATS_BYTES,
      usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
    });
    return this.plateFitBuffer;
  }

  /** Maps the plate statistics copied this frame, without waiting for them. */
  private readPlateFit(): void {
    const buffer = this.plateFitBuffer!;
    this.plateFitPending = true;
    buffer
      .mapAsync(GPUMapMode.READ)
      .then(() => {
        this.plateFit = plateFitFromStats(new Uint32Array(buffer.getMappedRange().slice(0)));
        buffer.unmap();
      })
      .catch((err: unknown) => {
        // A lost device or a dispose() while mapping: the next measurement will try again.
        console.warn(`bg-replacer: plate fit not measured: ${String(err)}`);
      })
      .finally(() => {
        this.plateFitPending = false;
        if (this.plateFitBuffer !== buffer) buffer.destroy();
      });
  }

  private checkImageSize(image: ImageBitmap | null, what: string): void {
    const max = this.device.limits.maxTextureDimension2D;
    if (image && (image.width > max || image.height > max || image.width === 0 || image.height === 0)) {
      throw new InputError(
        'unsupported-input',
        `${what} is ${image.width}×${image.height}; the GPU accepts 1..${max} pixels a side — use a smaller image.`,
      );
    }
  }

  private uploadImage(image: ImageBitmap, width: number, height: number): GPUTexture {
    const tex = this.device.createTexture({
      label: 'image',
      size: [width, height],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT,
    });
    this.device.queue.copyExternalImageToTexture({ source: image }, { texture: tex }, [width, height]);
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

/**
 * Plate fit from the plate statistics (fixed point ×1024, see shaders/plate_stats.wgsl).
 * @param stats [ΣI.rgb, ΣB.rgb, Σ|I−B|, count]
 * @returns null when too little background was visible to judge
 */
export function plateFitFromStats(stats: Uint32Array): PlateFit | null {
  const count = stats[7]!;
  if (count < 16) return null;
  const luma = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;
  const frameLuma = luma(stats[0]!, stats[1]!, stats[2]!);
  const plateLuma = luma(stats[3]!, stats[4]!, stats[5]!);
  const brightness = plateLuma > 0 ? frameLuma / plateLuma : 1;
  const difference = stats[6]! / PLATE_STATS_SCALE / count;
  return { brightness, difference, stale: Math.abs(brightness - 1) > 0.15 || difference > 0.08 };
}
