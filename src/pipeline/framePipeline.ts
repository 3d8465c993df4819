// The WebGPU frame pipeline: the stage table (stages.ts) run on each frame, with the frame's
// shared textures, the user's images and the BackgroundMattingV2 model it holds between frames.
import { InputError } from '../errors';
import { StageTimer } from '../gpu/stageTimer';
import type { Options, ReadbackType } from '../options';
import type { DepthInput, DepthStats, FrameStats, MemoryStats, PlateFit, QualitySettings, Readback, RefineStats } from '../types/frame';
import type { FrameInput } from '../types/frameInput';
import type { Rect } from '../types/geometry';
import type { RvmRunner } from '../models/rvm/streams';
import type { KinectCalibration } from '../types/kinect';
import type { BaseNetwork } from '../types/network';
import { FrameRun, runStages } from './frameRun';
import { createFrameTextures, destroyFrameTextures, type FrameTextures } from './frameTextures';
import { LearnedModel, type LearnedMatting } from './learnedModel';
import { readRefineStats, readSelectedTiles, readView } from './readbacks';
import { FULL_QUALITY } from './quality';
import { ROI_PASSES } from './roi';
import { SceneImages, type SceneImage } from './sceneImages';
import { refinesPrior, type MattingPath } from './stage';
import { createFrameStages, type FrameStages } from './stages';
import { frameBlurPlan } from './stages/blur';
import type { StandingSplit } from './standing';

export type { LearnedMatting };

/** What process() returns for one frame. */
export interface PipelineResult {
  /** The output texture, rgba8unorm at the frame's size (valid until the next call). */
  output: GPUTexture;
  stats: Omit<FrameStats, 'total'>;
  /** Refine accounting: with read-backs or in the `ref` view, when matting ran; null otherwise. */
  refine: RefineStats | null;
  readbacks: Partial<Record<ReadbackType, Readback>>;
  /** Which matting stages ran (`none`: the mode and view need no alpha; reported as classic). */
  matting: 'classic' | 'rvm' | 'bgmv2';
  /** What the frame's depth said, when it came with depth and a calibration is set. */
  depth: DepthStats | null;
}

/**
 * The per-frame orchestration of DESIGN.md's data flow as an ordered table of stages
 * (src/pipeline/stages.ts): import → base network (whole frame, then the region of interest or
 * the standing split) → depth fusion → upsampled prior → plate statistics → coarse stage →
 * sparse refine (or BGMv2's base network and learned refiner) → temporal smoothing → blur →
 * composite. Owns the stages, the frame textures, the background and plate images and the BGMv2
 * resources; borrows the network and the BGMv2 base network. One instance per GPU device.
 */
export class FramePipeline {
  private readonly stages: FrameStages;
  private readonly images: SceneImages;
  private textures: FrameTextures | null = null;
  private blurFactor = 0;
  private learned: LearnedModel | null = null;
  private rvm: RvmRunner | null = null;
  /** The background memory's scene changes the RVM state has been started again for. */
  private sceneChanges = 0;
  private warnedLearnedSize = false;
  private options: Readonly<Options>;
  private quality: QualitySettings = FULL_QUALITY;
  /** Created on the first frame with options.stageTimings (when the device supports it). */
  private timer: StageTimer | null = null;
  private frameCount = 0;
  private last: { region: Rect | null; standing: StandingSplit | null } = { region: null, standing: null };

  /**
   * @param device the GPU device every pass runs on
   * @param network base network producing the coarse person mask (borrowed)
   * @param options initial options (resolved)
   * @param onStage told each stage's name as the stage ends (the worker's progress signal)
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly network: BaseNetwork,
    options: Readonly<Options>,
    private readonly onStage: (name: string) => void = () => undefined,
  ) {
    this.options = options;
    this.stages = createFrameStages(device);
    this.images = new SceneImages(device);
  }

  /** The last measured plate fit, null without a plate. */
  get plateFit(): PlateFit | null {
    return this.stages.plate.plateFit;
  }

