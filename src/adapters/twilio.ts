// The Twilio adapter (`bg-replacer/twilio`): a VideoProcessor for twilio-video's
// LocalVideoTrack.addProcessor(). Twilio hands a processor one frame at a time and expects the
// result drawn into its output canvas; the replacer processes a MediaStream. The bridge feeds
// Twilio's frames into a track the replacer processes and draws the newest processed frame.
// Only twilio-video's TYPES are imported: the app brings twilio-video itself.
import type { AddProcessorOptions, VideoProcessor } from 'twilio-video';
import { createBackgroundReplacer, type ReplacerInit } from '../element/api';
import type { BackgroundReplacer } from '../element/replacerTypes';
import type { Options } from '../options';
import { createTrackOutput, type TrackOutput } from '../output/trackOutput';
import { readTrackFrames, type FrameReader } from '../sources/trackFrames';

/**
 * What the Twilio processor is created with: what createBackgroundReplacer() takes — the
 * replacer's options (see `OPTION_SPEC`) and `assetsPath` — handed to it as it is.
 */
export type TwilioReplacerOptions = ReplacerInit;

/**
 * The AddProcessorOptions to add the processor with: `videoframe` input (Twilio hands over
 * its camera VideoFrames without a copy; other input types work too, at the cost of one
 * copy per frame) and a `2d` output canvas (the processor draws with a 2D context; other
 * context types are refused).
 */
export const TWILIO_PROCESSOR_OPTIONS = {
  inputFrameBufferType: 'videoframe',
  outputFrameBufferContextType: '2d',
} as const satisfies AddProcessorOptions;

/** What the bridge did since it was created; frame counts and a latency in ms. */
export interface TwilioBridgeStats {
  /** Frames Twilio handed to processFrame(). */
  framesIn: number;
  /** Frames that came back from the replacer, processed or covered while it was not ready (fewer than framesIn when it dropped frames while busy). */
  framesProcessed: number;
  /** processFrame() calls that drew a processed frame into Twilio's canvas (a frame is drawn again while no newer one came back). */
  framesDrawn: number;
  /** processFrame() calls that drew nothing because no processed frame had come back yet (the canvas stays blank). */
  framesBlank: number;
  /**
   * How far the drawn frame lagged behind the frame Twilio handed over at the last call, in
   * ms of media time (their timestamps' difference), or null before the first drawn frame.
   */
  lagMs: number | null;
}

type InputFrameBuffer = OffscreenCanvas | HTMLCanvasElement | HTMLVideoElement | VideoFrame;

/**
 * Background blur / replacement as a Twilio VideoProcessor:
 *
 * ```ts
 * const processor = await BackgroundReplacerVideoProcessor.create({ mode: 'blur' });
 * videoTrack.addProcessor(processor, { inputFrameBufferType: 'videoframe', outputFrameBufferContextType: '2d' });
 * // …
 * videoTrack.removeProcessor(processor);
 * await processor.dispose(); // Twilio calls nothing on removal
 * ```
 *
 * How frames flow: each frame Twilio hands to processFrame() is written into a
 * MediaStreamTrackGenerator track (Chromium; a canvas capture track elsewhere) that the
 * replacer processes with process(); the replacer's output track is read back
 * (MediaStreamTrackProcessor, or a <video> element elsewhere) and the newest processed frame
 * is kept. processFrame() draws that newest frame into Twilio's canvas, scaled to its size,
 * and returns without waiting for the frame it was just given. So the replacer works on frame
 * n while Twilio delivers frame n+1 (its frame rate is not cut to 1 / processing time), and
 * what Twilio sends lags the camera by the replacer's processing time rounded up to the next
 * camera frame (plus Twilio's canvas capture); `bridgeStats.lagMs` measures it (one camera
 * frame, 67 ms at 15 fps, on a 2-core machine without a GPU). While the engine works on its
 * first frame — the model's first run, 2–5 s after create() on that machine — the replacer's
 * output is covered as `whileNotReady` says (blurred by default), never the raw camera; before
 * anything came back at all, nothing is drawn (Twilio sends its blank canvas).
 *
 * Every input VideoFrame is closed exactly once (written into the generator, which closes it,
 * or closed here after a failure or after dispose()); an input of another type is copied
 * into a VideoFrame the bridge owns. Every processed frame read back is closed when a newer
 * one replaces it, and the last one on dispose().
 *
 * Needs: Twilio's `videoframe` input (recommended; `video`, `canvas` and `offscreencanvas`
 * work with a copy per frame) and a `2d` output context ({@link TWILIO_PROCESSOR_OPTIONS}).
 * Not covered: a `bitmaprenderer` or WebGL output canvas (processFrame rejects), and a
 * processor shared by two tracks at once (the frames would interleave in one pipeline: create
 * one processor per track). Tested only in Chromium with `videoframe` input on a local track:
 * the other input types, remote tracks and the fallbacks of browsers without the breakout box
 * are written for but not tested.
 */
