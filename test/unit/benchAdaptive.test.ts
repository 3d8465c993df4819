import { describe, expect, it } from 'vitest';
import { formatAdaptive, settledFps, type AdaptiveResult } from '../../scripts/lib/bench/adaptive';

const rec = (ms: number) => ({ index: 0, ms });

describe('bench adaptive section', () => {
  it('settledFps: frames per second over the second half', () => {
    // First half slow (warming up / stepping down), second half 250 ms a frame.
    expect(settledFps([rec(1000), rec(1000), rec(250), rec(250)])).toBeCloseTo(4, 9);
    expect(settledFps([])).toBe(0);
  });

  it('formatAdaptive: says which targets were held and whether the fixed setting holds them', () => {
    const a: AdaptiveResult = {
      width: 640,
      height: 360,
      reachableTarget: 2.4,
      fixedHolds: { '30': false, '2.4': false },
      runs: [
        { targetFps: 0, renderer: 'webgpu', path: 'webgpu', frames: 36, fps: 1.9, levels: [0], finalLevel: 0, levelCount: 5, held: false },
        { targetFps: 30, renderer: 'webgpu', path: 'webgpu', frames: 36, fps: 2.9, levels: [4], finalLevel: 4, levelCount: 5, held: false },
        { targetFps: 2.4, renderer: 'webgpu', path: 'webgpu', frames: 36, fps: 2.5, levels: [2], finalLevel: 2, levelCount: 5, held: true },
        { targetFps: 30, renderer: 'auto', path: 'canvas2d', frames: 36, fps: 41.5, levels: [0], finalLevel: 0, levelCount: 1, held: true },
      ],
    };
    const text = formatAdaptive(a);
    expect(text).toContain('fixed (targetFps 0)');
    expect(text).toMatch(/target 30 fps\s+2\.90 fps, level 4\/4 at the end — not held/);
    expect(text).toMatch(/target 2\.4 fps\s+2\.50 fps, level 2\/4 at the end — held/);
    expect(text).toMatch(/target 30 fps, renderer auto\s+41\.50 fps, on the Canvas 2D path — held/);
    expect(text).toContain('the fixed setting does not hold 2.4 fps and does not hold 30 fps');
  });
});
