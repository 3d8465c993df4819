// The Canvas 2D path's matte, computed on the CPU in the worker with typed arrays: the WebGPU
// pipeline's edge-aware steps without a GPU (see CpuMatte).
import type { Rect } from '../../types/geometry';
import type { CoarseMask } from '../../types/network';
import { BitGrid } from './bitGrid';

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
  /** Range sigma σr of the prior's joint bilateral filter, RGB in 0..1 (options.edgeSensitivity, as the WebGPU upsampling's). */
  sigmaRange: number;
  /** Width of the ROI mask's blend into the whole-frame one at ROI edges inside the frame, matte pixels. */
  feather: number;
  /** σ of the temporal smoothing's per-pixel frame-difference test, RGB units (as the WebGPU pass's TEMPORAL_SIGMA_PIXEL, its rule with a captured plate). */
  temporalSigma: number;
}

/**
 * A block whose filtered pixels are all within this of 0 (or 1) is filled with 0 (or 1): half
 * a step of the 8-bit matte, so its bytes are the same; the float32 sums leave ā ~1e-4 off 0
 * inside uniform regions, which a tighter bound would not tolerate.
 */
const FLAT_TOLERANCE = 0.5 / 255;

/**
 * Defaults: coefficients on 2×2 blocks with a radius of 2 blocks (a 10-pixel window at the
 * matte's size, as the WebGPU refiner's 9-pixel one), ε = 1e-5 (the refiner's is 1e-3,
 * DEFAULT_REFINE_PARAMS: on the block means a larger ε smooths edges more — band SAD 7.47 at
 * 1e-3, 7.12 at 1e-4, 7.02 at 1e-5 on the bench's dev subset), the upsampling's
 * smoothstep(0.3, 0.7), σr = 0.1 (the edgeSensitivity default), σ = 0.03 (TEMPORAL_SIGMA_PIXEL).
 */
export const DEFAULT_CPU_MATTE_PARAMS: CpuMatteParams = { scale: 2, radius: 2, epsilon: 1e-5, sharpen: [0.3, 0.7], sigmaRange: 0.1, feather: 4, temporalSigma: 0.03 };

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
  return Math.min(roiAxisWeight(roi.x, roi.width, px, width, feather), roiAxisWeight(roi.y, roi.height, py, height, feather));
}

/**
 * roiWeight along one axis: the ROI spans [start, start + size) of `extent`; 1 at least
 * `feather` inside an edge that is not the frame's, falling to 0 at it. The weight of a point is
 * the least of its two axes' (the clamp and the min commute).
 */
function roiAxisWeight(start: number, size: number, p: number, extent: number, feather: number): number {
  const big = 1e9;
  const d0 = start <= 0 ? big : p - start;
  const d1 = start + size >= extent ? big : start + size - p;
  return Math.min(Math.max(Math.min(d0, d1) / feather, 0), 1);
}

/** smoothstep(lo, hi, x). */
function smoothstep(lo: number, hi: number, x: number): number {
  const t = Math.min(Math.max((x - lo) / (hi - lo), 0), 1);
  return t * t * (3 - 2 * t);
}

/** Bilinear taps along one axis of a mask `cells` texels long: per sample, the texels either side (edges clamped, times `stride`) and the second's weight. */
class AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  f: Float64Array;
  constructor(n: number) {
    this.i0 = new Int32Array(n);
    this.i1 = new Int32Array(n);
    this.f = new Float64Array(n);
  }

  /** Fills sample i with the taps at u = (i + 0.5 − offset) / span, 0..1 of the mask's extent (texel centres at (j + 0.5) / cells). */
  fill(n: number, offset: number, span: number, cells: number, stride: number): void {
    for (let i = 0; i < n; i++) {
      const x = ((i + 0.5 - offset) / span) * cells - 0.5;
      const x0 = Math.floor(x);
      this.i0[i] = Math.min(Math.max(x0, 0), cells - 1) * stride;
      this.i1[i] = Math.min(Math.max(x0 + 1, 0), cells - 1) * stride;
      this.f[i] = x - x0;
    }
  }
}

/** Scratch of priorOnGrid: the taps of both masks along both axes and the ROI weights, per column and row. */
export class GridScratch {
  fullX = new AxisTaps(0);
  fullY = new AxisTaps(0);
  roiX = new AxisTaps(0);
  roiY = new AxisTaps(0);
  weightX = new Float64Array(0);
  weightY = new Float64Array(0);
  /** Makes room for a w×h grid. */
  size(w: number, h: number): this {
    if (this.fullX.f.length < w) [this.fullX, this.roiX, this.weightX] = [new AxisTaps(w), new AxisTaps(w), new Float64Array(w)];
    if (this.fullY.f.length < h) [this.fullY, this.roiY, this.weightY] = [new AxisTaps(h), new AxisTaps(h), new Float64Array(h)];
    return this;
  }
}

