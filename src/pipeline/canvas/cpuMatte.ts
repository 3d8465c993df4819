// The Canvas 2D path's matte, computed on the CPU in the worker with typed arrays: the WebGPU
// pipeline's edge-aware steps without a GPU (see CpuMatte).
import type { Rect } from '../../types/geometry';
import type { CoarseMask } from '../../types/network';

/** Parameters of the CPU matte. */
export interface CpuMatteParams {
  /**
   * The guided filter's coefficients are computed on `scale`×`scale` blocks of the matte (the
   * fast guided filter: He and Sun, "Fast Guided Filter", 2015) and interpolated back; 1 is the
   * plain guided filter, as the WebGPU refiner computes it.
   */
  scale: number;
  /** Guided-filter radius in blocks of `scale` pixels (window (2r+1)² blocks). */
  radius: number;
  /** Guided-filter regulariser ε (RGB in 0..1). */
  epsilon: number;
  /** Prior sharpening: smoothstep(lo, hi, p), as the WebGPU upsampling's (shaders/upsample_mask.wgsl). */
  sharpen: readonly [number, number];
  /** Width of the ROI mask's blend into the whole-frame one at ROI edges inside the frame, matte pixels. */
  feather: number;
  /** σ of the temporal smoothing's frame-difference test, RGB units (as the WebGPU path's TEMPORAL_SIGMA). */
  temporalSigma: number;
}

/**
 * A block whose filtered pixels are all within this of 0 (or 1) is filled with 0 (or 1): half
 * a step of the 8-bit matte, so its bytes are the same; the float32 sums leave ā ~1e-4 off 0
 * inside uniform regions, which a tighter bound would not tolerate.
 */
const FLAT_TOLERANCE = 0.5 / 255;
/** A block state: filled with the same value as in the last frame, so nothing to write. */
const SAME = 3;

/**
 * Defaults: coefficients on 2×2 blocks with a radius of 2 blocks (a 10-pixel window at the
 * matte's size, as the WebGPU refiner's 9-pixel one), ε = 1e-3 (DEFAULT_REFINE_PARAMS), the
 * upsampling's smoothstep(0.3, 0.7), σ = 0.03 (TEMPORAL_SIGMA).
 */
export const DEFAULT_CPU_MATTE_PARAMS: CpuMatteParams = { scale: 2, radius: 2, epsilon: 1e-5, sharpen: [0.3, 0.7], feather: 4, temporalSigma: 0.03 };

/**
 * Box sums with edges replicated: dst[y,x] = Σ src over the (2r+1)² window around (x, y), the
 * window's pixels outside the image taken from the nearest edge pixel (as the shaders' clamped
 * loads). `tmp` holds the horizontal pass; both have w·h entries.
 */
export function boxSum(src: Float32Array, w: number, h: number, r: number, dst: Float32Array, tmp: Float32Array): void {
  // Horizontal: a running sum along each row, its ends (where the window leaves the row) apart.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const end = row + w - 1;
    let s = 0;
    for (let j = -r; j <= r; j++) s += src[row + Math.min(Math.max(j, 0), w - 1)]!;
    let x = 0;
    for (; x <= r && x < w; x++) {
      tmp[row + x] = s;
      s += src[Math.min(row + x + r + 1, end)]! - src[row]!;
    }
    for (; x < w - r - 1; x++) {
      tmp[row + x] = s;
      s += src[row + x + r + 1]! - src[row + x - r]!;
    }
    for (; x < w; x++) {
      tmp[row + x] = s;
      s += src[end]! - src[Math.max(row + x - r, row)]!;
    }
  }
  // Vertical: whole rows at a time (a running row of sums), so memory is read in order.
  const sum = new Float32Array(w);
  for (let j = -r; j <= r; j++) {
    const row = Math.min(Math.max(j, 0), h - 1) * w;
    for (let x = 0; x < w; x++) sum[x]! += tmp[row + x]!;
  }
  for (let y = 0; y < h; y++) {
    const out = y * w;
    const add = Math.min(y + r + 1, h - 1) * w;
    const drop = Math.max(y - r, 0) * w;
    for (let x = 0; x < w; x++) {
      const v = sum[x]!;
      dst[out + x] = v;
      sum[x] = v + tmp[add + x]! - tmp[drop + x]!;
    }
  }
}

/** The weight of the ROI mask at matte pixel centre (px, py): 1 inside, falling to 0 over `feather` pixels at ROI edges that are not the frame's. */
function roiWeight(roi: Rect, px: number, py: number, width: number, height: number, feather: number): number {
  const big = 1e9;
  const dl = roi.x <= 0 ? big : px - roi.x;
  const dt = roi.y <= 0 ? big : py - roi.y;
  const dr = roi.x + roi.width >= width ? big : roi.x + roi.width - px;
  const db = roi.y + roi.height >= height ? big : roi.y + roi.height - py;
  return Math.min(Math.max(Math.min(dl, dr, dt, db) / feather, 0), 1);
}

/** Bilinear sample of a coarse mask at (u, v) in 0..1 of its extent (texel centres at (i + 0.5)/size; edges clamped). */
function sampleMask(mask: CoarseMask, u: number, v: number): number {
  const x = u * mask.width - 0.5;
  const y = v * mask.height - 0.5;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const cx0 = Math.min(Math.max(x0, 0), mask.width - 1);
  const cx1 = Math.min(Math.max(x0 + 1, 0), mask.width - 1);
  const cy0 = Math.min(Math.max(y0, 0), mask.height - 1) * mask.width;
  const cy1 = Math.min(Math.max(y0 + 1, 0), mask.height - 1) * mask.width;
  const p = mask.pha;
  const top = p[cy0 + cx0]! + fx * (p[cy0 + cx1]! - p[cy0 + cx0]!);
  const bottom = p[cy1 + cx0]! + fx * (p[cy1 + cx1]! - p[cy1 + cx0]!);
  return top + fy * (bottom - top);
}

