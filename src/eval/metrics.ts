/**
 * Matting metrics, with the definitions of ../shared/eval/README.md and the exact
 * computations of ../shared/eval/score_alpha.py.
 *
 * Conventions for every function here:
 * - `a` is the predicted alpha and `g` the ground truth, both in 0..1, as row-major [H,W]
 *   arrays of `width·height` numbers (Float32Array, Float64Array or a plain array).
 * - Arithmetic is in float64. score_alpha.py loads 8-bit mattes as `v / 255` in float64;
 *   pass Float64Array with those values to get the same threshold decisions (a Float32Array
 *   rounds 153/255 up, across `conn`'s 0.6 threshold).
 * - Sizes are checked: a length that differs between `a` and `g`, is zero, or does not equal
 *   `width·height` throws RangeError.
 */

function check(a: ArrayLike<number>, g: ArrayLike<number>): void {
  if (a.length !== g.length) throw new RangeError(`alpha sizes differ: ${a.length} vs ${g.length}`);
  if (a.length === 0) throw new RangeError('empty alpha');
}

function checkImage(a: ArrayLike<number>, g: ArrayLike<number>, width: number, height: number): void {
  check(a, g);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width * height !== a.length) {
    throw new RangeError(`alpha of ${a.length} values is not ${width}×${height}`);
  }
}

/** SAD: Σ|a − g| / 1000. */
export function sad(a: ArrayLike<number>, g: ArrayLike<number>): number {
  check(a, g);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - g[i]!);
  return s / 1000;
}

/** MSE: mean (a − g)² × 1000. */
export function mse(a: ArrayLike<number>, g: ArrayLike<number>): number {
  check(a, g);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - g[i]!) ** 2;
  return (s / a.length) * 1000;
}

/**
 * IoU of the person masks a > 0.5 and g > 0.5.
 * @param empty the value when both masks are empty: 1 by default (they agree);
 *   score_alpha.py (and {@link stillMetrics}) use 0 there (0 / max(1, 0))
 */
export function iou(a: ArrayLike<number>, g: ArrayLike<number>, empty = 1): number {
  check(a, g);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const pa = a[i]! > 0.5;
    const pg = g[i]! > 0.5;
    if (pa && pg) inter++;
    if (pa || pg) union++;
  }
  return union === 0 ? empty : inter / union;
}

// ---------------------------------------------------------------------------------------
// Gaussian-derivative filtering (scipy.ndimage.gaussian_filter with its defaults)

/** Default sigma of the gradient error, in pixels. */
export const GRAD_SIGMA = 1.4;

/**
 * scipy's `_gaussian_kernel1d` for order 0 or 1, indexed by offset x = −radius..radius
 * (entry x + radius): the normalised Gaussian φ(x), or its derivative −x/σ² · φ(x).
 */
function gaussianKernel(sigma: number, order: 0 | 1, radius: number): Float64Array {
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * x * x);
    k[x + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  if (order === 1) for (let x = -radius; x <= radius; x++) k[x + radius] = (-x / (sigma * sigma)) * k[x + radius]!;
  return k;
}

/**
 * Index of sample i of a line of n samples extended by scipy's 'reflect' mode
 * (d c b a | a b c d | d c b a), for any i, including lines shorter than the kernel.
 */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/**
 * One separable pass along x (axis 1) or y (axis 0): scipy's correlate1d with the weights
 * `kernel[::-1]`, i.e. out[i] = Σ_d kernel(−d) · in[reflect(i + d)].
 */
function filterAxis(src: Float64Array, width: number, height: number, kernel: Float64Array, axis: 0 | 1): Float64Array {
  const r = (kernel.length - 1) / 2;
  const out = new Float64Array(src.length);
  // w[d + r] = kernel(−d)
  const w = new Float64Array(kernel.length);
  for (let d = -r; d <= r; d++) w[d + r] = kernel[r - d]!;
  if (axis === 1) {
    const line = new Float64Array(width + 2 * r);
    // The kernels are symmetric (order 0) or antisymmetric (order 1): pair the taps ±d.
    const sign = w[0] === w[2 * r] ? 1 : -1;
    const wc = w[r]!;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let i = -r; i < width + r; i++) line[i + r] = src[row + reflectIndex(i, width)]!;
      for (let x = 0; x < width; x++) {
        const c = x + r;
        let s = wc * line[c]!;
        for (let d = 1; d <= r; d++) s += w[r + d]! * (line[c + d]! + sign * line[c - d]!);
        out[row + x] = s;
      }
    }
  } else {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let j = 0; j < w.length; j++) {
        const wj = w[j]!;
        if (wj === 0) continue;
        const srow = reflectIndex(y + j - r, height) * width;
        for (let x = 0; x < width; x++) out[row + x]! += wj * src[srow + x]!;
      }
    }
  }
  return out;
}

