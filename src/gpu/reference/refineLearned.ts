import type { FoldedConv, RefinerLayerName } from '../../types/refiner';
import { createImage, type FloatImage } from './image';

/**
 * Reference of shaders/refine_learned.wgsl: BackgroundMattingV2's learned refiner (Lin,
 * Ryabtsev et al., "Real-Time High-Resolution Background Matting", CVPR 2021; model/refiner.py,
 * kernel_size 3), in float64, written the way the paper's code computes it:
 *
 * - patch mode ({@link learnedRefinePatches}): for each selected 4×4 full-resolution patch
 *   (qx, qy on the quarter-resolution grid), x = cat(hid, pha, fgr residual) resized
 *   (bilinear, align_corners=False) from the coarse size to half resolution and
 *   cat(src, bgr) resized the same way, both cropped 8×8 at (2qx − 3, 2qy − 3) with zeros
 *   outside (42 ch) → conv1 (3×3 valid) → BN → ReLU → conv2 → BN → ReLU (4×4, 16 ch) →
 *   nearest upsample to 8×8 → cat with the full-resolution 8×8 crop of cat(src, bgr) at
 *   (4qx − 2, 4qy − 2) (22 ch) → conv3 → BN → ReLU → conv4 (+ bias) → the 4×4 [pha, fgr residual];
 * - full mode ({@link learnedRefineDense}): the same layers over the whole image (pad 3 at
 *   half resolution, nearest resize to (H + 4, W + 4), pad 2 at full resolution), which gives
 *   the same values as patch mode at every pixel.
 *
 * BatchNorm is folded into the convolutions (src/models/bgmv2/refinerWeights.ts). Outputs are
 * raw (before BGMv2's final clamps); {@link learnedRefineOutput} applies them and fills the
 * unrefined pixels with the coarse result bilinearly upsampled.
 */

/** The coarse outputs of the base network, NCHW float32 planes of height × width. */
export interface CoarseOutputs {
  width: number;
  height: number;
  /** [1,1,h,w] alpha, 0..1. */
  pha: Float32Array;
  /** [1,3,h,w] foreground residual F − I. */
  fgr: Float32Array;
  /** [1,32,h,w] hidden features (≥ 0). */
  hid: Float32Array;
}

/** Inputs of the refiner: the full-resolution frame and plate (W, H multiples of 4; channels 0..2 = RGB in 0..1) and the coarse outputs. */
export interface LearnedRefineInputs {
  src: FloatImage;
  bgr: FloatImage;
  coarse: CoarseOutputs;
}

/** Raw refiner output at full resolution, NCHW planes of height × width (NaN where not computed). */
export interface LearnedRefineResult {
  width: number;
  height: number;
  /** [H·W] alpha before clamping. */
  pha: Float64Array;
  /** [3·H·W] foreground residual before adding src and clamping. */
  fgr: Float64Array;
}

