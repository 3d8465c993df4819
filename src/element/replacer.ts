/**
 * The BackgroundReplacer behind createBackgroundReplacer(): composes the engine's supervisor
 * (src/element/supervisor.ts), the frame loop (frameLoop.ts), the plate capture
 * (plateCapture.ts) and the stats and events (replacerStats.ts).
 */
import type { AssetLocation } from '../assets';
import { InputError, ReplacerError } from '../errors';
import { installErrorTransfer } from '../errorTransfer';
import type { Options } from '../options';
import { readTrackFrames, type FrameReader } from '../sources/trackFrames';
import type { DepthInput } from '../types/frame';
import type { DepthFrameSource } from '../types/kinect';
import type { EngineInfo } from '../worker/protocol';
import type { BackgroundReplacer, ReplacerStats } from './replacerTypes';
import { BackgroundVideo, isBackgroundVideo } from './backgroundVideo';
import { FrameLoop } from './frameLoop';
import { PlateCapturer, type PlateCaptureOptions } from './plateCapture';
import { prepareImage } from './prepareImage';
import { ReplacerReporter } from './replacerStats';
import { EngineSupervisor } from './supervisor';

/** Background blur / replacement for a camera stream; see BackgroundReplacer. */
export class Replacer extends EventTarget implements BackgroundReplacer {
  private readonly report: ReplacerReporter;
  private readonly engine: EngineSupervisor;
  private readonly frames: FrameLoop;
  private readonly plateCapture: PlateCapturer;
  /** The background video of `video` mode (setBackground with a video file or a stream), or null. */
  private backgroundVideo: BackgroundVideo | null = null;

  /**
   * Starts the engine worker with `options` (validated).
   * @param assets where the engine finds its models, runtimes and (package build) worker scripts
   */
  constructor(options: Readonly<Options>, assets: AssetLocation) {
    super();
    installErrorTransfer();
    this.report = new ReplacerReporter(this, () => this.engine.state === 'ready');
    this.plateCapture = new PlateCapturer({
      assertCapturable: () => this.assertCapturable(),
      countdown: (left) => this.report.countdown(left),
      applyPlate: (plate) => this.engine.setPlate(plate, true),
    });
    this.engine = new EngineSupervisor(options, {
      ready: (info) => this.report.ready(info),
      error: (error) => this.report.error(error),
      restarting: () => {
        this.frames.engineReset();
        this.plateCapture.abort(new ReplacerError('engine-not-ready', 'The background engine restarted during the plate capture — re-capture it.'));
      },
      failed: () => this.frames.engineReset(),
      plateChanged: (present) => this.report.plateChanged(present),
    }, assets);
    this.frames = new FrameLoop(this.engine, this.report, {
      frame: (frame) => this.plateCapture.offer(frame),
      backgroundFrame: (force) => this.backgroundVideo?.nextFrame(force) ?? null,
      inputEnded: () => this.plateCapture.abort(new ReplacerError('engine-not-ready', 'The video ended during the plate capture — start it again and re-capture.')),
    });
  }

  get options(): Readonly<Options> {
    return this.engine.options;
  }

  get engineError(): ReplacerError | null {
    return this.engine.error;
  }

  get stats(): ReplacerStats {
    return this.report.stats;
  }

  process(stream: MediaStream): MediaStream {
    this.assertNotDisposed();
    const track = stream.getVideoTracks()[0];
    if (!track) throw new InputError('unsupported-input', 'The stream has no video track — pass a camera or screen stream.');
    return this.frames.start(readTrackFrames(track));
  }

  processDepthSource(source: DepthFrameSource): MediaStream {
    this.assertNotDisposed();
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
    this.engine.setDepthCalibration(source.calibration);
    return this.frames.start(reader, depthOf);
  }

  stop(): void {
    this.frames.stop();
    this.plateCapture.abort(new ReplacerError('engine-not-ready', 'The video stopped during the plate capture — start it again and re-capture.'));
  }

  setOptions(partial: Partial<Options>): Promise<void> {
    return this.engine.setOptions(partial);
  }

