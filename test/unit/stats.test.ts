import { describe, expect, it } from 'vitest';
import { percentile, summarise } from '../../scripts/lib/stats';

describe('percentile (nearest rank)', () => {
  const ten = [7, 3, 10, 1, 5, 9, 2, 8, 6, 4]; // 1..10 shuffled

  it('picks the ceil(p·n/100)-th smallest value', () => {
    expect(percentile(ten, 50)).toBe(5);
    expect(percentile(ten, 95)).toBe(10);
    expect(percentile(ten, 90)).toBe(9);
    expect(percentile(ten, 91)).toBe(10);
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile(ten, 0)).toBe(1);
    expect(percentile([42], 50)).toBe(42);
  });

  // ceil((p / 100) · n) would round floating-point error up: (55 / 100) · 100 = 55.00000000000001.
  it('is exact for every integer p on 1..100', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    for (let p = 1; p <= 100; p++) expect(percentile(hundred, p), `p${p}`).toBe(p);
  });

  it('is NaN for an empty list and does not reorder its input', () => {
    expect(percentile([], 50)).toBeNaN();
    const copy = [...ten];
    percentile(ten, 50);
    expect(ten).toEqual(copy);
  });
});

describe('summarise', () => {
  it('gives median and p95 of each numeric field, rounded to 0.01', () => {
    const records = [
      { total: 1.004, gpu: 3, label: 'a' },
      { total: 2.006, gpu: 1, label: 'b' },
      { total: 3.001, gpu: 2, label: 'c' },
    ];
    const s = summarise(records);
    // total sorted 1.004, 2.006, 3.001: median = 2nd (ceil 1.5), p95 = 3rd (ceil 2.85)
    expect(s.total).toEqual({ median: 2.01, p95: 3 });
    expect(s.gpu).toEqual({ median: 2, p95: 3 });
    // a field with no numbers gives NaN
    expect(s.label!.median).toBeNaN();
    expect(summarise([])).toEqual({});
  });
});