/** Planes C × h × w (row-major, NCHW without the batch), float64. */
export interface Planes {
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

const planes = (c: number, h: number, w: number): Planes => ({ c, h, w, data: new Float64Array(c * h * w) });

/** PyTorch's F.interpolate(mode='bilinear', align_corners=False) (= ONNX Resize linear, half_pixel). */
export function resizeBilinear(x: Planes, h: number, w: number): Planes {
  const out = planes(x.c, h, w);
  const tap = (i: number, outSize: number, inSize: number): [number, number, number] => {
    const s = Math.max((i + 0.5) * (inSize / outSize) - 0.5, 0);
    const i0 = Math.min(Math.floor(s), inSize - 1);
    return [i0, Math.min(i0 + 1, inSize - 1), s - i0];
  };
  for (let y = 0; y < h; y++) {
    const [y0, y1, fy] = tap(y, h, x.h);
    for (let xx = 0; xx < w; xx++) {
      const [x0, x1, fx] = tap(xx, w, x.w);
      for (let c = 0; c < x.c; c++) {
        const p = x.data.subarray(c * x.h * x.w);
        const top = p[y0 * x.w + x0]! * (1 - fx) + p[y0 * x.w + x1]! * fx;
        const bottom = p[y1 * x.w + x0]! * (1 - fx) + p[y1 * x.w + x1]! * fx;
        out.data[(c * h + y) * w + xx] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/** The h × w window at (y0, x0) of x, zeros outside (F.pad then crop). */
function crop(x: Planes, y0: number, x0: number, h: number, w: number): Planes {
  const out = planes(x.c, h, w);
  for (let c = 0; c < x.c; c++) {
    for (let y = 0; y < h; y++) {
      const sy = y0 + y;
      if (sy < 0 || sy >= x.h) continue;
      for (let xx = 0; xx < w; xx++) {
        const sx = x0 + xx;
        if (sx >= 0 && sx < x.w) out.data[(c * h + y) * w + xx] = x.data[(c * x.h + sy) * x.w + sx]!;
      }
    }
  }
  return out;
}

/** Nearest resize by PyTorch's legacy rule (= ONNX Resize nearest, asymmetric, floor): source index ⌊i · in / out⌋. */
function resizeNearest(x: Planes, h: number, w: number): Planes {
  const out = planes(x.c, h, w);
  for (let c = 0; c < x.c; c++) {
    for (let y = 0; y < h; y++) {
      const sy = Math.floor((y * x.h) / h);
      for (let xx = 0; xx < w; xx++) out.data[(c * h + y) * w + xx] = x.data[(c * x.h + sy) * x.w + Math.floor((xx * x.w) / w)]!;
    }
  }
  return out;
}

function concat(a: Planes, b: Planes): Planes {
  const out = planes(a.c + b.c, a.h, a.w);
  out.data.set(a.data);
  out.data.set(b.data, a.data.length);
  return out;
}

/** 3×3 valid convolution (+ bias), optionally followed by ReLU: C × h × w → out × (h − 2) × (w − 2). */
function conv3x3(x: Planes, layer: FoldedConv, relu: boolean): Planes {
  if (x.c !== layer.in) throw new RangeError(`conv3x3: ${x.c} input channels, layer expects ${layer.in}`);
  const h = x.h - 2;
  const w = x.w - 2;
  const out = planes(layer.out, h, w);
  for (let o = 0; o < layer.out; o++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        let acc = layer.bias[o]!;
        for (let i = 0; i < layer.in; i++) {
          const wBase = (o * layer.in + i) * 9;
          const xBase = i * x.h * x.w;
          for (let ky = 0; ky < 3; ky++) {
            for (let kx = 0; kx < 3; kx++) acc += layer.weight[wBase + ky * 3 + kx]! * x.data[xBase + (y + ky) * x.w + xx + kx]!;
          }
        }
        out.data[(o * h + y) * w + xx] = relu ? Math.max(acc, 0) : acc;
      }
    }
  }
  return out;
}

/** cat(src, bgr) RGB as 6 planes. */
function sourcePlanes(src: FloatImage, bgr: FloatImage): Planes {
  const { width: W, height: H } = src;
  const out = planes(6, H, W);
  for (let p = 0; p < W * H; p++) {
    for (let c = 0; c < 3; c++) {
      out.data[c * W * H + p] = src.data[p * src.channels + c]!;
      out.data[(3 + c) * W * H + p] = bgr.data[p * bgr.channels + c]!;
    }
  }
  return out;
}

/** cat(hid, pha, fgr) as 36 planes at the coarse size. */
function coarsePlanes(coarse: CoarseOutputs): Planes {
  const n = coarse.width * coarse.height;
  const out = planes(36, coarse.height, coarse.width);
  out.data.set(coarse.hid.subarray(0, 32 * n));
  out.data.set(coarse.pha.subarray(0, n), 32 * n);
  out.data.set(coarse.fgr.subarray(0, 3 * n), 33 * n);
  return out;
}

/**
 * Checks sizes: W, H multiples of 4, src and bgr alike, coarse planes long enough.
 * @throws RangeError
 */
function check(inputs: LearnedRefineInputs): void {
  const { src, bgr, coarse } = inputs;
  if (src.width % 4 !== 0 || src.height % 4 !== 0) throw new RangeError(`learned refiner: frame ${src.width}×${src.height} is not a multiple of 4 in both directions`);
  if (bgr.width !== src.width || bgr.height !== src.height) throw new RangeError(`learned refiner: plate ${bgr.width}×${bgr.height} differs from frame ${src.width}×${src.height}`);
  const n = coarse.width * coarse.height;
  if (!(n > 0) || coarse.pha.length < n || coarse.fgr.length < 3 * n || coarse.hid.length < 32 * n) {
    throw new RangeError(`learned refiner: coarse planes too short for ${coarse.width}×${coarse.height}`);
  }
}

/** The half-resolution 42-channel input and the full-resolution 6-channel one, shared by both modes. */
function prepare(inputs: LearnedRefineInputs): { half: Planes; full: Planes } {
  check(inputs);
  const W = inputs.src.width;
  const H = inputs.src.height;
  const full = sourcePlanes(inputs.src, inputs.bgr);
  const half = concat(resizeBilinear(coarsePlanes(inputs.coarse), H / 2, W / 2), resizeBilinear(full, H / 2, W / 2));
  return { half, full };
}

/**
 * Full mode over the whole frame.
 * @returns raw pha and fgr residual at every pixel
 * @throws RangeError for sizes that are not multiples of 4
 */
export function learnedRefineDense(inputs: LearnedRefineInputs, layers: Record<RefinerLayerName, FoldedConv>): LearnedRefineResult {
  const { half, full } = prepare(inputs);
  const W = full.w;
  const H = full.h;
  let x = conv3x3(crop(half, -3, -3, half.h + 6, half.w + 6), layers.conv1, true);
  x = conv3x3(x, layers.conv2, true);
  x = resizeNearest(x, H + 4, W + 4);
  x = conv3x3(concat(x, crop(full, -2, -2, H + 4, W + 4)), layers.conv3, true);
  x = conv3x3(x, layers.conv4, false);
  return { width: W, height: H, pha: x.data.slice(0, W * H), fgr: x.data.slice(W * H, 4 * W * H) };
}

/**
 * Patch mode: refines the given 4×4 patches one by one, as the paper's code does.
 * @param patches patch coordinates on the quarter-resolution grid (qx < W/4, qy < H/4)
 * @returns raw pha and fgr residual on those patches, NaN elsewhere
 * @throws RangeError for sizes that are not multiples of 4 or patches outside the grid
 */
export function learnedRefinePatches(
  inputs: LearnedRefineInputs,
  layers: Record<RefinerLayerName, FoldedConv>,
  patches: readonly { qx: number; qy: number }[],
): LearnedRefineResult {
  const { half, full } = prepare(inputs);
  const W = full.w;
  const H = full.h;
  const pha = new Float64Array(W * H).fill(Number.NaN);
  const fgr = new Float64Array(3 * W * H).fill(Number.NaN);
  for (const { qx, qy } of patches) {
    if (!(qx >= 0 && qy >= 0 && qx < W / 4 && qy < H / 4)) throw new RangeError(`learned refiner: patch (${qx}, ${qy}) outside the ${W / 4}×${H / 4} grid`);
    let x = conv3x3(crop(half, 2 * qy - 3, 2 * qx - 3, 8, 8), layers.conv1, true);
    x = conv3x3(x, layers.conv2, true);
    x = resizeNearest(x, 8, 8);
    x = conv3x3(concat(x, crop(full, 4 * qy - 2, 4 * qx - 2, 8, 8)), layers.conv3, true);
    x = conv3x3(x, layers.conv4, false);
    for (let y = 0; y < 4; y++) {
      for (let xx = 0; xx < 4; xx++) {
        const p = (4 * qy + y) * W + 4 * qx + xx;
        pha[p] = x.data[y * 4 + xx]!;
        for (let c = 0; c < 3; c++) fgr[c * W * H + p] = x.data[((1 + c) * 4 + y) * 4 + xx]!;
      }
    }
  }
  return { width: W, height: H, pha, fgr };
}

/**
 * The 4×4 patches of 8×8 tiles (packed x | y << 16 as in the tile list), those inside the frame.
 * @param width, height frame size in pixels (multiples of 4)
 */
export function patchesOfTiles(tiles: readonly number[], width: number, height: number): { qx: number; qy: number }[] {
  const out: { qx: number; qy: number }[] = [];
  for (const packed of tiles) {
    const tx = packed & 0xffff;
    const ty = packed >>> 16;
    for (let dy = 0; dy < 2; dy++) {
      for (let dx = 0; dx < 2; dx++) {
        const qx = 2 * tx + dx;
        const qy = 2 * ty + dy;
        if (qx < width / 4 && qy < height / 4) out.push({ qx, qy });
      }
    }
  }
  return out;
}

/**
 * BGMv2's final output for a tile selection (what the pipeline shows): the coarse pha and fgr
 * residual bilinearly upsampled to full resolution, the refined patches put in their place,
 * then pha = clamp(pha, 0, 1) and fgr = clamp(residual + src, 0, 1).
 * @param tiles the selected 8×8 tiles, packed x | y << 16
 * @returns pha (1 channel) and fgr (3 channels) images, and the mask of refined pixels
 */
export function learnedRefineOutput(
  inputs: LearnedRefineInputs,
  layers: Record<RefinerLayerName, FoldedConv>,
  tiles: readonly number[],
): { pha: FloatImage; fgr: FloatImage; refined: Uint8Array } {
  const W = inputs.src.width;
  const H = inputs.src.height;
  const refinedRaw = learnedRefinePatches(inputs, layers, patchesOfTiles(tiles, W, H));
  const c = inputs.coarse;
  const n = c.width * c.height;
  const coarse = planes(4, c.height, c.width);
  coarse.data.set(c.pha.subarray(0, n));
  coarse.data.set(c.fgr.subarray(0, 3 * n), n);
  const up = resizeBilinear(coarse, H, W);
  const pha = createImage(W, H, 1);
  const fgr = createImage(W, H, 3);
  const refined = new Uint8Array(W * H);
  const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);
  for (let p = 0; p < W * H; p++) {
    const isRefined = !Number.isNaN(refinedRaw.pha[p]!);
    refined[p] = isRefined ? 1 : 0;
    pha.data[p] = clamp01(isRefined ? refinedRaw.pha[p]! : up.data[p]!);
    for (let k = 0; k < 3; k++) {
      const residual = isRefined ? refinedRaw.fgr[k * W * H + p]! : up.data[(1 + k) * W * H + p]!;
      fgr.data[p * 3 + k] = clamp01(residual + inputs.src.data[p * inputs.src.channels + k]!);
    }
  }
  return { pha, fgr, refined };
}