/**
 * Gaussian filter or Gaussian derivative of an image, as
 * `scipy.ndimage.gaussian_filter(x, sigma, order=(orderY, orderX))` with its defaults
 * (mode 'reflect', truncate 4.0 → radius int(4σ + 0.5)).
 * @param x [H,W] image (any units)
 * @param order [order along y (axis 0), order along x (axis 1)], each 0 or 1
 * @returns [H,W] Float64Array; a first derivative is in units of x per pixel
 * @throws RangeError when x is not width×height or sigma is not positive
 */
export function gaussianFilter(x: ArrayLike<number>, width: number, height: number, sigma: number, order: readonly [0 | 1, 0 | 1]): Float64Array {
  checkImage(x, x, width, height);
  if (!(sigma > 0)) throw new RangeError(`sigma must be positive, got ${sigma}`);
  const radius = Math.trunc(4 * sigma + 0.5);
  let img: Float64Array = Float64Array.from(x);
  img = filterAxis(img, width, height, gaussianKernel(sigma, order[0], radius), 0);
  img = filterAxis(img, width, height, gaussianKernel(sigma, order[1], radius), 1);
  return img;
}

/**
 * Gradient magnitude hypot(∂x, ∂y) with Gaussian-derivative filters of scale sigma.
 * @returns [H,W] Float64Array in units of x per pixel
 */
export function gradientMagnitude(x: ArrayLike<number>, width: number, height: number, sigma = GRAD_SIGMA): Float64Array {
  const gx = gaussianFilter(x, width, height, sigma, [0, 1]);
  const gy = gaussianFilter(x, width, height, sigma, [1, 0]);
  // sqrt(x² + y²) rather than Math.hypot: the same to ~1e-16 here and several times faster.
  for (let i = 0; i < gx.length; i++) gx[i] = Math.sqrt(gx[i]! * gx[i]! + gy[i]! * gy[i]!);
  return gx;
}

/**
 * Gradient error: Σ(|∇a| − |∇g|)² / 1000, with Gaussian-derivative filters (σ = 1.4 by default).
 * @returns a non-negative number (alpha² per pixel², summed, ÷ 1000)
 * @throws RangeError on size mismatch
 */
export function grad(a: ArrayLike<number>, g: ArrayLike<number>, width: number, height: number, sigma = GRAD_SIGMA): number {
  checkImage(a, g, width, height);
  const ma = gradientMagnitude(a, width, height, sigma);
  const mg = gradientMagnitude(g, width, height, sigma);
  let s = 0;
  for (let i = 0; i < ma.length; i++) s += (ma[i]! - mg[i]!) ** 2;
  return s / 1000;
}

// ---------------------------------------------------------------------------------------
// Connectivity error

/**
 * Labels the 8-connected components of `mask` and returns the largest one as a mask. Ties go
 * to the component whose first pixel comes first in raster order (scipy.ndimage.label
 * numbers components that way, and numpy.argmax takes the first maximum).
 * @param mask [H,W] 0/1 bytes
 * @returns [H,W] 0/1 bytes; all zero when mask is empty
 */
