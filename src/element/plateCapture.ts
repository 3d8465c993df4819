/**
 * The main-thread half of plate capture: a countdown, then the pixels of the next input frames,
 * combined by a per-pixel median into the plate (see {@link medianFrames}).
 */
import { InvalidOptionError, ReplacerError } from '../errors';
import { medianFrames } from '../sources/plateMedian';
import { withTimeout } from './withTimeout';

/** Options of `capturePlate()`. */
export interface PlateCaptureOptions {
  /** Seconds to count down before collecting frames, so the user can step out. 0..60, default 3. */
  countdownSeconds?: number;
  /** Input frames combined into the plate (per-pixel median). 1..60, default 9. */
  frames?: number;
  /** Aborts the capture; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const DEFAULT_COUNTDOWN_SECONDS = 3;
export const DEFAULT_PLATE_FRAMES = 9;
/** A plate capture fails when its frames have not arrived after this long (ms), plus 1 s per frame. */
const CAPTURE_TIMEOUT_MS = 5_000;

/**
 * Validates and fills the capture options.
 * @throws InvalidOptionError for a countdown outside 0..60 s or a frame count outside 1..60
 */
export function resolveCaptureOptions(options: PlateCaptureOptions): { countdownSeconds: number; frames: number } {
  const countdownSeconds = options.countdownSeconds ?? DEFAULT_COUNTDOWN_SECONDS;
  const frames = options.frames ?? DEFAULT_PLATE_FRAMES;
  if (typeof countdownSeconds !== 'number' || !Number.isFinite(countdownSeconds) || countdownSeconds < 0 || countdownSeconds > 60) {
    throw new InvalidOptionError('countdownSeconds', `expected a number of seconds in 0..60, got ${JSON.stringify(countdownSeconds)}`);
  }
  if (!Number.isInteger(frames) || frames < 1 || frames > 60) {
    throw new InvalidOptionError('frames', `expected a whole number of frames in 1..60, got ${JSON.stringify(frames)}`);
  }
  return { countdownSeconds, frames };
}

/**
 * Counts down: calls `tick` with the whole seconds left (3, 2, 1 for 3 s; a fractional
 * countdown is rounded up), one second apart, and resolves when the time is over.
 * @throws the signal's reason (rejection) when aborted
 */
export function countdown(seconds: number, tick: (secondsLeft: number) => void, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const end = performance.now() + seconds * 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = Infinity;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const step = (): void => {
      const left = end - performance.now();
      if (left <= 1) {
        signal.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      const whole = Math.ceil(left / 1000 - 1e-6);
      if (whole < last) tick(whole);
      last = whole;
      // Wake at the next whole second (or the end).
      timer = setTimeout(step, left - (whole - 1) * 1000);
    };
    step();
  });
}

/**
 * Collects the RGBA pixels of `count` consecutive frames and resolves with their per-pixel
 * median. Frames are read synchronously in {@link offer}, so the caller keeps ownership.
 * When the frame size changes (another camera or resolution) collection starts over.
 */
export class PlateCollector {
  readonly result: Promise<ImageData>;
  private samples: Uint8ClampedArray[] = [];
  private width = 0;
  private height = 0;
  private context: OffscreenCanvasRenderingContext2D | null = null;
  private settled = false;
  private resolve!: (image: ImageData) => void;
  private reject!: (reason: unknown) => void;

  constructor(private readonly count: number) {
    this.result = new Promise<ImageData>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A failed capture that nobody awaits any more must not surface as unhandled.
    this.result.catch(() => undefined);
  }

  /** True until the plate is computed or the collection failed. */
  get collecting(): boolean {
    return !this.settled;
  }

