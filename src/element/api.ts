import * as Comlink from 'comlink';
import { InputError, ReplacerError } from '../errors';
import { resolveOptions, type Backend, type Options } from '../options';
import { createTrackOutput, type TrackOutput } from '../output/trackOutput';
import { installErrorTransfer } from '../errorTransfer';
import { readTrackFrames, type FrameReader } from '../sources/trackFrames';
import type { DepthInput, DepthStats, FrameStats, PlateFit, QualityLevel, RefineStats, Renderer } from '../types/frame';
import type { EngineInfo, ProcessResult } from '../worker/protocol';
import type { DepthFrameSource, DepthSourceFrame, KinectCalibration } from '../types/kinect';
import { EngineWorker } from './workerLink';
import { FpsMeter } from './fpsMeter';
import { countdown, PlateCollector, resolveCaptureOptions, type PlateCaptureOptions } from './plateCapture';
import { toReplacerError } from './toReplacerError';

/** A snapshot of the live pipeline, as `replacer.stats` and the `stats` event give it. */
export interface ReplacerStats {
  /** Output frames per second over the last second. */
  fps: number;
  /** Input frames dropped because the engine was still busy with the previous frame. */
  dropped: number;
  /** Frames the engine processed since `process()`. */
  processed: number;
  /** Frames passed through untouched (engine not ready or failed, mode `off`, failed frames). */
  passedThrough: number;
  /** Worker timings of the last processed frame in ms, or null before the first. */
  last: FrameStats | null;
  /** True once the engine is initialised and frames are processed. */
  ready: boolean;
  /** GPU adapter description once ready, e.g. "google swiftshader". */
  adapter: string | null;
  backend: Backend | null;
  /**
   * How frames are rendered (null before the engine is ready): `webgpu`, or `canvas2d` when
   * the browser has no WebGPU or the GPU was lost for good (EngineInfo.notice says what that means).
   */
  renderer: Renderer | null;
  /** True while the engine holds a background plate (captured or set). */
  plate: boolean;
  /** How well the plate still fits the scene (engine-measured), or null without a plate / before the first measurement. */
  plateFit: PlateFit | null;
  /** What the last processed frame's depth said (a depth source only), or null. */
  depth: DepthStats | null;
  /** Sparse-refinement accounting of the last processed frame, or null when the refiner did not run. */
  refine: RefineStats | null;
  /** The adaptive-quality level of the last processed frame (options.targetFps), or null (none yet, or the Canvas 2D path). */
  quality: QualityLevel | null;
}

export type { DepthFrameSource, DepthInput, DepthSourceFrame, DepthStats, PlateCaptureOptions, PlateFit, QualityLevel, RefineStats, Renderer };

/**
 * Events a BackgroundReplacer dispatches (all CustomEvents):
 * - `ready`: detail EngineInfo — the engine is initialised (again after a restart, or after setOptions changed the backend or the rendering path); frames are processed from now on.
 * - `error`: detail ReplacerError — engine start failed (frames keep passing through), a frame
 *   failed (it was passed through), the engine worker crashed or hung (it is restarted, frames
 *   pass through meanwhile; after {@link MAX_RESTARTS} crashes within a minute it stays down),
 *   or reading the input failed.
 * - `stats`: detail ReplacerStats — after every output or dropped frame.
 * - `ended`: detail null — the input track ended; the output track ends too.
 * - `platecountdown`: detail the whole seconds left before `capturePlate()` collects frames
 *   (3, 2, 1), then 0 when collection starts.
 * - `platestale`: detail PlateFit — the plate stopped fitting the scene (lighting changed or the
 *   camera moved); fired once per transition, again only after it fitted in between.
 */
export interface ReplacerEventMap {
  ready: CustomEvent<EngineInfo>;
  error: CustomEvent<ReplacerError>;
  stats: CustomEvent<ReplacerStats>;
  ended: CustomEvent<null>;
  platecountdown: CustomEvent<number>;
  platestale: CustomEvent<PlateFit>;
}