/**
 * The segmentation prior on a w×h grid over the frame (cell centres): the whole-frame mask and,
 * inside the region of interest, the ROI's mask blended in over `feather` cells at its inner
 * edges — sampled bilinearly (the WebGPU path samples them with a joint bilateral filter:
 * shaders/upsample_mask.wgsl) — then sharpened with smoothstep(sharpen). The bilinear taps and
 * ROI weights are separable, so they are computed once per column and per row.
 * @param roi the ROI in grid cells, or null
 * @param out w·h entries, 0..1
 */
export function priorOnGrid(
  full: CoarseMask,
  roi: { rect: Rect; mask: CoarseMask } | null,
  w: number,
  h: number,
  params: Pick<CpuMatteParams, 'sharpen' | 'feather'>,
  out: Float32Array,
  scratch: GridScratch = new GridScratch(),
): void {
  const [lo, hi] = params.sharpen;
  const span = 1 / (hi - lo);
  const t = scratch.size(w, h);
  t.fullX.fill(w, 0, w, full.width, 1);
  t.fullY.fill(h, 0, h, full.height, full.width);
  if (roi) {
    const { rect, mask } = roi;
    t.roiX.fill(w, rect.x, rect.width, mask.width, 1);
    t.roiY.fill(h, rect.y, rect.height, mask.height, mask.width);
    for (let x = 0; x < w; x++) t.weightX[x] = roiAxisWeight(rect.x, rect.width, x + 0.5, w, params.feather);
    for (let y = 0; y < h; y++) t.weightY[y] = roiAxisWeight(rect.y, rect.height, y + 0.5, h, params.feather);
  }
  const { i0: fx0, i1: fx1, f: ffx } = t.fullX;
  const { i0: rx0, i1: rx1, f: frx } = t.roiX;
  const fp = full.pha;
  const rp = roi ? roi.mask.pha : fp;
  for (let y = 0; y < h; y++) {
    const ky = roi ? t.weightY[y]! : 0;
    const f0 = t.fullY.i0[y]!;
    const f1 = t.fullY.i1[y]!;
    const fy = t.fullY.f[y]!;
    const r0 = t.roiY.i0[y]!;
    const r1 = t.roiY.i1[y]!;
    const ry = t.roiY.f[y]!;
    for (let x = 0, k = y * w; x < w; x++, k++) {
      const kx = roi ? t.weightX[x]! : 0;
      const kr = kx < ky ? kx : ky;
      let a = 0;
      if (kr > 0) {
        const c0 = rx0[x]!;
        const c1 = rx1[x]!;
        const fx = frx[x]!;
        const top = rp[r0 + c0]! + fx * (rp[r0 + c1]! - rp[r0 + c0]!);
        const bottom = rp[r1 + c0]! + fx * (rp[r1 + c1]! - rp[r1 + c0]!);
        a = kr * (top + ry * (bottom - top));
      }
      if (kr < 1) {
        const c0 = fx0[x]!;
        const c1 = fx1[x]!;
        const fx = ffx[x]!;
        const top = fp[f0 + c0]! + fx * (fp[f0 + c1]! - fp[f0 + c0]!);
        const bottom = fp[f1 + c0]! + fx * (fp[f1 + c1]! - fp[f1 + c0]!);
        a += (1 - kr) * (top + fy * (bottom - top));
      }
      const u = (a - lo) * span;
      const v = u < 0 ? 0 : u > 1 ? 1 : u;
      out[k] = v * v * (3 - 2 * v);
    }
  }
}

/** exp(−x) for x = i / RANGE_STEPS, i = 0 … RANGE_STEPS·RANGE_MAX (the range weights' exponent, clamped at RANGE_MAX). */
const RANGE_STEPS = 256;
const RANGE_MAX = 12;
const EXP_TABLE = Float32Array.from({ length: RANGE_STEPS * RANGE_MAX + 1 }, (_, i) => Math.exp(-i / RANGE_STEPS));

/**
 * A coarse mask laid over `rect` (matte pixels) for the joint bilateral filter, with per column
 * and row of the block grid its 4 taps (texel indices, edges clamped; rows times the mask's
 * width) and their spatial weights, and per texel the guide's mean colour over the 2×2 pixels
 * at its centre (0..1), computed when a tap first reads it (`stamp` = `epoch` once done).
 */
class GuidedMask {
  mask: CoarseMask = { width: 0, height: 0, pha: new Float32Array(0) };
  rect: Rect = { x: 0, y: 0, width: 0, height: 0 };
  colIndex = new Int32Array(0);
  colWeight = new Float64Array(0);
  rowIndex = new Int32Array(0);
  rowWeight = new Float64Array(0);
  /** r, g, b per texel. */
  colour = new Float32Array(0);
  stamp = new Int32Array(0);
  epoch = 0;

