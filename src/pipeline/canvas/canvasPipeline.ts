import { BLUR_SIGMA_FRACTION, type BlurStrength, type Options, type ReadbackType } from '../../options';
import type { CoarseMask, CpuBaseNetwork } from '../../types/network';
import type { FrameStats, Readback } from '../../types/frame';
import { nextRoi, ROI_PASSES, ROI_SETTLED, roiHoldsPerson, roiMovedLess, TRACK_REFRESH_FRAMES } from '../roi';
import type { Rect } from '../../types/geometry';
import { coverSourceRect } from '../../gpu/params/composite';
import { LIGHT_WRAP_MODES } from '../../gpu/params/lightWrap';
import { context2d, type Context2d } from './context2d';
import { CpuMatte, DEFAULT_CPU_MATTE_PARAMS, type CpuMatteParams } from './cpuMatte';
import { CanvasLightWrap } from './lightWrap';
import { canvasShrinkPlan } from './shrinkPlan';

/**
 * The matte's guided filter computes its coefficients on a grid of blocks at most this many
 * blocks a side: 2×2-pixel blocks up to 1280×720, larger ones beyond (see cpuMatteParams).
 */
export const MATTE_GRID_MAX_SIDE = 640;

/**
 * How the Canvas 2D path blurs the background, matching the WebGPU path's strengths: the same
 * Gaussian sigma (BLUR_SIGMA_FRACTION of the frame height), on a canvas shrunk by canvasShrinkPlan.
 * @param frameHeight frame height in pixels (> 0)
 * @returns factor ≥ 1 (an integer) and sigma in pixels of the 1/factor canvas
 */
export function canvasBlurPlan(frameHeight: number, strength: BlurStrength): { factor: number; sigma: number } {
  return canvasShrinkPlan(BLUR_SIGMA_FRACTION[strength] * frameHeight);
}

/**
 * The CPU matte's parameters for a width×height frame: DEFAULT_CPU_MATTE_PARAMS with blocks of
 * `scale` pixels — 2, or more so that the block grid is at most MATTE_GRID_MAX_SIDE a side — and
 * the ROI's feather scaled alike (2 blocks). The matte is at the frame's size: the coefficients
 * come from the grid and q = ā·I + b̄ from every pixel of the frame (He and Sun, "Fast Guided
 * Filter", 2015).
 * @param width, height frame size in pixels (≥ 1)
 * @param edgeSensitivity options.edgeSensitivity: the prior's joint bilateral range sigma σr
 */
export function cpuMatteParams(width: number, height: number, edgeSensitivity: number = DEFAULT_CPU_MATTE_PARAMS.sigmaRange): CpuMatteParams {
  const base = DEFAULT_CPU_MATTE_PARAMS;
  const scale = Math.max(base.scale, Math.ceil(Math.max(width, height) / MATTE_GRID_MAX_SIDE));
  return { ...base, scale, feather: (base.feather * scale) / base.scale, sigmaRange: edgeSensitivity };
}

/** The CPU matte of a width×height frame (edgeSensitivity: see cpuMatteParams) and the ImageData over its bytes. */
function matteOf(width: number, height: number, edgeSensitivity: number): Pick<Canvases, 'matte' | 'mattePixels'> {
  const matte = new CpuMatte(width, height, cpuMatteParams(width, height, edgeSensitivity));
  return { matte, mattePixels: new ImageData(matte.bytes, width, height) };
}

/** The blur canvases for a width×height frame, at 1/factor of its size. */
function blurCanvases(width: number, height: number, factor: number): Pick<Canvases, 'blurIn' | 'blurOut' | 'blurFactor'> {
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  return {
    // The frame is shrunk into it: filtered (`medium`), so fine texture does not alias.
    blurIn: context2d(w, h, undefined, 'medium'),
    blurOut: context2d(w, h, { willReadFrequently: true }),
    blurFactor: factor,
  };
}