/** smoothstep(lo, hi, x). */
function smoothstep(lo: number, hi: number, x: number): number {
  const t = Math.min(Math.max((x - lo) / (hi - lo), 0), 1);
  return t * t * (3 - 2 * t);
}

/**
 * The segmentation prior on a w×h grid over the frame (cell centres): the whole-frame mask and,
 * inside the region of interest, the ROI's mask blended in over `feather` cells at its inner
 * edges — sampled bilinearly (the WebGPU path samples them with a joint bilateral filter:
 * shaders/upsample_mask.wgsl) — then sharpened with smoothstep(sharpen).
 * @param roi the ROI in grid cells, or null
 * @param out w·h entries, 0..1
 */
export function priorOnGrid(full: CoarseMask, roi: { rect: Rect; mask: CoarseMask } | null, w: number, h: number, params: Pick<CpuMatteParams, 'sharpen' | 'feather'>, out: Float32Array): void {
  const [lo, hi] = params.sharpen;
  for (let y = 0; y < h; y++) {
    const py = y + 0.5;
    for (let x = 0; x < w; x++) {
      const px = x + 0.5;
      const k = roi ? roiWeight(roi.rect, px, py, w, h, params.feather) : 0;
      let a = 0;
      if (k > 0) a = k * sampleMask(roi!.mask, (px - roi!.rect.x) / roi!.rect.width, (py - roi!.rect.y) / roi!.rect.height);
      if (k < 1) a += (1 - k) * sampleMask(full, px / w, py / h);
      out[y * w + x] = smoothstep(lo, hi, a);
    }
  }
}

/** exp(−x) for x = i / RANGE_STEPS, i = 0 … RANGE_STEPS·RANGE_MAX (the range weights' exponent, clamped at RANGE_MAX). */
const RANGE_STEPS = 256;
const RANGE_MAX = 12;
const EXP_TABLE = Float32Array.from({ length: RANGE_STEPS * RANGE_MAX + 1 }, (_, i) => Math.exp(-i / RANGE_STEPS));

/** jointBilateral's spatial weights of its 4 tap columns and rows (scratch, overwritten by each call). */
const TAP_WEIGHTS_X = new Float64Array(4);
const TAP_WEIGHTS_Y = new Float64Array(4);

/** A coarse mask with, per texel, the guide's mean colour over the 2×2 pixels at its centre (0..1). */
interface GuidedMask {
  mask: CoarseMask;
  /** The mask's extent in matte pixels. */
  rect: Rect;
  /** r, g, b per texel. */
  colour: Float32Array;
}

/** The guide's colour at each texel centre of `mask` laid over `rect` (matte pixels): the mean of the 2×2 pixels there. */
function guidedMask(mask: CoarseMask, rect: Rect, guide: Uint32Array, W: number, H: number, colour: Float32Array): GuidedMask {
  for (let qy = 0; qy < mask.height; qy++) {
    const gy = Math.min(Math.max(Math.floor(rect.y + ((qy + 0.5) * rect.height) / mask.height - 0.5), 0), H - 2);
    for (let qx = 0; qx < mask.width; qx++) {
      const gx = Math.min(Math.max(Math.floor(rect.x + ((qx + 0.5) * rect.width) / mask.width - 0.5), 0), W - 2);
      const k = gy * W + gx;
      const a = guide[k]!;
      const b = guide[k + 1]!;
      const c = guide[k + W]!;
      const d = guide[k + W + 1]!;
      const o = (qy * mask.width + qx) * 3;
      colour[o] = ((a & 255) + (b & 255) + (c & 255) + (d & 255)) / 1020;
      colour[o + 1] = (((a >>> 8) & 255) + ((b >>> 8) & 255) + ((c >>> 8) & 255) + ((d >>> 8) & 255)) / 1020;
      colour[o + 2] = (((a >>> 16) & 255) + ((b >>> 16) & 255) + ((c >>> 16) & 255) + ((d >>> 16) & 255)) / 1020;
    }
  }
  return { mask, rect, colour };
}

/**
 * The joint bilateral upsampling of a coarse mask at one matte position (Kopf et al., "Joint
 * Bilateral Upsampling", 2007; as shaders/upsample_mask.wgsl): the 4×4 mask texels around it,
 * weighted by exp(−d²/2σs²) (d in texels, σs = 1) · max(exp(−|I(q) − I|²/2σr²), 1e-4) (σr = 0.1),
 * where I is the colour at the position and I(q) the guide's colour at texel q's centre (the
 * shader reads the network's own low-resolution input there). The range exponential from a
 * table (steps of 1/256).
 * @param px, py the position in matte pixels
 */
function jointBilateral(g: GuidedMask, px: number, py: number, r: number, gr: number, b: number): number {
  const { mask, rect, colour } = g;
  const mx = ((px - rect.x) * mask.width) / rect.width - 0.5;
  const my = ((py - rect.y) * mask.height) / rect.height - 0.5;
  const bx = Math.floor(mx);
  const by = Math.floor(my);
  const fx = mx - bx;
  const fy = my - by;
  // Spatial weights are separable: exp(−dx²/2)·exp(−dy²/2), taps at offsets −1..2 (module scratch: no allocation per call).
  const wxs = TAP_WEIGHTS_X;
  const wys = TAP_WEIGHTS_Y;
  for (let t = 0; t < 4; t++) {
    wxs[t] = Math.exp(-((t - 1 - fx) ** 2) / 2);
    wys[t] = Math.exp(-((t - 1 - fy) ** 2) / 2);
  }
  const maxIndex = EXP_TABLE.length - 1;
  // 1 / (2σr²) with σr = 0.1, in table steps.
  const scale = 50 * RANGE_STEPS;
  let sum = 0;
  let wsum = 0;
  for (let dy = 0; dy < 4; dy++) {
    const qy = Math.min(Math.max(by + dy - 1, 0), mask.height - 1) * mask.width;
    const wy = wys[dy]!;
    for (let dx = 0; dx < 4; dx++) {
      const q = qy + Math.min(Math.max(bx + dx - 1, 0), mask.width - 1);
      const dr = colour[q * 3]! - r;
      const dg = colour[q * 3 + 1]! - gr;
      const db = colour[q * 3 + 2]! - b;
      const index = Math.min((dr * dr + dg * dg + db * db) * scale, maxIndex) | 0;
      const range = EXP_TABLE[index]!;
      const wgt = wy * wxs[dx]! * (range > 1e-4 ? range : 1e-4);
      sum += wgt * mask.pha[q]!;
      wsum += wgt;
    }
  }
  return Math.min(Math.max(sum / wsum, 0), 1);
}

