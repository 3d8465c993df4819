import type { AssetLocation } from '../assets';
import { ModelIntegrityError, ReplacerError } from '../errors';
import type { Backend, Options, ReadbackType, RvmRuntime } from '../options';
import { createGpuContext, isSoftwareAdapter, type GpuContext } from '../gpu/device';
import type { Bgmv2Base } from '../models/bgmv2/base';
import { loadInstalledBgmv2, type Bgmv2Installed } from '../models/bgmv2/installed';
import { loadInstalledRvm, type RvmInstalled } from '../models/rvm/installed';
import type { RvmRunner } from '../models/rvm/streams';
import { TasksVisionBackend } from '../models/tasksVisionBackend';
import { AdaptiveQuality, QUALITY_LEVELS } from './adaptive';
import { CanvasPipeline } from '../pipeline/canvas/canvasPipeline';
import { FrameOutput, outputPathFor } from './frameOutput';
import type { BaseNetwork } from '../types/network';
import type { FramePipeline } from '../pipeline/framePipeline';
import type { VideoFrameImporter } from './videoFrameInput';
import type { DepthInput } from '../types/frame';
import type { EngineApi, EngineInfo, ProcessResult } from './protocol';
import type { KinectCalibration } from '../types/kinect';

/** EngineInfo.adapter on the Canvas 2D path. */
const CANVAS_ADAPTER = 'none (Canvas 2D)';

/** How long dispose() waits for the frame in flight, ms (within the page's 2 s for the whole dispose). */
const DISPOSE_FRAME_WAIT_MS = 1000;

/**
 * The engine behind the worker: owns the GPU device, the base network and the pipeline.
 * When the GPU device is lost it rebuilds them on the next frame (the caller passes
 * frames through meanwhile, since process() rejects with 'gpu-device-lost').
 * Frames given to process() are closed here, exactly once.
 * The base network follows options.backend: `onnx-webgpu` on this engine's GPUDevice
 * (rebuilt with the device), or `tasks-vision` in its own worker (kept across rebuilds);
 * `auto` is onnx-webgpu on a GPU and tasks-vision on a software adapter;
 * when onnx-webgpu cannot start, the engine falls back to tasks-vision and says why in
 * EngineInfo.backendFallback and on the console.
 *
 * Without WebGPU (no navigator.gpu or no adapter, at init, or when a lost device cannot be
 * replaced) the engine runs the Canvas 2D path instead (CanvasPipeline: tasks-vision and
 * a matte refined on the CPU, OffscreenCanvas compositing, no plate) and says so in EngineInfo.renderer
 * and EngineInfo.notice. Each public method below handles that path first, in a branch of
 * its own. The WebGPU path's modules (pipeline, passes, onnxruntime-web models) are imported
 * on first use: they read WebGPU globals (GPUShaderStage…) when loaded, which such a browser
 * lacks.
 */
export class Engine implements EngineApi {
  private gpu: GpuContext | null = null;
  private network: BaseNetwork | null = null;
  private tasksVision: TasksVisionBackend | null = null;
  /** The backend actually running, and why it differs from the requested one. */
  private backend: Backend = 'tasks-vision';
  private fallback: string | null = null;
  /** The installed BGMv2 model (matting 'bgmv2'), and its base network for the current frame size and device. */
  private bgmv2: Bgmv2Installed | null = null;
  private bgmv2Base: Bgmv2Base | null = null;
  /** The installed Robust Video Matting files (matting 'rvm'), and the network on the current device. */
  private rvmFiles: RvmInstalled | null = null;
  private rvm: RvmRunner | null = null;
  /** Where {@link rvm} runs (options.rvmRuntime when it was made), or null without one. */
  private rvmRuntime: RvmRuntime | null = null;
  private pipeline: FramePipeline | null = null;
  /** Puts the frames on the pipeline's device (made and disposed with the pipeline). */
  private importer: VideoFrameImporter | null = null;
  private output: FrameOutput | null = null;
  private options: Readonly<Options> | null = null;
  /** Adaptive quality (options.targetFps), fed each WebGPU frame's processing time. */
  private adaptive = new AdaptiveQuality(0);
  private assets: AssetLocation = { base: '', files: {} };
  private background: ImageBitmap | null = null;
  /** The background video's last frame (`video` mode), kept to re-apply to a rebuilt renderer; closed when replaced. */
  private videoFrame: VideoFrame | null = null;
  private plate: ImageBitmap | null = null;
  /** The Azure Kinect calibration (setDepthCalibration), re-applied to a rebuilt pipeline. */
  private depthCalibration: KinectCalibration | null = null;
  private lost = false;
  /** The Canvas 2D path, when WebGPU is missing, and the notice that says why. */
  private canvas: CanvasPipeline | null = null;
  private notice = '';
  /** Set when a device was lost while the output went through the canvas: read back from then on. */
  private canvasLost = false;
  private disposed = false;
  /** The frame being processed, if any: a rebuild (new renderer or backend) waits for it. */
  private inFlight: Promise<unknown> | null = null;
  /** Whether the last WebGPU adapter was a software one (null before any), for renderer `auto`. */
  private software: boolean | null = null;
  /** A rebuild in progress (setOptions with a new renderer or backend): frames wait for it. */
  private rebuilding: Promise<unknown> | null = null;
  /**
   * Told of every step of start-up and of each frame (phase names such as 'gpu device',
   * 'base network', 'pipeline', 'frame'): the worker turns these into the signs of progress
   * the page's watchdog reads (a slow start-up is progress, a hang is silence).
   */
  onProgress: (phase: string) => void = () => undefined;

