/**
 * Reading VideoFrames out of a video MediaStreamTrack or a <video> element on the main thread.
 * Every frame yielded belongs to the consumer, who must close it; frames the reader skips
 * (because the consumer was slower than the source) are closed here.
 */

/** `MediaStreamTrackProcessor` (Chromium, main thread). Not in TypeScript's DOM lib yet. */
interface TrackProcessor {
  readonly readable: ReadableStream<VideoFrame>;
}
type TrackProcessorCtor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => TrackProcessor;

function trackProcessorCtor(): TrackProcessorCtor | undefined {
  return (globalThis as { MediaStreamTrackProcessor?: TrackProcessorCtor }).MediaStreamTrackProcessor;
}

/** An async iterable of the frames of one source, which can be stopped from outside. */
export interface FrameReader extends AsyncIterable<VideoFrame> {
  /**
   * How the frames are read: the breakout-box processor or a <video> element fallback, or
   * `depth-source` for colour frames with Kinect depth (BackgroundReplacer.processDepthSource).
   */
  readonly method: 'track-processor' | 'video-element' | 'depth-source';
  /** Ends the iteration; a pending `next()` resolves `done`. Idempotent. */
  stop(): void;
}

/**
 * Reads the frames of a live video track: MediaStreamTrackProcessor where the browser has it,
 * else a hidden <video> element with requestVideoFrameCallback (`new VideoFrame(video)` per
 * presented frame; while the page is hidden, per tick of a worker clock at the track's frame
 * rate — see {@link videoElementFrames}). Iteration ends when the track ends (its source ends,
 * or its owner stops it: the next frame finds it stopped) or {@link FrameReader.stop} is called.
 * Only one iteration per reader.
 * @param track a live video track (not stopped by the reader)
 */
export function readTrackFrames(track: MediaStreamTrack): FrameReader {
  const controller = new AbortController();
  const Processor = trackProcessorCtor();
  const iterate = Processor
    ? () => processorFrames(Processor, track, controller.signal)
    : () => streamElementFrames(track, controller.signal);
  return {
    method: Processor ? 'track-processor' : 'video-element',
    stop: () => controller.abort(),
    [Symbol.asyncIterator]: () => iterate(),
  };
}

/**
 * How long a stop waits for the processor's stream to end after its track clone stopped, ms,
 * before cancelling the stream instead.
 */
const STOP_DRAIN_MS = 2000;

/**
 * The frames of `track` through a MediaStreamTrackProcessor on a clone of it. Reading ends by
 * stopping the clone, not by cancelling the stream: the stream then closes, and the frames
 * Chromium already made for it (queued, or for a read in flight) are read out and closed here.
 * A cancel would drop them unclosed — Chromium reports each one as a VideoFrame collected
 * without being closed. Only a stream that has not ended STOP_DRAIN_MS after the stop is cancelled.
 */
async function* processorFrames(Processor: TrackProcessorCtor, track: MediaStreamTrack, signal: AbortSignal): AsyncGenerator<VideoFrame> {
  const clone = track.clone();
  const reader = new Processor({ track: clone, maxBufferSize: 1 }).readable.getReader();
  let fallback: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  const stop = (): void => {
    if (fallback !== undefined) return;
    clone.stop();
    // A cancel only fails when the stream already errored; that error reaches read() below.
    fallback = setTimeout(() => void reader.cancel().catch(() => undefined), STOP_DRAIN_MS);
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        return;
      }
      // Stopped: what is left in the stream is drained and closed.
      if (signal.aborted) value.close();
      else if (track.readyState === 'ended') {
        // The caller stopped its track (stop() fires no `ended` event): the input has ended, and
        // the clone read here must not keep the camera open.
        value.close();
        return;
      } else yield value;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
    if (ended) clearTimeout(fallback);
    else void drain(reader).finally(() => clearTimeout(fallback));
  }
}

/** Reads `reader` to its end, closing every frame (a stream whose track was stopped). Never rejects. */
async function drain(reader: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      value.close();
    }
  } catch {
    // The stream errored or was cancelled by the fallback: nothing more comes out of it.
  }
}

async function* streamElementFrames(track: MediaStreamTrack, signal: AbortSignal): AsyncGenerator<VideoFrame> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  const stream = new MediaStream([track]);
  video.srcObject = stream;
  const stopOnEnd = new AbortController();
  const end = (): void => stopOnEnd.abort();
  // `ended` fires when the source ends; a local track.stop() only makes the stream inactive.
  track.addEventListener('ended', end, { once: true });
  stream.addEventListener('inactive', end, { once: true });
  signal.addEventListener('abort', end, { once: true });
  const frameRate = track.getSettings().frameRate;
  try {
    yield* videoElementFrames(video, stopOnEnd.signal, { hiddenFps: frameRate && frameRate > 0 ? frameRate : DEFAULT_HIDDEN_FPS });
  } finally {
    track.removeEventListener('ended', end);
    stream.removeEventListener('inactive', end);
    signal.removeEventListener('abort', end);
    video.srcObject = null;
  }
}

/** The hidden-page clock's rate (frames per second) for a track that does not say its frame rate. */
const DEFAULT_HIDDEN_FPS = 30;