export function largestComponent(mask: Uint8Array, width: number, height: number): Uint8Array {
  if (mask.length !== width * height) throw new RangeError(`mask of ${mask.length} values is not ${width}×${height}`);
  const parent = new Int32Array(mask.length).fill(-1);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) {
      const next = parent[i]!;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  // Union keeps the smaller index as the root: a root is its component's first raster pixel.
  const union = (i: number, j: number): void => {
    const ri = find(i);
    const rj = find(j);
    if (ri < rj) parent[rj] = ri;
    else if (rj < ri) parent[ri] = rj;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      parent[i] = i;
      if (x > 0 && mask[i - 1]) union(i, i - 1);
      if (y > 0) {
        const up = i - width;
        if (x > 0 && mask[up - 1]) union(i, up - 1);
        if (mask[up]) union(i, up);
        if (x < width - 1 && mask[up + 1]) union(i, up + 1);
      }
    }
  }
  const size = new Int32Array(mask.length);
  let best = -1;
  for (let i = 0; i < mask.length; i++) if (mask[i]) size[find(i)]!++;
  for (let i = 0; i < mask.length; i++) if (parent[i] === i && (best < 0 || size[i]! > size[best]!)) best = i;
  const keep = new Uint8Array(mask.length);
  if (best < 0) return keep;
  for (let i = 0; i < mask.length; i++) if (mask[i] && parent[i] === best) keep[i] = 1;
  return keep;
}

/**
 * Connectivity error / 1000 (Rhemann et al., CVPR 2009), exactly as conn_err in
 * score_alpha.py: for thresholds t_i = i·step (i = 1..1/step), the largest 8-connected
 * component of (a ≥ t_i) ∧ (g ≥ t_i) is kept; each pixel's level l is the last threshold
 * t_{i−1} before it first falls outside the kept component (1 if it never does); then
 * Σ|φ(a) − φ(g)| / 1000 with φ(x) = 1 − d·[d ≥ 0.15], d = x − l.
 * @param step threshold step (0.1)
 * @returns a non-negative number (alpha units summed over pixels ÷ 1000)
 * @throws RangeError on size mismatch
 */
export function conn(a: ArrayLike<number>, g: ArrayLike<number>, width: number, height: number, step = 0.1): number {
  checkImage(a, g, width, height);
  const n = a.length;
  // numpy.arange(0, 1 + step, step): start + i·step, for as long as it stays below the stop.
  const count = Math.ceil((1 + step) / step);
  const ths = Array.from({ length: count }, (_, i) => i * step);
  const lmap = new Float64Array(n).fill(-1);
  const both = new Uint8Array(n);
  for (let i = 1; i < ths.length; i++) {
    const t = ths[i]!;
    for (let p = 0; p < n; p++) both[p] = a[p]! >= t && g[p]! >= t ? 1 : 0;
    const keep = largestComponent(both, width, height);
    for (let p = 0; p < n; p++) if (lmap[p] === -1 && !keep[p]) lmap[p] = ths[i - 1]!;
  }
  let s = 0;
  for (let p = 0; p < n; p++) {
    const l = lmap[p] === -1 ? 1 : lmap[p]!;
    const da = a[p]! - l;
    const dg = g[p]! - l;
    const pa = 1 - (da >= 0.15 ? da : 0);
    const pg = 1 - (dg >= 0.15 ? dg : 0);
    s += Math.abs(pa - pg);
  }
  return s / 1000;
}

// ---------------------------------------------------------------------------------------
// Unknown band

/** Half-width of the unknown band, in pixels. */
export const BAND_PX = 10;

/** Binary dilation by a (2r+1)² square; pixels outside the image count as false. */
function dilateSquare(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    // last set pixel at or before x + r
    let last = -Infinity;
    for (let x = 0; x < Math.min(r, width); x++) if (mask[row + x]) last = x;
    for (let x = 0; x < width; x++) {
      if (x + r < width && mask[row + x + r]) last = x + r;
      rows[row + x] = last >= x - r ? 1 : 0;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let last = -Infinity;
    for (let y = 0; y < Math.min(r, height); y++) if (rows[y * width + x]) last = y;
    for (let y = 0; y < height; y++) {
      if (y + r < height && rows[(y + r) * width + x]) last = y + r;
      out[y * width + x] = last >= y - r ? 1 : 0;
    }
  }
  return out;
}

/**
 * The unknown band of a ground truth: pixels within `px` pixels (Chebyshev distance, a
 * (2px+1)² square) of some g > 0 and of some g < 1, as score_alpha.py's band() computes it
 * with scipy.ndimage.binary_dilation (outside the image counts as false).
 * @param g [H,W] ground-truth alpha in 0..1
 * @returns [H,W] 0/1 bytes
 * @throws RangeError when g is not width×height or px is negative
 */