  async init(options: Readonly<Options>, assets: AssetLocation): Promise<EngineInfo> {
    this.options = options;
    this.adaptive.setTarget(options.targetFps);
    this.assets = assets;
    await this.buildRenderer();
    if (!this.canvas && options.matting === 'bgmv2') this.bgmv2 = await loadInstalledBgmv2(assets);
    if (!this.canvas && options.matting === 'rvm') this.rvmFiles = await loadInstalledRvm(assets);
    return this.info();
  }

  private info(): EngineInfo {
    if (this.canvas) {
      const asked = this.options!.backend === 'onnx-webgpu';
      return {
        renderer: 'canvas2d',
        notice: this.notice,
        adapter: CANVAS_ADAPTER,
        backend: 'tasks-vision',
        ...(asked ? { backendFallback: 'onnx-webgpu needs WebGPU, which is not available; using tasks-vision.' } : {}),
        modelInput: { width: this.tasksVision!.width, height: this.tasksVision!.height },
      };
    }
    return {
      renderer: 'webgpu',
      adapter: this.gpu!.adapterName,
      backend: this.backend,
      ...(this.fallback ? { backendFallback: this.fallback } : {}),
      modelInput: { width: this.network!.width, height: this.network!.height },
    };
  }

  async setOptions(options: Readonly<Options>): Promise<EngineInfo | null> {
    if (this.options && this.path(this.options) !== this.path(options)) {
      // Another rendering path: tear the current one down and build the new one.
      this.options = options;
      this.adaptive.setTarget(options.targetFps);
      return this.rebuild(async () => {
        await this.teardownPipeline();
        this.canvas?.dispose();
        this.canvas = null;
        this.gpu?.device.destroy();
        this.gpu = null;
        await this.buildRenderer();
        if (!this.canvas && options.matting === 'bgmv2') this.bgmv2 ??= await loadInstalledBgmv2(this.assets);
        if (!this.canvas && options.matting === 'rvm') this.rvmFiles ??= await loadInstalledRvm(this.assets);
        return this.info();
      });
    }
    if (this.canvas) {
      // Matting and backend choices do not apply here; a new backend may change backendFallback.
      const backendChanged = this.options?.backend !== options.backend;
      this.options = options;
      this.canvas.setOptions(options);
      return backendChanged ? this.info() : null;
    }
    // A BGMv2 model that cannot be loaded rejects the options (the current ones stay).
    if (options.matting === 'bgmv2' && !this.bgmv2) this.bgmv2 = await loadInstalledBgmv2(this.assets);
    // Likewise an RVM that is not installed (the error names the command that installs it).
    if (options.matting === 'rvm' && !this.rvmFiles) this.rvmFiles = await loadInstalledRvm(this.assets);
    const backendChanged = this.options?.backend !== options.backend;
    this.options = options;
    if (backendChanged && this.gpu && !this.lost) {
      const gpu = this.gpu;
      return this.rebuild(async () => {
        await this.buildPipeline(gpu);
        return this.info();
      });
    }
    this.adaptive.setTarget(options.targetFps);
    this.pipeline?.setOptions(options);
    this.pipeline?.setQuality(QUALITY_LEVELS[this.adaptive.state.level]!);
    return null;
  }