  /** Copies the pixels of `frame` (which stays the caller's); computes the plate after the last. */
  offer(frame: VideoFrame): void {
    if (this.settled) return;
    try {
      const width = frame.displayWidth;
      const height = frame.displayHeight;
      if (!this.context || width !== this.width || height !== this.height) {
        this.samples = [];
        this.width = width;
        this.height = height;
        this.context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
        if (!this.context) throw new Error('no 2D canvas context');
      }
      this.context.drawImage(frame, 0, 0, width, height);
      this.samples.push(this.context.getImageData(0, 0, width, height).data);
      if (this.samples.length < this.count) return;
      const plate = new ImageData(width, height);
      medianFrames(this.samples, plate.data);
      this.finish();
      this.resolve(plate);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Ends the collection with `reason` (no-op once settled). */
  fail(reason: unknown): void {
    if (this.settled) return;
    this.finish();
    this.reject(reason);
  }

  private finish(): void {
    this.settled = true;
    this.samples = [];
    this.context = null;
  }
}

/** What a {@link PlateCapturer} needs from the replacer. */
export interface PlateCaptureHost {
  /** @throws why a plate cannot be captured now (engine not ready, no input, disposed) */
  assertCapturable(): void;
  /** Tells the page the whole seconds left (the `platecountdown` event; 0: collection starts). */
  countdown(secondsLeft: number): void;
  /**
   * Gives the engine the plate (transferred).
   * @throws why the engine did not take it (rejection)
   */
  applyPlate(plate: ImageBitmap): Promise<void>;
}

/** One capturePlate() call in progress. */
interface Capture {
  readonly abort: AbortController;
  /** Set when the countdown is over and frames are being collected. */
  collector: PlateCollector | null;
}

/**
 * Runs capturePlate() calls, one at a time (a later call aborts the running one): countdown,
 * collection of the input frames offered to it, the median, and the plate given to the engine.
 */
export class PlateCapturer {
  private current: Capture | null = null;

  constructor(private readonly host: PlateCaptureHost) {}

  /** An input frame (read synchronously; it stays the caller's), for a capture that is collecting. */
  offer(frame: VideoFrame): void {
    this.current?.collector?.offer(frame);
  }

  /** Ends a running capture, if any, with `reason` (it rejects with it). */
  abort(reason: unknown): void {
    this.current?.abort.abort(reason);
  }

  /**
   * Gives the engine a copy of `plate` (the host's applyPlate), as a capture does with its
   * median; `plate` stays the caller's, and is closed when the engine did not take it. Also for
   * plates that were not captured here (saveMemoryAsPlate).
   * @throws the host's error, or the signal's reason when it aborted meanwhile (rejections)
   */
  async apply(plate: ImageBitmap, signal?: AbortSignal): Promise<void> {
    try {
      // Not premultiplied: a plate's alpha may mark texels it does not know (a = 0).
      const forEngine = await createImageBitmap(plate, { premultiplyAlpha: 'none' });
      if (signal?.aborted) {
        forEngine.close();
        throw signal.reason;
      }
      await this.host.applyPlate(forEngine);
    } catch (err) {
      plate.close();
      throw err;
    }
  }

  /**
   * Captures a plate; see BackgroundReplacer.capturePlate.
   * @returns a copy of the plate the caller owns
   * @throws InvalidOptionError for bad options; the host's errors; ReplacerError
   *   'engine-not-ready' when no frames arrive in time; the abort reason (all as rejections)
   */
  async capture(options: PlateCaptureOptions): Promise<ImageBitmap> {
    const { countdownSeconds, frames } = resolveCaptureOptions(options);
    this.host.assertCapturable();
    this.abort(new DOMException('A newer capturePlate() call replaced this one.', 'AbortError'));
    const capture: Capture = { abort: new AbortController(), collector: null };
    this.current = capture;
    const { signal } = capture.abort;
    const onUserAbort = (): void => capture.abort.abort(options.signal!.reason);
    if (options.signal?.aborted) onUserAbort();
    options.signal?.addEventListener('abort', onUserAbort, { once: true });
    try {
      await countdown(countdownSeconds, (left) => this.host.countdown(left), signal);
      this.host.assertCapturable();
      const collector = new PlateCollector(frames);
      capture.collector = collector;
      const onAbort = (): void => collector.fail(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.host.countdown(0);
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
      await this.apply(plate, signal);
      return plate;
    } finally {
      options.signal?.removeEventListener('abort', onUserAbort);
      if (this.current === capture) this.current = null;
    }
  }
}