/**
 * Re-samples the prior with the joint bilateral filter where it is not constant (within 2 cells
 * of a change), so its edge follows the frame's colours there as the WebGPU upsampling's does;
 * elsewhere the bilinear prior (all 0 or all 1) stays. Cells of the block grid (`s` pixels).
 * @param colours scratch for the texel colours: 3 per texel of the larger mask, twice
 */
function jointBilateralPrior(
  prior: Float32Array,
  w: number,
  h: number,
  s: number,
  guide: Uint8ClampedArray,
  W: number,
  H: number,
  full: CoarseMask,
  roi: { rect: Rect; mask: CoarseMask } | null,
  params: Pick<CpuMatteParams, 'sharpen' | 'feather'>,
  sb: SparseBuffers,
  colours: [Float32Array, Float32Array],
): void {
  const edge = sb.edge;
  let any = false;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * w + x;
      const v = prior[k]!;
      const e = (v !== 0 && v !== 1) || (x + 1 < w && prior[k + 1] !== v) || (y + 1 < h && prior[k + w] !== v) || (x > 0 && prior[k - 1] !== v) || (y > 0 && prior[k - w] !== v);
      edge[k] = e ? 1 : 0;
      any ||= e;
    }
  }
  if (!any) return;
  dilate(edge, w, h, 2, sb.near, sb.scratch);
  const pixels = new Uint32Array(guide.buffer, guide.byteOffset, W * H);
  const wholeMask = guidedMask(full, { x: 0, y: 0, width: W, height: H }, pixels, W, H, colours[0]);
  const roiMask = roi ? guidedMask(roi.mask, roi.rect, pixels, W, H, colours[1]) : null;
  const [lo, hi] = params.sharpen;
  for (let k = 0; k < w * h; k++) {
    if (!sb.near[k]) continue;
    const cx = k % w;
    const cy = (k - cx) / w;
    const x0 = cx * s;
    const y0 = cy * s;
    const x1 = Math.min(x0 + s, W);
    const y1 = Math.min(y0 + s, H);
    let r = 0;
    let g = 0;
    let b = 0;
    for (let y = y0; y < y1; y++) {
      for (let q = y * W + x0; q < y * W + x1; q++) {
        const v = pixels[q]!;
        r += v & 255;
        g += (v >>> 8) & 255;
        b += (v >>> 16) & 255;
      }
    }
    const n = 255 * (x1 - x0) * (y1 - y0);
    const px = (x0 + x1) / 2;
    const py = (y0 + y1) / 2;
    const wRoi = roiMask ? roiWeight(roiMask.rect, px, py, W, H, params.feather) : 0;
    let a = 0;
    if (wRoi > 0) a = wRoi * jointBilateral(roiMask!, px, py, r / n, g / n, b / n);
    if (wRoi < 1) a += (1 - wRoi) * jointBilateral(wholeMask, px, py, r / n, g / n, b / n);
    prior[k] = smoothstep(lo, hi, a);
  }
}

/** Scratch of mattePrior: the sparse masks and the texel colours. */
export class PriorScratch {
  sparse: SparseBuffers | null = null;
  colours: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
}

/**
 * The matte's prior on the block grid (w×h cells of `scale` pixels): the segmenter's masks
 * (whole frame and ROI, blended as the WebGPU upsampling blends them) sampled bilinearly
 * (priorOnGrid) and, within 2 cells of any change, with the joint bilateral filter guided by
 * the frame (jointBilateralPrior); sharpened with smoothstep(sharpen).
 * @param roi the ROI's mask and rectangle in matte pixels, or null
 * @param out w·h entries, 0..1
 */
export function mattePrior(
  guide: Uint8ClampedArray,
  W: number,
  H: number,
  full: CoarseMask,
  roi: { rect: Rect; mask: CoarseMask } | null,
  params: Pick<CpuMatteParams, 'scale' | 'sharpen' | 'feather'>,
  out: Float32Array,
  scratch: PriorScratch = new PriorScratch(),
): void {
  const s = params.scale;
  const w = Math.ceil(W / s);
  const h = Math.ceil(H / s);
  const gridRoi = roi ? { mask: roi.mask, rect: { x: roi.rect.x / s, y: roi.rect.y / s, width: roi.rect.width / s, height: roi.rect.height / s } } : null;
  priorOnGrid(full, gridRoi, w, h, { sharpen: params.sharpen, feather: params.feather / s }, out);
  if (!scratch.sparse || scratch.sparse.n !== w * h) scratch.sparse = new SparseBuffers(w * h);
  const texels = Math.max(full.width * full.height, roi ? roi.mask.width * roi.mask.height : 0) * 3;
  if (scratch.colours[0].length < texels) scratch.colours = [new Float32Array(texels), new Float32Array(texels)];
  jointBilateralPrior(out, w, h, s, guide, W, H, full, roi, params, scratch.sparse, scratch.colours);
}

/** Scratch buffers of the guided filter for one size. */
class FilterBuffers {
  readonly n: number;
  /** I (3), p, Ip (3), II (6), then ā (3) and b̄: 17 planes of the block grid; box sums are taken in place. */
  readonly planes: Float32Array[];
  readonly tmp: Float32Array;
  /** Per pixel column: the block columns either side and the weight of the right one. */
  columns: { c0: Int32Array; c1: Int32Array; t: Float32Array } | null = null;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.n = w * h;
    this.planes = Array.from({ length: 17 }, () => new Float32Array(this.n));
    this.tmp = new Float32Array(this.n);
  }
}