  /**
   * Lays `mask` over `rect` for a w×h grid of s-pixel blocks of a W×H guide.
   * Spatial weights exp(−d²/2) (σs = 1 texel) of the taps at offsets −1..2 around each block centre.
   */
  set(mask: CoarseMask, rect: Rect, w: number, h: number, s: number, W: number, H: number): this {
    this.mask = mask;
    this.rect = rect;
    const texels = mask.width * mask.height;
    if (this.stamp.length < texels) {
      this.stamp = new Int32Array(texels);
      this.colour = new Float32Array(texels * 3);
      this.epoch = 0;
    }
    this.epoch++;
    if (this.colIndex.length < 4 * w) [this.colIndex, this.colWeight] = [new Int32Array(4 * w), new Float64Array(4 * w)];
    if (this.rowIndex.length < 4 * h) [this.rowIndex, this.rowWeight] = [new Int32Array(4 * h), new Float64Array(4 * h)];
    GuidedMask.axis(w, s, W, rect.x, rect.width, mask.width, 1, this.colIndex, this.colWeight);
    GuidedMask.axis(h, s, H, rect.y, rect.height, mask.height, mask.width, this.rowIndex, this.rowWeight);
    return this;
  }

  /** The taps of one axis: block i's centre (the middle of its pixels, the last block clipped at `size`). */
  private static axis(n: number, s: number, size: number, start: number, span: number, cells: number, stride: number, index: Int32Array, weight: Float64Array): void {
    for (let i = 0; i < n; i++) {
      const p = (i * s + Math.min(i * s + s, size)) / 2;
      const m = ((p - start) * cells) / span - 0.5;
      const base = Math.floor(m);
      const f = m - base;
      for (let t = 0; t < 4; t++) {
        index[4 * i + t] = Math.min(Math.max(base + t - 1, 0), cells - 1) * stride;
        weight[4 * i + t] = Math.exp(-((t - 1 - f) ** 2) / 2);
      }
    }
  }

  /** Computes texel q's colour (the guide's 2×2 pixels at its centre) into `colour`. */
  fillColour(q: number, guide: Uint32Array, W: number, H: number): void {
    const { mask, rect } = this;
    const qx = q % mask.width;
    const qy = (q - qx) / mask.width;
    const gy = Math.min(Math.max(Math.floor(rect.y + ((qy + 0.5) * rect.height) / mask.height - 0.5), 0), H - 2);
    const gx = Math.min(Math.max(Math.floor(rect.x + ((qx + 0.5) * rect.width) / mask.width - 0.5), 0), W - 2);
    const k = gy * W + gx;
    const a = guide[k]!;
    const b = guide[k + 1]!;
    const c = guide[k + W]!;
    const d = guide[k + W + 1]!;
    const o = q * 3;
    this.colour[o] = ((a & 255) + (b & 255) + (c & 255) + (d & 255)) / 1020;
    this.colour[o + 1] = (((a >>> 8) & 255) + ((b >>> 8) & 255) + ((c >>> 8) & 255) + ((d >>> 8) & 255)) / 1020;
    this.colour[o + 2] = (((a >>> 16) & 255) + ((b >>> 16) & 255) + ((c >>> 16) & 255) + ((d >>> 16) & 255)) / 1020;
    this.stamp[q] = this.epoch;
  }
}

/**
 * The joint bilateral upsampling of a coarse mask at the centre of block (cx, cy) (Kopf et al.,
 * "Joint Bilateral Upsampling", 2007; as shaders/upsample_mask.wgsl): the 4×4 mask texels
 * around it, weighted by exp(−d²/2σs²) (d in texels, σs = 1) · max(exp(−|I(q) − I|²/2σr²), 1e-4)
 * (`rangeScale` = 1/(2σr²) in table steps), where I is the colour there (r, g, b: the block's
 * mean, 0..1) and I(q) the guide's colour at texel q's centre (the shader reads the network's
 * own low-resolution input there). The range exponential from a table (steps of 1/256).
 */
function jointBilateral(g: GuidedMask, cx: number, cy: number, r: number, gr: number, b: number, guide: Uint32Array, W: number, H: number, rangeScale: number): number {
  const { colIndex, colWeight, rowIndex, rowWeight, colour, stamp, epoch } = g;
  const pha = g.mask.pha;
  const maxIndex = EXP_TABLE.length - 1;
  let sum = 0;
  let wsum = 0;
  for (let dy = 0; dy < 4; dy++) {
    const row = rowIndex[4 * cy + dy]!;
    const wy = rowWeight[4 * cy + dy]!;
    for (let dx = 0; dx < 4; dx++) {
      const q = row + colIndex[4 * cx + dx]!;
      if (stamp[q] !== epoch) g.fillColour(q, guide, W, H);
      const dr = colour[q * 3]! - r;
      const dg = colour[q * 3 + 1]! - gr;
      const db = colour[q * 3 + 2]! - b;
      const index = Math.min((dr * dr + dg * dg + db * db) * rangeScale, maxIndex) | 0;
      const range = EXP_TABLE[index]!;
      const wgt = wy * colWeight[4 * cx + dx]! * (range > 1e-4 ? range : 1e-4);
      sum += wgt * pha[q]!;
      wsum += wgt;
    }
  }
  return Math.min(Math.max(sum / wsum, 0), 1);
}