export function bandMask(g: ArrayLike<number>, width: number, height: number, px = BAND_PX): Uint8Array {
  checkImage(g, g, width, height);
  if (!Number.isInteger(px) || px < 0) throw new RangeError(`band width must be a non-negative integer, got ${px}`);
  const fg = new Uint8Array(g.length);
  const bg = new Uint8Array(g.length);
  for (let i = 0; i < g.length; i++) {
    fg[i] = g[i]! > 0 ? 1 : 0;
    bg[i] = g[i]! < 1 ? 1 : 0;
  }
  const fgAny = dilateSquare(fg, width, height, px);
  const bgAny = dilateSquare(bg, width, height, px);
  for (let i = 0; i < fgAny.length; i++) fgAny[i]! &= bgAny[i]!;
  return fgAny;
}

/**
 * SAD inside the unknown band: Σ_{band}|a − g| / 1000.
 * @param band a precomputed bandMask(g) (optional)
 * @throws RangeError on size mismatch
 */
export function bandSad(a: ArrayLike<number>, g: ArrayLike<number>, width: number, height: number, band?: Uint8Array): number {
  checkImage(a, g, width, height);
  const b = band ?? bandMask(g, width, height);
  if (b.length !== a.length) throw new RangeError(`band of ${b.length} values is not ${width}×${height}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) if (b[i]) s += Math.abs(a[i]! - g[i]!);
  return s / 1000;
}

// ---------------------------------------------------------------------------------------
// Temporal coherence

/**
 * One dtSSD term between consecutive frames: sqrt(mean(((a − aPrev) − (g − gPrev))²)) × 100.
 * @throws RangeError when the four frames are not all of one size
 */
export function dtssdStep(a: ArrayLike<number>, aPrev: ArrayLike<number>, g: ArrayLike<number>, gPrev: ArrayLike<number>): number {
  check(a, g);
  check(aPrev, gPrev);
  check(a, aPrev);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - aPrev[i]! - (g[i]! - gPrev[i]!)) ** 2;
  return Math.sqrt(s / a.length) * 100;
}

/**
 * dtSSD of a clip (Lin et al., Robust Video Matting): the mean over t = 1..T−1 of
 * dtssdStep(a_t, a_{t−1}, g_t, g_{t−1}). Lower is steadier.
 * @param a predicted frames in order, each [H,W]
 * @param g ground-truth frames in order, same count and size
 * @returns NaN for fewer than two frames (no frame pair)
 * @throws RangeError when the frame counts or sizes differ
 */
export function dtssd(a: readonly ArrayLike<number>[], g: readonly ArrayLike<number>[]): number {
  if (a.length !== g.length) throw new RangeError(`frame counts differ: ${a.length} vs ${g.length}`);
  if (a.length < 2) return Number.NaN;
  let s = 0;
  for (let t = 1; t < a.length; t++) s += dtssdStep(a[t]!, a[t - 1]!, g[t]!, g[t - 1]!);
  return s / (a.length - 1);
}

// ---------------------------------------------------------------------------------------
// Per-image bundles, with score_alpha.py's keys

/** Metrics of one still, with score_alpha.py's keys. */
export interface StillMetrics {
  sad: number;
  mse: number;
  grad: number;
  conn: number;
  band_sad: number;
  iou: number;
}

/** Metrics score_alpha.py computes per clip frame. */
export interface FrameMetrics {
  sad: number;
  mse: number;
  band_sad: number;
}

/**
 * Every still metric of score_alpha.py (its IoU of two empty masks is 0).
 * @param a predicted alpha [H,W] in 0..1
 * @param g ground-truth alpha [H,W] in 0..1
 * @throws RangeError on size mismatch
 */
export function stillMetrics(a: ArrayLike<number>, g: ArrayLike<number>, width: number, height: number): StillMetrics {
  checkImage(a, g, width, height);
  return {
    sad: sad(a, g),
    mse: mse(a, g),
    grad: grad(a, g, width, height),
    conn: conn(a, g, width, height),
    band_sad: bandSad(a, g, width, height),
    iou: iou(a, g, 0),
  };
}

/**
 * The per-frame metrics score_alpha.py averages over a clip: sad, mse, band_sad.
 * @throws RangeError on size mismatch
 */
export function frameMetrics(a: ArrayLike<number>, g: ArrayLike<number>, width: number, height: number): FrameMetrics {
  checkImage(a, g, width, height);
  return { sad: sad(a, g), mse: mse(a, g), band_sad: bandSad(a, g, width, height) };
}