/**
 * The guided filter's linear model of one window (He et al.): from the window's means of I
 * (r, g, b), p, I·p and the products of I's channels, a = (Σ + εU)⁻¹ cov(I, p) (Σ the colour
 * covariance, inverted by its adjugate: it is symmetric) and b = p̄ − a·Ī, written to the four
 * planes at k.
 */
function solveWindow(
  mR: number, mG: number, mB: number, mP: number,
  mRP: number, mGP: number, mBP: number,
  mRR: number, mRG: number, mRB: number, mGG: number, mGB: number, mBB: number,
  eps: number, aR: Float32Array, aG: Float32Array, aB: Float32Array, bC: Float32Array, k: number,
): void {
  const cR = mRP - mR * mP;
  const cG = mGP - mG * mP;
  const cB = mBP - mB * mP;
  const a00 = mRR - mR * mR + eps;
  const a01 = mRG - mR * mG;
  const a02 = mRB - mR * mB;
  const a11 = mGG - mG * mG + eps;
  const a12 = mGB - mG * mB;
  const a22 = mBB - mB * mB + eps;
  const i00 = a11 * a22 - a12 * a12;
  const i01 = a02 * a12 - a01 * a22;
  const i02 = a01 * a12 - a02 * a11;
  const i11 = a00 * a22 - a02 * a02;
  const i12 = a01 * a02 - a00 * a12;
  const i22 = a00 * a11 - a01 * a01;
  const id = 1 / (a00 * i00 + a01 * i01 + a02 * i02);
  const xR = (i00 * cR + i01 * cG + i02 * cB) * id;
  const xG = (i01 * cR + i11 * cG + i12 * cB) * id;
  const xB = (i02 * cR + i12 * cG + i22 * cB) * id;
  aR[k] = xR;
  aG[k] = xG;
  aB[k] = xB;
  bC[k] = mP - xR * mR - xG * mG - xB * mB;
}

/**
 * The guided filter's mean coefficients on the block grid (see fastGuidedFilter): planes ā_r,
 * ā_g, ā_b (for guide bytes: scaled by 1/255) and b̄; interpolated bilinearly to a pixel, they
 * give q = ā·I + b̄. Also sets b.columns (the interpolation's weights along x).
 */
function guidedCoefficients(guide: Uint8ClampedArray, W: number, H: number, prior: Float32Array, params: Pick<CpuMatteParams, 'scale' | 'radius' | 'epsilon'>, b: FilterBuffers): Float32Array[] {
  const s = params.scale;
  const { w, h } = b;
  const [iR, iG, iB, p, ipR, ipG, ipB, rr, rg, rb, gg, gb, bb, aR, aG, aB, bC] = b.planes as [
    Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array,
    Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array,
  ];
  // Block means of the guide (partial blocks at the right and bottom edges averaged over what they hold):
  // row by row into per-block sums, each pixel one 32-bit load (RGBA bytes, little-endian).
  const inv255 = 1 / 255;
  const pixels = new Uint32Array(guide.buffer, guide.byteOffset, W * H);
  for (let by = 0; by < h; by++) {
    const y0 = by * s;
    const y1 = Math.min(y0 + s, H);
    iR.fill(0, by * w, by * w + w);
    iG.fill(0, by * w, by * w + w);
    iB.fill(0, by * w, by * w + w);
    for (let y = y0; y < y1; y++) {
      let k = y * W;
      for (let bx = 0; bx < w; bx++) {
        const end = Math.min(k + s, (y + 1) * W);
        let r = 0;
        let g = 0;
        let bl = 0;
        for (; k < end; k++) {
          const v = pixels[k]!;
          r += v & 255;
          g += (v >>> 8) & 255;
          bl += (v >>> 16) & 255;
        }
        const c = by * w + bx;
        iR[c]! += r;
        iG[c]! += g;
        iB[c]! += bl;
      }
    }
    for (let bx = 0; bx < w; bx++) {
      const k = by * w + bx;
      const norm = inv255 / ((y1 - y0) * (Math.min(bx * s + s, W) - bx * s));
      const R = iR[k]! * norm;
      const G = iG[k]! * norm;
      const B = iB[k]! * norm;
      const P = prior[k]!;
      iR[k] = R;
      iG[k] = G;
      iB[k] = B;
      p[k] = P;
      ipR[k] = R * P;
      ipG[k] = G * P;
      ipB[k] = B * P;
      rr[k] = R * R;
      rg[k] = R * G;
      rb[k] = R * B;
      gg[k] = G * G;
      gb[k] = G * B;
      bb[k] = B * B;
    }
  }
  const r = params.radius;
  for (const plane of [iR, iG, iB, p, ipR, ipG, ipB, rr, rg, rb, gg, gb, bb]) boxSum(plane, w, h, r, plane, b.tmp);
  const inv = 1 / ((2 * r + 1) * (2 * r + 1));
  const eps = params.epsilon;
  for (let k = 0; k < b.n; k++) {
    solveWindow(iR[k]! * inv, iG[k]! * inv, iB[k]! * inv, p[k]! * inv, ipR[k]! * inv, ipG[k]! * inv, ipB[k]! * inv,
      rr[k]! * inv, rg[k]! * inv, rb[k]! * inv, gg[k]! * inv, gb[k]! * inv, bb[k]! * inv, eps, aR, aG, aB, bC, k);
  }
  const planes = [aR, aG, aB, bC];
  for (const plane of planes) boxSum(plane, w, h, r, plane, b.tmp);
  // Means, and ā scaled for guide bytes (0..255).
  const scaleA = inv * inv255;
  for (let k = 0; k < b.n; k++) {
    aR[k] = aR[k]! * scaleA;
    aG[k] = aG[k]! * scaleA;
    aB[k] = aB[k]! * scaleA;
    bC[k] = bC[k]! * inv;
  }
  if (!b.columns || b.columns.c0.length !== W) b.columns = axisWeights(W, s, w);
  return planes;
}