/** The guide's block means (0..1), three planes of the w×h grid of s×s blocks (see blockMeans). */
export interface BlockMeans {
  r: Float32Array;
  g: Float32Array;
  b: Float32Array;
}

/**
 * The guide's mean colour over each s×s block of a w×h grid (w = ceil(W/s), h = ceil(H/s)),
 * 0..1; partial blocks at the right and bottom edges averaged over what they hold. Row by row
 * into per-block sums, each pixel one 32-bit load (RGBA bytes, little-endian).
 * @param guide RGBA bytes, W×H
 */
export function blockMeans(guide: Uint8ClampedArray, W: number, H: number, s: number, out: BlockMeans): void {
  const w = Math.ceil(W / s);
  const h = Math.ceil(H / s);
  const { r: iR, g: iG, b: iB } = out;
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
      const norm = 1 / (255 * (y1 - y0) * (Math.min(bx * s + s, W) - bx * s));
      iR[k] = iR[k]! * norm;
      iG[k] = iG[k]! * norm;
      iB[k] = iB[k]! * norm;
    }
  }
}

/**
 * Re-samples the prior with the joint bilateral filter where it is not constant (within 2 cells
 * of a change), so its edge follows the frame's colours there as the WebGPU upsampling's does;
 * elsewhere the bilinear prior (all 0 or all 1) stays. Cells of the block grid (`s` pixels),
 * whose colours are the guide's block means.
 */
function jointBilateralPrior(
  prior: Float32Array,
  w: number,
  h: number,
  s: number,
  guide: Uint8ClampedArray,
  W: number,
  H: number,
  means: BlockMeans,
  full: CoarseMask,
  roi: { rect: Rect; mask: CoarseMask } | null,
  params: Pick<CpuMatteParams, 'sharpen' | 'feather' | 'sigmaRange'>,
  scratch: PriorScratch,
): void {
  const sb = scratch.sparse!;
  if (!priorEdges(prior, sb)) return;
  const nNear = sb.near.dilate(sb.edge, 2, sb.tmp).list(sb.nearList);
  const pixels = new Uint32Array(guide.buffer, guide.byteOffset, W * H);
  const wholeMask = scratch.whole.set(full, { x: 0, y: 0, width: W, height: H }, w, h, s, W, H);
  const roiMask = roi ? scratch.roi.set(roi.mask, roi.rect, w, h, s, W, H) : null;
  const [lo, hi] = params.sharpen;
  // 1 / (2σr²) in table steps.
  const rangeScale = RANGE_STEPS / (2 * params.sigmaRange * params.sigmaRange);
  for (let i = 0; i < nNear; i++) {
    const k = sb.nearList[i]!;
    const cx = k % w;
    const cy = (k - cx) / w;
    const x0 = cx * s;
    const y0 = cy * s;
    const px = (x0 + Math.min(x0 + s, W)) / 2;
    const py = (y0 + Math.min(y0 + s, H)) / 2;
    const r = means.r[k]!;
    const g = means.g[k]!;
    const b = means.b[k]!;
    const wRoi = roiMask ? roiWeight(roiMask.rect, px, py, W, H, params.feather) : 0;
    let a = 0;
    if (wRoi > 0) a = wRoi * jointBilateral(roiMask!, cx, cy, r, g, b, pixels, W, H, rangeScale);
    if (wRoi < 1) a += (1 - wRoi) * jointBilateral(wholeMask, cx, cy, r, g, b, pixels, W, H, rangeScale);
    prior[k] = smoothstep(lo, hi, a);
  }
}

/** Scratch of mattePrior: the sparse masks, the masks laid over the guide, the grid's taps and (without given ones) block means. */
export class PriorScratch {
  sparse: SparseBuffers | null = null;
  readonly whole = new GuidedMask();
  readonly roi = new GuidedMask();
  readonly grid = new GridScratch();
  means: BlockMeans | null = null;
}

