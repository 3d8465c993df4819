import { at, createImage, sampleBilinear, type FloatImage } from './image';

const HALF_MAX = 65504;

/**
 * Rounds to the nearest IEEE 754 half (ties to even), as storing into an rgba16float texture does.
 * Overflow gives ±Infinity, NaN stays NaN.
 */
export function roundHalf(v: number): number {
  const a = Math.abs(v);
  if (!Number.isFinite(a) || a === 0) return v;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // Spacing of halves at this magnitude: 2^(e−10) for normals, 2^−24 for subnormals.
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 === 1) r--; // Math.round rounds .5 up: make it ties-to-even
  const out = r * ulp;
  if (out > HALF_MAX) return v < 0 ? -Infinity : Infinity;
  return v < 0 ? -out : out;
}

/** An image with every value rounded to a half, i.e. what an rgba16float texture holds. */
export function roundHalfImage(img: FloatImage): FloatImage {
  return { ...img, data: img.data.map(roundHalf) };
}

/**
 * Reference of the `down` entry point of shaders/pushpull.wgsl: each texel of the next level
 * (ceil(W/2)×ceil(H/2)) is the mean of its 2×2 children, coordinates clamped to the source
 * (so at an odd edge the last child counts twice). Not rounded to half.
 * @param src [H,W,4] premultiplied (rgb·w, w)
 */
export function pushPullDown(src: FloatImage): FloatImage {
  const w = Math.ceil(src.width / 2);
  const h = Math.ceil(src.height / 2);
  const dst = createImage(w, h, 4);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) sum += at(src, 2 * i + dx, 2 * j + dy, c);
        dst.data[(j * w + i) * 4 + c] = sum * 0.25;
      }
    }
  }
  return dst;
}

/**
 * Reference of the `up` entry point of shaders/pushpull.wgsl: with w = clamp(c.w, 0, 1),
 * filled = (c.rgb + (1 − w)·P) / max(w + (1 − w), 1e−6), stored as (filled, 1), where P is
 * `parent` sampled bilinearly (clamp-to-edge) at the texel centre of `src`, or grey 0.5 when
 * `parent` is null (the coarsest level). Not rounded to half.
 * @param src [H,W,4] premultiplied (rgb·w, w) at this level
 * @param parent [≈H/2,≈W/2,4] filled colours of the next coarser level, or null at the top
 */
export function pushPullUp(src: FloatImage, parent: FloatImage | null): FloatImage {
  const dst = createImage(src.width, src.height, 4);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const u = (x + 0.5) / src.width;
      const v = (y + 0.5) / src.height;
      const base = (y * src.width + x) * 4;
      const w = Math.min(Math.max(src.data[base + 3]!, 0), 1);
      const rest = 1 - w;
      for (let c = 0; c < 3; c++) {
        const fill = parent ? sampleBilinear(parent, u, v, c) : 0.5;
        dst.data[base + c] = (src.data[base + c]! + rest * fill) / Math.max(w + rest, 1e-6);
      }
      dst.data[base + 3] = 1;
    }
  }
  return dst;
}

/**
 * Reference of the whole push-pull fill as src/gpu/passes/pushPull.ts records it: `down` from
 * the seed to 1×1 (halving, rounding up: pyramidSizes), then `up` from the top back to the base. Every level is
 * rounded to half after each step, as the shader stores every level in rgba16float.
 * @param seed [H,W,4] premultiplied samples (rgb·w, w), w in 0..1 (as held in rgba16float)
 * @returns [H,W,4] (filled colour, 1), rounded to half
 */
export function pushPullReference(seed: FloatImage): FloatImage {
  const downs = [seed];
  for (let top = seed; top.width > 1 || top.height > 1; ) {
    top = roundHalfImage(pushPullDown(top));
    downs.push(top);
  }
  let filled: FloatImage | null = null;
  for (let k = downs.length - 1; k >= 0; k--) filled = roundHalfImage(pushPullUp(downs[k]!, filled));
  return filled!;
}