/** The canvases of one frame size. */
interface Canvases {
  width: number;
  height: number;
  /** The frame's pixels as the matte's guide: two buffers the frame is copied into (the matte keeps the last as history), the next to use, and a canvas to read it through where copyTo cannot convert. */
  guide: Context2d;
  guideBuffers: [Uint8ClampedArray | null, Uint8ClampedArray | null];
  guideNext: 0 | 1;
  /** The matte at the frame's size: the frame's colours with alpha α (so also the person layer of the composite). */
  smoothed: Context2d;
  /** The matte computed on the CPU, and an ImageData over its bytes (put into `smoothed`). */
  matte: CpuMatte;
  mattePixels: ImageData;
  /** The frame with the person weighted out (alpha 1 − α), at 1/factor size, and its blur (read back to normalise). */
  blurIn: Context2d;
  blurOut: Context2d;
  /** Scratch for the `pha` view (the matte's alpha as white), full size; made when first needed. */
  phaView: Context2d | null;
  /** The opaque output, full size. */
  output: Context2d;
  /** The blur factor (canvasBlurPlan) blurIn and blurOut were made for. */
  blurFactor: number;
  /** The frame, mode and light wrap drawLayers drew `blurIn` (blur) or `output` and the light wrap's source (the other modes) for, before any compositing on them, or null. */
  layers: { frame: VideoFrame; mode: Options['mode']; wrap: boolean } | null;
}

/**
 * The Canvas 2D path, for browsers without WebGPU (see Engine). Per frame:
 * base network (the tasks-vision segmenter, CPU delegate, in its own worker) on the whole
 * frame, then on the person's region of interest as the WebGPU path does (roi.ts; the second
 * pass only when it would move the ROI by ROI_SETTLED or more) → the matte
 * on the CPU at the frame's size (CpuMatte with cpuMatteParams: the masks as the prior on a grid
 * of blocks, joint-bilateral sampled near its edge (σr = options.edgeSensitivity) and sharpened, a colour guided filter guided
 * by the frame — coefficients on the blocks, applied to every pixel — and motion-aware temporal
 * smoothing with options.temporalSmoothing) → composite on
 * OffscreenCanvas 2D contexts: α·I + (1 − α)·B′, where B′ for `blur`
 * is the frame blurred with the person weighted out (blur of I·(1 − α) over blur of 1 − α,
 * so the person does not bleed into the background), for `image` the image cover-fitted
 * (neutral grey without one), for `video` the background video's last frame likewise, for
 * `color` the colour; `off` shows the frame; then, in `image`, `video` and `color` modes,
 * light wrap (options.lightWrap, CanvasLightWrap). While the segmenter's worker runs, this
 * worker does the work that needs the frame alone: it copies the frame's pixels out,
 * does the matte's frame-only part (CpuMatte.prepare) and draws what the composite needs before
 * the matte (drawLayers: the frame shrunk for `blur`, B′ otherwise); after it, only the
 * mask-dependent work remains.
 *
 * Not available here (they need the WebGPU passes): the plate and the known-background
 * refinement (refine options, matting), and the views `fgr`, `err` and `ref`, which show the composite (`com`)
 * instead; `pha` shows the matte as grey. Read-backs are given for `com` and `pha` only.
 *
 * Owns its canvases and the background image; borrows the network (the engine closes it).
 */
export class CanvasPipeline {
  private canvases: Canvases | null = null;
  /** Whether VideoFrame.copyTo converts to RGBA here (until it fails once). */
  private copyToRgba = true;
  private background: ImageBitmap | null = null;
  /** The `video`-mode background's last frame, copied (the video's size), or null before the first. */
  private video: Context2d | null = null;
  /** Light wrap (options.lightWrap), its canvases made on first use. */
  private readonly lightWrap = new CanvasLightWrap();
  /**
   * The tracked region of interest: the last whole-frame mask, the ROI for the next frame and
   * how many frames reused it; null until a frame finds a person who does not fill the frame.
   */
  private track: { full: CoarseMask; rect: Rect; frames: number } | null = null;
  private options: Readonly<Options>;