/** Grid masks and index lists of sparseCoefficients, for one grid size. */
class SparseBuffers {
  /** Cells whose prior differs from a neighbour's or is neither 0 nor 1. */
  readonly edge: Uint8Array;
  /** Cells whose own window is not constant (edge dilated by r), and whose mean coefficients are not trivial (dilated by 2r). */
  readonly own: Uint8Array;
  readonly near: Uint8Array;
  readonly scratch: Uint8Array;
  readonly ownList: Int32Array;
  readonly nearList: Int32Array;
  constructor(readonly n: number) {
    this.edge = new Uint8Array(n);
    this.own = new Uint8Array(n);
    this.near = new Uint8Array(n);
    this.scratch = new Uint8Array(n);
    this.ownList = new Int32Array(n);
    this.nearList = new Int32Array(n);
  }
}

/** dst = src dilated by a (2r+1)² square on the w×h grid (edges clamped); `tmp` the row pass. Running counts of set cells. */
function dilate(src: Uint8Array, w: number, h: number, r: number, dst: Uint8Array, tmp: Uint8Array): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let count = 0;
    for (let j = 0; j <= Math.min(r, w - 1); j++) count += src[row + j]!;
    for (let x = 0; x < w; x++) {
      tmp[row + x] = count > 0 ? 1 : 0;
      if (x + r + 1 < w) count += src[row + x + r + 1]!;
      if (x - r >= 0) count -= src[row + x - r]!;
    }
  }
  const count = new Int32Array(w);
  for (let j = 0; j <= Math.min(r, h - 1); j++) for (let x = 0; x < w; x++) count[x]! += tmp[j * w + x]!;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const add = (y + r + 1) * w;
    const drop = (y - r) * w;
    for (let x = 0; x < w; x++) {
      dst[row + x] = count[x]! > 0 ? 1 : 0;
      if (y + r + 1 < h) count[x]! += tmp[add + x]!;
      if (y - r >= 0) count[x]! -= tmp[drop + x]!;
    }
  }
}

/**
 * guidedCoefficients, computed only where they are not trivial: a cell whose window of the
 * prior is constant has a = 0 and b = p, and a cell all of whose neighbours within r have that
 * has ā = 0 and b̄ = p — exactly what the full computation gives there. So the guide's block
 * means are taken near the prior's edges only (within 2r cells), the window sums by direct
 * loops there, as the GPU refiner works on the tiles it selected. Same planes and columns as
 * guidedCoefficients (test/unit/cpuMatte.test.ts compares them).
 */
function sparseCoefficients(
  guide: Uint8ClampedArray,
  W: number,
  H: number,
  prior: Float32Array,
  params: Pick<CpuMatteParams, 'scale' | 'radius' | 'epsilon'>,
  b: FilterBuffers,
  sb: SparseBuffers,
): Float32Array[] {
  const s = params.scale;
  const r = params.radius;
  const { w, h } = b;
  const [iR, iG, iB, , , , , , , , , , , aR, aG, aB, bC] = b.planes as Float32Array[] as [
    Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array,
    Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array,
  ];
  // Where the prior is not constant.
  const edge = sb.edge;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * w + x;
      const v = prior[k]!;
      let e = v !== 0 && v !== 1 ? 1 : 0;
      if (e === 0 && x + 1 < w && prior[k + 1] !== v) e = 1;
      if (e === 0 && y + 1 < h && prior[k + w] !== v) e = 1;
      if (e === 0 && x > 0 && prior[k - 1] !== v) e = 1;
      if (e === 0 && y > 0 && prior[k - w] !== v) e = 1;
      edge[k] = e;
    }
  }
  dilate(edge, w, h, r, sb.own, sb.scratch);
  dilate(sb.own, w, h, r, sb.near, sb.scratch);
  let nOwn = 0;
  let nNear = 0;
  for (let k = 0; k < w * h; k++) {
    if (sb.own[k]) sb.ownList[nOwn++] = k;
    if (sb.near[k]) sb.nearList[nNear++] = k;
    else {
      aR[k] = 0;
      aG[k] = 0;
      aB[k] = 0;
      bC[k] = prior[k]!;
    }
  }
  // Block means of the guide where the windows of `own` cells reach (the `near` cells), 0..1.
  const inv255 = 1 / 255;
  const pixels = new Uint32Array(guide.buffer, guide.byteOffset, W * H);
  for (let i = 0; i < nNear; i++) {
    const k = sb.nearList[i]!;
    const bx = k % w;
    const by = (k - bx) / w;
    const x0 = bx * s;
    const x1 = Math.min(x0 + s, W);
    const y0 = by * s;
    const y1 = Math.min(y0 + s, H);
    let sr = 0;
    let sg = 0;
    let sbl = 0;
    for (let y = y0; y < y1; y++) {
      for (let q = y * W + x0, end = y * W + x1; q < end; q++) {
        const v = pixels[q]!;
        sr += v & 255;
        sg += (v >>> 8) & 255;
        sbl += (v >>> 16) & 255;
      }
    }
    const norm = inv255 / ((y1 - y0) * (x1 - x0));
    iR[k] = sr * norm;
    iG[k] = sg * norm;
    iB[k] = sbl * norm;
  }
  // a, b of each `own` cell's window (edges replicated), into the ā planes for now; trivial elsewhere in `near`.
  const count = (2 * r + 1) * (2 * r + 1);
  const inv = 1 / count;
  const eps = params.epsilon;
  const winA = b.planes[4]!;
  const winG = b.planes[5]!;
  const winB = b.planes[6]!;
  const winC = b.planes[7]!;
  for (let k = 0; k < w * h; k++) {
    if (sb.own[k]) continue;
    winA[k] = 0;
    winG[k] = 0;
    winB[k] = 0;
    winC[k] = prior[k]!;
  }
  for (let i = 0; i < nOwn; i++) {
    const k = sb.ownList[i]!;
    const bx = k % w;
    const by = (k - bx) / w;
    let sR = 0, sG = 0, sB = 0, sP = 0, sRP = 0, sGP = 0, sBP = 0, sRR = 0, sRG = 0, sRB = 0, sGG = 0, sGB = 0, sBB = 0;
    for (let dy = -r; dy <= r; dy++) {
      const row = Math.min(Math.max(by + dy, 0), h - 1) * w;
      for (let dx = -r; dx <= r; dx++) {
        const q = row + Math.min(Math.max(bx + dx, 0), w - 1);
        const R = iR[q]!;
        const G = iG[q]!;
        const B = iB[q]!;
        const P = prior[q]!;
        sR += R;
        sG += G;
        sB += B;
        sP += P;
        sRP += R * P;
        sGP += G * P;
        sBP += B * P;
        sRR += R * R;
        sRG += R * G;
        sRB += R * B;
        sGG += G * G;
        sGB += G * B;
        sBB += B * B;
      }
    }
    solveWindow(sR * inv, sG * inv, sB * inv, sP * inv, sRP * inv, sGP * inv, sBP * inv, sRR * inv, sRG * inv, sRB * inv, sGG * inv, sGB * inv, sBB * inv, eps, winA, winG, winB, winC, k);
  }
  // ā, b̄: window means over the `near` cells, ā scaled for guide bytes.
  const scaleA = inv * inv255;
  for (let i = 0; i < nNear; i++) {
    const k = sb.nearList[i]!;
    const bx = k % w;
    const by = (k - bx) / w;
    let sa = 0, sg = 0, sbb = 0, sc = 0;
    for (let dy = -r; dy <= r; dy++) {
      const row = Math.min(Math.max(by + dy, 0), h - 1) * w;
      for (let dx = -r; dx <= r; dx++) {
        const q = row + Math.min(Math.max(bx + dx, 0), w - 1);
        sa += winA[q]!;
        sg += winG[q]!;
        sbb += winB[q]!;
        sc += winC[q]!;
      }
    }
    aR[k] = sa * scaleA;
    aG[k] = sg * scaleA;
    aB[k] = sbb * scaleA;
    bC[k] = sc * inv;
  }
  if (!b.columns || b.columns.c0.length !== W) b.columns = axisWeights(W, s, w);
  return [aR, aG, aB, bC];
}

