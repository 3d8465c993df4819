// The LiveKit adapter (`bg-replacer/livekit`): a TrackProcessor for livekit-client's
// LocalVideoTrack.setProcessor() that runs the track's camera frames through a BackgroundReplacer.
// Only livekit-client's TYPES are imported: the app brings livekit-client itself, and nothing of
// it ends up in this package's code.
import type { Track, TrackProcessor, VideoProcessorOptions } from 'livekit-client';
import { createBackgroundReplacer, type ReplacerInit } from '../element/api';
import type { BackgroundReplacer } from '../element/replacerTypes';
import { isBackgroundVideo } from '../element/backgroundVideo';
import { ReplacerError } from '../errors';
import { resolveOptions, type Options } from '../options';

/**
 * What the LiveKit processor is created with: what createBackgroundReplacer() takes — the
 * replacer's options (see `OPTION_SPEC`) and `assetsPath` — handed to it as it is.
 */
export type LiveKitReplacerOptions = ReplacerInit;

/**
 * Background blur / replacement as a LiveKit video TrackProcessor:
 *
 * ```ts
 * const processor = new BackgroundReplacerProcessor({ mode: 'blur' });
 * await localVideoTrack.setProcessor(processor); // resolves once the engine is ready
 * await processor.setOptions({ mode: 'color', color: '#00ff00' });
 * await localVideoTrack.stopProcessor();         // destroys it: output stopped, worker ended
 * ```
 *
 * - `init()` creates the BackgroundReplacer (its engine worker, the model), waits until the
 *   engine is ready and only then starts `process()` on the camera track, so what LiveKit
 *   sends from the processor is processed from the first frame (later, while the engine
 *   restarts after a crash, the replacer's `whileNotReady` option says what is sent). The first
 *   setProcessor() therefore takes as long as the engine start (the model download and
 *   compile: seconds), and the first processed frame follows the model's first run (2–5 s
 *   after it on a 2-core machine without a GPU; until then the output carries frames covered
 *   as `whileNotReady` says, blurred by default, never the raw camera).
 *   `processedTrack` is the replacer's output track: the camera's size, at most its frame rate
 *   (frames arriving while the engine is still busy are dropped, see `replacer.stats.dropped`).
 * - `restart()` (LiveKit calls it when it swaps the camera track, e.g. after
 *   `restartTrack()` or a device switch) re-targets the same engine to the new track; the
 *   previous output track ends and `processedTrack` is the new one.
 * - `destroy()` (stopProcessor(), the track's stop(), an unpublish or a disconnect) stops the
 *   output track and disposes the replacer (its worker is terminated, every frame closed). The
 *   processor can be set on a track again afterwards: it then starts a new engine with the
 *   current options and background.
 * - The replacer's own API (events, `stats`, the plate) is reachable through `replacer` while
 *   the processor is initialised.
 *
 * Not covered: the optional `onPublish` / `onUnpublish` hooks (nothing to do there), audio
 * tracks, and a track published before setProcessor() resolved: LiveKit sends its raw camera
 * until then (set the processor before publishing).
 */
export class BackgroundReplacerProcessor implements TrackProcessor<Track.Kind.Video, VideoProcessorOptions> {
  /** The processor's name in LiveKit's logs and `getProcessor()?.name`. */
  readonly name = 'bg-replacer';
  /** The processed video track LiveKit sends and shows, or undefined before init() and after destroy(). */
  processedTrack?: MediaStreamTrack;

  private options: LiveKitReplacerOptions;
  /** The image and the video last given to setBackground() (re-applied to a new engine after destroy()), or undefined for none. */
  private background: ImageBitmap | Blob | null | undefined;
  private backgroundVideo: Blob | MediaStream | URL | undefined;
  /** The replacer of the current life (init … destroy), still being created or created; null when there is none. */
  private current: Promise<BackgroundReplacer> | null = null;
  private created: BackgroundReplacer | null = null;

  /**
   * Starts nothing: the engine starts in init(), i.e. when the processor is set on a track.
   * @param options the replacer's options and `assetsPath`; invalid values make init() (and so
   *   setProcessor()) reject with InvalidOptionError
   */
  constructor(options: LiveKitReplacerOptions = {}) {
    this.options = { ...options };
  }