  /** Also forgets the background video's last frame when cleared (null). */
  async setBackground(image: ImageBitmap | null): Promise<void> {
    this.background = await this.keepAndApply(image, this.background, (copy) =>
      this.canvas ? this.canvas.setBackground(copy) : this.pipeline!.setBackground(copy),
    );
    if (!image) await this.setVideoFrame(null);
  }

  /**
   * Makes `frame` the background video's current frame (`video` mode), replacing (and closing)
   * the last one; null forgets it. Owns `frame` from here on.
   * @throws InputError 'unsupported-input' when the WebGPU path cannot take its size (the frame is closed)
   */
  private async setVideoFrame(frame: VideoFrame | null): Promise<void> {
    this.videoFrame?.close();
    this.videoFrame = frame;
    try {
      if (this.canvas) this.canvas.setVideoFrame(frame);
      else if (!this.lost) await this.pipeline?.setVideoFrame(frame);
    } catch (err) {
      this.videoFrame?.close();
      this.videoFrame = null;
      throw err;
    }
  }

  /** On the Canvas 2D path the plate is kept (for a later WebGPU engine) but not used. */
  async setPlate(image: ImageBitmap | null): Promise<void> {
    this.plate = await this.keepAndApply(image, this.plate, (copy) => (this.canvas ? copy?.close() : this.pipeline!.setPlate(copy)));
  }

  /**
   * What the background memory learned, as a plate image (see EngineApi.memoryPlate). Waits for a
   * rebuild in progress. Null on the Canvas 2D path (no memory there), after a lost device (the
   * memory went with it) and whenever the pipeline's memory knows nothing.
   * @throws ReplacerError 'engine-not-ready' before init
   */
  async memoryPlate(): Promise<ImageBitmap | null> {
    await this.rebuilding?.catch(() => undefined);
    if (this.canvas) return null;
    if (!this.pipeline) throw new ReplacerError('engine-not-ready', 'The engine is not initialised yet.');
    if (this.lost) return null;
    const plate = await this.pipeline.readMemoryPlate();
    if (!plate) return null;
    const image = new ImageData(plate.width, plate.height);
    image.data.set(plate.data);
    // Alpha marks what the memory knows: kept as it is, never multiplied into the colour.
    return createImageBitmap(image, { premultiplyAlpha: 'none' });
  }

  /**
   * Applies an image to the pipeline and keeps a copy, so it survives a GPU device rebuild.
   * @returns the copy to keep (the previous one is closed), or null when cleared
   */
  private async keepAndApply(
    image: ImageBitmap | null,
    previous: ImageBitmap | null,
    apply: (image: ImageBitmap | null) => void,
  ): Promise<ImageBitmap | null> {
    if (!this.pipeline && !this.canvas) {
      image?.close();
      throw new ReplacerError('engine-not-ready', 'The engine is not initialised yet.');
    }
    const keep = image ? await createImageBitmap(image) : null;
    try {
      apply(image);
    } catch (err) {
      keep?.close();
      throw err;
    }
    previous?.close();
    return keep;
  }

  async setDepthCalibration(calibration: KinectCalibration | null): Promise<void> {
    this.depthCalibration = calibration;
    this.pipeline?.setDepthCalibration(calibration);
  }

  async process(frame: VideoFrame, readbacks: ReadbackType[] = [], depth: DepthInput | null = null, background: VideoFrame | null = null): Promise<ProcessResult> {
    const run = (async () => {
      await this.rebuilding?.catch(() => undefined);
      return this.processNow(frame, readbacks, depth, background);
    })();
    this.inFlight = run;
    try {
      return await run;
    } finally {
      if (this.inFlight === run) this.inFlight = null;
    }
  }

  /**
   * Runs a rebuild of the renderer or the pipeline once the frame in flight (if any; its
   * failure is its caller's) is done; frames that arrive meanwhile wait for it.
   */
  private async rebuild<T>(work: () => Promise<T>): Promise<T> {
    const run = (async () => {
      await this.inFlight?.catch(() => undefined);
      return work();
    })();
    this.rebuilding = run;
    try {
      return await run;
    } finally {
      if (this.rebuilding === run) this.rebuilding = null;
    }
  }

