import { describe, expect, it } from 'vitest';
import { AdaptiveQuality, QUALITY_LEVELS } from '../../src/worker/adaptive';
import { ROI_PASSES } from '../../src/pipeline/roi';

/** A synthetic pipeline: frame time in ms at each level for a given load. */
function costModel(base: number): (level: number) => number {
  // Each level removes a share of the work, as the ladder intends.
  const share = [1, 0.75, 0.6, 0.45, 0.35];
  return (level) => base * share[level]!;
}

/** Runs `frames` frames through the controller; returns the levels and the frame times. */
function run(q: AdaptiveQuality, frames: number, cost: (level: number) => number, jitter = 0): { levels: number[]; times: number[] } {
  const levels: number[] = [];
  const times: number[] = [];
  let level = q.state.level;
  let seed = 1;
  for (let i = 0; i < frames; i++) {
    seed = (seed * 48271) % 0x7fffffff;
    const noise = jitter * ((seed / 0x7fffffff) * 2 - 1);
    const ms = cost(level) * (1 + noise);
    times.push(ms);
    level = q.observe(ms);
    levels.push(level);
  }
  return { levels, times };
}

describe('quality levels', () => {
  it('go from the full pipeline to no refinement, never adding work', () => {
    expect(QUALITY_LEVELS[0]).toEqual({ roiPasses: ROI_PASSES, budgetScale: 1 });
    expect(QUALITY_LEVELS.at(-1)).toEqual({ roiPasses: 0, budgetScale: 0 });
    for (let i = 1; i < QUALITY_LEVELS.length; i++) {
      expect(QUALITY_LEVELS[i]!.roiPasses).toBeLessThanOrEqual(QUALITY_LEVELS[i - 1]!.roiPasses);
      expect(QUALITY_LEVELS[i]!.budgetScale).toBeLessThan(QUALITY_LEVELS[i - 1]!.budgetScale);
    }
  });
});

describe('AdaptiveQuality', () => {
  it('stays at the best level when frames fit the budget', () => {
    const q = new AdaptiveQuality(30);
    const { levels } = run(q, 200, costModel(20), 0.2);
    expect(new Set(levels)).toEqual(new Set([0]));
  });

  it('steps down when frames run late until the target holds, and stays there without oscillating', () => {
    const q = new AdaptiveQuality(30);
    // Full quality takes 50 ms (20 fps); level 2 takes 30 ms, level 3 22.5 ms.
    const { levels, times } = run(q, 600, costModel(50), 0.1);
    const settled = levels.slice(100);
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(2);
    const tail = times.slice(300);
    const fps = 1000 / (tail.reduce((a, b) => a + b, 0) / tail.length);
    expect(fps).toBeGreaterThanOrEqual(30);
    // Few changes once settled: a level that ran late is not retried while its cost is known.
    const changes = settled.filter((l, i) => i > 0 && l !== settled[i - 1]).length;
    expect(changes).toBeLessThanOrEqual(2);
  });

  it('climbs back when the load drops', () => {
    const q = new AdaptiveQuality(30);
    run(q, 100, costModel(80));
    expect(q.state.level).toBe(QUALITY_LEVELS.length - 1);
    run(q, 900, costModel(12));
    expect(q.state.level).toBe(0);
  });

  it('does not climb to a level it measured as too slow (remembered cost), but retries it later', () => {
    const q = new AdaptiveQuality(30);
    // Level 0: 40 ms (late); level 1: 20 ms (fast). Without memory it would bounce 0 ↔ 1.
    const cost = (level: number): number => (level === 0 ? 40 : 20);
    const { levels } = run(q, 500, cost);
    const ups = levels.filter((l, i) => i > 0 && l < levels[i - 1]!).length;
    expect(levels.at(-1)).toBe(1);
    // At most one retry per REMEMBER_FRAMES (600) frames.
    expect(ups).toBeLessThanOrEqual(1);
  });

  it('target 0 turns adaptation off and returns to level 0', () => {
    const q = new AdaptiveQuality(30);
    run(q, 50, costModel(100));
    expect(q.state.level).toBeGreaterThan(0);
    q.setTarget(0);
    expect(q.state.level).toBe(0);
    const { levels } = run(q, 50, costModel(100));
    expect(new Set(levels)).toEqual(new Set([0]));
    expect(q.state.targetFps).toBe(0);
  });

  it('rejects invalid targets', () => {
    expect(() => new AdaptiveQuality(-1)).toThrow(RangeError);
    expect(() => new AdaptiveQuality(Number.NaN)).toThrow(RangeError);
    expect(() => new AdaptiveQuality(30, 0)).toThrow(RangeError);
    expect(() => new AdaptiveQuality(30).setTarget(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