  /** The BackgroundReplacer behind the processor (events, stats, plate capture), or null before init() and after destroy(). */
  get replacer(): BackgroundReplacer | null {
    return this.created;
  }

  /**
   * Called by LocalVideoTrack.setProcessor(): starts the engine (once per life) and processes
   * `opts.track`.
   * @throws InvalidOptionError (rejection) for invalid options
   * @throws ReplacerError (rejection) the engine's start error (e.g. 'model-load'); the
   *   replacer is disposed then, and a later init() tries again
   * @throws ReplacerError 'disposed' (rejection) when destroy() was called while starting
   */
  async init(opts: VideoProcessorOptions): Promise<void> {
    await this.target(opts.track);
  }

  /**
   * Called by LiveKit when it replaced the camera track: processes `opts.track` instead (the
   * previous output track ends; `processedTrack` is the new one). Starts the engine when
   * there is none (a restart after destroy()).
   * @throws as init()
   */
  async restart(opts: VideoProcessorOptions): Promise<void> {
    await this.target(opts.track);
  }

  /**
   * Stops the output track and disposes the replacer (terminates its worker, closes every
   * frame). Idempotent; an init() still starting rejects with ReplacerError 'disposed'.
   */
  async destroy(): Promise<void> {
    const current = this.current;
    this.current = null;
    this.created = null;
    this.processedTrack?.stop();
    this.processedTrack = undefined;
    const replacer = await current?.catch(() => null);
    await replacer?.dispose();
  }

  /**
   * Changes options from the next frame on (kept for a later engine too). `assetsPath` is
   * fixed at construction.
   * @throws InvalidOptionError synchronously, leaving the options unchanged
   * @returns a promise that rejects with a ReplacerError if the engine refused them
   */
  setOptions(partial: Partial<Options>): Promise<void> {
    resolveOptions(partial); // validates every field given, throws before anything changes
    this.options = { ...this.options, ...partial };
    const current = this.current;
    if (!current) return Promise.resolve();
    return current.then((replacer) => replacer.setOptions(partial));
  }

  /**
   * Sets the image of `image` mode or the video of `video` mode (a `video/*` Blob, a URL or a
   * MediaStream, see BackgroundReplacer.setBackground), or clears both with null; kept for a
   * later engine too. An ImageBitmap is owned by the processor from now on (do not close it);
   * each engine gets a copy. Images larger than MAX_IMAGE_SIDE px on a side are scaled down.
   * @throws InputError 'corrupt-input' (rejection) when the blob is not a decodable image or video
   */
  async setBackground(source: ImageBitmap | Blob | MediaStream | URL | null): Promise<void> {
    const current = this.current;
    if (current) await applyBackground(await current, source);
    if (isBackgroundVideo(source)) this.backgroundVideo = source;
    else {
      this.background = source;
      if (source === null) this.backgroundVideo = undefined;
    }
  }

  /** Creates the replacer of a new life, or returns the current one. */
  private replacerOfThisLife(): Promise<BackgroundReplacer> {
    if (this.current) return this.current;
    const current: Promise<BackgroundReplacer> = (async () => {
      const replacer = await createBackgroundReplacer(this.options);
      try {
        await replacer.whenReady();
        if (this.background !== undefined) await applyBackground(replacer, this.background);
        if (this.backgroundVideo !== undefined) await applyBackground(replacer, this.backgroundVideo);
      } catch (err) {
        await replacer.dispose();
        throw err;
      }
      return replacer;
    })();
    this.current = current;
    // A failed start leaves no life behind: the next init() starts again.
    current.catch(() => {
      if (this.current === current) this.current = null;
    });
    return current;
  }

  private async target(track: MediaStreamTrack): Promise<void> {
    const current = this.replacerOfThisLife();
    const replacer = await current;
    if (this.current !== current) {
      throw new ReplacerError('disposed', 'The LiveKit processor was destroyed while it started.');
    }
    this.created = replacer;
    const output = replacer.process(new MediaStream([track])).getVideoTracks()[0]!;
    this.processedTrack = output;
  }
}

/** Gives a background to the replacer: a copy of an ImageBitmap (the replacer transfers what it gets). */
async function applyBackground(replacer: BackgroundReplacer, source: ImageBitmap | Blob | MediaStream | URL | null): Promise<void> {
  await replacer.setBackground(source instanceof ImageBitmap ? await createImageBitmap(source) : source);
}
