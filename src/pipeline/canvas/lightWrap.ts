// Light wrap on the Canvas 2D path: the counterpart of the WebGPU light-wrap stage
// (src/pipeline/stages/lightWrap.ts), with the same sigma and formula on a smaller canvas.
import { LIGHT_WRAP_SIGMA_FRACTION } from '../../gpu/params/lightWrap';
import type { Rect } from '../../types/geometry';
import { context2d, type Context2d } from './context2d';
import { canvasShrinkPlan } from './shrinkPlan';

/**
 * The Canvas 2D light wrap's blur for a frame height: the WebGPU stage's sigma
 * (LIGHT_WRAP_SIGMA_FRACTION of the height) on a canvas shrunk by canvasShrinkPlan (further than
 * the stage's lightWrapPlan: at 640×360 a 213×120 canvas instead of the whole frame).
 */
function lightWrapCanvasPlan(frameHeight: number): { factor: number; sigma: number } {
  return canvasShrinkPlan(LIGHT_WRAP_SIGMA_FRACTION * frameHeight);
}

/** The canvases of one frame size and factor. */
interface WrapCanvases {
  width: number;
  height: number;
  factor: number;
  /** B′ with alpha 1 − α, at 1/factor of the frame (premultiplied by the canvas: (B′·(1 − α), 1 − α)). */
  source: Context2d;
  /** Its Gaussian blur. */
  blurred: Context2d;
  /** The blur at the frame's size with alpha b·α: the light that wraps, and how much. */
  layer: Context2d;
}

/**
 * out′ = mix(out, L, strength · α · b), with (L·b, b) the Gaussian blur (sigma: the stage's) of
 * (B′·(1 − α), 1 − α) at 1/factor of the frame: the formula of shaders/light_wrap_prepare.wgsl and
 * shaders/light_wrap.wgsl (reference: src/gpu/reference/lightWrap.ts), in canvas operations —
 * `destination-out` by the mask weights B′ by 1 − α, CSS `blur()` is the Gaussian (its length the
 * standard deviation), `destination-in` by the mask weights the layer by α, and drawing it with
 * `globalAlpha` = strength mixes it in. Where it differs from the WebGPU passes: the canvas
 * is shrunk further (lightWrapCanvasPlan), the mask is scaled into it bilinearly (the pass
 * averages factor×factor blocks), and the canvases hold 8-bit premultiplied colour. Owns its canvases.
 */
export class CanvasLightWrap {
  private canvases: WrapCanvases | null = null;
  /** The canvases whose source prepare drew B′ into since the last draw, or null. */
  private prepared: WrapCanvases | null = null;

  /**
   * Mixes the light over `out` (the composite, frame size).
   * @param mask the person's alpha α in its alpha channel, any size (scaled to the frame)
   * @param drawBackground draws B′ (the image cover-fitted to the frame, or the colour) over the whole of a canvas
   * @param strength options.lightWrap, 0..1
   * @param region a rectangle of the frame (whole pixels) outside which α = 0, or null (the whole frame)
   */
  draw(out: Context2d, mask: CanvasImageSource, drawBackground: (ctx: Context2d) => void, strength: number, region: Rect | null = null): void {
    const { width, height } = out.canvas;
    const { sigma } = lightWrapCanvasPlan(height);
    if (this.prepared?.width !== width || this.prepared.height !== height) this.prepare(width, height, drawBackground);
    const c = this.prepared!;
    this.prepared = null;
    const { source, blurred, layer } = c;
    const { width: w, height: h } = source.canvas;
    source.globalCompositeOperation = 'destination-out';
    source.drawImage(mask, 0, 0, w, h);
    blurred.clearRect(0, 0, w, h);
    blurred.filter = `blur(${sigma}px)`;
    blurred.drawImage(source.canvas, 0, 0);
    blurred.filter = 'none';
    // Outside `region` α = 0, so the layer is 0 there and mixes nothing in: the frame-size steps skip it.
    const clip = region ?? { x: 0, y: 0, width, height };
    layer.save();
    layer.beginPath();
    layer.rect(clip.x, clip.y, clip.width, clip.height);
    layer.clip();
    layer.globalCompositeOperation = 'copy';
    layer.drawImage(blurred.canvas, 0, 0, width, height);
    layer.globalCompositeOperation = 'destination-in';
    layer.drawImage(mask, 0, 0, width, height);
    layer.restore();
    out.globalCompositeOperation = 'source-over';
    out.globalAlpha = strength;
    out.drawImage(layer.canvas, clip.x, clip.y, clip.width, clip.height, clip.x, clip.y, clip.width, clip.height);
    out.globalAlpha = 1;
  }

  /**
   * Draws B′ into the source canvas of a width×height frame ahead of draw (work without the
   * mask, which can run while the segmenter does); draw does it itself when this was not called
   * since the last draw.
   */
  prepare(width: number, height: number, drawBackground: (ctx: Context2d) => void): void {
    const c = this.canvasesFor(width, height, lightWrapCanvasPlan(height).factor);
    c.source.globalCompositeOperation = 'copy';
    drawBackground(c.source);
    this.prepared = c;
  }

  /** Releases the canvases. */
  dispose(): void {
    this.canvases = null;
    this.prepared = null;
  }

  private canvasesFor(width: number, height: number, factor: number): WrapCanvases {
    const c = this.canvases;
    if (c && c.width === width && c.height === height && c.factor === factor) return c;
    const w = Math.ceil(width / factor);
    const h = Math.ceil(height / factor);
    this.canvases = { width, height, factor, source: context2d(w, h), blurred: context2d(w, h), layer: context2d(width, height) };
    return this.canvases;
  }
}
