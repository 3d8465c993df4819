import { ReplacerError } from '../errors';
import type { Options, OutputType } from '../options';
import { createGpuContext, type GpuContext } from '../gpu/device';
import { TasksVisionBackend } from '../models/tasksVisionBackend';
import { FrameOutput, outputPathFor } from './frameOutput';
import { FramePipeline } from './pipeline';
import type { EngineApi, EngineInfo, ProcessResult } from './protocol';

/**
 * The engine behind the worker: owns the GPU device, the base network and the pipeline.
 * When the GPU device is lost it rebuilds them on the next frame (the caller passes
 * frames through meanwhile, since process() rejects with 'gpu-device-lost').
 * Frames given to process() are closed here, exactly once.
 */
export class Engine implements EngineApi {
  private gpu: GpuContext | null = null;
  private network: TasksVisionBackend | null = null;
  private pipeline: FramePipeline | null = null;
  private output: FrameOutput | null = null;
  private options: Readonly<Options> | null = null;
  private baseUrl = '';
  private background: ImageBitmap | null = null;
  private plate: ImageBitmap | null = null;
  private lost = false;
  private disposed = false;

  async init(options: Readonly<Options>, baseUrl: string): Promise<EngineInfo> {
    this.options = options;
    this.baseUrl = baseUrl;
    this.network = await TasksVisionBackend.create(baseUrl);
    await this.buildGpu();
    return {
      adapter: this.gpu!.adapterName,
      backend: options.backend,
      modelInput: { width: this.network.width, height: this.network.height },
    };
  }

  async setOptions(options: Readonly<Options>): Promise<void> {
    this.options = options;
    this.pipeline?.setOptions(options);
  }

  async setBackground(image: ImageBitmap | null): Promise<void> {
    this.background = await this.keepAndApply(image, this.background, (copy) => this.pipeline!.setBackground(copy));
  }

  async setPlate(image: ImageBitmap | null): Promise<void> {
    this.plate = await this.keepAndApply(image, this.plate, (copy) => this.pipeline!.setPlate(copy));
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
    if (!this.pipeline) {
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

  async process(frame: VideoFrame, readbacks: OutputType[] = []): Promise<ProcessResult> {
    const start = performance.now();
    try {
      if (this.disposed) throw new ReplacerError('disposed', 'The engine was disposed.');
      if (this.lost) await this.buildGpu();
      if (!this.pipeline || !this.output) throw new ReplacerError('engine-not-ready', 'The engine is not initialised yet.');
      const result = await this.pipeline.process(frame, readbacks);
      const out = await this.output.toVideoFrame(result.output, frame.timestamp, frame.duration);
      const plateFit = this.pipeline.plateFit;
      return {
        frame: out,
        stats: { ...result.stats, total: performance.now() - start },
        importPath: this.pipeline.importPath!,
        outputPath: this.output.path,
        ...(plateFit ? { plateFit } : {}),
        ...(result.refine ? { refine: result.refine } : {}),
        readbacks: result.readbacks,
      };
    } finally {
      frame.close();
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.teardownGpu();
    this.gpu?.device.destroy();
    this.gpu = null;
    this.network?.close();
    this.network = null;
    this.background?.close();
    this.background = null;
    this.plate?.close();
    this.plate = null;
  }

  private async buildGpu(): Promise<void> {
    this.teardownGpu();
    const gpu = await createGpuContext();
    this.gpu = gpu;
    gpu.device.addEventListener('uncapturederror', (event) => {
      console.error(`bg-replacer: WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
    });
    this.lost = false;
    void gpu.device.lost.then((info) => {
      if (this.gpu?.device === gpu.device && !this.disposed) {
        console.warn(`bg-replacer: GPU device lost (${info.reason}): ${info.message}; rebuilding on the next frame.`);
        this.lost = true;
      }
    });
    this.pipeline = new FramePipeline(gpu.device, this.network!, this.options!);
    this.pipeline.setOptions(this.options!);
    if (this.background) this.pipeline.setBackground(await createImageBitmap(this.background));
    if (this.plate) this.pipeline.setPlate(await createImageBitmap(this.plate));
    this.output = new FrameOutput(gpu.device, outputPathFor(gpu.adapterName));
  }

  private teardownGpu(): void {
    this.pipeline?.dispose();
    this.pipeline = null;
    this.output?.dispose();
    this.output = null;
  }
}