export class BackgroundReplacerVideoProcessor implements VideoProcessor {
  private readonly input: TrackOutput;
  private readonly reader: FrameReader;
  private readonly readLoop: Promise<void>;
  /** The newest processed frame (owned here), or null. */
  private latest: VideoFrame | null = null;
  private readError: unknown = null;
  private disposed = false;
  private readonly counts: TwilioBridgeStats = { framesIn: 0, framesProcessed: 0, framesDrawn: 0, framesBlank: 0, lagMs: null };

  /**
   * Creates the replacer and waits until its engine is ready (the model download and compile:
   * seconds), so every frame drawn is processed.
   * @throws InvalidOptionError (rejection) for invalid options
   * @throws ReplacerError (rejection) the engine's start error (e.g. 'model-load'); nothing is
   *   left running then
   */
  static async create(options: TwilioReplacerOptions = {}): Promise<BackgroundReplacerVideoProcessor> {
    const replacer = await createBackgroundReplacer(options);
    try {
      await replacer.whenReady();
    } catch (err) {
      await replacer.dispose();
      throw err;
    }
    return new BackgroundReplacerVideoProcessor(replacer);
  }

  private constructor(
    /** The BackgroundReplacer behind the processor: its events, `stats`, plate capture. */
    readonly replacer: BackgroundReplacer,
  ) {
    this.input = createTrackOutput();
    const output = replacer.process(this.input.stream).getVideoTracks()[0]!;
    this.reader = readTrackFrames(output);
    this.readLoop = this.keepNewest();
  }

  /** A copy of the bridge's counters (see TwilioBridgeStats). */
  get bridgeStats(): TwilioBridgeStats {
    return { ...this.counts };
  }

  /**
   * Called by Twilio for each camera frame: hands `inputFrameBuffer` to the replacer and draws
   * the newest processed frame into `outputFrameBuffer` (nothing until the first one came back).
   * Takes ownership of a VideoFrame input (it is closed by the time the promise settles).
   * After dispose() it only closes the input.
   * @param inputFrameBuffer the camera frame: a VideoFrame (`videoframe`) or a canvas or video
   *   element holding it
   * @param outputFrameBuffer Twilio's output canvas, with a 2D context
   * @throws Error (rejection) when the canvas has no 2D context (added with another
   *   outputFrameBufferContextType), or the error that ended reading the replacer's output;
   *   Twilio then drops the frame
   */
  async processFrame(inputFrameBuffer: InputFrameBuffer, outputFrameBuffer: HTMLCanvasElement): Promise<void> {
    const frame = inputFrameBuffer instanceof VideoFrame ? inputFrameBuffer : new VideoFrame(inputFrameBuffer, { timestamp: Math.round(performance.now() * 1000) });
    let owned = true;
    try {
      if (this.disposed) return;
      this.counts.framesIn++;
      if (this.readError !== null) throw this.readError;
      const context = outputFrameBuffer.getContext('2d');
      if (!context) {
        throw new Error("BackgroundReplacerVideoProcessor draws with a 2D context: add it with outputFrameBufferContextType '2d'.");
      }
      const shown = this.latest;
      if (shown) {
        context.drawImage(shown, 0, 0, outputFrameBuffer.width, outputFrameBuffer.height);
        this.counts.framesDrawn++;
        this.counts.lagMs = (frame.timestamp - shown.timestamp) / 1000;
      } else {
        this.counts.framesBlank++;
      }
      owned = false;
      await this.input.write(frame);
    } finally {
      if (owned) frame.close();
    }
  }

  /**
   * Validates and applies options from the next frame on.
   * @throws InvalidOptionError synchronously, leaving the options unchanged
   * @returns a promise that rejects with a ReplacerError if the engine refused them
   */
  setOptions(partial: Partial<Options>): Promise<void> {
    return this.replacer.setOptions(partial);
  }

  /**
   * Sets the image of `image` mode or the video of `video` mode (a `video/*` Blob, a URL or a
   * MediaStream, see BackgroundReplacer.setBackground), or clears both with null. An
   * ImageBitmap is transferred (unusable afterwards).
   * @throws InputError 'corrupt-input' (rejection) when the blob is not a decodable image or video
   */
  setBackground(source: ImageBitmap | Blob | MediaStream | URL | null): Promise<void> {
    return this.replacer.setBackground(source);
  }

  /**
   * Stops the bridge and disposes the replacer: its worker is terminated, the tracks between
   * them end and every frame held is closed. Call it after `removeProcessor()` (Twilio calls
   * nothing on the processor when it is removed); a frame Twilio still hands over afterwards is
   * just closed. Idempotent.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.reader.stop();
    this.input.close();
    this.latest?.close();
    this.latest = null;
    await this.replacer.dispose();
    await this.readLoop;
  }

  /** Reads the replacer's output, keeping only the newest frame, until dispose() or the output ends. */
  private async keepNewest(): Promise<void> {
    try {
      for await (const frame of this.reader) {
        if (this.disposed) {
          frame.close();
          return;
        }
        this.counts.framesProcessed++;
        this.latest?.close();
        this.latest = frame;
      }
    } catch (err) {
      if (!this.disposed) this.readError = err;
    }
  }
}
