import type { CoarseMask } from '../types/network';
import { personBox, ROI_MARGIN } from './roi';
import { type Rect } from '../types/geometry';

/**
 * Standing-speaker mode: a full-body (portrait) framing is segmented as two overlapping
 * squares, one over the upper body and one over the lower body, and the two masks are
 * blended back across the overlap. A landscape network (MediaPipe selfie segmentation,
 * 256×144) run on a tall person's 16:9 region of interest sees them as a thin strip with
 * hair, hands and feet a few texels wide; each square shows half of the body at up to
 * twice the resolution. After Virtual Stage (Microsoft / Plain Concepts, 2020), which
 * processed a standing full-HD body as two overlapping squares.
 *
 * Frame loop (CPU network path): standingSquares(whole-frame mask) → for each square,
 * networkCropForSquare → the input's crop (FrameInput.crop: createImageBitmap in the browser) →
 * network mask over the crop → blendSquares(top, bottom, …) → the ROI mask over `union`.
 */

/** Thresholds of the standing-framing test and the squares' geometry (see standingSquares). */
export interface StandingOptions {
  /** Person box height / width (frame pixels) at or above which the framing is standing; > 0. */
  minAspect: number;
  /** Person box height as a share of the frame height at or above which the person is tall enough; 0..1. */
  minHeight: number;
  /** Margin added around the person box on each side, as a fraction of its size; ≥ 0. */
  margin: number;
  /** Smallest overlap of the two squares as a share of their side; in (0, 1). */
  minOverlap: number;
  /**
   * Require the whole body in view: the person box must end above the frame's bottom edge
   * (the feet are visible). A head-and-shoulders portrait is tall too, but only because the
   * frame cuts it; its top square would hold little more than hair and face.
   */
  fullBody: boolean;
}

/**
 * Defaults: a box at least 1.4× taller than wide and at least half the frame's height, the
 * ROI margin of roi.ts, and an overlap of at least 20 % of the square's side (so each
 * square's cut edge, where the network lacks context, lies outside the feathered seam).
 */
export const DEFAULT_STANDING_OPTIONS: Readonly<StandingOptions> = Object.freeze({
  minAspect: 1.4,
  minHeight: 0.5,
  margin: ROI_MARGIN,
  minOverlap: 0.2,
  fullBody: true,
});

/**
 * Share of the overlap, centred on its middle, over which the seam is feathered: the top
 * mask's weight falls from 1 to 0 as a raised cosine across it, so the outer quarters of
 * the overlap — next to each square's cut edge — use the other square's mask alone.
 */
export const SEAM_FEATHER = 0.5;

/** A standing framing split into two overlapping squares, all in frame pixels. */
export interface StandingSplit {
  /** The upper square (width = height = s), at the person box's top (with margin). */
  top: Rect;
  /** The lower square, same side and x as `top`, at the person box's bottom (with margin). */
  bottom: Rect;
  /** The rect both squares cover: x and width of a square, from top.y to bottom.y + s. */
  union: Rect;
  /** Frame y range of the overlap: [bottom.y, top.y + s], start < end. */
  seam: { start: number; end: number };
}

/** The network's input crop for each square (networkCropForSquare), frame pixels. */
export interface SquareCrops {
  top: Rect;
  bottom: Rect;
}

/**
 * Decides whether the framing is a standing / full-body one and, if so, places two
 * overlapping squares over the person. The person box is the bounding box of mask > 0.5
 * (as in personRoi), in frame pixels. The framing is standing when box height ≥
 * minAspect × box width and box height ≥ minHeight × frameHeight, and (fullBody) the box
 * ends above the frame's bottom edge. The box is grown by
 * `margin` of its size on each side and clipped to the frame (W × H); the squares' side is
 * s = max(W, H / (2 − minOverlap)), so they cover the grown box with an overlap of at least
 * minOverlap × s. Both are centred horizontally on the box and moved inside the frame; the
 * top one starts at the grown box's top, the bottom one ends at its bottom.
 * @param mask [maskHeight, maskWidth] person confidence in 0..1 over the whole frame (the
 *   base network's whole-frame mask)
 * @param maskWidth mask size in texels, positive integers
 * @param frameWidth frame size in pixels, > 0
 * @param options overrides of DEFAULT_STANDING_OPTIONS
 * @returns the split, or null when there is no person, the framing is not a standing one,
 *   the squares would not fit in the frame (s > min(frameWidth, frameHeight)), or one
 *   square would cover the whole box (no split needed: the ordinary ROI does it)
 * @throws RangeError for a mask whose length is not maskWidth × maskHeight, non-positive
 *   sizes, or options out of range
 */
