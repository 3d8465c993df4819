import type { Rect } from '../../types/geometry';
import { at, createImage, smoothstep, type FloatImage } from './image';
import type { UpsampleMaskParams } from '../params/upsample';

/** Coarse masks with their low-res guides: over the whole frame and over the region of interest. */
export interface UpsampleMaskInputs {
  /** Full-resolution guide [H,W,≥3] in 0..1. */
  frame: FloatImage;
  /** The frame downsampled to the mask size [h,w,≥3]. */
  guideFull: FloatImage;
  /** Person confidence over the whole frame [h,w,1] in 0..1. */
  maskFull: FloatImage;
  /** The ROI downsampled to the mask size [h,w,≥3]. */
  guideRoi: FloatImage;
  /** Person confidence over the ROI [h,w,1] in 0..1. */
  maskRoi: FloatImage;
  /** ROI in full-res pixels (the whole frame when there is no second pass). */
  roi: Rect;
}

function jbu(mask: FloatImage, guideLow: FloatImage, rect: Rect, px: number, py: number, guide: number[], p: UpsampleMaskParams): number {
  const f = Math.fround;
  const posX = f(f(f(px - rect.x) * mask.width) / f(rect.width)) - 0.5;
  const posY = f(f(f(py - rect.y) * mask.height) / f(rect.height)) - 0.5;
  const bx = Math.floor(posX);
  const by = Math.floor(posY);
  const invS = 1 / (2 * p.sigmaSpatial * p.sigmaSpatial);
  const invR = 1 / (2 * p.sigmaRange * p.sigmaRange);
  let sum = 0;
  let wsum = 0;
  for (let dy = 1 - p.radius; dy <= p.radius; dy++) {
    for (let dx = 1 - p.radius; dx <= p.radius; dx++) {
      const qx = bx + dx;
      const qy = by + dy;
      const ds = (qx - posX) ** 2 + (qy - posY) ** 2;
      let dc = 0;
      for (let c = 0; c < 3; c++) dc += (at(guideLow, qx, qy, c) - guide[c]!) ** 2;
      const w = Math.exp(-ds * invS) * Math.max(Math.exp(-dc * invR), 1e-4);
      sum += w * at(mask, qx, qy, 0);
      wsum += w;
    }
  }
  return Math.min(Math.max(sum / wsum, 0), 1);
}

/** The contrast curve applied to the upsampled confidence: smoothstep(0.3, 0.7, ·). */
export const PRIOR_EDGE: readonly [number, number] = [0.3, 0.7];

/** Weight of the ROI mask at a pixel centre: see shaders/upsample_mask.wgsl roiWeight. */
export function roiWeight(roi: Rect, px: number, py: number, width: number, height: number, feather: number): number {
  const big = 1e9;
  const dl = roi.x <= 0 ? big : px - roi.x;
  const dt = roi.y <= 0 ? big : py - roi.y;
  const dr = roi.x + roi.width >= width ? big : roi.x + roi.width - px;
  const db = roi.y + roi.height >= height ? big : roi.y + roi.height - py;
  return Math.min(Math.max(Math.min(dl, dr, dt, db) / feather, 0), 1);
}

/**
 * Reference of shaders/upsample_mask.wgsl: joint bilateral upsampling
 * (Kopf et al., "Joint Bilateral Upsampling", SIGGRAPH 2007) of the ROI mask inside the
 * ROI and the full-frame mask outside, blended over `feather` pixels, then sharpened with
 * smoothstep(0.3, 0.7, ·) (the network's confidence falls off more softly than alpha does).
 * @returns alpha [H,W,1] in 0..1
 */
export function upsampleMaskReference(inputs: UpsampleMaskInputs, params: UpsampleMaskParams): FloatImage {
  const { frame, roi } = inputs;
  const out = createImage(frame.width, frame.height, 1);
  const whole: Rect = { x: 0, y: 0, width: frame.width, height: frame.height };
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const guide = [0, 1, 2].map((c) => at(frame, x, y, c));
      const w = roiWeight(roi, x + 0.5, y + 0.5, frame.width, frame.height, params.feather);
      let a = 0;
      if (w > 0) a = w * jbu(inputs.maskRoi, inputs.guideRoi, roi, x + 0.5, y + 0.5, guide, params);
      if (w < 1) a += (1 - w) * jbu(inputs.maskFull, inputs.guideFull, whole, x + 0.5, y + 0.5, guide, params);
      out.data[y * frame.width + x] = smoothstep(PRIOR_EDGE[0], PRIOR_EDGE[1], a);
    }
  }
  return out;
}
