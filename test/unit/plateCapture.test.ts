import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../../src/errors';
import { countdown, resolveCaptureOptions } from '../../src/element/plateCapture';

describe('resolveCaptureOptions', () => {
  it('defaults to a 3-second countdown and 9 frames', () => {
    expect(resolveCaptureOptions({})).toEqual({ countdownSeconds: 3, frames: 9 });
    expect(resolveCaptureOptions({ countdownSeconds: 0, frames: 1 })).toEqual({ countdownSeconds: 0, frames: 1 });
  });

  it('rejects out-of-range values, naming the option', () => {
    for (const bad of [-1, 61, Number.NaN, Infinity, '3' as unknown as number]) {
      expect(() => resolveCaptureOptions({ countdownSeconds: bad })).toThrow(InvalidOptionError);
    }
    for (const bad of [0, 61, 2.5, Number.NaN]) {
      expect(() => resolveCaptureOptions({ frames: bad })).toThrow(/"frames"/);
    }
  });
});

describe('countdown', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('ticks the whole seconds left, one second apart, then resolves', async () => {
    const ticks: [number, number][] = [];
    const start = performance.now();
    let done = false;
    const finished = countdown(3, (left) => ticks.push([left, performance.now() - start]), new AbortController().signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(2999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await finished;
    expect(ticks).toEqual([
      [3, 0],
      [2, 1000],
      [1, 2000],
    ]);
  });

  it('rounds a fractional countdown up and resolves at once for 0', async () => {
    const ticks: number[] = [];
    const finished = countdown(1.5, (left) => ticks.push(left), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(1500);
    await finished;
    expect(ticks).toEqual([2, 1]);
    const zero: number[] = [];
    await countdown(0, (left) => zero.push(left), new AbortController().signal);
    expect(zero).toEqual([]);
  });

  it('rejects with the abort reason and stops ticking', async () => {
    const abort = new AbortController();
    const ticks: number[] = [];
    const finished = countdown(3, (left) => ticks.push(left), abort.signal);
    const outcome = finished.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1200);
    abort.abort(new Error('cancelled'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(((await outcome) as Error).message).toBe('cancelled');
    expect(ticks).toEqual([3, 2]);
    const already = new AbortController();
    already.abort(new Error('before'));
    await expect(countdown(3, () => undefined, already.signal)).rejects.toThrow('before');
  });
});
