/**
 * Pillow's `Image.resize(size, Image.BILINEAR)` for 8-bit grey ('L') images, bit for bit
 * (Pillow ≥ 7, libImaging/Resample.c): a separable triangle filter whose support grows
 * with the downscale factor (so downscaling is antialiased), fixed-point coefficients
 * with 22 fractional bits, horizontal pass first, each pass rounded and clipped to 0..255.
 * score_alpha.py resizes a prediction of the wrong size this way before scoring it.
 */

const PRECISION_BITS = 32 - 8 - 2;

/** Per output sample: the first input sample, how many follow, and fixed-point weights. */
interface Coeffs {
  ksize: number;
  bounds: Int32Array;
  weights: Int32Array;
}

function bilinear(x: number): number {
  const ax = Math.abs(x);
  return ax < 1 ? 1 - ax : 0;
}

/** precompute_coeffs + normalize_coeffs_8bpc of Resample.c for the whole input range. */
function precompute(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bilinear((x + xmin - center + 0.5) * ss);
      ww += k[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      weights[xx * ksize + x] = Math.trunc((w < 0 ? -0.5 : 0.5) + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(v: number): number {
  if (v >= 1 << PRECISION_BITS << 8) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / (1 << PRECISION_BITS));
}

/**
 * Resizes an 8-bit grey image as Pillow's BILINEAR resize does.
 * @param src [H,W] bytes, row-major
 * @returns [outHeight, outWidth] bytes (a copy when the size is unchanged)
 * @throws RangeError for a size that is not a positive integer or does not match src
 */
export function resizeBilinearPil(src: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  for (const [name, v] of [['width', width], ['height', height], ['outWidth', outWidth], ['outHeight', outHeight]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  if (src.length !== width * height) throw new RangeError(`image of ${src.length} bytes is not ${width}×${height}`);
  let img = src;
  let w = width;
  const half = 1 << (PRECISION_BITS - 1);
  if (outWidth !== width) {
    const c = precompute(width, outWidth);
    const out = new Uint8Array(outWidth * height);
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = c.bounds[xx * 2]!;
        const xmax = c.bounds[xx * 2 + 1]!;
        let ss = half;
        for (let x = 0; x < xmax; x++) ss += img[row + x + xmin]! * c.weights[xx * c.ksize + x]!;
        out[y * outWidth + xx] = clip8(ss);
      }
    }
    img = out;
    w = outWidth;
  }
  if (outHeight !== height) {
    const c = precompute(height, outHeight);
    const out = new Uint8Array(w * outHeight);
    for (let yy = 0; yy < outHeight; yy++) {
      const ymin = c.bounds[yy * 2]!;
      const ymax = c.bounds[yy * 2 + 1]!;
      for (let x = 0; x < w; x++) {
        let ss = half;
        for (let y = 0; y < ymax; y++) ss += img[(y + ymin) * w + x]! * c.weights[yy * c.ksize + y]!;
        out[yy * w + x] = clip8(ss);
      }
    }
    img = out;
  }
  return img === src ? src.slice() : img;
}