  /**
   * @param network the tasks-vision segmenter (borrowed, not closed here)
   * @param options initial options (resolved)
   */
  constructor(
    private readonly network: CpuBaseNetwork,
    options: Readonly<Options>,
  ) {
    this.options = options;
  }

  /** Applies options from the next frame on. */
  setOptions(options: Readonly<Options>): void {
    this.options = options;
  }

  /** Replaces the `image`-mode background (null: neutral grey); takes ownership of (and later closes) the bitmap. */
  setBackground(image: ImageBitmap | null): void {
    this.background?.close();
    this.background = image;
  }

  /**
   * Shows `frame` as `video` mode's background from the next frame on, until another comes (a
   * slow video repeats its last frame); null forgets it (grey until the next). The frame is
   * copied here and stays the caller's.
   */
  setVideoFrame(frame: VideoFrame | null): void {
    if (!frame) {
      this.video = null;
      return;
    }
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    if (!this.video || this.video.canvas.width !== width || this.video.canvas.height !== height) this.video = context2d(width, height);
    this.video.globalCompositeOperation = 'copy';
    this.video.drawImage(frame, 0, 0, width, height);
  }

  /**
   * Processes one frame (borrowed: the caller closes it).
   * @param readbacks output types to read back; `com` and `pha` are given, the others are not computable here
   * @returns a new opaque VideoFrame of the frame's display size with its timestamp and
   *   duration (the caller owns and closes it); timings (import and gpu are 0 on this path;
   *   segment is the base network's wall time); the read-backs
   */
  async process(
    frame: VideoFrame,
    readbacks: readonly ReadbackType[] = [],
  ): Promise<{ frame: VideoFrame; stats: Omit<FrameStats, 'total'>; readbacks: Partial<Record<ReadbackType, Readback>> }> {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const c = this.prepare(width, height);
    const { mode, view } = this.options;
    const t0 = performance.now();
    if (mode !== 'off' || view !== 'com') await this.segment(frame, c);
    else c.matte.reset();
    const t1 = performance.now();
    this.render(frame, c, view === 'pha' ? 'pha' : 'com');
    const duration = frame.duration;
    const out = new VideoFrame(c.output.canvas, { timestamp: frame.timestamp, ...(duration !== null ? { duration } : {}) });
    const read: Partial<Record<ReadbackType, Readback>> = {};
    try {
      for (const type of readbacks) {
        if (type !== 'com' && type !== 'pha') continue;
        this.render(frame, c, type);
        const rgba = c.output.getImageData(0, 0, width, height).data;
        read[type] = type === 'com' ? { width, height, channels: 4, data: new Uint8Array(rgba.buffer) } : { width, height, channels: 1, data: redChannel(rgba) };
      }
    } catch (err) {
      out.close();
      throw err;
    }
    return { frame: out, stats: { import: 0, segment: t1 - t0, gpu: 0 }, readbacks: read };
  }

  /** Releases the canvases and closes the background image. */
  dispose(): void {
    this.canvases = null;
    this.video = null;
    this.lightWrap.dispose();
    this.background?.close();
    this.background = null;
  }

  /** The canvases for this frame size and blur strength, (re)created when either changed. */
  private prepare(width: number, height: number): Canvases {
    const { factor } = canvasBlurPlan(height, this.options.blurStrength);
    let c = this.canvases;
    if (!c || c.width !== width || c.height !== height) {
      c = {
        width,
        height,
        guide: context2d(width, height, { willReadFrequently: true }),
        guideBuffers: [null, null],
        guideNext: 0,
        smoothed: context2d(width, height),
        ...matteOf(width, height, this.options.edgeSensitivity),
        phaView: null,
        output: context2d(width, height, { alpha: false }),
        ...blurCanvases(width, height, factor),
        layers: null,
      };
      this.canvases = c;
      this.track = null;
    } else if (c.blurFactor !== factor) {
      Object.assign(c, blurCanvases(width, height, factor), { layers: null });
    }
    // A new edgeSensitivity: a new matte (its history starts again).
    if (c.matte.params.sigmaRange !== this.options.edgeSensitivity) Object.assign(c, matteOf(width, height, this.options.edgeSensitivity));
    return c;
  }

