// The public types of the replacer: the BackgroundReplacer interface, its stats and its events.
// src/element/api.ts exports them with createBackgroundReplacer; the replacer's parts import them
// from here (so nothing imports api.ts back).
import type { ReplacerError } from '../errors';
import type { Backend, Options } from '../options';
import type { DepthStats, FrameStats, MemoryStats, PlateFit, QualityLevel, RefineStats, Renderer } from '../types/frame';
import type { DepthFrameSource } from '../types/kinect';
import type { EngineInfo } from '../worker/protocol';
import type { PlateCaptureOptions } from './plateCapture';

/** A snapshot of the live pipeline, as `replacer.stats` and the `stats` event give it. */
export interface ReplacerStats {
  /** Output frames per second over the last second. */
  fps: number;
  /**
   * Input frames dropped because the engine was still busy with the previous frame (or, rarely,
   * because no cover could be made for a frame the engine could not process).
   */
  dropped: number;
  /** Frames the engine processed since `process()`. */
  processed: number;
  /**
   * Frames passed through untouched: mode `off`, or, with whileNotReady `passthrough`, frames
   * the engine could not process (not ready, failed, or the frame failed).
   */
  passedThrough: number;
  /**
   * Frames the engine could not process (starting, restarting, failed, or the frame failed or
   * stalled) shown covered as whileNotReady says: blurred, the last processed frame, or black.
   */
  covered: number;
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
  /**
   * What the background memory knows (options.backgroundMemory; engine-measured every few frames):
   * `known` and `coverage` shares 0..1, whether frames use it as their plate now, and its resets.
   * Null with the option off, on the Canvas 2D path, or before the first measurement.
   */
  memory: MemoryStats | null;
  /** What the last processed frame's depth said (a depth source only), or null. */
  depth: DepthStats | null;
  /** Sparse-refinement accounting of the last processed frame, or null when the refiner did not run. */
  refine: RefineStats | null;
  /** The adaptive-quality level of the last processed frame (options.targetFps), or null (none yet, or the Canvas 2D path). */
  quality: QualityLevel | null;
}


/**
 * Events a BackgroundReplacer dispatches (all CustomEvents):
 * - `ready`: detail EngineInfo — the engine is initialised (again after a restart, or after setOptions changed the backend or the rendering path); frames are processed from now on.
 * - `error`: detail ReplacerError — engine start failed (frames stay covered, see
 *   options.whileNotReady), a frame failed or the engine made no progress on it for a minute
 *   (it was covered), the engine worker crashed or stopped answering (it is restarted, frames
 *   are covered meanwhile; after {@link MAX_RESTARTS} restarts within a minute it stays down),
 *   or reading the input failed.
 * - `stats`: detail ReplacerStats — after every output or dropped frame.
 * - `ended`: detail null — the input track ended (its source ended, e.g. a camera unplugged, or
 *   the page stopped it); the output track ends too.
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
  /** The error that stopped the engine (frames then stay covered, see options.whileNotReady), or null. */
  readonly engineError: ReplacerError | null;
  /**
   * Starts processing the first video track of `stream` and returns the processed stream at
   * once; until the engine is ready its frames are covered as options.whileNotReady says
   * (blurred by default; mode `off` passes them through). A second call replaces the
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
   * Sets the image for `image` mode or the video for `video` mode, or clears both with null.
   * An ImageBitmap is transferred to the worker (it is unusable here afterwards); a Blob of an
   * image type (PNG, JPEG, WebP…) is decoded first. Images larger than {@link MAX_IMAGE_SIDE} px
   * on a side are scaled down to fit (aspect kept). A Blob of a `video/*` type (a WebM or MP4
   * file) or a URL (a video's address on the page's origin, or blob:) is played muted and
   * looped, and a MediaStream (its tracks stay the caller's) is shown as it plays: each
   * processed frame takes the video's current picture, cover-fitted; when the
   * video is slower than the camera (or stalls), the last picture is repeated, never waited for.
   * Setting an image keeps the video and setting a video keeps the image; `mode` picks which is
   * shown. On a rejection the previous background stays.
   * @throws InputError (rejection) 'corrupt-input' when the blob is not a decodable image or
   *   video (or a video shows no picture within 10 s); 'unsupported-input' for a stream without
   *   a video track
   * @throws ReplacerError (rejection) 'disposed' after dispose()
   */
  setBackground(source: ImageBitmap | Blob | MediaStream | URL | null): Promise<void>;
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
   * Saves what the background memory (options.backgroundMemory) learned as the plate. The memory
   * lives in GPU memory only and is stored nowhere unless this is called: this reads it back from
   * the engine once, gives it to the engine as the plate the way capturePlate() does (so
   * `stats.plate` becomes true and the memory stops, since a plate wins over it; a capture still
   * counting down is aborted) and resolves with the plate, at the frame's size, as a bitmap the
   * caller owns (the engine keeps its own copy; close it when done). Like capturePlate()'s result
   * the caller may keep it (e.g. as a PNG, restored later with setPlate()). Its alpha channel marks
   * what the memory did not know: 0 there, 255 where it knew the background; the engine uses the
   * plate where it is known only, so keep the alpha (PNG, not JPEG).
   * @throws ReplacerError (rejection) 'engine-not-ready' when no stream is being processed or the
   *   engine is still starting, and when the memory knows nothing yet ("keep the camera still for
   *   a few seconds"), is off, or a plate is set; 'webgpu-unavailable' on the Canvas 2D path (it has
   *   no memory); the engine's error when it failed; 'disposed' after dispose()
   */
  saveMemoryAsPlate(): Promise<ImageBitmap>;
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
