/**
 * The frames the output shows in place of camera frames while the matte is not ready
 * (Options.whileNotReady): the engine starting or restarting, failed for good, or a frame that
 * failed or stalled (e.g. the GPU device was lost and no new one could be had). Made on the main
 * thread with Canvas 2D, without the engine: it is the engine that is not ready.
 *
 * - `blur`: the whole frame scaled to 1/{@link BLUR_DOWNSCALE} of its size (createImageBitmap's
 *   high-quality resize, which averages the pixels), then back up in two bilinear steps
 *   (to 1/4, then to full size), which smooth the blocks away: about a Gaussian blur of σ ≈ 2 %
 *   of the frame's height, as blurStrength `strong` — the room and what lies in it cannot be
 *   read. The same look at every resolution; 3–4 ms a frame at 1280×720 on 2 CPU cores
 *   (test/e2e/whileNotReady.spec.ts prints it).
 * - `hold`: the last processed output frame again, with the new frame's timestamp; the blur
 *   while there is none of the frame's size (before the first processed frame, or after the
 *   input's size changed).
 * - `blank`: a black frame.
 *
 * Every frame made here has the input's display size and timestamp and belongs to the caller.
 */
import type { WhileNotReady } from '../options';

/** The blur cover draws the frame at 1/BLUR_DOWNSCALE of its width and height (at least 1 px). */
export const BLUR_DOWNSCALE = 32;
/** The intermediate step of the blur cover's upscale, as a share of the full size. */
const BLUR_MID_SCALE = 1 / 4;

/**
 * What the output shows while the matte is not ready, for the messages that say so: a clause
 * that follows a semicolon or a dash, e.g. "restarting it — the video is blurred meanwhile".
 */
export function notReadyNote(how: WhileNotReady): string {
  switch (how) {
    case 'blur':
      return 'the video is blurred';
    case 'hold':
      return 'the last processed frame is shown';
    case 'blank':
      return 'the video is black';
    case 'passthrough':
      return 'the video passes through unprocessed';
  }
}

/** A cover of {@link NotReadyCover.cover}: every whileNotReady value but `passthrough`. */
export type CoverKind = Exclude<WhileNotReady, 'passthrough'>;

/** The canvases a cover is drawn on: the blur's intermediate step, its full size, the held frame. */
type SurfaceName = 'mid' | 'full' | 'held';

/** One reusable OffscreenCanvas with its 2D context. */
interface Surface {
  canvas: OffscreenCanvas;
  ctx: OffscreenCanvasRenderingContext2D;
}

/**
 * Makes cover frames, one at a time in call order; keeps the frame `hold` shows and the canvases
 * it draws on (reused from frame to frame, resized when the input's size changes). Every cover is
 * a new frame made from a canvas: Chromium's MediaStreamTrackGenerator shows a VideoFrame made
 * from another VideoFrame with the first one's timestamp, not its own.
 */
export class NotReadyCover {
  /** The frame keep() gave last, not yet drawn into the `held` canvas. */
  private kept: VideoFrame | null = null;
  /** True while the `held` canvas shows the last kept frame. */
  private holding = false;
  private readonly surfaces = new Map<SurfaceName, Surface>();
  /** Settles once the cover asked for last is made (see {@link cover}). */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Keeps `frame` as the one `hold` shows from now on (the previous one is dropped).
   * @param frame a processed output frame (e.g. a clone of one); this object owns it from now
   *   on and closes it (once it is drawn, at the next `hold` cover, or on {@link release})
   */
  keep(frame: VideoFrame): void {
    this.kept?.close();
    this.kept = frame;
  }

  /** Drops the frame kept for `hold`, if any (`hold` blurs until the next {@link keep}). */
  release(): void {
    this.kept?.close();
    this.kept = null;
    this.holding = false;
  }

  /**
   * A frame to show instead of `frame`. Covers are made one at a time and settle in call order,
   * so frames written as they settle reach the output in the order they came.
   * @param frame the camera frame; it stays the caller's, who must keep it open until this settles
   * @param kind which cover (see the module comment)
   * @returns a new VideoFrame of `frame`'s display size (px), timestamp and duration (µs); the
   *   caller owns it (writes it to the output, which closes it, or closes it)
   * @throws DOMException 'InvalidStateError' (rejection) when `frame` is closed; TypeError
   *   (rejection) where the browser has no OffscreenCanvas 2D context
   */
  cover(frame: VideoFrame, kind: CoverKind): Promise<VideoFrame> {
    const made = this.queue.then(() => this.make(frame, kind));
    this.queue = made.catch(() => undefined);
    return made;
  }

  private async make(frame: VideoFrame, kind: CoverKind): Promise<VideoFrame> {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const init: VideoFrameInit = { timestamp: frame.timestamp, ...(frame.duration !== null ? { duration: frame.duration } : {}) };
    if (kind === 'hold' && this.holds(width, height)) return new VideoFrame(this.surface('held', width, height).canvas, init);
    const full = this.surface('full', width, height);
    if (kind === 'blank') {
      full.ctx.fillStyle = '#000';
      full.ctx.fillRect(0, 0, width, height);
      return new VideoFrame(full.canvas, init);
    }
    const small = await createImageBitmap(frame, {
      resizeWidth: Math.max(1, Math.round(width / BLUR_DOWNSCALE)),
      resizeHeight: Math.max(1, Math.round(height / BLUR_DOWNSCALE)),
      resizeQuality: 'high',
    });
    try {
      const mid = this.surface('mid', Math.max(1, Math.round(width * BLUR_MID_SCALE)), Math.max(1, Math.round(height * BLUR_MID_SCALE)));
      mid.ctx.drawImage(small, 0, 0, mid.canvas.width, mid.canvas.height);
      full.ctx.drawImage(mid.canvas, 0, 0, width, height);
      return new VideoFrame(full.canvas, init);
    } finally {
      small.close();
    }
  }

  /**
   * Draws a newly kept frame into the `held` canvas (and closes it).
   * @returns true when the `held` canvas shows a kept frame of `width`×`height` px
   */
  private holds(width: number, height: number): boolean {
    const kept = this.kept;
    if (kept) {
      this.kept = null;
      try {
        const held = this.surface('held', kept.displayWidth, kept.displayHeight);
        held.ctx.drawImage(kept, 0, 0, held.canvas.width, held.canvas.height);
        this.holding = true;
      } finally {
        kept.close();
      }
    }
    const held = this.surfaces.get('held');
    return this.holding && held?.canvas.width === width && held.canvas.height === height;
  }

  /**
   * The canvas `name`, `width`×`height` px (made or resized as needed: that clears it), opaque,
   * scaling what it draws bilinearly.
   * @throws TypeError when the browser gives no 2D context
   */
  private surface(name: SurfaceName, width: number, height: number): Surface {
    let surface = this.surfaces.get(name);
    if (!surface) {
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext('2d', { alpha: false });
      if (!ctx) throw new TypeError('This browser cannot draw on an OffscreenCanvas (no 2D context), so frames cannot be covered while the engine is not ready.');
      surface = { canvas, ctx };
      this.surfaces.set(name, surface);
    } else if (surface.canvas.width === width && surface.canvas.height === height) {
      return surface;
    }
    // Resizing resets the context's state: set it again.
    surface.canvas.width = width;
    surface.canvas.height = height;
    surface.ctx.imageSmoothingEnabled = true;
    surface.ctx.imageSmoothingQuality = 'low';
    return surface;
  }
}