/** Per pixel along an axis of `size` pixels: the grid cells either side ((i + 0.5)·s − 0.5) and the weight of the second, edges clamped. */
function axisWeights(size: number, s: number, cells: number): { c0: Int32Array; c1: Int32Array; t: Float32Array } {
  const c0 = new Int32Array(size);
  const c1 = new Int32Array(size);
  const t = new Float32Array(size);
  for (let x = 0; x < size; x++) {
    const f = (x + 0.5) / s - 0.5;
    const f0 = Math.floor(f);
    c0[x] = Math.min(Math.max(f0, 0), cells - 1);
    c1[x] = Math.min(Math.max(f0 + 1, 0), cells - 1);
    t[x] = f - f0;
  }
  return { c0, c1, t };
}

/**
 * A colour guided filter of `prior` guided by the frame (He, Sun and Tang, "Guided Image
 * Filtering", ECCV 2010 / TPAMI 2013), its coefficients computed on scale×scale blocks and
 * interpolated bilinearly to every pixel (He and Sun, "Fast Guided Filter", 2015):
 * q = clamp(ā·I + b̄, 0, 1). With scale 1 it is the plain guided filter the WebGPU refiner runs
 * without a plate (shaders/refine_tiles.wgsl; test/unit/cpuMatte.test.ts compares them).
 * @param guide the frame, RGBA bytes, W×H (alpha unused)
 * @param prior the prior on the block grid, w×h with w = ceil(W/scale), h = ceil(H/scale), 0..1
 * @param out W·H entries: the filtered matte, 0..1
 */
export function fastGuidedFilter(guide: Uint8ClampedArray, W: number, H: number, prior: Float32Array, params: Pick<CpuMatteParams, 'scale' | 'radius' | 'epsilon'>, out: Float32Array): void {
  const s = params.scale;
  const b = new FilterBuffers(Math.ceil(W / s), Math.ceil(H / s));
  const [aR, aG, aB, bC] = guidedCoefficients(guide, W, H, prior, params, b) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const { c0, c1, t: tx } = b.columns!;
  const rows = axisWeights(H, s, b.h);
  for (let y = 0; y < H; y++) {
    const r0 = rows.c0[y]! * b.w;
    const r1 = rows.c1[y]! * b.w;
    const ty = rows.t[y]!;
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 4;
      const q = interpolate(aR, aG, aB, bC, r0 + c0[x]!, r0 + c1[x]!, r1 + c0[x]!, r1 + c1[x]!, tx[x]!, ty, guide[o]!, guide[o + 1]!, guide[o + 2]!);
      out[y * W + x] = q < 0 ? 0 : q > 1 ? 1 : q;
    }
  }
}

/** q = ā·I + b̄ at a pixel, the coefficients interpolated bilinearly between grid cells k00, k01 (right), k10 (below), k11. */
function interpolate(aR: Float32Array, aG: Float32Array, aB: Float32Array, bC: Float32Array, k00: number, k01: number, k10: number, k11: number, tx: number, ty: number, r: number, g: number, b: number): number {
  const w00 = (1 - tx) * (1 - ty);
  const w01 = tx * (1 - ty);
  const w10 = (1 - tx) * ty;
  const w11 = tx * ty;
  return (
    (aR[k00]! * w00 + aR[k01]! * w01 + aR[k10]! * w10 + aR[k11]! * w11) * r +
    (aG[k00]! * w00 + aG[k01]! * w01 + aG[k10]! * w10 + aG[k11]! * w11) * g +
    (aB[k00]! * w00 + aB[k01]! * w01 + aB[k10]! * w10 + aB[k11]! * w11) * b +
    (bC[k00]! * w00 + bC[k01]! * w01 + bC[k10]! * w10 + bC[k11]! * w11)
  );
}

