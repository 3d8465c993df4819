import { describe, expect, it } from 'vitest';
import { coverFit, coverSourceRect } from '../../src/gpu/params/composite';
import { BLUR_SIGMA_FRACTION, BLUR_STRENGTHS } from '../../src/options';
import { canvasBlurPlan, cpuMatteParams, MATTE_GRID_MAX_SIDE } from '../../src/pipeline/canvas/canvasPipeline';
import { DEFAULT_CPU_MATTE_PARAMS } from '../../src/pipeline/canvas/cpuMatte';

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

  it('keeps the matte grid at most MATTE_GRID_MAX_SIDE blocks a side, blocks of 2 pixels or more, the feather 2 blocks', () => {
    const blocks = (w: number, h: number): number => cpuMatteParams(w, h).scale;
    expect(blocks(320, 180)).toBe(2);
    expect(blocks(640, 360)).toBe(2);
    expect(blocks(1280, 720)).toBe(2);
    expect(blocks(720, 1280)).toBe(2);
    expect(blocks(1281, 720)).toBe(3);
    expect(blocks(1920, 1080)).toBe(3);
    expect(blocks(3840, 2160)).toBe(6);
    expect(blocks(5000, 2)).toBe(8);
    for (const [w, h] of [[640, 360], [1281, 720], [1920, 1080], [5000, 2]] as const) {
      const p = cpuMatteParams(w, h);
      expect(Math.ceil(Math.max(w, h) / p.scale)).toBeLessThanOrEqual(MATTE_GRID_MAX_SIDE);
      expect(p.feather / p.scale).toBe(DEFAULT_CPU_MATTE_PARAMS.feather / DEFAULT_CPU_MATTE_PARAMS.scale);
      expect({ ...p, scale: 0, feather: 0 }).toEqual({ ...DEFAULT_CPU_MATTE_PARAMS, scale: 0, feather: 0 });
    }
    // options.edgeSensitivity becomes the prior's range sigma.
    expect(cpuMatteParams(640, 360, 0.25).sigmaRange).toBe(0.25);
  });
});
