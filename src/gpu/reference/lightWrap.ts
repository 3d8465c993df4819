import type { LightWrapSource } from '../params/lightWrap';
import { at, createImage, sampleBilinear, type FloatImage } from './image';

const WRAP_EPS = 1e-4;

/**
 * Reference of shaders/light_wrap_prepare.wgsl: (B′·(1 − α), 1 − α) averaged over factor×factor blocks.
 * @param alpha [H,W,1] in 0..1
 * @param background [h,w,≥3] in 0..1, sampled bilinearly at pixel-centre·bgScale + bgOffset (used when source.useImage)
 * @returns [ceil(H/factor), ceil(W/factor), 4]
 */
export function lightWrapPrepareReference(alpha: FloatImage, background: FloatImage, source: LightWrapSource, factor: number): FloatImage {
  const w = Math.ceil(alpha.width / factor);
  const h = Math.ceil(alpha.height / factor);
  const out = createImage(w, h, 4);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const x1 = Math.min((i + 1) * factor, alpha.width);
      const y1 = Math.min((j + 1) * factor, alpha.height);
      const acc = [0, 0, 0, 0];
      for (let y = j * factor; y < y1; y++) {
        for (let x = i * factor; x < x1; x++) {
          const bw = 1 - at(alpha, x, y, 0);
          const u = (x + 0.5) * source.bgScale[0] + source.bgOffset[0];
          const v = (y + 0.5) * source.bgScale[1] + source.bgOffset[1];
          for (let c = 0; c < 3; c++) acc[c]! += (source.useImage ? sampleBilinear(background, u, v, c) : source.color[c]!) * bw;
          acc[3]! += bw;
        }
      }
      const n = (x1 - i * factor) * (y1 - j * factor);
      for (let c = 0; c < 4; c++) out.data[(j * w + i) * 4 + c] = acc[c]! / n;
    }
  }
  return out;
}

/**
 * Reference of shaders/light_wrap.wgsl and its blending over the composite:
 * out′ = mix(out, L, w), L = s.rgb / max(s.a, 1e-4), w = clamp(strength · α · s.a, 0, 1), s the
 * blurred wrap texture sampled bilinearly at the pixel centre.
 * @param out the composite [H,W,4] in 0..1 (its alpha is kept)
 * @param alpha [H,W,1] in 0..1
 * @param wrap blurred (B′·(1 − α), 1 − α) [h,w,4], any size
 * @param strength options.lightWrap, 0..1
 * @returns [H,W,4]
 */
export function lightWrapReference(out: FloatImage, alpha: FloatImage, wrap: FloatImage, strength: number): FloatImage {
  const result = createImage(out.width, out.height, 4);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const u = (x + 0.5) / out.width;
      const v = (y + 0.5) / out.height;
      const s = [0, 1, 2, 3].map((c) => sampleBilinear(wrap, u, v, c));
      const w = Math.min(Math.max(strength * at(alpha, x, y, 0) * s[3]!, 0), 1);
      const i = (y * out.width + x) * 4;
      for (let c = 0; c < 3; c++) result.data[i + c] = out.data[i + c]! * (1 - w) + (s[c]! / Math.max(s[3]!, WRAP_EPS)) * w;
      result.data[i + 3] = out.data[i + 3]!;
    }
  }
  return result;
}