export function standingSquares(
  mask: ArrayLike<number>,
  maskWidth: number,
  maskHeight: number,
  frameWidth: number,
  frameHeight: number,
  options: Partial<StandingOptions> = {},
): StandingSplit | null {
  checkGrid(mask.length, maskWidth, maskHeight, 'mask');
  if (!(frameWidth > 0 && frameHeight > 0 && Number.isFinite(frameWidth) && Number.isFinite(frameHeight))) {
    throw new RangeError(`frame size must be positive, got ${frameWidth}×${frameHeight}`);
  }
  const { minAspect, minHeight, margin, minOverlap, fullBody } = { ...DEFAULT_STANDING_OPTIONS, ...options };
  if (!(minAspect > 0 && Number.isFinite(minAspect))) throw new RangeError(`minAspect must be > 0, got ${minAspect}`);
  if (!(minHeight >= 0 && minHeight <= 1)) throw new RangeError(`minHeight must be in 0..1, got ${minHeight}`);
  if (!(margin >= 0 && Number.isFinite(margin))) throw new RangeError(`margin must be ≥ 0, got ${margin}`);
  if (!(minOverlap > 0 && minOverlap < 1)) throw new RangeError(`minOverlap must be in (0, 1), got ${minOverlap}`);

  const box = personBoxInFrame(mask, maskWidth, maskHeight, frameWidth / maskWidth, frameHeight / maskHeight);
  if (!box) return null;
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  if (bh < minAspect * bw || bh < minHeight * frameHeight) return null;
  // The box reaches the last mask row: the frame cuts the person off at the bottom.
  if (fullBody && box.y1 >= frameHeight - 0.5 * (frameHeight / maskHeight)) return null;

  const gx0 = Math.max(box.x0 - margin * bw, 0);
  const gx1 = Math.min(box.x1 + margin * bw, frameWidth);
  const gy0 = Math.max(box.y0 - margin * bh, 0);
  const gy1 = Math.min(box.y1 + margin * bh, frameHeight);
  const s = Math.max(gx1 - gx0, (gy1 - gy0) / (2 - minOverlap));
  if (s > Math.min(frameWidth, frameHeight)) return null;

  const x = clamp((gx0 + gx1) / 2 - s / 2, 0, frameWidth - s);
  const topY = clamp(gy0, 0, frameHeight - s);
  const bottomY = clamp(gy1 - s, 0, frameHeight - s);
  if (bottomY <= topY) return null;
  return {
    top: { x, y: topY, width: s, height: s },
    bottom: { x, y: bottomY, width: s, height: s },
    union: { x, y: topY, width: s, height: bottomY + s - topY },
    seam: { start: bottomY, end: topY + s },
  };
}

/**
 * The network-aspect crop centred on a square: the square widened with the frame's own
 * pixels on both sides (for a landscape network: height s, width s × networkWidth /
 * networkHeight; for a portrait one: width s, taller), so the network sees the square at
 * its native aspect instead of squashed. The crop may extend beyond the frame;
 * createImageBitmap(frame, x, y, w, h, …) fills the outside with transparent black, which
 * the network reads as background.
 * @param square frame pixels, width = height
 * @param networkWidth the network's input size in texels, > 0
 * @returns the crop in frame pixels (x, y may be negative); it contains `square`
 * @throws RangeError for a non-square or empty square, or non-positive network sizes
 */
export function networkCropForSquare(square: Rect, networkWidth: number, networkHeight: number): Rect {
  const s = square.width;
  if (!(s > 0) || Math.abs(square.height - s) > 1e-9 * s) {
    throw new RangeError(`square must have width = height > 0, got ${square.width}×${square.height}`);
  }
  if (!(networkWidth > 0 && networkHeight > 0)) throw new RangeError(`network size must be positive, got ${networkWidth}×${networkHeight}`);
  const aspect = networkWidth / networkHeight;
  const width = aspect >= 1 ? s * aspect : s;
  const height = aspect >= 1 ? s : s / aspect;
  return { x: square.x + (s - width) / 2, y: square.y + (s - height) / 2, width, height };
}

/**
 * Bilinear sample of a network mask at a frame position, with the mask's texel centres at
 * crop.x + (i + 0.5) × crop.width / mask.width (the convention of createImageBitmap's
 * resize and of upsample_mask.wgsl), clamped to the edge texels.
 * @param mask [mask.height, mask.width] person confidence in 0..1 over `crop`
 * @param crop the rect the mask covers, frame pixels
 * @param x frame position in pixels (pixel centres at k + 0.5)
 * @returns the interpolated confidence, in the mask's range
 */
export function sampleCropMask(mask: CoarseMask, crop: Rect, x: number, y: number): number {
  const { width, height, pha } = mask;
  const u = clamp(((x - crop.x) * width) / crop.width - 0.5, 0, width - 1);
  const v = clamp(((y - crop.y) * height) / crop.height - 0.5, 0, height - 1);
  const x0 = Math.floor(u);
  const y0 = Math.floor(v);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = u - x0;
  const fy = v - y0;
  const r0 = pha[y0 * width + x0]! * (1 - fx) + pha[y0 * width + x1]! * fx;
  const r1 = pha[y1 * width + x0]! * (1 - fx) + pha[y1 * width + x1]! * fx;
  return r0 * (1 - fy) + r1 * fy;
}

