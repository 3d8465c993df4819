/**
 * The background video of `video` mode, played on the page: a video file (a Blob, or a URL the
 * page may load media from) in a muted, looping HTMLVideoElement, or a MediaStream (a canvas, a
 * screen, another camera) in one. The
 * frame loop takes a VideoFrame of its current picture for each camera frame it sends to the
 * engine, and only when the picture changed since the last one: a background video slower than
 * the camera, or one that stalls while it decodes, never holds a frame up — the engine repeats
 * the last picture it was given.
 */
import { InputError } from '../errors';

/** How long a background video may take to show its first picture, ms. */
export const BACKGROUND_VIDEO_TIMEOUT_MS = 10_000;

/** A background video: a file (Blob of a `video/*` type), its address (URL) or a MediaStream. */
export type BackgroundVideoSource = Blob | URL | MediaStream;

/** Whether `source` is what setBackground() plays as a video: a MediaStream, a URL, or a Blob of a `video/*` type. */
export function isBackgroundVideo(source: unknown): source is BackgroundVideoSource {
  return (
    (typeof MediaStream !== 'undefined' && source instanceof MediaStream) ||
    source instanceof URL ||
    (source instanceof Blob && source.type.startsWith('video/'))
  );
}

/** A playing background video; see the module comment. Owns its video element (and the object URL of a file). */
export class BackgroundVideo {
  /** Set by each presented picture (requestVideoFrameCallback), cleared when a frame is taken. */
  private fresh = true;
  /** Without requestVideoFrameCallback: the media time of the last frame taken. */
  private lastTime = -1;
  private closed = false;

  private constructor(
    private readonly video: HTMLVideoElement,
    private readonly url: string | null,
  ) {
    this.watchPictures();
  }

  /**
   * Starts playing `source` (muted, looped; a MediaStream's tracks stay the caller's) and waits
   * for its first picture.
   * @param source a video file (a Blob of a `video/*` type: WebM, MP4…), a video's URL (same
   *   origin or blob:), or a MediaStream with a video track
   * @throws InputError 'unsupported-input' for a MediaStream without a video track;
   *   'corrupt-input' when the browser cannot decode or play the video, or it shows no picture
   *   within BACKGROUND_VIDEO_TIMEOUT_MS
   */
  static async open(source: BackgroundVideoSource, timeoutMs = BACKGROUND_VIDEO_TIMEOUT_MS): Promise<BackgroundVideo> {
    const isStream = source instanceof MediaStream;
    if (isStream && source.getVideoTracks().length === 0) {
      throw new InputError('unsupported-input', 'The background stream has no video track — pass a stream with video (a canvas, a camera or a screen).');
    }
    const what = isStream ? 'The background stream' : source instanceof URL ? `The background video at ${source.href.slice(0, 80)}` : `The background video (${source.type})`;
    const video = document.createElement('video');
    video.muted = true;
    video.loop = true;
    video.playsInline = true;
    video.preload = 'auto';
    // An object URL made here for a file is revoked on close(); a URL given is the caller's.
    const url = source instanceof Blob ? URL.createObjectURL(source) : null;
    if (isStream) video.srcObject = source;
    else video.src = url ?? (source as URL).href;
    const opened = new BackgroundVideo(video, url);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new InputError('corrupt-input', `${what} showed no picture within ${timeoutMs / 1000} s — use a WebM or MP4 video the browser plays.`)), timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          video.removeEventListener('loadeddata', loaded);
          video.removeEventListener('error', failed);
        };
        const loaded = (): void => {
          done();
          resolve();
        };
        const failed = (): void => {
          done();
          const reason = video.error?.message || `media error ${video.error?.code ?? 'unknown'}`;
          reject(new InputError('corrupt-input', `${what} could not be decoded (${reason}) — use a WebM or MP4 video the browser plays.`));
        };
        video.addEventListener('loadeddata', loaded);
        video.addEventListener('error', failed);
        if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) loaded();
      });
      await video.play().catch((err: unknown) => {
        throw new InputError('corrupt-input', `${what} could not be played: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      });
    } catch (err) {
      opened.close();
      throw err;
    }
    return opened;
  }

  /** The video's size in pixels (0 before its first picture). */
  get size(): { width: number; height: number } {
    return { width: this.video.videoWidth, height: this.video.videoHeight };
  }

  /**
   * A frame of the current picture when it changed since the last call, or when `force` (an
   * engine that has none yet); null otherwise, after close(), or while there is no picture.
   * @returns a VideoFrame the caller owns and must close (or transfer)
   */
  nextFrame(force = false): VideoFrame | null {
    if (this.closed || this.video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) return null;
    const time = this.video.currentTime;
    const changed = this.hasFrameCallback() ? this.fresh : time !== this.lastTime;
    if (!changed && !force) return null;
    let frame: VideoFrame;
    try {
      frame = new VideoFrame(this.video, { timestamp: Math.round(time * 1e6) });
    } catch {
      // No picture at the moment (between a loop's end and start): the engine keeps its last.
      return null;
    }
    this.fresh = false;
    this.lastTime = time;
    return frame;
  }

  /** Stops the video and releases it (a MediaStream's tracks are left running: they are the caller's). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.srcObject = null;
    this.video.load();
    if (this.url) URL.revokeObjectURL(this.url);
  }

  private hasFrameCallback(): boolean {
    return typeof this.video.requestVideoFrameCallback === 'function';
  }

  /** Marks each presented picture as fresh (where the browser tells: requestVideoFrameCallback). */
  private watchPictures(): void {
    if (!this.hasFrameCallback()) return;
    const onPicture = (): void => {
      if (this.closed) return;
      this.fresh = true;
      this.video.requestVideoFrameCallback(onPicture);
    };
    this.video.requestVideoFrameCallback(onPicture);
  }
}