  private async processNow(frame: VideoFrame, readbacks: ReadbackType[], depth: DepthInput | null, background: VideoFrame | null): Promise<ProcessResult> {
    const start = performance.now();
    this.onProgress('frame');
    try {
      if (this.disposed) {
        background?.close();
        throw new ReplacerError('disposed', 'The engine was disposed.');
      }
      if (background) await this.setVideoFrame(background);
      if (this.lost) await this.buildRenderer();
      if (this.canvas) {
        const result = await this.canvas.process(frame, readbacks);
        return {
          ...result,
          stats: { ...result.stats, total: performance.now() - start },
          importPath: 'canvas2d',
          matting: 'none',
          outputPath: 'canvas2d',
        };
      }
      if (!this.pipeline || !this.output || !this.importer) throw new ReplacerError('engine-not-ready', 'The engine is not initialised yet.');
      await this.prepareBgmv2(frame.displayWidth, frame.displayHeight);
      await this.prepareRvm();
      const result = await this.pipeline.process(this.importer.input(frame), readbacks, depth);
      const out = await this.output.toVideoFrame(result.output, frame.timestamp, frame.duration);
      const plateFit = this.pipeline.plateFit;
      const memory = this.pipeline.memoryStats;
      const total = performance.now() - start;
      // The quality level of this frame; the controller sets the next frame's.
      const quality = this.adaptive.state;
      this.pipeline.setQuality(QUALITY_LEVELS[this.adaptive.observe(total)]!);
      return {
        frame: out,
        stats: { ...result.stats, total },
        quality: { level: quality.level, levels: quality.levels, targetFps: quality.targetFps },
        importPath: this.importer.importPath!,
        matting: result.matting,
        outputPath: this.output.path,
        ...(plateFit ? { plateFit } : {}),
        ...(memory ? { memory } : {}),
        ...(result.refine ? { refine: result.refine } : {}),
        ...(result.depth ? { depth: result.depth } : {}),
        ...(this.pipeline.standing ? { standing: { top: this.pipeline.standing.top, bottom: this.pipeline.standing.bottom } } : {}),
        readbacks: result.readbacks,
      };
    } finally {
      frame.close();
    }
  }

  /**
   * Releases everything: the frame in flight finishes first, for up to DISPOSE_FRAME_WAIT_MS (its
   * input and output frames are closed or handed over before the page terminates the worker:
   * frames a terminated worker still held would be collected unclosed), then the pipeline,
   * device and images go.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    // Bounded: the page gives the whole dispose DISPOSE_TIMEOUT_MS (2 s) before it terminates the worker.
    const inFlight = this.inFlight?.catch(() => undefined);
    if (inFlight) await Promise.race([inFlight, new Promise((done) => setTimeout(done, DISPOSE_FRAME_WAIT_MS))]);
    await this.teardownPipeline();
    this.canvas?.dispose();
    this.canvas = null;
    this.gpu?.device.destroy();
    this.gpu = null;
    this.tasksVision?.close();
    this.tasksVision = null;
    this.background?.close();
    this.background = null;
    this.videoFrame?.close();
    this.videoFrame = null;
    this.plate?.close();
    this.plate = null;
  }

  /**
   * Builds the WebGPU path on a new device or, when WebGPU is unavailable (ReplacerError
   * 'webgpu-unavailable': no navigator.gpu or no adapter), the Canvas 2D path.
   * @throws ReplacerError 'model-integrity' | 'model-load', and any other device error
   */
  /** The rendering path `options` ask for here (see RendererChoice); `webgpu` may still fall back when WebGPU is unavailable. */
  private path(options: Readonly<Options>): 'webgpu' | 'canvas2d' {
    if (options.renderer === 'canvas2d') return 'canvas2d';
    return options.renderer === 'auto' && options.targetFps > 0 && this.software ? 'canvas2d' : 'webgpu';
  }

  private async buildRenderer(): Promise<void> {
    const { renderer, targetFps } = this.options!;
    if (renderer === 'canvas2d') return this.buildCanvas(null);
    try {
      await this.buildGpu();
    } catch (err) {
      if (!(err instanceof ReplacerError && err.code === 'webgpu-unavailable')) throw err;
      await this.buildCanvas(err.message);
      return;
    }
    if (renderer === 'auto' && targetFps > 0 && isSoftwareAdapter(this.gpu!.adapterName)) {
      // No GPU: the pipeline would be emulated on the CPU, far from the real-time target.
      const adapter = this.gpu!.adapterName;
      await this.teardownPipeline();
      this.gpu!.device.destroy();
      this.gpu = null;
      await this.buildCanvas(`The only WebGPU adapter is a software one (${adapter}): no GPU, so the WebGPU pipeline would run far from real time.`, 'software');
    }
  }