/**
 * The matte's prior on the block grid (w×h cells of `scale` pixels): the segmenter's masks
 * (whole frame and ROI, blended as the WebGPU upsampling blends them) sampled bilinearly
 * (priorOnGrid) and, within 2 cells of any change, with the joint bilateral filter guided by
 * the frame (jointBilateralPrior); sharpened with smoothstep(sharpen).
 * @param roi the ROI's mask and rectangle in matte pixels, or null
 * @param out w·h entries, 0..1
 * @param means the guide's block means (blockMeans with `scale`), computed here when not given
 */
export function mattePrior(
  guide: Uint8ClampedArray,
  W: number,
  H: number,
  full: CoarseMask,
  roi: { rect: Rect; mask: CoarseMask } | null,
  params: Pick<CpuMatteParams, 'scale' | 'sharpen' | 'feather' | 'sigmaRange'>,
  out: Float32Array,
  scratch: PriorScratch = new PriorScratch(),
  means?: BlockMeans,
): void {
  const s = params.scale;
  const w = Math.ceil(W / s);
  const h = Math.ceil(H / s);
  const gridRoi = roi ? { mask: roi.mask, rect: { x: roi.rect.x / s, y: roi.rect.y / s, width: roi.rect.width / s, height: roi.rect.height / s } } : null;
  priorOnGrid(full, gridRoi, w, h, { sharpen: params.sharpen, feather: params.feather / s }, out, scratch.grid);
  if (!scratch.sparse || scratch.sparse.w !== w || scratch.sparse.h !== h) scratch.sparse = new SparseBuffers(w, h);
  if (!means) {
    if (!scratch.means || scratch.means.r.length !== w * h) scratch.means = { r: new Float32Array(w * h), g: new Float32Array(w * h), b: new Float32Array(w * h) };
    means = scratch.means;
    blockMeans(guide, W, H, s, means);
  }
  jointBilateralPrior(out, w, h, s, guide, W, H, means, full, roi, params, scratch);
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
  blockMeans(guide, W, H, s, { r: iR, g: iG, b: iB });
  for (let k = 0; k < b.n; k++) {
    const R = iR[k]!;
    const G = iG[k]!;
    const B = iB[k]!;
    const P = prior[k]!;
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
  const scaleA = inv / 255;
  for (let k = 0; k < b.n; k++) {
    aR[k] = aR[k]! * scaleA;
    aG[k] = aG[k]! * scaleA;
    aB[k] = aB[k]! * scaleA;
    bC[k] = bC[k]! * inv;
  }
  if (!b.columns || b.columns.c0.length !== W) b.columns = axisWeights(W, s, w);
  return planes;
}

/** Cell sets (BitGrid) and index lists of mattePrior and sparseCoefficients, for one grid size. */
class SparseBuffers {
  /** Cells whose prior is exactly 0, exactly 1. */
  readonly zero: BitGrid;
  readonly one: BitGrid;
  /** Cells whose prior differs from a neighbour's or is neither 0 nor 1 (priorEdges). */
  readonly edge: BitGrid;
  /** Cells whose own window is not constant (edge dilated by r), and whose mean coefficients are not trivial (dilated by 2r). */
  readonly own: BitGrid;
  readonly near: BitGrid;
  readonly tmp: BitGrid;
  readonly tmp2: BitGrid;
  readonly ownList: Int32Array;
  readonly nearList: Int32Array;
  /** How many cells of nearList sparseCoefficients listed (its `near` set). */
  nearCount = 0;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.zero = new BitGrid(w, h);
    this.one = new BitGrid(w, h);
    this.edge = new BitGrid(w, h);
    this.own = new BitGrid(w, h);
    this.near = new BitGrid(w, h);
    this.tmp = new BitGrid(w, h);
    this.tmp2 = new BitGrid(w, h);
    this.ownList = new Int32Array(w * h);
    this.nearList = new Int32Array(w * h);
  }
}

/**
 * Sorts the prior's cells into sb.zero (exactly 0), sb.one (exactly 1) and sb.edge: cells that
 * are neither, or have a 4-neighbour of another value.
 * @returns whether any cell is an edge
 */
function priorEdges(prior: Float32Array, sb: SparseBuffers): boolean {
  const { w, h, zero, one, edge, tmp, tmp2 } = sb;
  const { stride } = zero;
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < stride; i++) {
      let z = 0;
      let o = 0;
      const k0 = y * w + i * 32;
      const n = Math.min(32, w - i * 32);
      for (let j = 0; j < n; j++) {
        const v = prior[k0 + j]!;
        if (v === 0) z |= 1 << j;
        else if (v === 1) o |= 1 << j;
      }
      zero.words[y * stride + i] = z;
      one.words[y * stride + i] = o;
    }
  }
  // Neither 0 nor 1; 0 next to a cell that is not; 1 likewise.
  edge.not(tmp.or(zero, one));
  edge.or(edge, tmp2.neighbours(tmp.not(zero)).and(tmp2, zero));
  edge.or(edge, tmp2.neighbours(tmp.not(one)).and(tmp2, one));
  return edge.words.some((v) => v !== 0);
}