/**
 * The union rect's person mask at the stage size, from the two squares' network masks:
 * each stage texel (centre at union.x + (i + 0.5) × union.width / stageWidth, likewise in y)
 * samples both masks bilinearly (sampleCropMask) and mixes them with the top mask's weight
 * w(y) = 1 above the overlap, 0 below it, and a raised cosine ½(1 + cos πt) across the
 * middle `feather` share of the overlap (t from 0 to 1), so there is no hard cut at the
 * seam. The pipeline uploads the result as the ROI mask with `split.union` as its rect
 * (upsample_mask.wgsl takes the mask's size from its guide texture, which must then be
 * stageWidth × stageHeight). Two overlapping squares blended back as in Virtual Stage
 * (Microsoft / Plain Concepts, 2020).
 * @param topMask the network's mask over crops.top: [height, width] confidence in 0..1
 * @param bottomMask the network's mask over crops.bottom, same layout
 * @param split from standingSquares
 * @param crops networkCropForSquare(split.top / split.bottom, …): each contains its square
 * @param stageWidth output size in texels, positive integers (256 × 512 suits a
 *   256×144 network: each square spans 144 network texels)
 * @param feather share of the overlap the seam is feathered over, in (0, 1]
 * @returns [stageHeight, stageWidth] float32 confidence in the masks' range (0..1), row-major
 * @throws RangeError for masks whose length is not width × height, non-positive stage
 *   sizes, a crop that does not contain its square, or feather outside (0, 1]
 */
export function blendSquares(
  topMask: CoarseMask,
  bottomMask: CoarseMask,
  split: StandingSplit,
  crops: SquareCrops,
  stageWidth: number,
  stageHeight: number,
  feather = SEAM_FEATHER,
): Float32Array<ArrayBuffer> {
  checkGrid(topMask.pha.length, topMask.width, topMask.height, 'topMask');
  checkGrid(bottomMask.pha.length, bottomMask.width, bottomMask.height, 'bottomMask');
  checkGrid(stageWidth * stageHeight, stageWidth, stageHeight, 'stage');
  if (!contains(crops.top, split.top)) throw new RangeError('crops.top does not contain split.top: use networkCropForSquare(split.top, …)');
  if (!contains(crops.bottom, split.bottom)) throw new RangeError('crops.bottom does not contain split.bottom: use networkCropForSquare(split.bottom, …)');
  if (!(feather > 0 && feather <= 1)) throw new RangeError(`feather must be in (0, 1], got ${feather}`);

  const { union, seam } = split;
  const mid = (seam.start + seam.end) / 2;
  const rampWidth = feather * (seam.end - seam.start);
  const rampStart = mid - rampWidth / 2;
  const out = new Float32Array(stageWidth * stageHeight);
  for (let j = 0; j < stageHeight; j++) {
    const y = union.y + ((j + 0.5) * union.height) / stageHeight;
    const t = clamp((y - rampStart) / rampWidth, 0, 1);
    const wTop = 0.5 * (1 + Math.cos(Math.PI * t));
    for (let i = 0; i < stageWidth; i++) {
      const x = union.x + ((i + 0.5) * union.width) / stageWidth;
      let v = 0;
      if (wTop > 0) v += wTop * sampleCropMask(topMask, crops.top, x, y);
      if (wTop < 1) v += (1 - wTop) * sampleCropMask(bottomMask, crops.bottom, x, y);
      out[j * stageWidth + i] = v;
    }
  }
  return out;
}

/** Bounding box of mask > 0.5 in frame pixels (x1, y1 exclusive), or null when empty. */
function personBoxInFrame(mask: ArrayLike<number>, maskWidth: number, maskHeight: number, sx: number, sy: number): { x0: number; y0: number; x1: number; y1: number } | null {
  const box = personBox(mask, maskWidth, maskHeight);
  return box && { x0: box.x0 * sx, y0: box.y0 * sy, x1: (box.x1 + 1) * sx, y1: (box.y1 + 1) * sy };
}

function checkGrid(length: number, width: number, height: number, name: string): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`${name} size must be positive integers, got ${width}×${height}`);
  }
  if (length !== width * height) throw new RangeError(`${name} has ${length} values, expected ${width}×${height} = ${width * height}`);
}

function contains(outer: Rect, inner: Rect): boolean {
  const eps = 1e-6 * Math.max(outer.width, outer.height);
  return (
    inner.x >= outer.x - eps &&
    inner.y >= outer.y - eps &&
    inner.x + inner.width <= outer.x + outer.width + eps &&
    inner.y + inner.height <= outer.y + outer.height + eps
  );
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
