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
 * presented frame). Iteration ends when the track ends or {@link FrameReader.stop} is called.
 * Only one iteration per reader.
 * @param track a live video track (not stopped by the reader)
 */
export function readTrackFrames(track: MediaStreamTrack): FrameReader {
  const controller = new AbortController();
  const Processor = trackProcessorCtor();
  const iterate = Processor
    ? () => processorFrames(new Processor({ track, maxBufferSize: 1 }), controller.signal)
    : () => streamElementFrames(track, controller.signal);
  return {
    method: Processor ? 'track-processor' : 'video-element',
    stop: () => controller.abort(),
    [Symbol.asyncIterator]: () => iterate(),
  };
}

async function* processorFrames(processor: TrackProcessor, signal: AbortSignal): AsyncGenerator<VideoFrame> {
  const reader = processor.readable.getReader();
  const cancel = (): void => {
    // A cancel only fails when the stream already errored; that error reaches read() below.
    reader.cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', cancel, { once: true });
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      if (signal.aborted) {
        value.close();
        return;
      }
      yield value;
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    cancel();
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
  try {
    yield* videoElementFrames(video, stopOnEnd.signal);
  } finally {
    track.removeEventListener('ended', end);
    stream.removeEventListener('inactive', end);
    signal.removeEventListener('abort', end);
    video.srcObject = null;
  }
}

/**
 * Yields a VideoFrame for each frame a playing <video> element presents
 * (requestVideoFrameCallback), starting playback if needed. Timestamps are the presentation
 * time in microseconds (performance.now() clock). Keeps at most one unread frame: when the
 * consumer is slower than the video, older unread frames are closed and skipped.
 * Ends when `signal` aborts or the video ends (not looping).
 * @throws DOMException from `video.play()` (e.g. NotSupportedError for an undecodable file)
 */
export async function* videoElementFrames(video: HTMLVideoElement, signal: AbortSignal): AsyncGenerator<VideoFrame> {
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
  const onFrame = (now: number): void => {
    if (finished) return;
    try {
      const frame = new VideoFrame(video, { timestamp: Math.round(now * 1000) });
      slot.frame?.close();
      slot.frame = frame;
    } catch (err) {
      failure = err;
      finish();
      return;
    }
    notify();
    callbackId = video.requestVideoFrameCallback(onFrame);
  };
  signal.addEventListener('abort', finish, { once: true });
  video.addEventListener('ended', finish);
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
    video.cancelVideoFrameCallback(callbackId);
    signal.removeEventListener('abort', finish);
    video.removeEventListener('ended', finish);
    slot.frame?.close();
    slot.frame = null;
  }
}