/**
 * guidedCoefficients, computed only where they are not trivial: a cell whose window of the
 * prior is constant has a = 0 and b = p, and a cell all of whose neighbours within r have that
 * has ā = 0 and b̄ = p — exactly what the full computation gives there. So the window sums are
 * taken by direct loops near the prior's edges only (within 2r cells), as the GPU refiner
 * works on the tiles it selected. Same planes and columns as guidedCoefficients
 * (test/unit/cpuMatte.test.ts compares them).
 * Planes 0..2 of `b` must hold the guide's block means (blockMeans).
 */
function sparseCoefficients(
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
  // Where the prior is not constant, and the cells whose window reaches such a cell (own), whose mean window reaches an own cell (near).
  priorEdges(prior, sb);
  const nOwn = sb.own.dilate(sb.edge, r, sb.tmp).list(sb.ownList);
  const nNear = sb.near.dilate(sb.own, r, sb.tmp).list(sb.nearList);
  sb.nearCount = nNear;
  // Elsewhere ā = 0 and b̄ = p.
  sb.near.forEachGap((start, end) => {
    aR.fill(0, start, end);
    aG.fill(0, start, end);
    aB.fill(0, start, end);
    bC.set(prior.subarray(start, end), start);
  });
  const count = (2 * r + 1) * (2 * r + 1);
  const inv = 1 / count;
  const eps = params.epsilon;
  const winA = b.planes[4]!;
  const winG = b.planes[5]!;
  const winB = b.planes[6]!;
  const winC = b.planes[7]!;
  sb.own.forEachGap((start, end) => {
    winA.fill(0, start, end);
    winG.fill(0, start, end);
    winB.fill(0, start, end);
    winC.set(prior.subarray(start, end), start);
  });
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
  const scaleA = inv / 255;
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
 * Motion-aware temporal smoothing, shaders/temporal.wgsl's rule without its motion compensation
 * (src/gpu/reference/temporal.ts without `search`): α_t = α + k·(α_prev − α),
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
 * The Canvas 2D path's matte, on the CPU (typed arrays, in the engine's worker), at the frame's
 * size: the prior from the segmenter's masks (the whole frame's and the ROI's, blended as the
 * WebGPU upsampling blends them, sampled bilinearly and sharpened) on the grid of `scale`-pixel
 * blocks, a colour guided filter of it guided by the frame (fastGuidedFilter: the WebGPU
 * refiner's no-plate step, on every pixel rather than on selected tiles, its coefficients on the
 * blocks) and motion-aware temporal smoothing (temporalSmooth: the WebGPU stage's rule without its block
 * matching, which the CPU cannot afford per frame).
 * Owns its buffers; keeps the last frame's guide and matte as history.
 */
export class CpuMatte {
  /** The matte of the last frame, 0..1, width·height (the next frame's history). */
  readonly alpha: Float32Array;
  /**
   * The same matte as RGBA bytes for a canvas: alpha 255·α rounded to nearest; update writes
   * the alpha bytes only, so the colour bytes (white at first) are the owner's to fill (the
   * Canvas 2D path copies the frame's colours there, which makes the canvas the person layer).
   */
  readonly bytes: Uint8ClampedArray<ArrayBuffer>;
  private readonly prior: Float32Array;
  private readonly buffers: FilterBuffers;
  private readonly sparse: SparseBuffers;
  private readonly priorScratch = new PriorScratch();
  /** The last frame's guide (the array given to update, kept, not copied), or null without history. */
  private guidePrev: Uint8ClampedArray | null = null;
  private table: { strength: number; values: Float32Array } | null = null;
  /** The blocks whose pixels were all 0 in the last frame's matte, and those all 1 (none at first: bytes start at 0, so all). */
  private readonly lastZero: BitGrid;
  private readonly lastOne: BitGrid;
  /** This frame's blocks whose pixels the filter makes all 0, all 1 (flatBlocks); scratch for it. */
  private readonly flatZero: BitGrid;
  private readonly flatOne: BitGrid;
  private readonly scratchBits: [BitGrid, BitGrid];
  /** Per block row: the blocks to write (not flat as they were last frame), their kind (0: filter; 1, 2: fill with 0, 1) and lowest and highest alpha. */
  private readonly active: Int32Array;
  private readonly activeKind: Uint8Array;
  private readonly rowLow: Float32Array;
  private readonly rowHigh: Float32Array;
  /** Per pixel row: the grid rows either side and the weight of the lower. */
  private readonly rows: { c0: Int32Array; c1: Int32Array; t: Float32Array };
  /** Per pixel: the temporal rule's k (0 where the frame changed or without history). */
  private readonly temporalK: Float32Array;
  /** The guide and temporal strength prepare() last worked on (update prepares again for another). */
  private prepared: { guide: Uint8ClampedArray; strength: number; temporal: boolean } | null = null;