  /**
   * What the background memory learned, for saving it as the plate: RGBA8, a = 255 where it
   * knows the background and 0 where not (a plate with such texels is used where known only).
   * @returns null when there is no memory or it knows nothing yet
   */
  readMemoryPlate(): Promise<{ width: number; height: number; data: Uint8ClampedArray } | null> {
    return this.stages.memory.readPlate();
  }

  /** The background memory's last measurement (options.backgroundMemory), null when it is off, with a captured plate, or before the first. */
  get memoryStats(): MemoryStats | null {
    return this.stages.memory.memoryStats;
  }

  /**
   * The person's region of interest of the last frame (full-res pixels): the ROI, or the standing
   * squares' union; null when it was the whole frame, on a GPU base network (its ROI stays on the
   * GPU) or on the BGMv2 path.
   */
  get roi(): Rect | null {
    return this.last.region;
  }

  /** The last frame's standing-speaker split (Options.standing), or null when it was not used. */
  get standing(): StandingSplit | null {
    return this.last.standing;
  }

  /** Applies options from the next frame on. */
  setOptions(options: Readonly<Options>): void {
    this.options = options;
  }

  /**
   * Sets the adaptive-quality knobs from the next frame on: the number of region-of-interest
   * passes of the base network and the scale of the refine budget (`sampling` mode, and the BGMv2
   * refiner's tile budget).
   * @throws RangeError for roiPasses outside 0..ROI_PASSES or budgetScale outside 0..1
   */
  setQuality(quality: QualitySettings): void {
    const { roiPasses, budgetScale } = quality;
    if (!Number.isInteger(roiPasses) || roiPasses < 0 || roiPasses > ROI_PASSES) throw new RangeError(`roiPasses must be 0..${ROI_PASSES}, got ${roiPasses}`);
    if (!(budgetScale >= 0 && budgetScale <= 1)) throw new RangeError(`budgetScale must be in 0..1, got ${budgetScale}`);
    this.quality = quality;
  }

  /**
   * Replaces the `image`-mode background (null: a neutral grey). A bitmap is copied to the GPU
   * and closed; a texture (rgba8unorm, TEXTURE_BINDING) is borrowed as it is (see SceneImage).
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size, or a
   *   texture has another format or lacks TEXTURE_BINDING
   */
  setBackground(image: SceneImage | null): void {
    this.images.setBackground(image);
  }

  /**
   * Shows `frame` as `video` mode's background from the next frame on, until another comes (see
   * SceneImages.setVideoFrame); null forgets it (grey until the next). The frame stays the caller's.
   * @throws InputError 'unsupported-input' when the frame exceeds the GPU's texture size
   */
  async setVideoFrame(frame: VideoFrame | null): Promise<void> {
    if (frame) await this.images.setVideoFrame(frame);
    else this.images.clearVideo();
  }

  /**
   * Sets (or clears, with null) the clean background plate; the pipeline keeps a bitmap (and
   * closes it when replaced) and uploads it at the frame size; a texture is borrowed and must
   * have the frames' size (see SceneImage). Temporal history starts again.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size, or a
   *   texture has another format or lacks TEXTURE_BINDING (process() throws it for a texture
   *   whose size is not the frame's)
   */
  setPlate(image: SceneImage | null): void {
    this.images.setPlate(image);
    this.stages.plate.clearFit();
    this.resetHistory();
  }

  /**
   * Sets (or clears) the Azure Kinect calibration: frames given with depth then have it
   * registered, segmented and fused into the coarse masks (stages/depthFusion.ts).
   */
  setDepthCalibration(calibration: KinectCalibration | null): void {
    this.stages.depth.setCalibration(calibration);
  }