  /**
   * Base network on the whole frame, then on the person's region of interest (ROI_PASSES
   * passes, as FramePipeline.segment), then the matte (CpuMatte) from the whole-frame mask and
   * the last ROI's mask, written into `smoothed`. The frame's pixels are read back as its guide
   * while the segmenter works. Tracking: for up to TRACK_REFRESH_FRAMES frames
   * after that, the network runs on the previous frame's ROI alone (re-centred from its own mask
   * each frame), over the last whole-frame mask, as long as the person stays inside it
   * (roiHoldsPerson) — one network run a frame instead of three.
   */
  private async segment(frame: VideoFrame, c: Canvases): Promise<void> {
    // The frame's pixels, read as the guide while the segmenter's worker runs its first pass.
    const read: { guide: Promise<Uint8ClampedArray> | null } = { guide: null };
    const strength = this.options.temporalSmoothing;
    const readGuide = (): void => {
      if (read.guide) return;
      // The matte's frame-only work (CpuMatte.prepare) follows the read at once, still while the segmenter runs.
      read.guide = this.readGuide(frame, c).then((guide) => {
        c.matte.prepare(guide, strength);
        copyColour(guide, c.matte.bytes);
        return guide;
      });
      // Awaited below; if the segmenter fails first, its error is the one reported.
      read.guide.catch(() => undefined);
    };
    const meanwhile = (): void => {
      readGuide();
      this.drawLayers(frame, c);
    };
    const { full, rect, roiMask } = await this.segmentMasks(frame, c, meanwhile);
    readGuide(); // (a no-op: started while the first mask was computed)
    const guide = await read.guide!;
    c.matte.update(guide, full, rect ? { mask: roiMask, rect } : null, strength);
    c.smoothed.putImageData(c.mattePixels, 0, 0);
  }

  /**
   * The frame's pixels, RGBA bytes: copied out of the VideoFrame with its own conversion
   * (VideoFrame.copyTo, format RGBA, into one of two buffers kept for this: the matte keeps the
   * last frame's) when its visible rectangle is its display size; drawn into the guide canvas
   * and read back otherwise, or where the browser cannot convert.
   */
  private async readGuide(frame: VideoFrame, c: Canvases): Promise<Uint8ClampedArray> {
    const { width, height } = c;
    const visible = frame.visibleRect;
    if (this.copyToRgba && visible?.width === width && visible.height === height) {
      const buffer = (c.guideBuffers[c.guideNext] ??= new Uint8ClampedArray(width * height * 4));
      try {
        await frame.copyTo(buffer, { format: 'RGBA', colorSpace: 'srgb' });
        c.guideNext = c.guideNext === 0 ? 1 : 0;
        return buffer;
      } catch (err) {
        // Not supported for this frame's format here: the canvas from now on.
        this.copyToRgba = false;
        console.warn(`bg-replacer: VideoFrame.copyTo(RGBA) failed (${String(err)}); reading frames through a canvas instead.`);
      }
    }
    c.guide.drawImage(frame, 0, 0, width, height);
    return c.guide.getImageData(0, 0, width, height).data;
  }