  /**
   * @param width matte size in pixels (≥ 1)
   * @param params see CpuMatteParams
   */
  constructor(
    readonly width: number,
    readonly height: number,
    readonly params: CpuMatteParams = DEFAULT_CPU_MATTE_PARAMS,
  ) {
    this.alpha = new Float32Array(width * height);
    this.bytes = new Uint8ClampedArray(width * height * 4).fill(255);
    // Both start as 0 everywhere, which the block states say.
    this.bytes.forEach((_, i) => i % 4 === 3 && (this.bytes[i] = 0));
    const w = Math.ceil(width / params.scale);
    const h = Math.ceil(height / params.scale);
    this.prior = new Float32Array(w * h);
    this.buffers = new FilterBuffers(w, h);
    this.sparse = new SparseBuffers(w, h);
    this.lastZero = new BitGrid(w, h).not(new BitGrid(w, h));
    this.lastOne = new BitGrid(w, h);
    this.flatZero = new BitGrid(w, h);
    this.flatOne = new BitGrid(w, h);
    this.scratchBits = [new BitGrid(w, h), new BitGrid(w, h)];
    this.active = new Int32Array(w);
    this.activeKind = new Uint8Array(w);
    this.rowLow = new Float32Array(w);
    this.rowHigh = new Float32Array(w);
    this.rows = axisWeights(height, params.scale, h);
    this.temporalK = new Float32Array(width * height);
  }

  /**
   * The work of update that needs the frame alone, not the masks — the guide's block means and
   * each pixel's temporal k (from its colour change since the last frame) — so that it can run
   * while the segmenter works. update does it itself when this was not called for its guide.
   * @param guide as update's (width·height·4 RGBA bytes)
   * @param strength as update's
   * @throws RangeError when the guide's size is not the matte's
   */
  prepare(guide: Uint8ClampedArray, strength: number): void {
    const { width: W, height: H, params } = this;
    if (guide.length !== W * H * 4) throw new RangeError(`the guide has ${guide.length / 4} pixels, the matte ${W}×${H}`);
    const [r, g, b] = this.buffers.planes as [Float32Array, Float32Array, Float32Array];
    blockMeans(guide, W, H, params.scale, { r, g, b });
    const prev = strength > 0 ? this.guidePrev : null;
    if (prev) {
      if (this.table?.strength !== strength) this.table = { strength, values: temporalTable(strength, params.temporalSigma) };
      const table = this.table.values;
      const last = table.length - 1;
      const k = this.temporalK;
      for (let i = 0, o = 0; i < k.length; i++, o += 4) {
        const dr = guide[o]! - prev[o]!;
        const dg = guide[o + 1]! - prev[o + 1]!;
        const db = guide[o + 2]! - prev[o + 2]!;
        const d2 = dr * dr + dg * dg + db * db;
        k[i] = d2 < last ? table[d2]! : 0;
      }
    }
    this.prepared = { guide, strength, temporal: prev !== null };
  }

  /**
   * Which blocks the filter makes flat (into flatZero, flatOne): a block's pixels interpolate the
   * coefficients of the 3×3 blocks around it, and where each of those gives q = ā·I + b̄ ≤ 0 for
   * every colour (b̄ + Σ|ā| ≤ FLAT_TOLERANCE: clamped to 0) — or ≥ 1 — so do its pixels (to within
   * FLAT_TOLERANCE). Away from the `near` cells ā = 0 and b̄ = p, 0 or 1; near them the test is
   * made on the coefficients.
   */
  private flatBlocks(): void {
    const [aR, aG, aB, bC] = this.buffers.planes.slice(13) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const sb = this.sparse;
    const [cellZero, cellOne] = this.scratchBits;
    cellZero.andNot(sb.zero, sb.near);
    cellOne.andNot(sb.one, sb.near);
    // sparseCoefficients listed the near cells.
    for (let i = 0; i < sb.nearCount; i++) {
      const k = sb.nearList[i]!;
      // ā is scaled for bytes: its largest effect over colours 0..255.
      const spread = (Math.abs(aR[k]!) + Math.abs(aG[k]!) + Math.abs(aB[k]!)) * 255;
      const b = bC[k]!;
      if (b + spread <= FLAT_TOLERANCE) cellZero.add(k);
      else if (b - spread >= 1 - FLAT_TOLERANCE) cellOne.add(k);
    }
    this.flatZero.erode(cellZero, 1, sb.tmp, sb.tmp2);
    this.flatOne.erode(cellOne, 1, sb.tmp, sb.tmp2);
  }