  /**
   * Switches to the Canvas 2D path (for good: this engine does not go back to WebGPU),
   * re-applying the background; the plate is kept but unused there.
   * @param reason why WebGPU is unavailable, for the notice; null when options.renderer chose it
   * @param why 'unavailable' (no WebGPU or a lost device) or 'software' (a software adapter, renderer auto)
   */
  private async buildCanvas(reason: string | null, why: 'unavailable' | 'software' = 'unavailable'): Promise<void> {
    const afterLoss = this.lost;
    this.tasksVision ??= await TasksVisionBackend.create(this.assets);
    this.onProgress('base network');
    this.gpu = null;
    this.lost = false;
    this.backend = 'tasks-vision';
    this.fallback = null;
    this.canvas = new CanvasPipeline(this.tasksVision, this.options!);
    if (this.background) this.canvas.setBackground(await createImageBitmap(this.background));
    this.canvas.setVideoFrame(this.videoFrame);
    if (reason === null) {
      this.notice = 'The Canvas 2D path was chosen (renderer: canvas2d): blur, background images, videos and colours and edge refinement work; the background plate and the background memory do not.';
      return;
    }
    this.notice =
      why === 'software'
        ? `${reason} Using the faster Canvas 2D path: blur, background images, videos and colours and edge refinement work; the background plate and the background memory do not (renderer: 'webgpu' forces the pipeline).`
        : `${afterLoss ? 'The GPU device was lost and no new one could be had: ' : ''}${reason} ` +
          'Using the slower Canvas 2D path instead: blur, background images, videos and colours and edge refinement work; the background plate and the background memory do not.';
    console.warn(`bg-replacer: ${this.notice}`);
  }