  /** The segmenter's masks of this frame: the whole frame's and, when the person is found, the last ROI's with its rectangle (frame pixels). */
  private async segmentMasks(frame: VideoFrame, c: Canvases, meanwhile: () => void): Promise<{ full: CoarseMask; rect: Rect | null; roiMask: CoarseMask }> {
    const { width, height } = this.network;
    const resize = { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' } as const;
    /** The first network run of the frame: `meanwhile` runs once its request is on its way. */
    const first = async (image: ImageBitmap): Promise<CoarseMask> => {
      const pending = this.network.segment(image);
      meanwhile();
      return pending;
    };
    const track = this.track;
    if (track && track.frames < TRACK_REFRESH_FRAMES) {
      const { rect } = track;
      const roiMask = await first(await createImageBitmap(frame, rect.x, rect.y, rect.width, rect.height, resize));
      if (roiHoldsPerson(roiMask.pha, roiMask.width, roiMask.height, rect, c.width, c.height)) {
        this.track = { full: track.full, rect: nextRoi(roiMask.pha, roiMask.width, roiMask.height, rect), frames: track.frames + 1 };
        return { full: track.full, rect, roiMask };
      }
    }
    const full = await first(await createImageBitmap(frame, resize));
    const whole: Rect = { x: 0, y: 0, width: c.width, height: c.height };
    let rect = whole;
    let roiMask = full;
    for (let pass = 0; pass < ROI_PASSES; pass++) {
      const next = nextRoi(roiMask.pha, roiMask.width, roiMask.height, rect);
      if (next === rect) break;
      // A second pass that would barely move the ROI is not run: the first pass's mask covers nearly the same region.
      if (rect !== whole && roiMovedLess(next, rect, ROI_SETTLED)) break;
      rect = next;
      roiMask = await this.network.segment(await createImageBitmap(frame, rect.x, rect.y, rect.width, rect.height, resize));
    }
    this.track = rect !== whole ? { full, rect: nextRoi(roiMask.pha, roiMask.width, roiMask.height, rect), frames: 0 } : null;
    return { full, rect: rect !== whole ? rect : null, roiMask };
  }

  /**
   * Draws what the composite needs before the matte — in `blur` mode the frame into `blurIn`
   * (shrunk), in the others the new background B′ into `output` and, with light wrap, into its
   * source — so that render finds them drawn (work that can run while the segmenter does).
   */
  private drawLayers(frame: VideoFrame, c: Canvases): void {
    const { mode } = this.options;
    if (mode === 'off') return;
    const { width, height } = c;
    const wrap = this.lightWrapOn();
    if (mode === 'blur') {
      const { width: w, height: h } = c.blurIn.canvas;
      c.blurIn.globalCompositeOperation = 'copy';
      c.blurIn.drawImage(frame, 0, 0, w, h);
    } else {
      c.output.globalCompositeOperation = 'source-over';
      this.drawNewBackground(c.output, width, height);
      if (wrap) this.lightWrap.prepare(width, height, (ctx) => this.drawNewBackground(ctx, width, height));
    }
    c.layers = { frame, mode, wrap };
  }

  /** Whether this frame gets light wrap (options.lightWrap in the modes that have it). */
  private lightWrapOn(): boolean {
    return this.options.lightWrap > 0 && LIGHT_WRAP_MODES.includes(this.options.mode);
  }

  /** Draws a view of the frame into `output`: `pha` the smoothed mask as grey, `com` the composite. */
  private render(frame: VideoFrame, c: Canvases, view: 'com' | 'pha'): void {
    const out = c.output;
    const { width, height } = c;
    out.globalCompositeOperation = 'source-over';
    const mask = c.smoothed.canvas;
    if (view === 'pha') {
      // The matte's alpha as white over black (its colours are the frame's).
      const grey = (c.phaView ??= context2d(width, height));
      grey.globalCompositeOperation = 'copy';
      grey.drawImage(mask, 0, 0);
      grey.globalCompositeOperation = 'source-in';
      grey.fillStyle = '#ffffff';
      grey.fillRect(0, 0, width, height);
      out.fillStyle = '#000000';
      out.fillRect(0, 0, width, height);
      out.drawImage(grey.canvas, 0, 0);
      return;
    }
    const { mode } = this.options;
    if (mode === 'off') {
      out.drawImage(frame, 0, 0, width, height);
      return;
    }
    const wrap = this.lightWrapOn();
    const drawn = c.layers;
    if (drawn?.frame !== frame || drawn.mode !== mode || drawn.wrap !== wrap) this.drawLayers(frame, c);
    c.layers = null;
    if (mode === 'blur') out.drawImage(this.blurredBackground(c), 0, 0, width, height);
    // The person: the matte's canvas is the frame with alpha α, which is 0 outside `person`.
    const person = c.matte.support();
    if (!person) return;
    const { x, y, width: w, height: h } = person;
    out.drawImage(mask, x, y, w, h, x, y, w, h);
    if (wrap) this.lightWrap.draw(out, mask, (ctx) => this.drawNewBackground(ctx, width, height), this.options.lightWrap, person);
  }

  /**
   * Draws the new background B′ of `image` mode (the image cover-fitted to the frame; neutral grey
   * without one), `video` mode (its last frame, likewise) or `color` mode over the whole of `ctx`,
   * whatever its size.
   * @param width the frame's size, pixels (the cover fit's aspect)
   */
  private drawNewBackground(ctx: Context2d, width: number, height: number): void {
    const { mode, color } = this.options;
    const { width: w, height: h } = ctx.canvas;
    const bg = mode === 'image' ? this.background : mode === 'video' ? (this.video?.canvas ?? null) : null;
    if (bg) {
      const r = coverSourceRect(width, height, bg.width, bg.height);
      ctx.drawImage(bg, r.sx, r.sy, r.sw, r.sh, 0, 0, w, h);
    } else {
      ctx.fillStyle = mode === 'color' ? color : '#808080';
      ctx.fillRect(0, 0, w, h);
    }
  }

  /**
   * The background blur at 1/factor size, normalised: blur(I·(1 − α)) / blur(1 − α), from the
   * frame drawLayers drew into `blurIn`. The
   * canvas stores the blur premultiplied; reading it back un-premultiplies it, which is that
   * division; writing it back with alpha 1 makes it opaque (black where no background is near,
   * deep inside the person, which covers it).
   */
  private blurredBackground(c: Canvases): OffscreenCanvas {
    const { blurIn, blurOut } = c;
    const { width: w, height: h } = blurIn.canvas;
    const { sigma } = canvasBlurPlan(c.height, this.options.blurStrength);
    blurIn.globalCompositeOperation = 'destination-out';
    blurIn.drawImage(c.smoothed.canvas, 0, 0, w, h);
    blurOut.clearRect(0, 0, w, h);
    blurOut.filter = `blur(${sigma}px)`;
    blurOut.drawImage(blurIn.canvas, 0, 0);
    blurOut.filter = 'none';
    const image = blurOut.getImageData(0, 0, w, h);
    const px = image.data;
    for (let i = 3; i < px.length; i += 4) px[i] = 255;
    blurOut.putImageData(image, 0, 0);
    return blurOut.canvas;
  }
}

/** Copies the colour bytes of RGBA pixels `src` into `dst` (the same size), keeping dst's alpha bytes; 32 bits at a time (little-endian: alpha is the high byte). */
function copyColour(src: Uint8ClampedArray, dst: Uint8ClampedArray): void {
  const from = new Uint32Array(src.buffer, src.byteOffset, src.length >> 2);
  const to = new Uint32Array(dst.buffer, dst.byteOffset, dst.length >> 2);
  for (let i = 0; i < to.length; i++) to[i] = (from[i]! & 0x00ffffff) | (to[i]! & 0xff000000);
}

/** Channel 0 of tightly packed RGBA pixels. */
function redChannel(rgba: Uint8ClampedArray): Uint8Array {
  const grey = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i]!;
  return grey;
}

