import type { Rect } from '../types/geometry';

/**
 * The bounding box of mask > 0.5, in mask texels (inclusive), or null when no texel is.
 * @param mask [maskHeight, maskWidth] person confidence in 0..1
 */
export function personBox(mask: ArrayLike<number>, maskWidth: number, maskHeight: number): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = maskWidth;
  let y0 = maskHeight;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < maskHeight; y++) {
    for (let x = 0; x < maskWidth; x++) {
      if (mask[y * maskWidth + x]! > 0.5) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Margin added around the person's box on each side, as a fraction of the box size. */
export const ROI_MARGIN = 0.1;
/**
 * Base-network passes on the region of interest per frame: the first ROI comes from the
 * whole-frame mask, the second is re-centred from the first ROI pass's sharper mask.
 * Measured on the dev set (IoU, stills / clip0 / clip1): 1 pass 0.934 / 0.899 / 0.903,
 * 2 passes 0.937 / 0.900 / 0.912.
 */
export const ROI_PASSES = 2;
/** Above this share of the frame area the region of interest is the whole frame: no second pass. */
export const ROI_MAX_AREA = 0.99;

/**
 * The person's region of interest for the base network's second pass: the bounding box of
 * mask > 0.5, grown by `margin` of its size on each side, widened or heightened to the
 * network's aspect ratio, at least the network's input size (maskWidth × maskHeight frame
 * pixels: zooming further would only upsample), and moved inside the frame. The network then sees the person
 * larger, closer to the selfie framing it was trained on (the ROI idea of MediaPipe's
 * tracking graphs; Virtual Stage's split of a standing body serves the same end).
 * @param mask [maskHeight, maskWidth] person confidence in 0..1 over the whole frame
 * @param frameWidth frame size in pixels
 * @returns the rectangle in frame pixels, or null when there is no person or the region
 *   would cover more than ROI_MAX_AREA of the frame (a second pass would not zoom in)
 */
export function personRoi(
  mask: ArrayLike<number>,
  maskWidth: number,
  maskHeight: number,
  frameWidth: number,
  frameHeight: number,
  margin = ROI_MARGIN,
): Rect | null {
  const box = personBox(mask, maskWidth, maskHeight);
  if (!box) return null;
  const { x0, y0, x1, y1 } = box;
  const sx = frameWidth / maskWidth;
  const sy = frameHeight / maskHeight;
  const bw = (x1 + 1 - x0) * sx;
  const bh = (y1 + 1 - y0) * sy;
  const cx = (x0 * sx + (x1 + 1) * sx) / 2;
  const cy = (y0 * sy + (y1 + 1) * sy) / 2;
  let width = bw * (1 + 2 * margin);
  let height = bh * (1 + 2 * margin);
  const aspect = maskWidth / maskHeight;
  if (width / height < aspect) width = height * aspect;
  else height = width / aspect;
  // No smaller than the network's input in frame pixels: zooming further only upsamples
  // (and a box of a pixel or two would be an empty crop).
  width = Math.max(width, maskWidth);
  height = Math.max(height, maskHeight);
  width = Math.min(width, frameWidth);
  height = Math.min(height, frameHeight);
  if (width * height > ROI_MAX_AREA * frameWidth * frameHeight) return null;
  return {
    x: Math.min(Math.max(cx - width / 2, 0), frameWidth - width),
    y: Math.min(Math.max(cy - height / 2, 0), frameHeight - height),
    width,
    height,
  };
}

/**
 * One region-of-interest step: the person's ROI inside `prev`, from the network's mask over
 * `prev` (personRoi in `prev`'s pixels, moved into frame pixels), or `prev` itself when there
 * is no person or no zoom to gain. Reference of shaders/roi_box.wgsl.
 * @param mask [maskHeight, maskWidth] person confidence in 0..1 over `prev`
 * @param prev the rectangle the mask covers, frame pixels
 */
export function nextRoi(mask: ArrayLike<number>, maskWidth: number, maskHeight: number, prev: Rect): Rect {
  const inner = personRoi(mask, maskWidth, maskHeight, prev.width, prev.height);
  return inner ? { x: prev.x + inner.x, y: prev.y + inner.y, width: inner.width, height: inner.height } : prev;
}

/**
 * On paths that count their network runs (the Canvas 2D path), a further ROI pass is not run
 * when it would move every side of the ROI by less than this share of its width (left, right)
 * or height (top, bottom): the mask over the current ROI already covers nearly the same region.
 */
export const ROI_SETTLED = 0.05;

/**
 * Whether every side of `next` is within `tolerance` of `rect`'s size of the same side of `rect`
 * (x sides against rect.width, y sides against rect.height).
 * @param tolerance a share of rect's size, ≥ 0
 */
export function roiMovedLess(next: Rect, rect: Rect, tolerance: number): boolean {
  const dx = tolerance * rect.width;
  const dy = tolerance * rect.height;
  return (
    Math.abs(next.x - rect.x) <= dx &&
    Math.abs(next.x + next.width - rect.x - rect.width) <= dx &&
    Math.abs(next.y - rect.y) <= dy &&
    Math.abs(next.y + next.height - rect.y - rect.height) <= dy
  );
}

/**
 * Frames a tracked region of interest is reused (the base network on it alone) before the
 * whole frame is segmented again, on paths that track (the Canvas 2D path).
 */
export const TRACK_REFRESH_FRAMES = 8;

/**
 * Whether the person, as the network's mask over a tracked region of interest shows them,
 * is still inside it: no confident texel (> 0.5) on the mask's outer ring along a side of
 * `rect` that is not the frame's edge. When this fails the person may have moved out, and
 * the whole frame must be segmented again (the tracking idea of MediaPipe's graphs: the
 * previous frame's region is this frame's first guess).
 * @param mask [maskHeight, maskWidth] person confidence in 0..1 over `rect`
 * @param rect the region the mask covers, frame pixels
 */
export function roiHoldsPerson(mask: ArrayLike<number>, maskWidth: number, maskHeight: number, rect: Rect, frameWidth: number, frameHeight: number): boolean {
  const edge = 0.5;
  const sides = {
    left: rect.x > edge,
    right: rect.x + rect.width < frameWidth - edge,
    top: rect.y > edge,
    bottom: rect.y + rect.height < frameHeight - edge,
  };
  for (let y = 0; y < maskHeight; y++) {
    if (sides.left && mask[y * maskWidth]! > 0.5) return false;
    if (sides.right && mask[y * maskWidth + maskWidth - 1]! > 0.5) return false;
  }
  for (let x = 0; x < maskWidth; x++) {
    if (sides.top && mask[x]! > 0.5) return false;
    if (sides.bottom && mask[(maskHeight - 1) * maskWidth + x]! > 0.5) return false;
  }
  return true;
}
