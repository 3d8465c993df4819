// Light wrap on the Canvas 2D path: the counterpart of the WebGPU light-wrap stage
// (src/pipeline/stages/lightWrap.ts), with the same plan and formula.
import { lightWrapPlan } from '../../gpu/params/lightWrap';
import { context2d, type Context2d } from './context2d';

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
 * out′ = mix(out, L, strength · α · b), with (L·b, b) the Gaussian blur (sigma: lightWrapPlan) of
 * (B′·(1 − α), 1 − α) at 1/factor of the frame: the formula of shaders/light_wrap_prepare.wgsl and
 * shaders/light_wrap.wgsl (reference: src/gpu/reference/lightWrap.ts), in canvas operations —
 * `destination-out` by the mask weights B′ by 1 − α, CSS `blur()` is the Gaussian (its length the
 * standard deviation), `destination-in` by the mask weights the layer by α, and drawing it with
 * `globalAlpha` = strength mixes it in. Where it differs from the WebGPU passes: the mask is
 * scaled into the small canvas bilinearly (the pass averages factor×factor blocks), and the
 * canvases hold 8-bit premultiplied colour. Owns its canvases.
 */
export class CanvasLightWrap {
  private canvases: WrapCanvases | null = null;

  /**
   * Mixes the light over `out` (the composite, frame size).
   * @param mask the person's alpha α in its alpha channel, any size (scaled to the frame)
   * @param drawBackground draws B′ (the image cover-fitted to the frame, or the colour) over the whole of a canvas
   * @param strength options.lightWrap, 0..1
   */
  draw(out: Context2d, mask: CanvasImageSource, drawBackground: (ctx: Context2d) => void, strength: number): void {
    const { width, height } = out.canvas;
    const { factor, sigma } = lightWrapPlan(height);
    const c = this.canvasesFor(width, height, factor);
    const { source, blurred, layer } = c;
    const { width: w, height: h } = source.canvas;
    source.globalCompositeOperation = 'copy';
    drawBackground(source);
    source.globalCompositeOperation = 'destination-out';
    source.drawImage(mask, 0, 0, w, h);
    blurred.clearRect(0, 0, w, h);
    blurred.filter = `blur(${sigma}px)`;
    blurred.drawImage(source.canvas, 0, 0);
    blurred.filter = 'none';
    layer.globalCompositeOperation = 'copy';
    layer.drawImage(blurred.canvas, 0, 0, width, height);
    layer.globalCompositeOperation = 'destination-in';
    layer.drawImage(mask, 0, 0, width, height);
    out.globalCompositeOperation = 'source-over';
    out.globalAlpha = strength;
    out.drawImage(layer.canvas, 0, 0);
    out.globalAlpha = 1;
  }

  /** Releases the canvases. */
  dispose(): void {
    this.canvases = null;
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