  async setBackground(source: ImageBitmap | Blob | MediaStream | URL | null): Promise<void> {
    this.assertNotDisposed();
    if (isBackgroundVideo(source)) {
      // The previous video plays on until the new one shows a picture; a failure leaves it.
      const video = await BackgroundVideo.open(source);
      if (this.engine.state === 'disposed') {
        video.close();
        this.assertNotDisposed();
      }
      this.backgroundVideo?.close();
      this.backgroundVideo = video;
      return;
    }
    const image = await prepareImage(source, 'background image');
    if (source === null) {
      // The video stops first, so that no frame of it reaches the engine after the clear.
      this.backgroundVideo?.close();
      this.backgroundVideo = null;
    }
    await this.engine.setBackground(image);
  }

  capturePlate(options: PlateCaptureOptions = {}): Promise<ImageBitmap> {
    return this.plateCapture.capture(options);
  }

  async saveMemoryAsPlate(): Promise<ImageBitmap> {
    this.assertCapturable('saving the background memory as the plate', 'save the background memory as the plate');
    const plate = await this.engine.memoryPlate();
    if (!plate) throw this.memoryUnknown();
    // The plate is set now: a capture still counting down must not replace it later.
    this.plateCapture.abort(new DOMException('saveMemoryAsPlate() set the plate meanwhile.', 'AbortError'));
    await this.plateCapture.apply(plate);
    return plate;
  }

  async setPlate(image: ImageBitmap | Blob | null): Promise<void> {
    return this.engine.setPlate(await prepareImage(image, 'background plate'), false);
  }

  clearPlate(): Promise<void> {
    return this.setPlate(null);
  }

  whenReady(): Promise<EngineInfo> {
    return this.engine.whenReady();
  }

  async dispose(): Promise<void> {
    if (this.engine.state === 'disposed') return;
    const reason = new ReplacerError('disposed', 'This background replacer was disposed.');
    // Cuts the engine off at once (state 'disposed'), then waits for it to shut down.
    const shutdown = this.engine.dispose(reason);
    this.frames.stop();
    this.plateCapture.abort(reason);
    this.backgroundVideo?.close();
    this.backgroundVideo = null;
    await shutdown;
  }

  /** @throws ReplacerError 'disposed' after dispose() */
  private assertNotDisposed(): void {
    if (this.engine.state === 'disposed') throw new ReplacerError('disposed', 'This background replacer was disposed; create a new one.');
  }

  /**
   * @param before what the user wants done, after "before" in the message without a stream
   * @param action the same, for the message while the engine starts (see EngineSupervisor.assertReady)
   * @throws ReplacerError why a plate cannot be captured now: disposed, the engine failed or
   *   is still starting, or no stream is being processed
   */
  private assertCapturable(before = 'capturing the plate', action?: string): void {
    this.engine.assertReady(action);
    if (!this.frames.running) {
      throw new ReplacerError('engine-not-ready', `No video is being processed — start the camera (process(stream)) before ${before}.`);
    }
  }

  /** Why the engine's background memory gave no plate (see EngineApi.memoryPlate), as the error saveMemoryAsPlate() rejects with. */
  private memoryUnknown(): ReplacerError {
    if (this.stats.renderer === 'canvas2d') {
      return new ReplacerError('webgpu-unavailable', 'The background memory needs the WebGPU pipeline; the Canvas 2D path in use has none, so there is nothing to save.');
    }
    if (!this.options.backgroundMemory) {
      return new ReplacerError('engine-not-ready', 'The background memory is off (option backgroundMemory) — turn it on, keep the camera still for a few seconds, then save it again.');
    }
    if (this.stats.plate) {
      return new ReplacerError('engine-not-ready', 'A background plate is set, and the background memory does not learn while one is — clear the plate first, let the memory learn, then save it.');
    }
    return new ReplacerError(
      'engine-not-ready',
      'The background memory knows nothing yet: keep the camera still for a few seconds while it learns the background around you, then try again.',
    );
  }
}
