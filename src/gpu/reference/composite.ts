import { at, createImage, sampleBilinear, type FloatImage } from './image';
import { COMPOSITE_MODE, COMPOSITE_VIEW, type CompositeParams } from '../params/composite';

const BLUR_EPS = 1e-3;

/**
 * Reference of shaders/composite.wgsl: out = α·F + (1 − α)·B′, or a debug view.
 * @param frame the input frame I [H,W,≥3] in 0..1
 * @param fgr foreground [H,W,4]: F where channel 3 > 0.25 (1: refined, 0.5: a network's F),
 *   else I is used; the `ref` view tints where channel 3 > 0.75 (refined)
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
      const estimated = at(fgr, x, y, 3) > 0.25;
      const refined = at(fgr, x, y, 3) > 0.75;
      const f = estimated ? [0, 1, 2].map((c) => at(fgr, x, y, c)) : original;
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
