import { describe, expect, it } from 'vitest';
import { iou, mse, sad } from '../../src/eval/metrics';

describe('matting metrics', () => {
  const a = [0, 0.5, 1, 1];
  const g = [0, 1, 1, 0];

  it('SAD is Σ|a − g| / 1000', () => {
    expect(sad(a, g)).toBeCloseTo(1.5 / 1000, 12);
    expect(sad(g, a)).toBeCloseTo(1.5 / 1000, 12);
    expect(sad(new Float32Array([0.25, 0.25]), new Float32Array([0.25, 0.25]))).toBe(0);
  });

  it('MSE is mean (a − g)² × 1000', () => {
    expect(mse(a, g)).toBeCloseTo(((0 + 0.25 + 0 + 1) / 4) * 1000, 9);
    expect(mse([1], [0])).toBe(1000);
  });

  it('IoU of a > 0.5 and g > 0.5 (0.5 itself is background)', () => {
    // a > 0.5 = {2, 3}, g > 0.5 = {1, 2} → 1 / 3
    expect(iou(a, g)).toBeCloseTo(1 / 3, 12);
    expect(iou([0.6, 0.9], [0.51, 1])).toBe(1);
    expect(iou([1, 0], [0, 1])).toBe(0);
  });

  it('IoU of two empty masks is 1', () => {
    expect(iou([0, 0.5, 0.2], [0.5, 0, 0])).toBe(1);
  });

  it('rejects masks of different or zero size', () => {
    for (const f of [sad, mse, iou]) {
      expect(() => f([0, 1], [0, 1, 1])).toThrow(RangeError);
      expect(() => f([], [])).toThrow(RangeError);
    }
  });
});
