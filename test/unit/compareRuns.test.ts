import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/eval/compareRuns';
import type { StillScore } from '../../src/eval/score';

const score = (id: string, iou: number): StillScore => ({ id, sad: 0, mse: 0, grad: 0, conn: 0, band_sad: 0, iou });

describe('compareRuns', () => {
  it('measures the matte difference, the mask IoU and the IoU delta', () => {
    const a = { s1: [0, 0.2, 0.8, 1], s2: [1, 1, 0, 0] };
    const b = { s1: [0, 0.4, 0.8, 0.2], s2: [1, 1, 0, 0] };
    const r = compareRuns(['s1', 's2'], (id) => a[id as 's1'], (id) => b[id as 's1'], [score('s1', 0.9), score('s2', 0.8)], [score('s1', 0.95), score('s2', 0.8)]);
    expect(r.stills[0]!.mad).toBeCloseTo((0.2 + 0.8) / 4, 12);
    expect(r.stills[0]!.iou).toBeCloseTo(1 / 2, 12); // {2,3} vs {2}
    expect(r.stills[0]!.iouDelta).toBeCloseTo(-0.05, 12);
    expect(r.stills[1]).toMatchObject({ mad: 0, iou: 1, iouDelta: 0 });
    expect(r.mad).toBeCloseTo(0.125, 12);
  });

  it('refuses mattes of different sizes and stills without scores', () => {
    expect(() => compareRuns(['s'], () => [0, 1], () => [0], [score('s', 1)], [score('s', 1)])).toThrow(/pixels/);
    expect(() => compareRuns(['s'], () => [0], () => [0], [score('s', 1)], [])).toThrow(/no score in run B/);
  });
});