  /**
   * Uses BackgroundMattingV2 for the matting stages whenever a plate is set and the frame's
   * sides are multiples of 4 (its refiner's patch grid); null returns to the segmentation prior
   * and the classical refiner. The pipeline does not take ownership of `learned.base`.
   * @throws RangeError when the refiner weights are not the packed layout's length
   */
  setLearned(learned: LearnedMatting | null): void {
    this.learned?.destroy();
    this.learned = learned ? new LearnedModel(this.device, learned) : null;
    this.resetHistory();
  }

  /**
   * Uses Robust Video Matting's alpha as the prior of the matting stages (stages/rvmPrior.ts)
   * while options.matting is 'rvm'; null returns to the segmentation prior. The network stays
   * the caller's (it destroys it); its recurrent state starts again here, whenever the
   * pipeline's history does (a new size, plate or source), and on the frame after the background
   * memory finds that the scene changed (a camera move or a cut; measured every
   * MEMORY_MEASURE_FRAMES frames, see BackgroundMemoryStage.sceneChanges).
   */
  setRvm(network: RvmRunner | null): void {
    this.rvm = network;
    this.resetHistory();
  }

  /**
   * The selected tiles of the last frame (debug / tests: a read-back).
   * @returns packed x | y << 16 tile coordinates
   */
  async debugSelectedTiles(): Promise<number[]> {
    return this.textures ? readSelectedTiles(this.device, this.textures) : [];
  }

  /**
   * Processes one frame (the caller keeps ownership of what `input` wraps).
   * @param input the frame: a browser VideoFrame (src/worker/videoFrameInput.ts) or a GPU
   *   texture (src/pipeline/textureInput.ts), any size up to the GPU's texture limit
   * @param readbacks output types to read back (debug / replay); refine accounting is read too
   * @param depth the frame's Azure Kinect depth (used when a calibration is set)
   * @throws InputError 'unsupported-input' for a frame size that is not an integer in 1..the GPU's
   *   texture limit, a `depth` read-back without a depth calibration, or a frame or depth whose
   *   size is not the calibration's; a stage's error
   */
  async process(input: FrameInput, readbacks: readonly ReadbackType[] = [], depth: DepthInput | null = null): Promise<PipelineResult> {
    const max = this.device.limits.maxTextureDimension2D;
    const side = (v: number): boolean => Number.isInteger(v) && v >= 1 && v <= max;
    if (!side(input.width) || !side(input.height)) {
      throw new InputError('unsupported-input', `The frame is ${input.width}×${input.height}; the GPU takes 1..${max} pixels a side.`);
    }
    this.images.beginFrame();
    try {
      return await this.processFrame(input, readbacks, depth);
    } finally {
      // Destroying after the submit is safe: WebGPU waits for the submitted work.
      this.images.endFrame();
    }
  }