/** A worker that posts a message every `data` ms after it is sent a number (0 stops it). */
const CLOCK_WORKER_SOURCE = 'let t;onmessage=(e)=>{clearInterval(t);if(e.data>0)t=setInterval(()=>postMessage(0),e.data);};';

/**
 * Calls `tick` every `intervalMs` until the returned function is called. The ticks come from
 * a dedicated worker's timer (a blob: worker): a hidden page's own timers are throttled to
 * about one wake-up a second, a worker's are not. Where no such worker can run (a
 * Content-Security-Policy without `worker-src blob:`), from the page's setInterval instead.
 */
function startClock(intervalMs: number, tick: () => void): () => void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const fallBack = (): void => {
    timer ??= setInterval(tick, intervalMs);
  };
  let worker: Worker | null = null;
  let url = '';
  try {
    url = URL.createObjectURL(new Blob([CLOCK_WORKER_SOURCE], { type: 'text/javascript' }));
    worker = new Worker(url, { name: 'hidden-page clock' });
    worker.onmessage = tick;
    // A worker that cannot load (blocked by the CSP) reports an error event.
    worker.onerror = (event) => {
      event.preventDefault();
      worker?.terminate();
      worker = null;
      fallBack();
    };
    worker.postMessage(intervalMs);
  } catch {
    worker?.terminate();
    worker = null;
    fallBack();
  }
  return () => {
    worker?.terminate();
    worker = null;
    if (url) URL.revokeObjectURL(url);
    clearInterval(timer);
  };
}

/**
 * Yields a VideoFrame for each frame a playing <video> element presents
 * (requestVideoFrameCallback), starting playback if needed. Timestamps are the presentation
 * time in microseconds (performance.now() clock), increasing. Keeps at most one unread frame:
 * when the consumer is slower than the video, older unread frames are closed and skipped.
 * Ends when `signal` aborts or the video ends (not looping).
 *
 * requestVideoFrameCallback runs in the page's rendering steps, which a hidden page (a
 * background tab, a minimised window) skips: without `options.hiddenFps` no frame comes while
 * the page is hidden. With it, while the page is hidden the video's current frame is taken
 * that many times a second instead (a worker's clock, see startClock), so a camera keeps
 * feeding a call from a background tab; a frame may then be taken twice or skipped.
 * @param options.hiddenFps frames per second to take while the page is hidden (a live
 *   source's frame rate); leave it out for a file, whose every frame matters
 * @throws DOMException from `video.play()` (e.g. NotSupportedError for an undecodable file)
 */
export async function* videoElementFrames(video: HTMLVideoElement, signal: AbortSignal, options: { hiddenFps?: number } = {}): AsyncGenerator<VideoFrame> {
  /** The newest presented frame the consumer has not taken yet (a holder, as callbacks write it). */
  const slot: { frame: VideoFrame | null } = { frame: null };
  let failure: unknown = null;
  let finished = signal.aborted;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };
  const finish = (): void => {
    finished = true;
    notify();
  };
  let callbackId = 0;
  let lastTimestamp = -Infinity;
  /** Takes the video's current frame (at `now`, ms) into the slot; false when that failed (and finished). */
  const take = (now: number): boolean => {
    try {
      const timestamp = Math.max(Math.round(now * 1000), lastTimestamp + 1);
      const frame = new VideoFrame(video, { timestamp });
      lastTimestamp = timestamp;
      slot.frame?.close();
      slot.frame = frame;
    } catch (err) {
      failure = err;
      finish();
      return false;
    }
    notify();
    return true;
  };
  const onFrame = (now: number): void => {
    if (finished) return;
    if (take(now)) callbackId = video.requestVideoFrameCallback(onFrame);
  };
  // While the page is hidden, a clock takes the frames that requestVideoFrameCallback no longer reports.
  const clock: { stop: (() => void) | null } = { stop: null };
  const hiddenFps = options.hiddenFps && typeof document !== 'undefined' ? Math.min(Math.max(options.hiddenFps, 1), 120) : 0;
  const followVisibility = (): void => {
    if (document.visibilityState === 'hidden' && !finished) {
      clock.stop ??= startClock(1000 / hiddenFps, () => {
        // HAVE_CURRENT_DATA: the video has a frame to take (before it, VideoFrame() throws).
        if (!finished && document.visibilityState === 'hidden' && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) take(performance.now());
      });
    } else {
      clock.stop?.();
      clock.stop = null;
    }
  };
  signal.addEventListener('abort', finish, { once: true });
  video.addEventListener('ended', finish);
  if (hiddenFps) {
    document.addEventListener('visibilitychange', followVisibility);
    followVisibility();
  }
  try {
    callbackId = video.requestVideoFrameCallback(onFrame);
    if (video.paused) {
      try {
        await video.play();
      } catch (err) {
        // play() rejects with AbortError when we stop the video ourselves before it started.
        if (!signal.aborted) throw err;
      }
    }
    while (true) {
      if (failure !== null) throw failure;
      const frame = slot.frame;
      if (frame) {
        slot.frame = null;
        yield frame;
        continue;
      }
      if (finished) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    finished = true;
    if (hiddenFps) document.removeEventListener('visibilitychange', followVisibility);
    clock.stop?.();
    video.cancelVideoFrameCallback(callbackId);
    signal.removeEventListener('abort', finish);
    video.removeEventListener('ended', finish);
    slot.frame?.close();
    slot.frame = null;
  }
}