  private async buildGpu(): Promise<void> {
    await this.teardownPipeline();
    const gpu = await createGpuContext();
    this.onProgress('gpu device');
    this.gpu = gpu;
    this.software = isSoftwareAdapter(gpu.adapterName);
    gpu.device.addEventListener('uncapturederror', (event) => {
      console.error(`bg-replacer: WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
    });
    this.lost = false;
    void gpu.device.lost.then((info) => {
      if (this.gpu?.device === gpu.device && !this.disposed) {
        console.warn(`bg-replacer: GPU device lost (${info.reason}): ${info.message}; rebuilding on the next frame.`);
        if (this.output?.path === 'canvas') {
          this.canvasLost = true;
          console.warn('bg-replacer: the output will be read back instead of presented through a WebGPU canvas from now on.');
        }
        this.lost = true;
      }
    });
    await this.buildPipeline(gpu);
  }

  /** (Re)creates the base network and the pipeline on `gpu`, re-applying background and plate. */
  private async buildPipeline(gpu: GpuContext): Promise<void> {
    await this.teardownPipeline();
    const { FramePipeline } = await import('../pipeline/framePipeline');
    const { VideoFrameImporter } = await import('./videoFrameInput');
    this.network = await this.createNetwork(gpu.device);
    this.onProgress('base network');
    this.output = new FrameOutput(gpu.device, this.canvasLost ? 'readback' : outputPathFor(gpu.adapterName));
    this.pipeline = new FramePipeline(gpu.device, this.network, this.options!, (stage) => this.onProgress(stage));
    this.importer = new VideoFrameImporter(gpu.device);
    this.pipeline.setQuality(QUALITY_LEVELS[this.adaptive.state.level]!);
    if (this.background) this.pipeline.setBackground(await createImageBitmap(this.background));
    await this.pipeline.setVideoFrame(this.videoFrame);
    if (this.plate) this.pipeline.setPlate(await createImageBitmap(this.plate));
    this.pipeline.setDepthCalibration(this.depthCalibration);
  }

  /**
   * The requested backend's network; onnx-webgpu falls back to tasks-vision when the
   * runtime cannot start, but a model whose hash differs is an error, never a fallback.
   * @throws ModelIntegrityError, ReplacerError 'model-load'
   */
  private async createNetwork(device: GPUDevice): Promise<BaseNetwork> {
    this.fallback = null;
    const choice = this.options!.backend;
    const wanted = choice === 'auto' ? (isSoftwareAdapter(this.gpu!.adapterName) ? 'tasks-vision' : 'onnx-webgpu') : choice;
    if (wanted === 'onnx-webgpu') {
      try {
        const { OnnxWebGpuSegmenter } = await import('../models/onnxWebGpu');
        const network = await OnnxWebGpuSegmenter.create(device, this.assets);
        this.backend = 'onnx-webgpu';
        return network;
      } catch (err) {
        if (err instanceof ModelIntegrityError) throw err;
        this.fallback = `onnx-webgpu could not start (${err instanceof Error ? err.message : String(err)}); using tasks-vision.`;
        console.warn(`bg-replacer: ${this.fallback}`);
      }
    }
    this.tasksVision ??= await TasksVisionBackend.create(this.assets);
    this.backend = 'tasks-vision';
    return this.tasksVision;
  }

  /**
   * With matting 'bgmv2' and a plate: a BGMv2 base network for this frame size (¼ of it) on
   * this device, given to the pipeline; otherwise none.
   * @throws ReplacerError 'model-load' when the installed base model cannot run at this size
   */
  private async prepareBgmv2(width: number, height: number): Promise<void> {
    const wanted = this.options!.matting === 'bgmv2' && this.bgmv2 !== null && this.plate !== null && width % 4 === 0 && height % 4 === 0;
    const base = this.bgmv2Base;
    if (wanted && base && base.width === width / 4 && base.height === height / 4) return;
    if (base) {
      this.pipeline!.setLearned(null);
      this.bgmv2Base = null;
      await base.close();
    }
    if (!wanted) return;
    const gpu = this.gpu!;
    const { Bgmv2Base } = await import('../models/bgmv2/base');
    this.bgmv2Base = await Bgmv2Base.create(gpu.device, this.assets, this.bgmv2!.baseBytes, width / 4, height / 4);
    this.pipeline!.setLearned({ base: this.bgmv2Base, weights: this.bgmv2!.weights });
  }

  /**
   * With matting 'rvm': Robust Video Matting on this device, given to the pipeline (loaded on
   * first use: TensorFlow.js is fetched only then), run where options.rvmRuntime says (made again
   * when it changes); otherwise none (its memory freed).
   * @throws Error when TensorFlow.js cannot load the graph on the device
   */
  private async prepareRvm(): Promise<void> {
    const wanted = this.options!.matting === 'rvm' && this.rvmFiles !== null ? this.options!.rvmRuntime : null;
    if (wanted === this.rvmRuntime) return;
    if (this.rvm) {
      this.pipeline!.setRvm(null);
      this.rvm.destroy();
      this.rvm = null;
      this.rvmRuntime = null;
    }
    if (wanted === null) return;
    const { device } = this.gpu!;
    const { graph, weights } = this.rvmFiles!;
    if (wanted === 'cpu') {
      const { RvmCpuNetwork } = await import('../models/rvm/cpuRuntime');
      this.rvm = await RvmCpuNetwork.create(device, graph, weights);
    } else {
      const { RvmNetwork } = await import('../models/rvm/runtime');
      this.rvm = await RvmNetwork.create(device, graph, weights);
    }
    this.rvmRuntime = wanted;
    this.pipeline!.setRvm(this.rvm);
  }

  private async teardownPipeline(): Promise<void> {
    this.pipeline?.dispose();
    this.pipeline = null;
    // The network goes with the pipeline; the next one is made on the device of its time.
    this.rvm?.destroy();
    this.rvm = null;
    this.rvmRuntime = null;
    this.importer?.dispose();
    this.importer = null;
    const base = this.bgmv2Base;
    this.bgmv2Base = null;
    await base?.close().catch((err: unknown) => console.warn(`bg-replacer: releasing the BGMv2 session failed: ${String(err)}`));
    this.output?.dispose();
    this.output = null;
    // The tasks-vision worker does not depend on the device: it is kept until dispose().
    if (this.network?.kind === 'gpu') {
      // On a lost device the session's release may fail; the device goes with it anyway.
      await this.network.close().catch((err: unknown) => console.warn(`bg-replacer: releasing the onnx-webgpu session failed: ${String(err)}`));
    }
    this.network = null;
  }

}