  private async processFrame(input: FrameInput, readbacks: readonly ReadbackType[], depth: DepthInput | null): Promise<PipelineResult> {
    const { device, options } = this;
    const { width, height } = input;
    const textures = this.texturesFor(width, height);
    const captured = await this.images.plateAt(width, height);
    // RVM's recurrent state carries the last scene into the next frames: a new scene starts it again.
    if (this.stages.memory.sceneChanges !== this.sceneChanges) {
      this.sceneChanges = this.stages.memory.sceneChanges;
      this.rvm?.reset();
    }
    const needsMask = options.mode !== 'off' || options.view !== 'com';
    const matting: MattingPath = !needsMask ? 'none' : this.learnedActive(width, height) ? 'bgmv2' : this.rvm && options.matting === 'rvm' ? 'rvm' : 'classic';
    // The background memory is the plate: where it knows enough without a captured plate; with
    // one, started from it and kept fresh (the captured plate serves on the frame it starts again).
    const memory = refinesPrior(matting) ? this.stages.memory.plateFor(width, height, options, captured) : { plate: null, learning: false };
    const plate = memory.plate ?? captured;
    const frame = new FrameRun({
      device,
      input,
      index: this.frameCount,
      textures,
      options,
      quality: this.quality,
      network: this.network,
      plate,
      plateSource: captured ? 'captured' : memory.plate ? 'memory' : null,
      memoryLearns: memory.learning,
      memoryViewed: memory.learning && (options.view === 'mem' || readbacks.includes('mem')),
      background: options.mode === 'video' ? this.images.video : this.images.background,
      depth,
      matting,
      learned: matting === 'bgmv2' ? this.learned : null,
      rvm: matting === 'rvm' ? this.rvm : null,
    });
    if (options.stageTimings && !this.timer && StageTimer.supported(device)) this.timer = new StageTimer(device);
    const timer = options.stageTimings ? this.timer : null;
    const times = await runStages(this.stages.table, frame, timer, this.onStage);
    this.frameCount++;
    if (matting !== 'none') this.last = { region: frame.standing?.union ?? (matting === 'classic' ? this.stages.roi.roi : null), standing: frame.standing };
    await device.queue.onSubmittedWorkDone();
    const gpuEnd = performance.now();
    const stages = timer ? await timer.read() : null;

    const refine = needsMask && (readbacks.length > 0 || options.view === 'ref') ? await readRefineStats(device, textures) : null;
    const out: Partial<Record<ReadbackType, Readback>> = {};
    for (const type of readbacks) out[type] = type === 'depth' ? await this.readDepth(frame.index, width, height) : await readView(frame, this.stages.table, type);
    // Leave the output texture holding the selected view again.
    if (readbacks.some((type) => type !== 'depth')) frame.renderView(this.stages.table, options.view);
    return {
      output: textures.output,
      stats: { import: times.import, segment: times.segment, gpu: gpuEnd - times.encodeStart, ...(stages ? { stages } : {}) },
      refine,
      readbacks: out,
      matting: matting === 'none' ? 'classic' : matting,
      depth: frame.depthStats,
    };
  }

  /** Destroys every texture and buffer this pipeline and its stages created. */
  dispose(): void {
    if (this.textures) destroyFrameTextures(this.textures);
    this.textures = null;
    for (const stage of this.stages.table) stage.dispose();
    this.images.dispose();
    this.learned?.destroy();
    this.learned = null;
    this.timer?.destroy();
    this.timer = null;
  }

  /** The frame textures for this size and blur factor, made again (and history reset) when either changed. */
  private texturesFor(width: number, height: number): FrameTextures {
    const { factor } = frameBlurPlan(height, this.options.blurStrength);
    if (!this.textures || this.textures.width !== width || this.textures.height !== height || this.blurFactor !== factor) {
      if (this.textures) destroyFrameTextures(this.textures);
      this.textures = createFrameTextures(this.device, width, height, this.network.width, this.network.height, factor);
      this.blurFactor = factor;
      this.resetHistory();
    }
    return this.textures;
  }

  /** True when this frame takes the BGMv2 path (see setLearned). */
  private learnedActive(width: number, height: number): boolean {
    if (!this.learned || !this.images.hasPlate) return false;
    if (width % 4 === 0 && height % 4 === 0) return true;
    if (!this.warnedLearnedSize) {
      console.warn(`bg-replacer: BGMv2 needs frame sides that are multiples of 4 (got ${width}×${height}); using the classical refiner.`);
      this.warnedLearnedSize = true;
    }
    return false;
  }

  /** @throws InputError 'unsupported-input' when no depth calibration was ever set */
  private readDepth(frameIndex: number, width: number, height: number): Promise<Readback> {
    if (!this.stages.depth.hasDepthView) {
      throw new InputError('unsupported-input', 'The depth view needs an Azure Kinect source (a recording or the bridge): this input has no depth.');
    }
    return this.stages.depth.readback(frameIndex, width, height);
  }

  private resetHistory(): void {
    for (const stage of this.stages.table) stage.reset?.();
    this.rvm?.reset();
  }
}