/** Background blur / replacement for a camera stream; see DESIGN.md. */
export interface BackgroundReplacer extends EventTarget {
  /** The current, validated options. */
  readonly options: Readonly<Options>;
  readonly stats: ReplacerStats;
  /** The error that stopped the engine (frames then pass through), or null. */
  readonly engineError: ReplacerError | null;
  /**
   * Starts processing the first video track of `stream` and returns the processed stream at
   * once; frames pass through untouched until the engine is ready. A second call replaces the
   * first pipeline (its output track ends). The input tracks are not stopped.
   * @throws InputError 'unsupported-input' when the stream has no video track
   * @throws ReplacerError 'disposed' after dispose()
   */
  process(stream: MediaStream): MediaStream;
  /**
   * Like process(), for colour frames that come with Azure Kinect depth: the engine registers
   * each depth image to its frame (source.calibration) and uses the subject's depth band as
   * the rough segmentation, fused with the colour model's mask. Frames without depth are
   * processed from colour alone. The source is closed when the pipeline stops.
   * @throws ReplacerError 'disposed' after dispose()
   */
  processDepthSource(source: DepthFrameSource): MediaStream;
  /** Stops the current pipeline, if any: its output track ends; the engine stays up for a later process(). */
  stop(): void;
  /**
   * Validates and applies options from the next frame on.
   * @throws InvalidOptionError synchronously, leaving the options unchanged
   * @returns a promise that rejects with a ReplacerError if the engine refused them
   */
  setOptions(partial: Partial<Options>): Promise<void>;
  /**
   * Sets the image for `image` mode, or clears it with null. An ImageBitmap is transferred
   * to the worker (it is unusable here afterwards); a Blob (PNG, JPEG, WebP…) is decoded first.
   * Images larger than {@link MAX_IMAGE_SIDE} px on a side are scaled down to fit (aspect kept).
   * On a rejection the previous background stays.
   * @throws InputError 'corrupt-input' (rejection) when the blob is not a decodable image
   */
  setBackground(image: ImageBitmap | Blob | null): Promise<void>;
  /**
   * Captures the clean background plate from the input being processed: counts down
   * (`platecountdown` events) so the user can step out of the frame, then combines the next
   * `frames` input frames with a per-pixel median, gives the plate to the engine and resolves
   * with a copy the caller owns (for a thumbnail or storage; close it when done). A later call
   * replaces a running one, which rejects with an AbortError.
   * @throws InvalidOptionError (rejection) for a countdown outside 0..60 s or frames outside 1..60
   * @throws ReplacerError (rejection) 'engine-not-ready' when no stream is being processed, the
   *   engine is still starting, the input stops or no frames arrive; the engine's error when it
   *   failed; 'disposed' after dispose()
   * @throws the signal's reason (rejection) when `signal` aborts
   */
  capturePlate(options?: PlateCaptureOptions): Promise<ImageBitmap>;
  /**
   * Sets the plate (e.g. one restored from storage), or clears it with null. An ImageBitmap is
   * transferred (unusable here afterwards); a Blob is decoded first. It should show the scene
   * without the person in the camera's framing; it is resized to the frame size. Waits for the
   * engine when it is still starting; ignored when the engine failed (`stats.plate` stays false).
   * @throws InputError 'corrupt-input' (rejection) when the blob is not a decodable image
   */
  setPlate(image: ImageBitmap | Blob | null): Promise<void>;
  /** Clears the plate: the same as `setPlate(null)`. */
  clearPlate(): Promise<void>;
  /** Resolves with the engine info once ready; rejects with the engine's start error. */
  whenReady(): Promise<EngineInfo>;
  /** Stops reading, ends the output, closes every frame and terminates the worker. Idempotent. */
  dispose(): Promise<void>;
  addEventListener<K extends keyof ReplacerEventMap>(type: K, listener: (event: ReplacerEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof ReplacerEventMap>(type: K, listener: (event: ReplacerEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/**
 * Creates a background replacer and starts its engine (WebGPU device, model) in a worker.
 * Resolves without waiting for the engine: `process()` passes frames through until it is
 * ready (listen for `ready`, or await `whenReady()`).
 * @throws InvalidOptionError (rejection) for invalid options
 */
export async function createBackgroundReplacer(options: Partial<Options> = {}): Promise<BackgroundReplacer> {
  return new Replacer(resolveOptions(options));
}

/** A process() call that hangs this long is treated as failed (the frame is passed through). */
const PROCESS_TIMEOUT_MS = 10_000;
/** At most this many engine restarts within {@link RESTART_WINDOW_MS}; one more and the engine stays down. */
export const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
/**
 * Background images and plates are scaled down to fit this many pixels on their longer side
 * (GPU textures are limited to 8192 and a background needs no more than 4K).
 */
export const MAX_IMAGE_SIDE = 4096;
/** How long dispose() waits for the engine to release its resources before terminating the worker. */
const DISPOSE_TIMEOUT_MS = 2_000;
/** A plate capture fails when its frames have not arrived after this long, plus 1 s per frame. */
const CAPTURE_TIMEOUT_MS = 5_000;

type EngineState = 'starting' | 'ready' | 'failed' | 'disposed';

/** One process() call: a reader of the input track and the output it feeds. */
interface Pipeline {
  readonly reader: FrameReader;
  /** The depth of each frame read, for a depth source (processDepthSource). */
  readonly depthOf?: WeakMap<VideoFrame, DepthInput>;
  readonly output: TrackOutput;
  stopped: boolean;
}

/** A capturePlate() call in progress. */
interface PlateCapture {
  readonly abort: AbortController;
  /** Set when the countdown is over and frames are being collected. */
  collector: PlateCollector | null;
}

class Replacer extends EventTarget implements BackgroundReplacer {
  private currentOptions: Readonly<Options>;
  private state: EngineState = 'starting';
  /** The current engine worker; replaced by {@link restart} when it crashes or hangs. */
  private engine: EngineWorker;
  private info: EngineInfo | null = null;
  private error: ReplacerError | null = null;
  /** Settles (fulfilled with info or the start error) once the latest init is over; never rejects. */
  private started: Promise<EngineInfo | ReplacerError>;
  /** Serialises control calls (init, setOptions, setBackground, restarts) in call order. */
  private control: Promise<unknown>;
  /** performance.now() of the restarts within the last {@link RESTART_WINDOW_MS}. */
  private restarts: number[] = [];
  /**
   * Copies of the background image and the plate the engine should hold, so a restarted
   * engine gets them again. Owned here; closed when replaced and on dispose().
   */
  private backgroundCopy: ImageBitmap | null = null;
  private plateCopy: ImageBitmap | null = null;
  /** The depth calibration the engine should hold (processDepthSource), re-applied after a restart. */
  private depthCalibration: KinectCalibration | null = null;
  private depthStats: DepthStats | null = null;
  private pipeline: Pipeline | null = null;
  private busy = false;
  private failureStreak = 0;
  private readonly fps = new FpsMeter();
  private counts = { dropped: 0, processed: 0, passedThrough: 0 };
  private last: FrameStats | null = null;
  private capture: PlateCapture | null = null;
  private plate = false;
  /** Increases with every plate change, so results measured against an older plate are ignored. */
  private plateGeneration = 0;
  private plateFit: PlateFit | null = null;
  private refine: RefineStats | null = null;
  /** From EngineInfo, then from the frames' outputPath (the engine may switch to canvas2d mid-stream). */
  private renderer: Renderer | null = null;
  private quality: QualityLevel | null = null;

  constructor(options: Readonly<Options>) {
    super();
    installErrorTransfer();
    this.currentOptions = options;
    this.engine = this.spawn();
    this.started = this.start(false);
    this.control = this.started;
  }

  get options(): Readonly<Options> {
    return this.currentOptions;
  }

  get engineError(): ReplacerError | null {
    return this.state === 'failed' ? this.error : null;
  }

  get stats(): ReplacerStats {
    return {
      fps: this.fps.fps(),
      ...this.counts,
      last: this.last,
      ready: this.state === 'ready',
      adapter: this.info?.adapter ?? null,
      backend: this.info?.backend ?? null,
      renderer: this.renderer,
      plate: this.plate,
      plateFit: this.plateFit,
      refine: this.refine,
      quality: this.quality,
      depth: this.depthStats,
    };
  }

  process(stream: MediaStream): MediaStream {
    if (this.state === 'disposed') throw new ReplacerError('disposed', 'This background replacer was disposed; create a new one.');
    const track = stream.getVideoTracks()[0];
    if (!track) throw new InputError('unsupported-input', 'The stream has no video track — pass a camera or screen stream.');
    return this.startPipeline(readTrackFrames(track));
  }

  processDepthSource(source: DepthFrameSource): MediaStream {
    if (this.state === 'disposed') throw new ReplacerError('disposed', 'This background replacer was disposed; create a new one.');
    const depthOf = new WeakMap<VideoFrame, DepthInput>();
    const reader: FrameReader = {
      method: 'depth-source',
      stop: () => source.close(),
      async *[Symbol.asyncIterator]() {
        for await (const { frame, depth } of source) {
          if (depth) depthOf.set(frame, depth);
          yield frame;
        }
      },
    };
    const calibration = source.calibration;
    this.enqueue(async () => {
      this.depthCalibration = calibration;
      if (this.state === 'ready') await this.guard(this.engine.remote.setDepthCalibration(calibration));
    }).catch((err: unknown) => this.emitError(toReplacerError(err, { code: 'engine-failed', context: 'The depth calibration could not be set' })));
    return this.startPipeline(reader, depthOf);
  }

  /** Replaces the current pipeline (its output ends) with one reading `reader`; returns the new output stream. */
  private startPipeline(reader: FrameReader, depthOf?: WeakMap<VideoFrame, DepthInput>): MediaStream {
    this.stopPipeline();
    const pipeline: Pipeline = { reader, ...(depthOf ? { depthOf } : {}), output: createTrackOutput(), stopped: false };
    this.pipeline = pipeline;
    this.counts = { dropped: 0, processed: 0, passedThrough: 0 };
    this.last = null;
    this.depthStats = null;
    void this.run(pipeline);
    return pipeline.output.stream;
  }

  stop(): void {
    this.stopPipeline();
    this.abortCapture(new ReplacerError('engine-not-ready', 'The video stopped during the plate capture — start it again and re-capture.'));
  }

  setOptions(partial: Partial<Options>): Promise<void> {
    const previous = this.currentOptions;
    const next = resolveOptions(partial, previous);
    this.currentOptions = next;
    return this.enqueue(async () => {
      if (this.state !== 'ready') return;
      try {
        const info = await this.guard(this.engine.remote.setOptions(next));
        if (info) {
          // A new backend or rendering path: the engine is ready again, as `info` says.
          this.info = info;
          this.renderer = info.renderer;
          this.emit('ready', info);
        }
      } catch (err) {
        // The engine kept its options (e.g. a BGMv2 model that cannot load): so do we.
        if (this.currentOptions === next) this.currentOptions = previous;
        throw err;
      }
    });
  }

  async setBackground(image: ImageBitmap | Blob | null): Promise<void> {
    const bitmap = await prepareImage(image, 'background image');
    return this.enqueue(async () => {
      // Kept for a restarted engine, also while (re)starting: start() gives it to the engine.
      const copy = bitmap ? await createImageBitmap(bitmap) : null;
      this.backgroundCopy?.close();
      this.backgroundCopy = copy;
      if (this.state !== 'ready') {
        bitmap?.close();
        return;
      }
      await this.guard(this.engine.remote.setBackground(bitmap ? Comlink.transfer(bitmap, [bitmap]) : null));
    });
  }

  async capturePlate(options: PlateCaptureOptions = {}): Promise<ImageBitmap> {
    const { countdownSeconds, frames } = resolveCaptureOptions(options);
    this.checkCapturable();
    this.capture?.abort.abort(new DOMException('A newer capturePlate() call replaced this one.', 'AbortError'));
    const capture: PlateCapture = { abort: new AbortController(), collector: null };
    this.capture = capture;
    const { signal } = capture.abort;
    const onUserAbort = (): void => capture.abort.abort(options.signal!.reason);
    if (options.signal?.aborted) onUserAbort();
    options.signal?.addEventListener('abort', onUserAbort, { once: true });
    try {
      await countdown(countdownSeconds, (left) => this.emit('platecountdown', left), signal);
      this.checkCapturable();
      const collector = new PlateCollector(frames);
      capture.collector = collector;
      const onAbort = (): void => collector.fail(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.emit('platecountdown', 0);
      let image: ImageData;
      try {
        image = await withTimeout(
          collector.result,
          CAPTURE_TIMEOUT_MS + frames * 1000,
          () => new ReplacerError('engine-not-ready', `No video frames arrived for the plate capture — check that the camera is running, then re-capture.`),
        );
      } finally {
        signal.removeEventListener('abort', onAbort);
        collector.fail(null);
      }
      const plate = await createImageBitmap(image);
      try {
        const forEngine = await createImageBitmap(plate);
        if (signal.aborted) {
          forEngine.close();
          throw signal.reason;
        }
        await this.applyPlate(forEngine, true);
      } catch (err) {
        plate.close();
        throw err;
      }
      return plate;
    } finally {
      options.signal?.removeEventListener('abort', onUserAbort);
      if (this.capture === capture) this.capture = null;
    }
  }

  async setPlate(image: ImageBitmap | Blob | null): Promise<void> {
    const bitmap = await prepareImage(image, 'background plate');
    return this.applyPlate(bitmap, false);
  }

  clearPlate(): Promise<void> {
    return this.setPlate(null);
  }

  async whenReady(): Promise<EngineInfo> {
    const outcome = await this.started;
    if (outcome instanceof ReplacerError) throw outcome;
    return outcome;
  }

  async dispose(): Promise<void> {
    if (this.state === 'disposed') return;
    const wasAlive = this.state !== 'failed';
    this.state = 'disposed';
    this.stopPipeline();
    const reason = new ReplacerError('disposed', 'This background replacer was disposed.');
    const engine = this.engine;
    engine.cut(reason);
    this.abortCapture(reason);
    this.backgroundCopy?.close();
    this.plateCopy?.close();
    this.backgroundCopy = this.plateCopy = null;
    try {
      // The engine was cut off above: call it directly, not through guard().
      if (wasAlive) await withTimeout(engine.remote.dispose(), DISPOSE_TIMEOUT_MS);
    } catch (err) {
      throw toReplacerError(err, { code: 'engine-failed', context: 'The background engine did not shut down cleanly' });
    } finally {
      engine.terminate(reason);
    }
  }

  /** Starts an engine worker whose crashes reach {@link onWorkerError}. */
  private spawn(): EngineWorker {
    const engine: EngineWorker = new EngineWorker(
      (event) => this.onWorkerError(engine, event),
      () => this.emitError(new ReplacerError('engine-failed', 'A message from the background engine could not be read.')),
    );
    return engine;
  }

  /**
   * Initialises the current engine worker with the current options; after a restart also
   * gives it the background image and the plate it had.
   */
  private async start(restart: boolean): Promise<EngineInfo | ReplacerError> {
    const engine = this.engine;
    try {
      const baseUrl = new URL(import.meta.env.BASE_URL, location.href).href;
      // Options and backgrounds set while init runs are queued behind it (see `control`).
      const info = await this.guard(engine.remote.init(this.currentOptions, baseUrl));
      if (restart) {
        if (this.backgroundCopy) {
          const copy = await createImageBitmap(this.backgroundCopy);
          await this.guard(engine.remote.setBackground(Comlink.transfer(copy, [copy])));
        }
        if (this.plateCopy) {
          const copy = await createImageBitmap(this.plateCopy);
          await this.guard(engine.remote.setPlate(Comlink.transfer(copy, [copy])));
        }
        if (this.depthCalibration) await this.guard(engine.remote.setDepthCalibration(this.depthCalibration));
      }
      if (this.state !== 'starting') return new ReplacerError('disposed', 'The background replacer was disposed while starting.');
      this.info = info;
      this.renderer = info.renderer;
      this.state = 'ready';
      this.emit('ready', info);
      return info;
    } catch (err) {
      const error = toReplacerError(err, { code: 'engine-failed', context: 'The background engine could not start' });
      // A restart that was itself cut off by a newer one leaves the state to the newer one.
      if (this.state === 'starting' && engine === this.engine) this.fail(error);
      return error;
    }
  }

  /**
   * Replaces a crashed or hung engine worker with a new one: frames pass through while it
   * starts, then the options, background and plate are restored. More than MAX_RESTARTS
   * within a minute fails the engine for good (frames keep passing through).
   * @param crashed the worker that failed; ignored when it was already replaced
   * @param why what happened, for the error message
   */
  private restart(crashed: EngineWorker, why: string): void {
    if (crashed !== this.engine || this.state === 'disposed' || this.state === 'failed') return;
    const now = performance.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      crashed.terminate(new ReplacerError('engine-failed', `The background engine stopped (${why}).`));
      this.fail(
        new ReplacerError(
          'engine-failed',
          `The background engine failed ${MAX_RESTARTS + 1} times within a minute (last: ${why}); frames pass through unprocessed — reload the page to try again.`,
        ),
      );
      return;
    }
    this.restarts.push(now);
    const error = new ReplacerError('engine-failed', `The background engine ${why}; restarting it — frames pass through unprocessed meanwhile.`);
    this.state = 'starting';
    this.busy = false;
    crashed.terminate(error);
    this.abortCapture(new ReplacerError('engine-not-ready', 'The background engine restarted during the plate capture — re-capture it.'));
    this.emitError(error);
    this.engine = this.spawn();
    // Control calls queued before the crash settle first (their engine calls were cut off);
    // later ones wait for the new engine.
    this.started = this.control.then(() => this.start(true));
    this.control = this.started;
  }

  private async run(pipeline: Pipeline): Promise<void> {
    try {
      for await (const frame of pipeline.reader) {
        if (pipeline.stopped) {
          frame.close();
          break;
        }
        this.capture?.collector?.offer(frame);
        await this.onFrame(frame, pipeline);
      }
      if (!pipeline.stopped) this.emit('ended', null);
    } catch (err) {
      if (!pipeline.stopped) this.emitError(toReplacerError(err, { code: 'corrupt-input', context: 'Reading the camera failed' }));
    } finally {
      pipeline.stopped = true;
      pipeline.output.close();
      if (this.pipeline === pipeline) {
        this.pipeline = null;
        this.abortCapture(new ReplacerError('engine-not-ready', 'The video ended during the plate capture — start it again and re-capture.'));
      }
    }
  }

  /** Routes one input frame: pass through, drop (engine busy) or process. Owns `frame`. */
  private async onFrame(frame: VideoFrame, pipeline: Pipeline): Promise<void> {
    const { mode, view } = this.currentOptions;
    if (this.state !== 'ready' || (mode === 'off' && view === 'com')) {
      await this.deliver(frame, pipeline, 'passedThrough');
    } else if (this.busy) {
      frame.close();
      this.counts.dropped++;
      this.emitStats();
    } else {
      this.busy = true;
      this.processFrame(frame, pipeline).catch((err: unknown) => {
        this.busy = false;
        this.emitError(toReplacerError(err, { code: 'engine-failed', context: 'A frame could not be processed' }));
      });
    }
  }

  /** Sends one frame to the engine and writes the result, or the original if it failed. */
  private async processFrame(frame: VideoFrame, pipeline: Pipeline): Promise<void> {
    const original = frame.clone();
    const plateGeneration = this.plateGeneration;
    const engine = this.engine;
    const depth = pipeline.depthOf?.get(frame) ?? null;
    let result: ProcessResult;
    try {
      const call = engine.remote.process(Comlink.transfer(frame, [frame]), undefined, depth && Comlink.transfer(depth, [depth.data.buffer]));
      result = await engine.guard(call, PROCESS_TIMEOUT_MS, (late) => late.frame.close());
    } catch (err) {
      // A transferred frame is detached and this is a no-op; it matters only if postMessage threw.
      frame.close();
      if (engine === this.engine) this.busy = false;
      if (pipeline.stopped || this.state === 'disposed') {
        original.close();
        return;
      }
      // Cut off by a restart or a failure, which was reported already.
      const reported = err === engine.cutReason;
      if (!reported && this.state === 'ready' && this.failureStreak++ === 0) {
        this.emitError(toReplacerError(err, { code: 'engine-failed', context: 'A frame could not be processed; showing it unprocessed' }));
      }
      await this.deliver(original, pipeline, 'passedThrough');
      // A worker that no longer answers at all (closed, or stuck in a loop) is replaced.
      if (!reported && !(await engine.alive())) this.restart(engine, 'stopped answering');
      return;
    }
    original.close();
    this.busy = false;
    this.failureStreak = 0;
    this.last = result.stats;
    this.refine = result.refine ?? null;
    this.quality = result.quality ?? null;
    this.depthStats = result.depth ?? null;
    this.renderer = result.outputPath === 'canvas2d' ? 'canvas2d' : 'webgpu';
    if (this.plate && plateGeneration === this.plateGeneration && result.plateFit) this.updatePlateFit(result.plateFit);
    await this.deliver(result.frame, pipeline, 'processed');
  }

  /** Writes a frame to the pipeline's output (which closes it) and updates the stats. */
  private async deliver(frame: VideoFrame, pipeline: Pipeline, kind: 'processed' | 'passedThrough'): Promise<void> {
    try {
      await pipeline.output.write(frame);
    } catch (err) {
      const outputEnded = pipeline.output.stream.getVideoTracks().every((t) => t.readyState === 'ended');
      if (!pipeline.stopped && !outputEnded) {
        this.emitError(toReplacerError(err, { code: 'corrupt-input', context: 'Writing the processed video failed' }));
      }
      this.stopPipeline(pipeline);
      return;
    }
    if (pipeline.stopped) return;
    this.counts[kind]++;
    this.fps.tick();
    this.emitStats();
  }

  /**
   * Gives the engine a plate (or clears it) in call order with the other control calls.
   * @param strict reject when the engine is not usable (capturePlate); otherwise, as for
   *   backgrounds, a plate for a failed engine is dropped silently (its error was reported)
   */
  private applyPlate(bitmap: ImageBitmap | null, strict: boolean): Promise<void> {
    return this.enqueue(async () => {
      if (this.state !== 'ready') {
        bitmap?.close();
        if (strict) this.checkCapturable();
        return;
      }
      const copy = bitmap ? await createImageBitmap(bitmap) : null;
      try {
        await this.guard(this.engine.remote.setPlate(bitmap ? Comlink.transfer(bitmap, [bitmap]) : null));
      } catch (err) {
        copy?.close();
        throw err;
      }
      this.plateCopy?.close();
      this.plateCopy = copy;
      this.plate = bitmap !== null;
      this.plateGeneration++;
      this.plateFit = null;
    });
  }

  private updatePlateFit(fit: PlateFit): void {
    const wasStale = this.plateFit?.stale ?? false;
    this.plateFit = fit;
    if (fit.stale && !wasStale) this.emit('platestale', fit);
  }

  /**
   * @throws ReplacerError why a plate cannot be captured now: disposed, the engine failed or
   *   is still starting, or no stream is being processed
   */
  private checkCapturable(): void {
    if (this.state === 'disposed') throw new ReplacerError('disposed', 'This background replacer was disposed; create a new one.');
    if (this.state === 'failed') throw this.error ?? new ReplacerError('engine-failed', 'The background engine failed; a plate cannot be captured.');
    if (this.state === 'starting') {
      throw new ReplacerError('engine-not-ready', 'The background engine is still starting — capture the plate once it is ready (the `ready` event).');
    }
    if (!this.pipeline || this.pipeline.stopped) {
      throw new ReplacerError('engine-not-ready', 'No video is being processed — start the camera (process(stream)) before capturing the plate.');
    }
  }

  /** Ends a running plate capture with `reason`. */
  private abortCapture(reason: unknown): void {
    this.capture?.abort.abort(reason);
  }

  /** Races a call to the current engine against its loss (see EngineWorker.guard). */
  private guard<T>(call: Promise<T>): Promise<T> {
    return this.engine.guard(call);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.control.then(task).catch((err: unknown) => {
      throw toReplacerError(err, { code: 'engine-failed', context: 'The background engine refused the change' });
    });
    // The caller receives `run` and its rejection; the chain only keeps the order.
    this.control = run.catch(() => undefined);
    return run;
  }

  /**
   * An uncaught error in an engine worker. While the first engine starts, the worker is
   * unusable (often its script failed to load): fail and pass frames through. Afterwards the
   * worker's state is unknown: replace it (see {@link restart}). A hung or closed worker
   * raises no event; the process timeout and a ping catch it (see processFrame).
   */
  private onWorkerError(engine: EngineWorker, event: Event): void {
    const detail = event instanceof ErrorEvent && event.message ? event.message : 'the worker script failed to load';
    if (engine !== this.engine) return;
    if (this.state === 'starting' && this.restarts.length === 0) {
      this.fail(new ReplacerError('engine-failed', `The background engine could not start: ${detail}. Frames pass through unprocessed.`));
    } else if (this.state === 'ready' || this.state === 'starting') {
      this.restart(engine, `crashed (${detail})`);
    }
  }

  /** The engine is unusable: pass frames through from now on and report why. */
  private fail(error: ReplacerError): void {
    if (this.state === 'disposed' || this.state === 'failed') return;
    this.state = 'failed';
    this.error = error;
    this.engine.cut(error);
    this.busy = false;
    this.emitError(error);
  }

  private stopPipeline(pipeline: Pipeline | null = this.pipeline): void {
    if (!pipeline) return;
    pipeline.stopped = true;
    pipeline.reader.stop();
    pipeline.output.close();
    if (this.pipeline === pipeline) this.pipeline = null;
  }

  private emitError(error: ReplacerError): void {
    this.emit('error', error);
  }

  private emitStats(): void {
    this.emit('stats', this.stats);
  }

  private emit<K extends keyof ReplacerEventMap>(type: K, detail: ReplacerEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/**
 * Decodes a Blob and scales images larger than MAX_IMAGE_SIDE down to fit (aspect kept).
 * @param what "background image", "background plate": for the error message
 * @returns a bitmap the caller owns (the given one when it needed nothing), or null for null
 * @throws InputError 'corrupt-input' when the blob is not a decodable image or has no pixels
 */
async function prepareImage(image: ImageBitmap | Blob | null, what: string): Promise<ImageBitmap | null> {
  if (image === null) return null;
  let bitmap: ImageBitmap;
  try {
    bitmap = image instanceof Blob ? await createImageBitmap(image) : image;
  } catch (err) {
    const type = image instanceof Blob ? image.type || 'unknown type' : 'bitmap';
    throw new InputError('corrupt-input', `The ${what} could not be decoded (${type}) — use a PNG, JPEG or WebP.`, { cause: err });
  }
  const { width, height } = bitmap;
  if (width === 0 || height === 0) {
    bitmap.close();
    throw new InputError('corrupt-input', `The ${what} has no pixels (${width}×${height}) — use another image.`);
  }
  const scale = MAX_IMAGE_SIDE / Math.max(width, height);
  if (scale >= 1) return bitmap;
  try {
    return await createImageBitmap(bitmap, {
      resizeWidth: Math.max(1, Math.round(width * scale)),
      resizeHeight: Math.max(1, Math.round(height * scale)),
      resizeQuality: 'high',
    });
  } catch (err) {
    throw new InputError('corrupt-input', `The ${what} (${width}×${height}) is too large to use — use one under ${MAX_IMAGE_SIDE} px on a side.`, {
      cause: err,
    });
  } finally {
    bitmap.close();
  }
}

function withTimeout<T>(
  call: Promise<T>,
  ms: number,
  error = (): Error => new ReplacerError('engine-failed', `The background engine did not shut down in ${ms} ms.`),
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}
