import { describe, expect, it } from 'vitest';
import { stageDurations } from '../../src/gpu/stageTimer';

describe('stageDurations', () => {
  it('gives each stage the interval since the previous mark, in ms, summing repeated names', () => {
    const ticks = new BigInt64Array([1_000_000n, 3_500_000n, 4_000_000n, 10_000_000n]);
    expect(stageDurations(['start', 'import', 'refine', 'import'], ticks)).toEqual({ import: 8.5, refine: 0.5 });
  });

  it('is empty with fewer than two marks, and never negative (clock quirks)', () => {
    expect(stageDurations(['start'], new BigInt64Array([5n]))).toEqual({});
    expect(stageDurations(['start', 'a'], new BigInt64Array([2_000_000n, 1_000_000n]))).toEqual({ a: 0 });
  });
});
