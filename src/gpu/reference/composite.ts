import { at, createImage, sampleBilinear, type FloatImage } from './image';

/** Composite modes as numbered in shaders/composite.wgsl. */
export const COMPOSITE_MODE = { off: 0, blur: 1, image: 2, color: 3 } as const;
/** Debug views as numbered in shaders/composite.wgsl. */
export const COMPOSITE_VIEW = { com: 0, pha: 1, fgr: 2, err: 3, ref: 4 } as const;

export interface CompositeParams {
  mode: number;
  view: number;
  /** sRGB 0..1 */
  color: [number, number, number];
  /** Background uv = pixel·bgScale + bgOffset (pixel = pixel centre in output pixels). */
  bgScale: [number, number];
  bgOffset: [number, number];
}

const BLUR_EPS = 1e-3;

/**
 * Reference of shaders/composite.wgsl: out = α·F + (1 − α)·B′, or a debug view.
 * @param frame the input frame I [H,W,≥3] in 0..1
 * @param fgr refined foreground [H,W,4]: F where channel 3 > 0.5, else I is used
 * @param err coarse error [h,w,1], read at the nearest texel floor(pixel·h/H)
 * @param alpha [H,W,1] in 0..1
 * @param blurred mask-weighted blur [h,w,4] (rgb·w, w), any size, sampled bilinearly
 * @param background image [h',w',≥3], sampled bilinearly at pixel·bgScale + bgOffset
 * @returns [H,W,4] RGBA in 0..1 (alpha channel 1)
 */
export function compositeReference(
  frame: FloatImage,
  alpha: FloatImage,
  blurred: FloatImage,
  background: FloatImage,
  fgr: FloatImage,
  err: FloatImage,
  p: CompositeParams,
): FloatImage {
  const out = createImage(frame.width, frame.height, 4);
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const a = at(alpha, x, y, 0);
      const original = [0, 1, 2].map((c) => at(frame, x, y, c));
      const refined = at(fgr, x, y, 3) > 0.5;
      const f = refined ? [0, 1, 2].map((c) => at(fgr, x, y, c)) : original;
      const e = at(err, Math.min(Math.floor((x * err.width) / frame.width), err.width - 1), Math.min(Math.floor((y * err.height) / frame.height), err.height - 1), 0);
      let rgb: number[];
      if (p.view === COMPOSITE_VIEW.pha) rgb = [a, a, a];
      else if (p.view === COMPOSITE_VIEW.fgr) rgb = f;
      else if (p.view === COMPOSITE_VIEW.err) rgb = [e, e, e];
      else if (p.view === COMPOSITE_VIEW.ref) rgb = refined ? original.map((v, c) => 0.5 * v + (c === 0 ? 0.5 : 0)) : original;
      else {
        let bg = f;
        let aa = a;
        if (p.mode === COMPOSITE_MODE.blur) {
          const u = px / frame.width;
          const v = py / frame.height;
          const bw = sampleBilinear(blurred, u, v, 3);
          bg = f.map((fc, c) => (sampleBilinear(blurred, u, v, c) + BLUR_EPS * fc) / (bw + BLUR_EPS));
        } else if (p.mode === COMPOSITE_MODE.image) {
          const u = px * p.bgScale[0] + p.bgOffset[0];
          const v = py * p.bgScale[1] + p.bgOffset[1];
          bg = [0, 1, 2].map((c) => sampleBilinear(background, u, v, c));
        } else if (p.mode === COMPOSITE_MODE.color) bg = p.color;
        else aa = 1;
        rgb = f.map((fc, c) => aa * fc + (1 - aa) * bg[c]!);
      }
      out.data.set([rgb[0]!, rgb[1]!, rgb[2]!, 1], (y * frame.width + x) * 4);
    }
  }
  return out;
}

/**
 * Cover-fit of a background image of size (bw, bh) to a frame (w, h): scale to fill,
 * centre, crop the overflow. Returns the uv transform used by the compositor.
 */
export function coverFit(w: number, h: number, bw: number, bh: number): { bgScale: [number, number]; bgOffset: [number, number] } {
  const s = Math.max(w / bw, h / bh);
  // uv = ((p − frame/2)/s + image/2) / image
  return {
    bgScale: [1 / (s * bw), 1 / (s * bh)],
    bgOffset: [0.5 - w / (2 * s * bw), 0.5 - h / (2 * s * bh)],
  };
}