/**
 * Motion-aware temporal smoothing, as shaders/temporal.wgsl: α_t = α + k·(α_prev − α),
 * k = s·exp(−|I − I_prev|² / (2σ²)) with I in 0..1 (the exponential from a table over the
 * squared difference in 8-bit units, exact at those integers), in place on `alpha`.
 * @param guide, guidePrev RGBA bytes, same size as alpha
 * @param alpha this frame's matte, 0..1 (overwritten with the smoothed one)
 * @param alphaPrev the previous frame's smoothed matte
 * @param table from temporalTable(s, σ)
 */
export function temporalSmooth(guide: Uint8ClampedArray, guidePrev: Uint8ClampedArray, alpha: Float32Array, alphaPrev: Float32Array, table: Float32Array): void {
  const last = table.length - 1;
  for (let k = 0, o = 0; k < alpha.length; k++, o += 4) {
    const dr = guide[o]! - guidePrev[o]!;
    const dg = guide[o + 1]! - guidePrev[o + 1]!;
    const db = guide[o + 2]! - guidePrev[o + 2]!;
    const d2 = dr * dr + dg * dg + db * db;
    if (d2 >= last) continue;
    const a = alpha[k]!;
    alpha[k] = a + table[d2]! * (alphaPrev[k]! - a);
  }
}

/** k = s·exp(−d² / (255² · 2σ²)) for squared 8-bit differences d² = 0, 1, …, until k < 1e-4 (then 0: the last entry). */
export function temporalTable(strength: number, sigma: number): Float32Array {
  const scale = 1 / (2 * sigma * sigma * 255 * 255);
  const end = strength > 0 ? Math.ceil(Math.log(strength / 1e-4) / scale) : 0;
  const table = new Float32Array(end + 1);
  for (let d2 = 0; d2 < end; d2++) table[d2] = strength * Math.exp(-d2 * scale);
  return table;
}

/**
 * The Canvas 2D path's matte, on the CPU (typed arrays, in the engine's worker), at the matte size
 * (the frame shrunk to at most 640 pixels a side): the prior from the segmenter's masks (the
 * whole frame's and the ROI's, blended as the WebGPU upsampling blends them, sampled bilinearly
 * and sharpened), a colour guided filter of it guided by the frame (fastGuidedFilter: the WebGPU
 * refiner's no-plate step, on every pixel rather than on selected tiles, its coefficients on 2×2
 * blocks) and motion-aware temporal smoothing (temporalSmooth, exactly the WebGPU stage's rule).
 * Owns its buffers; keeps the last frame's guide and matte as history.
 */
export class CpuMatte {
  /** The matte of the last frame, 0..1, width·height (the next frame's history). */
  readonly alpha: Float32Array;
  /** The same matte as RGBA bytes for a canvas: white, alpha 255·α rounded to nearest. */
  readonly bytes: Uint8ClampedArray<ArrayBuffer>;
  private readonly prior: Float32Array;
  private readonly buffers: FilterBuffers;
  private readonly sparse: SparseBuffers;
  private readonly priorScratch = new PriorScratch();
  /** The last frame's guide (the array given to update, kept, not copied), or null without history. */
  private guidePrev: Uint8ClampedArray | null = null;
  private table: { strength: number; values: Float32Array } | null = null;
  /** Per block of the last frame: 1 when all its pixels were 0, 2 when all were 1, 0 otherwise; and the next frame's. */
  private blockState: Uint8Array;
  private nextBlockState: Uint8Array;
  /** This frame's blocks whose pixels the filter makes all 0 (1) or all 1 (2), else 0. */
  private readonly flat: Uint8Array;
  /** Per block of the block row being written: lowest and highest alpha, and whether it was filled (its value). */
  private readonly rowLow: Float32Array;
  private readonly rowHigh: Float32Array;
  private readonly rowSkip: Uint8Array;
  /** Per pixel row: the grid rows either side and the weight of the lower. */
  private readonly rows: { c0: Int32Array; c1: Int32Array; t: Float32Array };

