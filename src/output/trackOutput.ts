/**
 * Turning processed VideoFrames into a MediaStream a page can show or send into a call.
 */

/** `MediaStreamTrackGenerator` (Chromium, main thread). Not in TypeScript's DOM lib yet. */
interface TrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<VideoFrame>;
}
type TrackGeneratorCtor = new (init: { kind: 'video' }) => TrackGenerator;

function trackGeneratorCtor(): TrackGeneratorCtor | undefined {
  return (globalThis as { MediaStreamTrackGenerator?: TrackGeneratorCtor }).MediaStreamTrackGenerator;
}

/** A MediaStream fed one VideoFrame at a time. */
export interface TrackOutput {
  /** One video track carrying the written frames. */
  readonly stream: MediaStream;
  /** How frames become a track: the breakout-box generator or a canvas fallback. */
  readonly method: 'track-generator' | 'canvas';
  /**
   * Shows `frame` on the output track and closes it (ownership moves here, also when the
   * output is closed or the write fails). Writes are shown in call order.
   * @throws the writable stream's error when the generator track was stopped by the consumer
   */
  write(frame: VideoFrame): Promise<void>;
  /** Ends the output track; later writes just close their frame. Idempotent. */
  close(): void;
}

/**
 * Creates an output track: MediaStreamTrackGenerator where available, else a <canvas> with
 * a 2D context and `canvas.captureStream()` (the canvas takes each frame's display size).
 */
export function createTrackOutput(): TrackOutput {
  const Generator = trackGeneratorCtor();
  return Generator ? generatorOutput(new Generator({ kind: 'video' })) : canvasOutput();
}

function generatorOutput(generator: TrackGenerator): TrackOutput {
  const writer = generator.writable.getWriter();
  let closed = false;
  return {
    stream: new MediaStream([generator]),
    method: 'track-generator',
    async write(frame) {
      if (closed) {
        frame.close();
        return;
      }
      try {
        await writer.write(frame);
      } finally {
        // Chromium's sink closes a frame once written; closing it again is a no-op, and this
        // also releases frames whose write was rejected.
        frame.close();
      }
    },
    close() {
      if (closed) return;
      closed = true;
      // Closing fails only if the track was already stopped or errored: it has ended either way.
      writer.close().catch(() => undefined);
      generator.stop();
    },
  };
}

function canvasOutput(): TrackOutput {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { alpha: false, desynchronized: true });
  if (!context) throw new Error('A 2D canvas context could not be created for the output stream.');
  const stream = canvas.captureStream();
  let closed = false;
  return {
    stream,
    method: 'canvas',
    async write(frame) {
      try {
        if (closed) return;
        if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
          canvas.width = frame.displayWidth;
          canvas.height = frame.displayHeight;
        }
        context.drawImage(frame, 0, 0);
      } finally {
        frame.close();
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const track of stream.getTracks()) track.stop();
    },
  };
}

/**
 * Pipes an async source of VideoFrames into a new output track, closing every frame.
 * @returns the output stream and a promise that resolves when the source is exhausted (the
 *   track then ends) or the consumer stopped the track, and rejects with the source's error
 *   or another writer error
 */
export function framesToStream(source: AsyncIterable<VideoFrame>): { stream: MediaStream; done: Promise<void>; output: TrackOutput } {
  const output = createTrackOutput();
  const stoppedByConsumer = (): boolean => output.stream.getVideoTracks().every((t) => t.readyState === 'ended');
  const done = (async () => {
    try {
      for await (const frame of source) {
        if (stoppedByConsumer()) {
          frame.close();
          return;
        }
        await output.write(frame);
      }
    } catch (err) {
      if (!stoppedByConsumer()) throw err;
    } finally {
      output.close();
    }
  })();
  return { stream: output.stream, done, output };
}