  /**
   * The smallest rectangle of whole blocks (clipped to the matte) outside which the last
   * update's matte is exactly 0, in matte pixels; null when it is 0 everywhere.
   */
  support(): Rect | null {
    const b = this.scratchBits[0].not(this.lastZero).bounds();
    if (!b) return null;
    const s = this.params.scale;
    const x = b.x0 * s;
    const y = b.y0 * s;
    return { x, y, width: Math.min(b.x1 * s, this.width) - x, height: Math.min(b.y1 * s, this.height) - y };
  }

  /** Forgets the history: the next frame is not smoothed with the last. */
  reset(): void {
    this.guidePrev = null;
    this.prepared = null;
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
    if (this.prepared?.guide !== guide || this.prepared.strength !== strength) this.prepare(guide, strength);
    const temporal = this.prepared!.temporal;
    this.prepared = null;
    const s = params.scale;
    const { w, h } = this.buffers;
    const [iR, iG, iB] = this.buffers.planes as [Float32Array, Float32Array, Float32Array];
    mattePrior(guide, W, H, full, roi, params, this.prior, this.priorScratch, { r: iR, g: iG, b: iB });
    const [aR, aG, aB, bC] = sparseCoefficients(W, H, this.prior, params, this.buffers, this.sparse) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const { c0, c1, t: tx } = this.buffers.columns!;
    const rows = this.rows;
    const tk = this.temporalK;
    const alpha = this.alpha;
    this.flatBlocks();
    const { flatZero, flatOne, lastZero, lastOne, active, activeKind, rowLow: low, rowHigh: high } = this;
    const { stride } = flatZero;
    for (let by = 0; by < h; by++) {
      const y0 = by * s;
      const y1 = Math.min(y0 + s, H);
      // The blocks to write: all but those the filter makes all 0 (or all 1), as they were in the last frame.
      // A block the filter makes flat is filled (no per-pixel work), unless temporal smoothing blends it with the last frame.
      let n = 0;
      for (let i = 0; i < stride; i++) {
        const word = by * stride + i;
        const fz = flatZero.words[word]!;
        const fo = flatOne.words[word]!;
        let work = ~((fz & lastZero.words[word]!) | (fo & lastOne.words[word]!));
        if (i === stride - 1 && w % 32 !== 0) work &= (1 << w % 32) - 1;
        while (work !== 0) {
          const bit = work & -work;
          work ^= bit;
          active[n] = i * 32 + 31 - Math.clz32(bit);
          activeKind[n] = temporal ? 0 : fz & bit ? 1 : fo & bit ? 2 : 0;
          low[n] = 1;
          high[n] = 0;
          n++;
        }
      }
      for (let y = y0; y < y1; y++) {
        const r0 = rows.c0[y]! * w;
        const r1 = rows.c1[y]! * w;
        const ty = rows.t[y]!;
        for (let j = 0; j < n; j++) {
          const x0 = active[j]! * s;
          const x1 = Math.min(x0 + s, W);
          const kind = activeKind[j]!;
          if (kind !== 0) {
            const v = kind === 2 ? 1 : 0;
            for (let k = y * W + x0, o = k * 4 + 3; k < y * W + x1; k++, o += 4) {
              alpha[k] = v;
              bytes[o] = v * 255;
            }
            continue;
          }
          let lo = low[j]!;
          let hi = high[j]!;
          let o = (y * W + x0) * 4;
          for (let x = x0, k = y * W + x0; x < x1; x++, k++, o += 4) {
            const r = guide[o]!;
            const g = guide[o + 1]!;
            const b = guide[o + 2]!;
            let q = interpolate(aR, aG, aB, bC, r0 + c0[x]!, r0 + c1[x]!, r1 + c0[x]!, r1 + c1[x]!, tx[x]!, ty, r, g, b);
            q = q < 0 ? 0 : q > 1 ? 1 : q;
            if (temporal) q += tk[k]! * (alpha[k]! - q);
            alpha[k] = q;
            if (q < lo) lo = q;
            if (q > hi) hi = q;
            bytes[o + 3] = q * 255; // Uint8ClampedArray rounds to nearest
          }
          low[j] = lo;
          high[j] = hi;
        }
      }
      // The written blocks' states for the next frame.
      for (let j = 0; j < n; j++) {
        const bx = active[j]!;
        const word = by * stride + (bx >>> 5);
        const bit = 1 << (bx & 31);
        const kind = activeKind[j]!;
        const isZero = kind === 1 || (kind === 0 && high[j] === 0);
        const isOne = kind === 2 || (kind === 0 && low[j] === 1);
        lastZero.words[word] = isZero ? lastZero.words[word]! | bit : lastZero.words[word]! & ~bit;
        lastOne.words[word] = isOne ? lastOne.words[word]! | bit : lastOne.words[word]! & ~bit;
      }
    }
    this.guidePrev = guide;
    return alpha;
  }
}