  /**
   * @param width matte size in pixels (≥ 1)
   * @param params see CpuMatteParams
   */
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly params: CpuMatteParams = DEFAULT_CPU_MATTE_PARAMS,
  ) {
    this.alpha = new Float32Array(width * height);
    this.bytes = new Uint8ClampedArray(width * height * 4).fill(255);
    // Both start as 0 everywhere, which the block states say.
    this.bytes.forEach((_, i) => i % 4 === 3 && (this.bytes[i] = 0));
    const w = Math.ceil(width / params.scale);
    const h = Math.ceil(height / params.scale);
    this.prior = new Float32Array(w * h);
    this.buffers = new FilterBuffers(w, h);
    this.sparse = new SparseBuffers(w * h);
    this.blockState = new Uint8Array(w * h).fill(1);
    this.nextBlockState = new Uint8Array(w * h);
    this.flat = new Uint8Array(w * h);
    this.rowLow = new Float32Array(w);
    this.rowHigh = new Float32Array(w);
    this.rowSkip = new Uint8Array(w);
    this.rows = axisWeights(height, params.scale, h);
  }

  /**
   * Which blocks the filter makes flat: a block's pixels interpolate the coefficients of the 3×3
   * blocks around it, and where each of those gives q = ā·I + b̄ ≤ 0 for every colour (b̄ + Σ|ā| ≤
   * FLAT_TOLERANCE: clamped to 0) — or ≥ 1 — so do its pixels (to within FLAT_TOLERANCE).
   */
  private flatBlocks(w: number, h: number): Uint8Array {
    const [aR, aG, aB, bC] = this.buffers.planes.slice(13) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const cell = this.nextBlockState;
    for (let k = 0; k < w * h; k++) {
      // ā is scaled for bytes: its largest effect over colours 0..255.
      const spread = (Math.abs(aR[k]!) + Math.abs(aG[k]!) + Math.abs(aB[k]!)) * 255;
      const b = bC[k]!;
      cell[k] = b + spread <= FLAT_TOLERANCE ? 1 : b - spread >= 1 - FLAT_TOLERANCE ? 2 : 0;
    }
    const flat = this.flat;
    for (let by = 0; by < h; by++) {
      for (let bx = 0; bx < w; bx++) {
        const v = cell[by * w + bx]!;
        let same = v !== 0;
        for (let dy = -1; dy <= 1 && same; dy++) {
          const row = Math.min(Math.max(by + dy, 0), h - 1) * w;
          for (let dx = -1; dx <= 1; dx++) {
            if (cell[row + Math.min(Math.max(bx + dx, 0), w - 1)] !== v) {
              same = false;
              break;
            }
          }
        }
        flat[by * w + bx] = same ? v : 0;
      }
    }
    return flat;
  }

  /** Forgets the history: the next frame is not smoothed with the last. */
  reset(): void {
    this.guidePrev = null;
  }

  /**
   * Computes the matte of one frame: fastGuidedFilter of the prior, then temporalSmooth against
   * the last frame, in one pass over the pixels that also writes the result as bytes.
   * @param guide the frame at the matte size, RGBA bytes (width·height·4); kept as the next
   *   frame's history (do not change it afterwards)
   * @param full the segmenter's mask of the whole frame
   * @param roi the ROI's mask and its rectangle in matte pixels, or null
   * @param strength temporal smoothing s, 0..0.9 (options.temporalSmoothing; 0: none)
   * @returns `alpha` (the matte, 0..1; also in `bytes`)
   * @throws RangeError when the guide's size is not the matte's
   */
  update(guide: Uint8ClampedArray, full: CoarseMask, roi: { rect: Rect; mask: CoarseMask } | null, strength: number): Float32Array {
    const { width: W, height: H, params, bytes } = this;
    if (guide.length !== W * H * 4) throw new RangeError(`the guide has ${guide.length / 4} pixels, the matte ${W}×${H}`);
    const s = params.scale;
    const { w, h } = this.buffers;
    mattePrior(guide, W, H, full, roi, params, this.prior, this.priorScratch);
    const [aR, aG, aB, bC] = sparseCoefficients(guide, W, H, this.prior, params, this.buffers, this.sparse) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const { c0, c1, t: tx } = this.buffers.columns!;
    const rows = this.rows;
    const prev = strength > 0 ? this.guidePrev : null;
    if (prev && this.table?.strength !== strength) this.table = { strength, values: temporalTable(strength, params.temporalSigma) };
    const table = this.table?.values ?? new Float32Array(1);
    const last = table.length - 1;
    const alpha = this.alpha;
    const state = this.flatBlocks(w, h);
    const prevState = this.blockState;
    const nextState = this.nextBlockState;
    const low = this.rowLow;
    const high = this.rowHigh;
    const skip = this.rowSkip;
    for (let by = 0; by < h; by++) {
      const y0 = by * s;
      const y1 = Math.min(y0 + s, H);
      // A block whose pixels all come out 0 (or all 1), as they did in the last frame, is filled: no per-pixel work.
      // A block already filled with that value in the last frame is left as it is (SAME).
      for (let bx = 0; bx < w; bx++) {
        const st = state[by * w + bx]!;
        const before = prevState[by * w + bx]!;
        skip[bx] = st === 0 ? 0 : before === st ? SAME : prev ? 0 : st;
        low[bx] = 1;
        high[bx] = 0;
      }
      for (let y = y0; y < y1; y++) {
        const r0 = rows.c0[y]! * w;
        const r1 = rows.c1[y]! * w;
        const ty = rows.t[y]!;
        for (let bx = 0; bx < w; bx++) {
          const x0 = bx * s;
          const x1 = Math.min(x0 + s, W);
          const filled = skip[bx]!;
          if (filled === SAME) continue;
          if (filled !== 0) {
            // The run of filled blocks of the same value that starts here, in one loop.
            let end = bx + 1;
            while (end < w && skip[end] === filled) end++;
            const v = filled === 2 ? 1 : 0;
            const v255 = v * 255;
            const stop = y * W + Math.min(end * s, W);
            for (let k = y * W + x0, o = k * 4 + 3; k < stop; k++, o += 4) {
              alpha[k] = v;
              bytes[o] = v255;
            }
            bx = end - 1;
            continue;
          }
          let lo = low[bx]!;
          let hi = high[bx]!;
          let o = (y * W + x0) * 4;
          for (let x = x0, k = y * W + x0; x < x1; x++, k++, o += 4) {
            const r = guide[o]!;
            const g = guide[o + 1]!;
            const b = guide[o + 2]!;
            let q = interpolate(aR, aG, aB, bC, r0 + c0[x]!, r0 + c1[x]!, r1 + c0[x]!, r1 + c1[x]!, tx[x]!, ty, r, g, b);
            q = q < 0 ? 0 : q > 1 ? 1 : q;
            if (prev) {
              const dr = r - prev[o]!;
              const dg = g - prev[o + 1]!;
              const db = b - prev[o + 2]!;
              const d2 = dr * dr + dg * dg + db * db;
              if (d2 < last) q += table[d2]! * (alpha[k]! - q);
            }
            alpha[k] = q;
            if (q < lo) lo = q;
            if (q > hi) hi = q;
            bytes[o + 3] = q * 255; // Uint8ClampedArray rounds to nearest
          }
          low[bx] = lo;
          high[bx] = hi;
        }
      }
      for (let bx = 0; bx < w; bx++) {
        const filled = skip[bx]!;
        nextState[by * w + bx] = filled === SAME ? prevState[by * w + bx]! : filled !== 0 ? filled : high[bx] === 0 ? 1 : low[bx] === 1 ? 2 : 0;
      }
    }
    this.blockState = nextState;
    this.nextBlockState = prevState;
    this.guidePrev = guide;
    return alpha;
  }
}
