import { describe, expect, it } from 'vitest';
import { coverFit, coverSourceRect } from '../../src/gpu/params/composite';
import { BLUR_SIGMA_FRACTION, BLUR_STRENGTHS } from '../../src/options';
import { canvasBlurPlan, MASK_MAX_SIDE, maskSize } from '../../src/pipeline/canvas/canvasPipeline';

describe('the Canvas 2D path: pure parts', () => {
  it('cover-fits a background as the WebGPU composite does', () => {
    for (const [w, h, bw, bh] of [[1280, 720, 400, 300], [640, 480, 1920, 1080], [320, 180, 320, 180], [100, 400, 50, 50]] as const) {
      const r = coverSourceRect(w, h, bw, bh);
      const gpu = coverFit(w, h, bw, bh);
      // The GPU maps output pixel p to image uv = p·bgScale + bgOffset: the crop is uv 0 → 1 across the output.
      expect(r.sx / bw).toBeCloseTo(gpu.bgOffset[0], 12);
      expect(r.sy / bh).toBeCloseTo(gpu.bgOffset[1], 12);
      expect(r.sw / bw).toBeCloseTo(gpu.bgScale[0] * w, 12);
      expect(r.sh / bh).toBeCloseTo(gpu.bgScale[1] * h, 12);
      // Inside the image, one side exactly, the aspect of the frame.
      expect(r.sx).toBeGreaterThanOrEqual(0);
      expect(r.sy).toBeGreaterThanOrEqual(0);
      expect(Math.min(bw - r.sw, bh - r.sh)).toBeCloseTo(0, 9);
      expect(r.sw / r.sh).toBeCloseTo(w / h, 9);
    }
  });

  it('blurs with the WebGPU path’s sigma for each strength', () => {
    for (const height of [180, 720, 1080]) {
      for (const strength of BLUR_STRENGTHS) {
        const { factor, sigma } = canvasBlurPlan(height, strength);
        expect(Number.isInteger(factor) && factor >= 1).toBe(true);
        expect(sigma * factor).toBeCloseTo(BLUR_SIGMA_FRACTION[strength] * height, 9);
      }
    }
  });

  it('keeps the mask at most MASK_MAX_SIDE a side, aspect kept', () => {
    expect(maskSize(320, 180)).toEqual({ width: 320, height: 180 });
    expect(maskSize(1920, 1080)).toEqual({ width: MASK_MAX_SIDE, height: 360 });
    expect(maskSize(720, 1280)).toEqual({ width: 360, height: MASK_MAX_SIDE });
    expect(maskSize(5000, 2)).toEqual({ width: MASK_MAX_SIDE, height: 1 });
  });
});
